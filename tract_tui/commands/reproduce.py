"""``tract-tui reproduce STORE RECORD_ID [--json] [--tract ID]``: does a record reproduce?

Recompiles the record's head as of its time. Exit 0 when the effective list matches, 1 when
it does not (every differing commit is explained), 2 on error.
"""

from __future__ import annotations

import argparse

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import (
    add_json_argument,
    add_store_arguments,
    open_tract,
    print_json,
    short,
)


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("record_id", metavar="RECORD_ID", help="record id or unique prefix")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    with open_tract(args) as tract:
        rep = tract.reproduce(args.record_id)
    code = 0 if rep.matches else 1
    if args.json:
        print_json(rep)
        return code
    rec = rep.record
    verdict = "reproduces" if rep.matches else "does NOT reproduce"
    lines = [
        f"record {rec.record_id} {verdict}: head {short(rec.head_hash) or '(none)'} at "
        f"{rec.created_at.isoformat()}",
        f"  recorded {len(rec.effectives)} commits, recompiled {len(rep.recompiled)}",
        f"  tokens: {rep.token_note}",
    ]
    lines += [f"  - {d.kind} [{d.reason}]: {d.detail}" for d in rep.differences]
    if rep.changed_since:
        lines.append("  since the record (compile of its head now):")
        lines += [f"  - {d.kind} [{d.reason}]: {d.detail}" for d in rep.changed_since]
    out(*(plain(line) for line in lines))
    return code


COMMAND = Command(
    "reproduce", "check that a compile record reproduces (exit 1 if not)", configure, run
)

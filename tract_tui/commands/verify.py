"""``tract-tui verify STORE [--json]``: re-derive every hash and check every reference.

Exit 0 when the store is clean, 1 when problems were found, 2 when it could not be verified.
"""

from __future__ import annotations

import argparse
import json

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import add_readonly_argument


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="store path or SQLAlchemy URL")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    # Accepted for uniformity: verify never writes, with or without it.
    add_readonly_argument(parser)


def run(args: argparse.Namespace) -> int:
    from core import verify_store  # lazy: `tract-tui -h` stays instant

    report = verify_store(args.store)
    if args.json:
        # ASCII-escaped JSON: stored text can never reach the terminal raw.
        out(json.dumps(report.to_dict(), indent=2))
    else:
        out(*(plain(line) for line in report.format_lines()))
    return 0 if report.ok else 1


COMMAND = Command(
    "verify", "check every hash and reference of a store (writes nothing)", configure, run
)

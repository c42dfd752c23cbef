"""``tract-tui why STORE COMMIT [--record ID | --at REF] [--json] [--tract ID]``.

Why a commit is (or is not) in a compile: one verdict (used, edited, skipped, compressed,
replaced, not_on_branch, after_record, unreachable, not_compiled) and the chain of operations
that led there. Relative to the record named, else a live compile at REF, else the latest
record (a live compile of HEAD when there is none).
"""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING, Any

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import (
    add_json_argument,
    add_store_arguments,
    open_tract,
    print_json,
)

if TYPE_CHECKING:
    from core import Explanation, Step

WIDTH = 100


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("commit", metavar="COMMIT", help="a hash, prefix, branch or HEAD~N")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--record", metavar="ID", help="relative to this compile record")
    which.add_argument("--at", metavar="REF", help="relative to a live compile at REF")
    add_json_argument(parser)


def step_dict(step: Step) -> dict[str, Any]:
    ann = step.annotation
    return {
        "kind": step.kind,
        "commit": step.commit,
        "commits": list(step.commits),
        "event_id": step.event_id,
        "event_type": step.event_type,
        "reason": ann.reason if ann is not None else None,
        "annotation": None
        if ann is None
        else {
            "id": ann.id,
            "priority": ann.priority,
            "reason": ann.reason,
            "created_at": ann.created_at.isoformat(),
        },
        "position": step.position,
        "tokens": step.tokens,
        "branches": list(step.branches),
        "text": step.text,
    }


def explanation_dict(e: Explanation) -> dict[str, Any]:
    s = e.subject
    return {
        "commit": e.commit,
        "verdict": e.verdict,
        "compile": {
            "kind": s.kind,
            "record_id": s.record_id,
            "head": s.head,
            "at": s.at.isoformat(),
            "ref": s.ref,
        },
        "position": e.position,
        "tokens": e.tokens,
        "into": e.into,
        "event_id": e.event_id,
        "edit": e.edit,
        "chain": [step_dict(st) for st in e.chain],
        "text": e.text,
    }


def run(args: argparse.Namespace) -> int:
    with open_tract(args) as tract:
        e = tract.why(args.commit, record=args.record, at=args.at)
    if args.json:
        print_json(explanation_dict(e))
        return 0
    out(plain(f"{e.commit[:12]}: {e.verdict.replace('_', ' ')} ({e.subject.label})"))
    out(*textwrap.wrap(plain(e.text), WIDTH))
    return 0


COMMAND = Command(
    "why", "why a commit is (or is not) in a compile: verdict and chain", configure, run
)

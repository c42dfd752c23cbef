"""``tract-tui revert STORE EVENT_ID``: undo a compress or reorganize if its branch stayed put."""

from __future__ import annotations

import argparse

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import add_store_arguments, open_tract


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("event_id", metavar="EVENT_ID", help="the event to revert")


def run(args: argparse.Namespace) -> int:
    with open_tract(args) as tract:
        result = tract.revert(args.event_id)
    head = result.head[:12] if result.head else "(unborn)"
    out(
        f"reverted {result.reverted_event}: {plain(result.branch)} is back at {head} "
        f"(event {result.event_id})"
    )
    return 0


COMMAND = Command("revert", "undo a compress or reorganize event", configure, run)

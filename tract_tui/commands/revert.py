"""``tract-tui revert STORE EVENT_ID [--force]``: undo a compress or reorganize if its branch
stayed put. A store whose quick check finds damage is refused unless ``--force``."""

from __future__ import annotations

import argparse

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import add_store_arguments, open_tract


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("event_id", metavar="EVENT_ID", help="the event to revert")
    parser.add_argument(
        "--force", action="store_true", help="write even if the store looks damaged"
    )


def run(args: argparse.Namespace) -> int:
    with open_tract(args) as tract:
        if not args.force:
            tract.require_intact("revert")
        result = tract.revert(args.event_id)
    head = result.head[:12] if result.head else "(unborn)"
    out(
        f"reverted {result.reverted_event}: {plain(result.branch)} is back at {head} "
        f"(event {result.event_id})"
    )
    return 0


COMMAND = Command("revert", "undo a compress or reorganize event", configure, run)

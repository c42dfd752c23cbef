"""``tract-tui pin|skip STORE REF [--reason TEXT] [--clear] [--force]``: annotate a commit.

``pin`` keeps a commit verbatim through compressions; ``skip`` leaves it out of compiles;
``--clear`` puts it back to normal. One annotation row, as the TUI's ``p`` / ``s`` / ``u``
write. A store whose quick check finds damage is refused unless ``--force``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import add_store_arguments, open_tract


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("ref", metavar="REF", help="the commit (hash prefix, branch, HEAD~N)")
    parser.add_argument("--reason", help="why (kept with the annotation)")
    parser.add_argument("--clear", action="store_true", help="back to normal priority")
    parser.add_argument(
        "--force", action="store_true", help="write even if the store looks damaged"
    )


def runner(verb: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from core import Priority

        priority = (
            Priority.NORMAL if args.clear else Priority.PINNED if verb == "pin" else Priority.SKIP
        )
        with open_tract(args) as tract:
            if not args.force:
                tract.require_intact(verb)
            info = tract.annotate(args.ref, priority, args.reason)
        done = "cleared" if args.clear else {"pin": "pinned", "skip": "skipped"}[verb]
        out(plain(f"{done} {info.target_hash[:12]} (annotation #{info.id})"))
        return 0

    return run


PIN = Command("pin", "pin a commit (kept verbatim by compress)", configure, runner("pin"))
SKIP = Command("skip", "skip a commit (left out of compiles)", configure, runner("skip"))

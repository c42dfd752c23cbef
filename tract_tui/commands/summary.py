"""``tract-tui summary STORE [--tract ID]``: a plain-text summary of a store, for scripts.

Tracts with their commit counts, branches with their tips, HEAD, and event and record counts.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tract_tui.commands import Command
from tract_tui.commands._output import first_line, out, pad, plain, width
from tract_tui.commands._scripting import add_readonly_argument, waiting

if TYPE_CHECKING:
    from core import HeadState, UpgradeReport
    from core.read import TractOverview


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="store path or SQLAlchemy URL")
    parser.add_argument(
        "--create", action="store_true", help="create the store if it does not exist"
    )
    parser.add_argument("--tract", metavar="ID", help="only this tract (id or a unique prefix)")
    add_readonly_argument(parser)


def _upgraded(report: UpgradeReport) -> None:
    print(f"tract-tui: {plain(report.summary())}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from core import Store
    from core.read import find_tract, overview

    with Store.open(
        args.store,
        create=args.create,
        readonly=True if args.readonly else None,
        on_upgrade=_upgraded,
        on_wait=waiting,
    ) as store:
        out(plain(f"store: {store.display} ({store.version.label})"))
        tracts = overview(store)
        if args.tract:
            wanted = find_tract(store, args.tract)
            tracts = [t for t in tracts if t.tract.tract_id == wanted]
    out(f"{len(tracts)} tract(s)" + ("" if tracts else " (empty store)"))
    for tract in tracts:
        out("", *_tract_lines(tract))
    return 0


def _tract_lines(t: TractOverview) -> list[str]:
    tid = t.tract.tract_id
    name = f" ({t.tract.display_name})" if t.tract.display_name else ""
    lines = [
        plain(
            f"tract {tid}{name}: {t.tract.commit_count} commits, "
            f"{t.events} operation events, {t.records} compile records"
        )
    ]
    lines.append("  " + _head_line(t.head))
    if not t.branches:
        return [*lines, "  no branches"]
    # Escaped first, then padded by terminal cells: escapes and wide names keep columns.
    names = [plain(b.name) for b in t.branches]
    column = max(width(name) for name in names)
    lines.append("  branches:")
    for branch, shown in zip(t.branches, names, strict=True):
        mark = "*" if t.head.branch is not None and t.head.branch == branch.name else " "
        tip = branch.tip
        where = tip.short if tip else f"{(branch.commit_hash or '')[:8]} (missing)"
        label = f"  {mark} {pad(shown, column)}  {where}"
        message = first_line(tip.message) if tip else ""
        lines.append(f"{label}  {message}".rstrip())
    return lines


def _head_line(head: HeadState) -> str:
    if not head.exists:
        return "HEAD: none (empty tract)"
    if head.branch is not None:
        return plain(f"HEAD -> {head.branch} ({(head.commit or '')[:8] or 'unborn branch'})")
    return plain(f"HEAD detached at {(head.commit or '')[:8]}")


COMMAND = Command(
    "summary", "print a summary of a store (tracts, branches, counts)", configure, run
)

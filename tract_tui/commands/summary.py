"""``tract-tui summary STORE``: a plain-text summary of a store, for scripts and quick looks.

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
    from core.operations.context import HeadState
    from core.operations.tracts import TractSummary
    from core.storage.repositories import UnitOfWork
    from core.storage.store import UpgradeReport


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="store path or SQLAlchemy URL")
    parser.add_argument(
        "--create", action="store_true", help="create the store if it does not exist"
    )
    add_readonly_argument(parser)


def _upgraded(report: UpgradeReport) -> None:
    print(f"tract-tui: {plain(report.summary())}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from core.operations.tracts import list_tracts
    from core.storage.store import Store

    with Store.open(
        args.store,
        create=args.create,
        readonly=True if args.readonly else None,
        on_upgrade=_upgraded,
        on_wait=waiting,
    ) as store:
        out(plain(f"store: {store.display} ({store.version.label})"))
        with store.read() as uow:
            tracts = list_tracts(uow)
            out(f"{len(tracts)} tract(s)" + ("" if tracts else " (empty store)"))
            for tract in tracts:
                out("", *_tract_lines(uow, tract))
    return 0


def _tract_lines(uow: UnitOfWork, tract: TractSummary) -> list[str]:
    from core.operations.context import BRANCH_PREFIX, branch_short, head_state

    tid = tract.tract_id
    name = f" ({tract.display_name})" if tract.display_name else ""
    lines = [
        plain(
            f"tract {tid}{name}: {tract.commit_count} commits, "
            f"{uow.events.count(tid)} operation events, {uow.records.count(tid)} compile records"
        )
    ]
    head = head_state(uow, tid)
    lines.append("  " + _head_line(head))
    branches = [r for r in uow.refs.list(tid) if r.ref_name.startswith(BRANCH_PREFIX)]
    if not branches:
        return [*lines, "  no branches"]
    tips = uow.commits.get_many(r.commit_hash for r in branches if r.commit_hash)
    # Escaped first, then padded by terminal cells: escapes and wide names keep columns.
    names = {r.ref_name: plain(branch_short(r.ref_name)) for r in branches}
    column = max(width(name) for name in names.values())
    lines.append("  branches:")
    for ref in branches:
        mark = "*" if head.branch is not None and head.branch == branch_short(ref.ref_name) else " "
        tip = tips.get(ref.commit_hash or "")
        where = tip.short if tip else f"{(ref.commit_hash or '')[:8]} (missing)"
        label = f"  {mark} {pad(names[ref.ref_name], column)}  {where}"
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

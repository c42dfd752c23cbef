"""``tract-tui log STORE [--graph] [--limit N] [--json] [--tract ID]``: the commit history.

Without ``--graph``: the first-parent chain from HEAD, newest first. With ``--graph``: every
branch's commits, newest first in topological order, with the lanes drawn by
``core.views.lanes`` (the same layout the TUI draws).
"""

from __future__ import annotations

import argparse
import heapq
from typing import TYPE_CHECKING, Any

from tract_tui.commands import Command
from tract_tui.commands._output import first_line, out, plain
from tract_tui.commands._scripting import (
    add_json_argument,
    add_store_arguments,
    open_tract,
    print_json,
    when,
)

if TYPE_CHECKING:
    from core.models.records import CommitInfo
    from core.storage.repositories import UnitOfWork


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--graph", action="store_true", help="all branches, with lanes")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N commits")
    add_json_argument(parser)


def ref_labels(uow: UnitOfWork, tract_id: str) -> dict[str, list[str]]:
    """Per commit: ``HEAD -> main``, ``feature``, ``HEAD`` (detached) labels, in that order."""
    from core.operations.context import BRANCH_PREFIX, branch_short, head_state

    state = head_state(uow, tract_id)
    labels: dict[str, list[str]] = {}
    for ref in sorted(uow.refs.list(tract_id), key=lambda r: r.ref_name):
        if ref.commit_hash and ref.ref_name.startswith(BRANCH_PREFIX):
            name = branch_short(ref.ref_name)
            label = f"HEAD -> {name}" if state.branch == name else name
            labels.setdefault(ref.commit_hash, []).append(label)
    if state.detached and state.commit:
        labels.setdefault(state.commit, []).insert(0, "HEAD")
    for hashes in labels.values():
        hashes.sort(key=lambda label: not label.startswith("HEAD"))
    return labels


def graph_commits(uow: UnitOfWork, tract_id: str) -> list[tuple[CommitInfo, tuple[str, ...]]]:
    """Every commit reachable from a branch or HEAD, newest first, children before parents."""
    from core.operations.context import BRANCH_PREFIX, head_state

    tips = {
        r.commit_hash
        for r in uow.refs.list(tract_id)
        if r.commit_hash and r.ref_name.startswith(BRANCH_PREFIX)
    }
    head = head_state(uow, tract_id).commit
    if head:
        tips.add(head)
    hashes = uow.commits.ancestors(tips)
    commits = {h: c for h, c in uow.commits.get_many(hashes).items() if c.tract_id == tract_id}
    merges = uow.parents.parents_of(commits)
    parents: dict[str, tuple[str, ...]] = {
        h: merges.get(h) or ((c.parent_hash,) if c.parent_hash else ()) for h, c in commits.items()
    }
    pending = dict.fromkeys(commits, 0)  # children not yet emitted
    for ps in parents.values():
        for p in set(ps):
            if p in pending:
                pending[p] += 1

    def key(h: str) -> tuple[float, str]:
        return (-commits[h].created_at.timestamp(), h)

    ready = [key(h) for h, n in pending.items() if n == 0]
    heapq.heapify(ready)
    order: list[tuple[CommitInfo, tuple[str, ...]]] = []
    while ready:
        _, h = heapq.heappop(ready)
        order.append((commits[h], parents[h]))
        for p in set(parents[h]):
            if p in pending:
                pending[p] -= 1
                if pending[p] == 0:
                    heapq.heappush(ready, key(p))
    return order


def _commit_dict(c: CommitInfo, parents: tuple[str, ...], refs: list[str]) -> dict[str, Any]:
    return {
        "hash": c.commit_hash,
        "parents": list(parents),
        "refs": refs,
        "created_at": c.created_at.isoformat(),
        "operation": c.operation.name,
        "content_type": c.content_type,
        "response_to": c.response_to,
        "message": c.message,
        "token_count": c.token_count,
    }


def run(args: argparse.Namespace) -> int:
    from core.operations import navigation as nav
    from core.views.lane_render import render_text
    from core.views.lanes import layout_rows

    limit = args.limit if args.limit is None or args.limit >= 0 else 0
    with open_tract(args) as tract, tract.store.read() as uow:
        labels = ref_labels(uow, tract.tract_id)
        if args.graph:
            rows = graph_commits(uow, tract.tract_id)[:limit]
        else:
            chain = nav.log(uow, tract.ctx, limit=limit)
            rows = [(c, (c.parent_hash,) if c.parent_hash else ()) for c in chain]
    graphs: list[str] = []
    if args.graph:
        layouts = layout_rows((c.commit_hash, parents) for c, parents in rows)
        graphs = [render_text(layout) for layout in layouts]
    if args.json:
        items = [_commit_dict(c, p, labels.get(c.commit_hash, [])) for c, p in rows]
        for item, graph in zip(items, graphs, strict=False):
            item["graph"] = graph
        print_json({"tract_id": tract.tract_id, "commits": items})
        return 0
    if not rows:
        out("no commits")
        return 0
    width = max((len(g) for g in graphs), default=0)
    for i, (c, _) in enumerate(rows):
        refs = labels.get(c.commit_hash, [])
        ref_text = plain(f" ({', '.join(refs)})") if refs else ""
        edit = " EDIT" if c.is_edit else ""
        lane = graphs[i].ljust(width) + " " if graphs else ""
        line = f"{lane}{c.short}{ref_text}  {when(c.created_at)}{edit}  {first_line(c.message, 72)}"
        out(line.rstrip())
    return 0


COMMAND = Command("log", "commit history (--graph: all branches with lanes)", configure, run)

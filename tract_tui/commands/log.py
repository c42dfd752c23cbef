"""``tract-tui log STORE [--graph] [--limit N] [--json] [--tract ID]``: the commit history.

Without ``--graph``: the first-parent chain from HEAD, newest first. With ``--graph``: every
branch's commits as the app's graph shows them (``core.read.StoreReader.graph``: newest first,
children before parents, the same lanes), read only as far as ``--limit`` needs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tract_tui import collector
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


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--graph", action="store_true", help="all branches, with lanes")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N commits")
    add_json_argument(parser)


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
    limit = args.limit if args.limit is None or args.limit >= 0 else 0
    if not args.graph and limit is not None and not args.tract:
        from core.read import quick_log

        # A store at our layout is read without the storage layer (~0.2 s of imports).
        quick = quick_log(args.store, limit, head_arrow="->")
        if quick is not None:
            collector.resume()
            rows = [(c, (c.parent_hash,) if c.parent_hash else ()) for c in quick.commits]
            return _print(args, quick.tract_id, quick.labels, rows, [])
    return _read_and_print(args, limit)


def _read_and_print(args: argparse.Namespace, limit: int | None) -> int:
    from core.read import StoreReader
    from core.views.lane_render import render_text

    graphs: list[str] = []
    with open_tract(args) as tract:
        reader = StoreReader(tract)
        if args.graph:
            refs, model = reader.graph(limit=limit, head_arrow="->")
            count = len(model) if limit is None else min(limit, len(model))
            commits = reader.commits(model.hashes[:count])
            layouts = model.layouts(0, count)
            shown = [i for i, h in enumerate(model.hashes[:count]) if h in commits]  # not GC'd
            rows = [(commits[model.hashes[i]], model.parents[i]) for i in shown]
            graphs = [render_text(layouts[i]) for i in shown]
        else:
            refs = reader.refs(head_arrow="->")
            chain = tract.log(limit=limit)
            rows = [(c, (c.parent_hash,) if c.parent_hash else ()) for c in chain]
    return _print(args, tract.tract_id, refs.labels, rows, graphs)


def _print(
    args: argparse.Namespace,
    tract_id: str,
    labels: dict[str, list[str]],
    rows: Sequence[tuple[CommitInfo, tuple[str, ...]]],
    graphs: list[str],
) -> int:
    if args.json:
        items = [_commit_dict(c, p, labels.get(c.commit_hash, [])) for c, p in rows]
        for item, graph in zip(items, graphs, strict=False):
            item["graph"] = graph
        print_json({"tract_id": tract_id, "commits": items})
        return 0
    if not rows:
        out("no commits")
        return 0
    width = max((len(g) for g in graphs), default=0)
    for i, (c, _) in enumerate(rows):
        refs_here = labels.get(c.commit_hash, [])
        ref_text = plain(f" ({', '.join(refs_here)})") if refs_here else ""
        edit = " EDIT" if c.is_edit else ""
        lane = graphs[i].ljust(width) + " " if graphs else ""
        line = f"{lane}{c.short}{ref_text}  {when(c.created_at)}{edit}  {first_line(c.message, 72)}"
        out(line.rstrip())
    return 0


COMMAND = Command("log", "commit history (--graph: all branches with lanes)", configure, run)

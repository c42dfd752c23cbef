"""``tract-tui events STORE [--limit N] [--json] [--tract ID]``: operation events, newest first.

Each event with its source and result commits in order, its tokens and its params; for a
compress, the identifiers (paths, URLs, numbers with units, error names, code names, hashes)
its sources held and its summaries lost.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import (
    add_json_argument,
    add_store_arguments,
    open_tract,
    print_json,
    short,
    when,
)

if TYPE_CHECKING:
    from core import CompactionLoss

LOST_SHOWN = 8


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--limit", type=int, metavar="N", help="at most N events")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    with open_tract(args) as tract:
        page = tract.events(limit=args.limit)
        losses = tract.compaction_losses()
    if args.json:
        rows = [{**_fields(ev), "lost": _lost(losses.get(ev.event_id))} for ev in page.rows]
        print_json({"tract_id": tract.tract_id, "total": page.total, "events": rows})
        return 0
    if not page.rows:
        out("no operation events")
        return 0
    for i, ev in enumerate(page.rows):
        branch = f" on {ev.branch}" if ev.branch else ""
        extra = "".join(
            f", {k} {v}" for k, v in (("summarizer", ev.summarizer), ("model", ev.model)) if v
        )
        lines = [
            f"{short(ev.event_id)}  {ev.event_type}{branch}  {when(ev.created_at)}",
            f"  tokens {ev.tokens_before} -> {ev.tokens_after} (ratio {ev.ratio:.2f}){extra}",
            f"  sources ({ev.source_count}): {' '.join(short(h) for h in ev.sources) or '-'}",
            f"  results ({ev.result_count}): {' '.join(short(h) for h in ev.results) or '-'}",
        ]
        loss = losses.get(ev.event_id)
        if loss is not None:
            shown = ", ".join(i.value for i in loss.lost[:LOST_SHOWN])
            more = f" and {loss.count - LOST_SHOWN} more" if loss.count > LOST_SHOWN else ""
            lines.append(
                f"  lost: {loss.count} of {loss.found} identifiers"
                + (f" ({shown}{more})" if loss.count else "")
            )
        if ev.params:
            lines.append("  params: " + json.dumps(ev.params, ensure_ascii=False, default=str))
        out(*([""] if i else []), *(plain(line) for line in lines))
    if page.total > len(page.rows):
        out("", f"({page.total - len(page.rows)} more; raise --limit)")
    return 0


def _fields(row: object) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}  # type: ignore[arg-type]


def _lost(loss: CompactionLoss | None) -> dict[str, Any] | None:
    if loss is None:
        return None
    return {
        "count": loss.count,
        "found": loss.found,
        "by_kind": loss.by_kind(),
        "identifiers": [{"kind": i.kind, "value": i.value} for i in loss.lost],
        "texts_missing": loss.missing_texts,
    }


COMMAND = Command("events", "operation events with their source and result commits", configure, run)

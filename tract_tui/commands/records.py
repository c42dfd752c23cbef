"""``tract-tui records STORE [--limit N] [--json] [--tract ID]``: compile records, newest first.

Each record with its head, counts, token source, params, ordered effective commits and its
prefix-cache break against the previous record on its line; first, a sparkline of the tokens
per record over time (oldest to newest, compressions marked below it).
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
    from core import CacheBreak, TokenTimeline
    from core.views.records import RecordRow

SPARK_WIDTH = 60


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--limit", type=int, metavar="N", help="at most N records")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from core.read import StoreReader

    with open_tract(args) as tract:
        page = StoreReader(tract).records_page(0, args.limit, with_commits=True)
        breaks = tract.cache_breaks(limit=args.limit)
        timeline = tract.token_timeline(limit=args.limit)
    if args.json:
        rows = [
            {**_fields(r), "purpose": r.purpose, "cache_break": _break(breaks.get(r.record_id))}
            for r in page.rows
        ]
        print_json(
            {
                "tract_id": tract.tract_id,
                "total": page.total,
                "records": rows,
                "timeline": _timeline(timeline),
            }
        )
        return 0
    if not page.rows:
        out("no compile records")
        return 0
    out(*_spark_lines(timeline), "")
    for i, r in enumerate(page.rows):
        params = json.dumps(r.params, ensure_ascii=False, default=str) if r.params else "null"
        source = f" ({r.token_source})" if r.token_source else ""
        lines = [
            f"{r.record_id}  {when(r.created_at)}  head {short(r.head_hash) or '(none)'}",
            f"  {r.commit_count} commits, {r.token_count} tokens{source}, params {params}",
            f"  commits: {' '.join(short(h) for h in r.commits) or '-'}",
        ]
        cb = breaks.get(r.record_id)
        if cb is not None:
            prefix = f" (after {short(cb.previous)})" if cb.previous else ""
            lines.append(f"  cache{prefix}: {cb.text}")
        out(*([""] if i else []), *(plain(line) for line in lines))
    if page.total > len(page.rows):
        out("", f"({page.total - len(page.rows)} more; raise --limit)")
    return 0


def _break(cb: CacheBreak | None) -> dict[str, Any] | None:
    if cb is None:
        return None
    return {
        "previous": cb.previous,
        "position": cb.position,
        "shared_messages": cb.shared_messages,
        "shared_tokens": cb.shared_tokens,
        "resent_tokens": cb.resent_tokens,
        "new_tokens": cb.new_tokens,
        "reason": cb.reason,
        "text": cb.text,
    }


def _timeline(t: TokenTimeline) -> dict[str, Any]:
    return {
        "sparkline": t.sparkline(),
        "points": [
            {
                "record_id": p.record_id,
                "created_at": p.created_at.isoformat(),
                "token_count": p.token_count,
                "message_tokens": p.message_tokens,
                "by_role": dict(p.by_role),
                "by_content_type": dict(p.by_content_type),
            }
            for p in t.points
        ],
        "compressions": [
            {
                "event_id": m.event_id,
                "created_at": m.created_at.isoformat(),
                "tokens_before": m.tokens_before,
                "tokens_after": m.tokens_after,
            }
            for m in t.marks
        ],
    }


def _spark_lines(t: TokenTimeline) -> list[str]:
    """The sparkline, and under it ``▲`` where a compression came between two records."""
    if not t.points:
        return []
    spark = t.sparkline(SPARK_WIDTH)
    shown = t.points[-len(spark) :]
    below = "".join(
        "▲" if any(prev.created_at < m.created_at <= p.created_at for m in t.marks) else " "
        for prev, p in zip((shown[0], *shown), shown, strict=False)
    )
    low = min(p.token_count for p in shown)
    high = max(p.token_count for p in shown)
    lines = [f"tokens per record, oldest → newest: {spark}  ({low:,}–{high:,})"]
    if below.strip():
        lines.append(" " * len("tokens per record, oldest → newest: ") + below.rstrip())
        lines.append("(▲ a compression before that record)")
    return lines


def _fields(row: RecordRow) -> dict[str, object]:
    import dataclasses

    return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}


COMMAND = Command("records", "compile records with their ordered commits", configure, run)

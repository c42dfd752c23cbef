"""The token timeline: every compile record's tokens over time, by role and by content type,
with the compress events marked (for a chart and the CLI's sparkline)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.explain.facts import Facts, Positions, TractFacts
from core.explain.message_rows import FactsCache, message_rows
from core.explain.models import Subject
from core.models.records import CompileRecord
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class TimelinePoint:
    record_id: str
    created_at: datetime
    token_count: int  # as recorded
    message_tokens: int  # Σ per-message tokens (the stacks add up to this)
    by_role: tuple[tuple[str, int], ...]  # most tokens first
    by_content_type: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class TimelineMark:
    event_id: str
    event_type: str
    created_at: datetime
    tokens_before: int
    tokens_after: int


@dataclass(frozen=True)
class TokenTimeline:
    points: tuple[TimelinePoint, ...]  # oldest first
    marks: tuple[TimelineMark, ...]  # compress events, oldest first
    roles: tuple[str, ...]  # every role that occurs, most tokens overall first
    content_types: tuple[str, ...]

    def sparkline(self, width: int | None = None) -> str:
        return sparkline([p.token_count for p in self.points], width)


def sparkline(values: Sequence[int], width: int | None = None) -> str:
    """One block character per value (the newest ``width``), scaled to the largest."""
    shown = list(values[-width:] if width else values)
    if not shown:
        return ""
    top = max(shown) or 1
    return "".join(SPARKS[min(len(SPARKS) - 1, v * (len(SPARKS) - 1) // top)] for v in shown)


def _sorted(acc: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(acc.items(), key=lambda kv: (-kv[1], kv[0])))


def token_timeline(
    uow: UnitOfWork,
    ctx: TractContext,
    records: Sequence[CompileRecord],
    blobs: FactsCache | None = None,
) -> TokenTimeline:
    tract = TractFacts(uow, ctx)
    blobs = FactsCache() if blobs is None else blobs
    points = []
    role_total: dict[str, int] = defaultdict(int)
    type_total: dict[str, int] = defaultdict(int)
    for rec in sorted(records, key=lambda r: (r.created_at, r.record_id)):
        subject = Subject("record", rec.head_hash or None, rec.created_at, rec.record_id)
        rows = message_rows(Facts(uow, ctx, subject, Positions(rec.effectives), tract), blobs)
        by_role: dict[str, int] = defaultdict(int)
        by_type: dict[str, int] = defaultdict(int)
        for r in rows:
            by_role[r.role] += r.tokens
            by_type[r.content_type] += r.tokens
        for k, v in by_role.items():
            role_total[k] += v
        for k, v in by_type.items():
            type_total[k] += v
        points.append(
            TimelinePoint(
                rec.record_id,
                rec.created_at,
                rec.token_count,
                sum(r.tokens for r in rows),
                _sorted(by_role),
                _sorted(by_type),
            )
        )
    marks = tuple(
        TimelineMark(e.event_id, e.event_type, e.created_at, e.original_tokens, e.compressed_tokens)
        for e in sorted(tract.hops.events.values(), key=lambda e: (e.created_at, e.event_id))
        if e.event_type == "compress"
    )
    return TokenTimeline(
        tuple(points),
        marks,
        tuple(k for k, _ in _sorted(role_total)),
        tuple(k for k, _ in _sorted(type_total)),
    )

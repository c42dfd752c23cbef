"""Read model: the operation events of a tract, newest first (compress, reorganize, import …).

One page is two set-based queries (events, then all their commit links) plus a count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import AmbiguousRefError, NotFoundError
from core.models.records import OperationEvent
from core.storage.repositories import UnitOfWork


@dataclass(frozen=True)
class EventRow:
    event_id: str
    event_type: str
    created_at: datetime
    branch: str | None
    tokens_before: int
    tokens_after: int
    ratio: float  # after / before (0 when before is 0)
    summarizer: str | None
    model: str | None
    sources: tuple[str, ...]  # in order
    results: tuple[str, ...]
    params: dict[str, Any] | None

    @property
    def source_count(self) -> int:
        return len(self.sources)

    @property
    def result_count(self) -> int:
        return len(self.results)


@dataclass(frozen=True)
class EventPage:
    rows: tuple[EventRow, ...]
    total: int  # events of the tract, all pages
    limit: int | None
    offset: int


def _param(params: Mapping[str, Any] | None, *keys: str) -> str | None:
    """The first of ``keys`` found in params or in a nested config dict of theirs."""
    if not params:
        return None
    nested = [params] + [
        v for k in ("generation_config", "llm", "config") if isinstance(v := params.get(k), Mapping)
    ]
    for scope in nested:
        for key in keys:
            value = scope.get(key)
            if value not in (None, ""):
                return str(value)
    return None


def event_row(event: OperationEvent) -> EventRow:
    return EventRow(
        event_id=event.event_id,
        event_type=event.event_type,
        created_at=event.created_at,
        branch=event.branch_name,
        tokens_before=event.original_tokens,
        tokens_after=event.compressed_tokens,
        ratio=event.ratio,
        summarizer=_param(event.params, "summarizer", "summariser", "source"),
        model=_param(event.params, "model"),
        sources=event.sources,
        results=event.results,
        params=event.params,
    )


def list_events(
    uow: UnitOfWork, tract_id: str, *, limit: int | None = None, offset: int = 0
) -> EventPage:
    events = uow.events.list(tract_id, limit=limit, offset=offset)
    return EventPage(
        rows=tuple(event_row(e) for e in events),
        total=uow.events.count(tract_id),
        limit=limit,
        offset=offset,
    )


def get_event(uow: UnitOfWork, tract_id: str, event_id: str) -> EventRow:
    """One event of this tract by id, or by a unique id prefix (≥ 4 characters)."""
    ref = event_id.strip().lower()
    event = uow.events.get(ref) if ref else None
    if event is None and len(ref) >= 4:
        ids = [e.event_id for e in uow.events.list(tract_id) if e.event_id.startswith(ref)]
        if len(ids) == 1:
            event = uow.events.get(ids[0])
        elif len(ids) > 1:
            raise AmbiguousRefError(ref, ids)
    if event is None or event.tract_id != tract_id:
        raise NotFoundError(f"no operation event {event_id!r} in this tract")
    return event_row(event)

"""Read model: the compile records of a tract, newest first, optionally with their commits.

One page is one query for the records, one for all their effective commits (when asked),
and a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.models.records import CompileRecord
from core.storage.repositories import UnitOfWork


@dataclass(frozen=True)
class RecordRow:
    record_id: str
    created_at: datetime
    head_hash: str  # '' when the tract had no commit
    commit_count: int
    token_count: int
    token_source: str
    params: dict[str, Any] | None  # None for records written by tract-ai
    commits: tuple[str, ...] = ()  # ordered effective commits (when loaded)

    @property
    def purpose(self) -> str | None:
        value = (self.params or {}).get("purpose")
        return str(value) if value is not None else None

    @property
    def written_by_tract_ai(self) -> bool:
        return self.params is None


@dataclass(frozen=True)
class RecordPage:
    rows: tuple[RecordRow, ...]
    total: int
    limit: int | None
    offset: int


def record_row(record: CompileRecord, commits: tuple[str, ...] | None = None) -> RecordRow:
    return RecordRow(
        record_id=record.record_id,
        created_at=record.created_at,
        head_hash=record.head_hash,
        commit_count=record.commit_count,
        token_count=record.token_count,
        token_source=record.token_source,
        params=record.params,
        commits=record.effectives if commits is None else commits,
    )


def list_records(
    uow: UnitOfWork,
    tract_id: str,
    *,
    limit: int | None = None,
    offset: int = 0,
    with_commits: bool = False,
) -> RecordPage:
    records = uow.records.list(tract_id, limit=limit, offset=offset)
    effectives = uow.records.effectives_of(r.record_id for r in records) if with_commits else {}
    return RecordPage(
        rows=tuple(record_row(r, effectives.get(r.record_id, ())) for r in records),
        total=uow.records.count(tract_id),
        limit=limit,
        offset=offset,
    )

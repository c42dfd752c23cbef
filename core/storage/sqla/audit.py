"""Operation events and compile records over SQLAlchemy Core."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from core.engine.clock import stored_time, to_storage
from core.models.records import CompileRecord, OperationEvent
from core.storage import schema as s
from core.storage.effectives_cache import EffectivesCache
from core.storage.repositories import CompileRecordRepository, OperationEventRepository
from core.storage.row_decode import parse_dict, text
from core.storage.sqla import record_chains
from core.storage.sqla._common import chunks, insert_rows, raw_text, unique

SOURCE = "source"
RESULT = "result"

_EVENT_COLUMNS = (
    s.operation_events.c.event_id,
    s.operation_events.c.tract_id,
    s.operation_events.c.event_type,
    s.operation_events.c.branch_name,
    raw_text(s.operation_events.c.created_at).label("created_at"),
    s.operation_events.c.original_tokens,
    s.operation_events.c.compressed_tokens,
    raw_text(s.operation_events.c.params_json).label("params_json"),
)

_RECORD_COLUMNS = (
    s.compile_records.c.record_id,
    s.compile_records.c.tract_id,
    s.compile_records.c.head_hash,
    s.compile_records.c.token_count,
    s.compile_records.c.commit_count,
    s.compile_records.c.token_source,
    raw_text(s.compile_records.c.params_json).label("params_json"),
    raw_text(s.compile_records.c.created_at).label("created_at"),
)


class SqlOperationEventRepository(OperationEventRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, event: OperationEvent) -> None:
        self.conn.execute(
            insert(s.operation_events).values(
                event_id=event.event_id,
                tract_id=event.tract_id,
                event_type=event.event_type,
                branch_name=event.branch_name,
                created_at=to_storage(event.created_at),
                original_tokens=event.original_tokens,
                compressed_tokens=event.compressed_tokens,
                params_json=event.params,
            )
        )
        insert_rows(
            self.conn,
            s.operation_commits,
            ("event_id", "commit_hash", "role", "position"),
            (
                (event.event_id, h, role, i)
                for role, hashes in ((SOURCE, event.sources), (RESULT, event.results))
                for i, h in enumerate(hashes)
            ),
        )

    def _with_links(self, rows: Sequence[Any]) -> list[OperationEvent]:
        oc = s.operation_commits.c
        links: dict[str, dict[str, list[tuple[int, str]]]] = {}
        for batch in chunks([r.event_id for r in rows]):
            for link in self.conn.execute(
                select(oc.event_id, oc.commit_hash, oc.role, oc.position).where(
                    oc.event_id.in_(batch)
                )
            ):
                links.setdefault(link.event_id, {}).setdefault(link.role, []).append(
                    (int(link.position), link.commit_hash)
                )
        out = []
        for r in rows:
            ev_links = links.get(r.event_id, {})
            out.append(
                OperationEvent(
                    event_id=r.event_id,
                    tract_id=r.tract_id,
                    event_type=text(r.event_type, "operation_events", r.event_id, "event_type"),
                    branch_name=text(r.branch_name, "operation_events", r.event_id, "branch_name"),
                    created_at=stored_time(r.created_at),
                    original_tokens=int(r.original_tokens or 0),
                    compressed_tokens=int(r.compressed_tokens or 0),
                    params=parse_dict(r.params_json),
                    sources=tuple(h for _, h in sorted(ev_links.get(SOURCE, []))),
                    results=tuple(h for _, h in sorted(ev_links.get(RESULT, []))),
                )
            )
        return out

    def get(self, event_id: str) -> OperationEvent | None:
        rows = self.conn.execute(
            select(*_EVENT_COLUMNS).where(s.operation_events.c.event_id == event_id)
        ).all()
        found = self._with_links(rows)
        return found[0] if found else None

    def get_many(self, event_ids: Iterable[str]) -> dict[str, OperationEvent]:
        e = s.operation_events.c
        rows: list[Any] = []
        for batch in chunks(unique(event_ids)):
            rows.extend(self.conn.execute(select(*_EVENT_COLUMNS).where(e.event_id.in_(batch))))
        return {ev.event_id: ev for ev in self._with_links(rows)}

    def list(
        self, tract_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[OperationEvent]:
        e = s.operation_events.c
        stmt = (
            select(*_EVENT_COLUMNS)
            .where(e.tract_id == tract_id)
            .order_by(e.created_at.desc(), e.event_id.desc())
            .offset(offset)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        return self._with_links(self.conn.execute(stmt).all())

    def count(self, tract_id: str) -> int:
        e = s.operation_events.c
        return int(
            self.conn.execute(
                select(func.count()).select_from(s.operation_events).where(e.tract_id == tract_id)
            ).scalar_one()
        )

    def for_commits(self, hashes: Iterable[str]) -> dict[str, builtins.list[tuple[str, str]]]:
        oc = s.operation_commits.c
        out: dict[str, builtins.list[tuple[str, str]]] = {}
        for batch in chunks(unique(hashes)):
            for r in self.conn.execute(
                select(oc.commit_hash, oc.event_id, oc.role).where(oc.commit_hash.in_(batch))
            ):
                out.setdefault(r.commit_hash, []).append((r.event_id, r.role))
        return out

    def commit_links(self, hashes: Iterable[str]) -> dict[str, builtins.list[tuple[str, str, str]]]:
        oc = s.operation_commits.c
        ev = s.operation_events.c
        out: dict[str, list[tuple[str, str, str]]] = {}
        for batch in chunks(unique(hashes)):
            for r in self.conn.execute(
                select(oc.commit_hash, oc.event_id, ev.event_type, oc.role)
                .join(s.operation_events, ev.event_id == oc.event_id)
                .where(oc.commit_hash.in_(batch))
            ):
                out.setdefault(r.commit_hash, []).append((r.event_id, r.event_type, r.role))
        return out

    def referenced_commits(self, tract_id: str | None = None, role: str | None = None) -> set[str]:
        oc = s.operation_commits.c
        stmt = select(oc.commit_hash).distinct()
        if tract_id is not None:
            stmt = stmt.join(
                s.operation_events, s.operation_events.c.event_id == oc.event_id
            ).where(s.operation_events.c.tract_id == tract_id)
        if role is not None:
            stmt = stmt.where(oc.role == role)
        return {r[0] for r in self.conn.execute(stmt)}

    def unlink_commits(self, hashes: Iterable[str]) -> None:
        oc = s.operation_commits.c
        for batch in chunks(unique(hashes)):
            self.conn.execute(delete(s.operation_commits).where(oc.commit_hash.in_(batch)))

    def delete_empty(self, event_ids: Iterable[str] | None = None) -> int:
        e = s.operation_events.c
        linked = select(s.operation_commits.c.event_id)
        if event_ids is None:
            res = self.conn.execute(delete(s.operation_events).where(e.event_id.not_in(linked)))
            return int(res.rowcount or 0)
        n = 0
        for batch in chunks(unique(event_ids)):
            res = self.conn.execute(
                delete(s.operation_events).where(e.event_id.in_(batch), e.event_id.not_in(linked))
            )
            n += int(res.rowcount or 0)
        return n


class SqlCompileRecordRepository(CompileRecordRepository):
    def __init__(self, conn: Connection, kept: EffectivesCache | None = None) -> None:
        self.conn = conn
        self._kept = kept  # the store's records' effective lists (see effectives_cache)

    def add(self, record: CompileRecord) -> None:
        self.conn.execute(
            insert(s.compile_records).values(
                record_id=record.record_id,
                tract_id=record.tract_id,
                head_hash=record.head_hash,
                token_count=record.token_count,
                commit_count=record.commit_count,
                token_source=record.token_source,
                params_json=record.params,
                created_at=to_storage(record.created_at),
            )
        )
        insert_rows(
            self.conn,
            s.compile_effectives,
            ("record_id", "commit_hash", "position"),
            ((record.record_id, h, i) for i, h in enumerate(record.effectives)),
        )
        if self._kept is not None:  # used only once the store holds these rows (committed)
            self._kept.put(record.record_id, tuple(record.effectives))

    @staticmethod
    def _record(r: Any, effectives: tuple[str, ...] = ()) -> CompileRecord:
        return CompileRecord(
            record_id=r.record_id,
            tract_id=r.tract_id,
            head_hash=text(r.head_hash, "compile_records", r.record_id, "head_hash") or "",
            token_count=int(r.token_count or 0),
            commit_count=int(r.commit_count or 0),
            token_source=text(r.token_source, "compile_records", r.record_id, "token_source") or "",
            params=parse_dict(r.params_json),
            created_at=stored_time(r.created_at),
            effectives=effectives,
        )

    def get(self, record_id: str) -> CompileRecord | None:
        row = self.conn.execute(
            select(*_RECORD_COLUMNS).where(s.compile_records.c.record_id == record_id)
        ).first()
        if row is None:
            return None
        eff = self._own([record_id]).get(record_id, ())
        record = self._record(row, eff)
        link = record_chains.link_of(record.params)
        if link is not None:  # an imported turn: its context extends another record's
            full = record_chains.expand(self.conn, {record_id: eff}, {record_id: link})
            record = self._record(row, full[record_id])
        return record

    def list(
        self, tract_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[CompileRecord]:
        cr = s.compile_records.c
        stmt = (
            select(*_RECORD_COLUMNS)
            .where(cr.tract_id == tract_id)
            .order_by(cr.created_at.desc(), cr.record_id.desc())
            .offset(offset)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        return [self._record(r) for r in self.conn.execute(stmt)]

    def count(self, tract_id: str) -> int:
        cr = s.compile_records.c
        return int(
            self.conn.execute(
                select(func.count()).select_from(s.compile_records).where(cr.tract_id == tract_id)
            ).scalar_one()
        )

    def effectives_of(self, record_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        ids = unique(record_ids)
        own = self._own(ids)
        links = record_chains.links_of(self.conn, ids)
        if not any(links.values()):
            return own
        full = record_chains.expand(self.conn, own, links)
        return {rid: v for rid, v in full.items() if v}

    def _own(self, record_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Each record's own rows in position order: kept lists where the store still holds
        as many rows, the rest read (and kept)."""
        kept = self._kept
        if kept is None:
            return record_chains.own_rows(self.conn, record_ids)
        ce = s.compile_effectives.c
        out: dict[str, tuple[str, ...]] = {}
        missing: dict[str, int] = {}  # record id: its rows in the store
        for batch in chunks(unique(record_ids)):
            counts: dict[str, int] = dict(
                self.conn.execute(
                    select(ce.record_id, func.count())
                    .where(ce.record_id.in_(batch))
                    .group_by(ce.record_id)
                ).all()
            )
            for rid in batch:
                stored = int(counts.get(rid, 0))
                if not stored:
                    continue  # no rows (a record of nothing, or none by that id)
                hit = kept.get(rid, stored)
                if hit is None:
                    missing[rid] = stored
                else:
                    out[rid] = hit
        if len(missing) == 1:  # one record: the panel's workers ask for it at once
            ((rid, stored),) = missing.items()
            read = kept.reading.get(
                rid,
                lambda: record_chains.own_rows(self.conn, [rid]),
                lambda other: len(other.get(rid, ())) == stored,  # read of the same rows
            )
        else:
            read = record_chains.own_rows(self.conn, missing) if missing else {}
        for rid, hashes in read.items():
            kept.put(rid, hashes)
        out.update(read)
        return out

    def records_using(self, hashes: Iterable[str]) -> dict[str, builtins.list[str]]:
        ce = s.compile_effectives.c
        out: dict[str, builtins.list[str]] = {}
        for batch in chunks(unique(hashes)):
            for r in self.conn.execute(
                select(ce.commit_hash, ce.record_id).where(ce.commit_hash.in_(batch))
            ):
                out.setdefault(r.commit_hash, []).append(r.record_id)
        return record_chains.users(self.conn, out) if out else out

    def referenced_commits(self) -> set[str]:
        ce = s.compile_effectives.c
        return {r[0] for r in self.conn.execute(select(ce.commit_hash).distinct())}

    def delete_older_than(self, tract_id: str, cutoff: datetime) -> int:
        cr = s.compile_records.c
        rows = self.conn.execute(
            select(cr.record_id, cr.created_at, raw_text(cr.params_json).label("p"))
            .where(cr.tract_id == tract_id)
            .order_by(cr.created_at.desc(), cr.record_id.desc())
        ).all()
        limit = to_storage(cutoff)
        old = [r.record_id for r in rows if stored_time(r.created_at) < stored_time(limit)]
        links = {r.record_id: record_chains.link_of(parse_dict(r.p)) for r in rows}
        # A record another kept record extends stays: that record's context needs it.
        gone = sorted(record_chains.deletable(links, old, [r.record_id for r in rows]))
        for batch in chunks(gone):
            self.conn.execute(
                delete(s.compile_effectives).where(s.compile_effectives.c.record_id.in_(batch))
            )
            self.conn.execute(delete(s.compile_records).where(cr.record_id.in_(batch)))
        if self._kept is not None:
            self._kept.drop(gone)
        return len(gone)

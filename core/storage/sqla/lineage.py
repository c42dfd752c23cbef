"""Reads behind the explanations (``core.explain``): a record's positions, a tract's edits,
children and descendants of a few commits, and the blobs a message list was made from.

Each is one set-based query (chunked under the parameter limits); a walk is one recursive CTE.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, and_, bindparam, cast, select, text

from core.engine.clock import from_storage, to_storage
from core.storage import schema as s
from core.storage.repositories import LineageRepository, MessageFacts
from core.storage.sqla._common import chunks, raw_rows, raw_text, unique

# Forward reachability over both parent kinds (see walks.ANCESTORS_SQL for the shape).
_DESCENDANTS_SQL = {
    "sqlite": """
        WITH RECURSIVE d(h) AS (
            SELECT commit_hash FROM commits WHERE commit_hash IN :seeds
            UNION
            SELECT c.commit_hash FROM commits c JOIN d ON c.parent_hash = d.h
            UNION
            SELECT cp.commit_hash FROM commit_parents cp JOIN d ON cp.parent_hash = d.h
        )
        SELECT h FROM d LIMIT :cap
    """,
    "postgresql": """
        WITH RECURSIVE d(h) AS (
            SELECT commit_hash FROM commits WHERE commit_hash IN :seeds
            UNION
            SELECT e.c FROM d CROSS JOIN LATERAL (
                SELECT c.commit_hash AS c FROM commits c WHERE c.parent_hash = d.h
                UNION ALL
                SELECT cp.commit_hash FROM commit_parents cp WHERE cp.parent_hash = d.h
            ) e
        )
        SELECT h FROM d LIMIT :cap
    """,
}


class SqlLineageRepository(LineageRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def effective_hashes(self, record_id: str) -> list[str]:
        e = s.compile_effectives.c
        stmt = select(e.commit_hash).where(e.record_id == bindparam("rid")).order_by(e.position)
        return [r[0] for r in raw_rows(self.conn, stmt, {"rid": record_id})]

    def effective_positions(self, record_id: str, hashes: Iterable[str]) -> dict[str, int]:
        e = s.compile_effectives.c
        out: dict[str, int] = {}
        for batch in chunks(unique(hashes)):
            rows = self.conn.execute(
                select(e.commit_hash, e.position).where(
                    e.record_id == record_id, e.commit_hash.in_(batch)
                )
            )
            out.update({r[0]: int(r[1]) for r in rows})
        return out

    def edits_of_tract(self, tract_id: str) -> list[tuple[str, str, datetime]]:
        c = s.commits.c
        stmt = select(c.commit_hash, c.response_to, raw_text(c.created_at)).where(
            c.tract_id == tract_id,
            c.response_to.is_not(None),
            cast(c.operation, String) == "EDIT",
        )
        return [(h, t, from_storage(at)) for h, t, at in self.conn.execute(stmt)]

    def children(self, hashes: Iterable[str]) -> dict[str, list[str]]:
        c = s.commits.c
        cp = s.commit_parents.c
        out: dict[str, list[str]] = {}
        for batch in chunks(unique(hashes)):
            first = select(c.parent_hash, c.commit_hash).where(c.parent_hash.in_(batch))
            merged = select(cp.parent_hash, cp.commit_hash).where(
                cp.parent_hash.in_(batch), cp.position > 0
            )
            for stmt in (first, merged):
                for parent, child in self.conn.execute(stmt):
                    kids = out.setdefault(parent, [])
                    if child not in kids:
                        kids.append(child)
        return out

    def of_types(self, tract_id: str, types: Sequence[str]) -> list[str]:
        if not types:
            return []
        c = s.commits.c
        stmt = select(c.commit_hash).where(c.tract_id == tract_id, c.content_type.in_(types))
        return [r[0] for r in self.conn.execute(stmt)]

    def created_between(self, tract_id: str, after: datetime, until: datetime) -> list[str]:
        c = s.commits.c
        stmt = select(c.commit_hash).where(
            c.tract_id == tract_id,
            c.created_at > to_storage(after),
            c.created_at <= to_storage(until),
        )
        return [r[0] for r in self.conn.execute(stmt)]

    def descendants(self, hashes: Iterable[str], *, cap: int) -> set[str]:
        seeds = unique(hashes)
        if not seeds:
            return set()
        sql = text(_DESCENDANTS_SQL[self.conn.dialect.name]).bindparams(
            bindparam("seeds", expanding=True)
        )
        return {r[0] for r in self.conn.execute(sql, {"seeds": seeds, "cap": cap})}

    def message_facts(self, hashes: Iterable[str], encoding: str) -> dict[str, MessageFacts]:
        c = s.commits.c
        b = s.blobs.c
        mt = s.blob_message_tokens
        out: dict[str, MessageFacts] = {}
        for batch in chunks(unique(hashes)):
            stmt = (
                select(
                    c.commit_hash,
                    c.content_hash,
                    c.content_type,
                    b.payload_json,
                    mt.c.message_tokens,
                )
                .select_from(
                    s.commits.outerjoin(s.blobs, b.content_hash == c.content_hash).outerjoin(
                        mt,
                        and_(mt.c.content_hash == c.content_hash, mt.c.encoding == encoding),
                    )
                )
                .where(c.commit_hash.in_(batch))
            )
            for h, content_hash, content_type, payload, tokens in self.conn.execute(stmt):
                out[h] = MessageFacts(
                    content_hash,
                    content_type,
                    _text(payload),
                    None if tokens is None else int(tokens),
                )
        return out


def _text(payload: Any) -> str | None:
    if payload is None or isinstance(payload, str):
        return payload
    import json

    return json.dumps(payload, sort_keys=True, ensure_ascii=False)

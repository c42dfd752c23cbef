"""Reads behind the explanations (``core.explain``): a record's positions, a tract's edits,
children and descendants of a few commits, and the blobs a message list was made from.

Each is one set-based query (chunked under the parameter limits); a walk is one recursive CTE.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    text,
)

from core.engine.clock import from_storage, to_storage
from core.models.json_text import stored_text
from core.models.records import OperationEvent
from core.storage import schema as s
from core.storage.repositories import LineageRepository, MessageFacts
from core.storage.row_decode import parse_dict
from core.storage.schema_head import commits_table
from core.storage.sqla._common import chunks, raw_rows, raw_text, unique
from core.storage.versions import StoreVersion


@cache
def _tract_members() -> Any:
    c = s.commits.c
    return select(c.commit_hash).where(c.tract_id == bindparam("tract_id"))


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


# The old → new maps a compress keeps in params_json ("replayed", "preserved") can hold a
# whole history; they are read key by key in SQL, never parsed whole in Python.
_LIGHT_PARAMS = {
    "sqlite": (
        "CASE WHEN json_valid(e.params_json) "
        "THEN json_remove(e.params_json, '$.replayed', '$.preserved') END"
    ),
    "postgresql": (
        "CASE WHEN jsonb_typeof(CAST(e.params_json AS jsonb)) = 'object' "
        "THEN CAST(CAST(e.params_json AS jsonb) - 'replayed' - 'preserved' AS text) "
        "ELSE CAST(e.params_json AS text) END"
    ),
}


@cache
def _links_statement() -> Any:
    """Every commit link of a tract's events (one statement, read as plain tuples)."""
    oc = s.operation_commits.c
    e = s.operation_events.c
    return (
        select(oc.event_id, oc.role, oc.position, oc.commit_hash)
        .join(s.operation_events, e.event_id == oc.event_id)
        .where(e.tract_id == bindparam("tract"))
    )


class SqlLineageRepository(LineageRepository):
    def __init__(self, conn: Connection, version: StoreVersion | None = None) -> None:
        self.conn = conn
        # The layout's commits table (its edit column is keyed ``response_to`` either way) and
        # whether our token cache exists yet (a store we have not written to has none).
        self.commits = commits_table((version.edit_column if version else None) or "response_to")
        self.token_cache = version.has_token_cache if version else True

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
        c = self.commits.c
        # A range on the response_to index (EDITs are few); the tract is checked per row, not
        # through its index, which would read every commit of the tract.
        stmt = select(c.commit_hash, c.response_to, raw_text(c.created_at)).where(
            c.response_to > "",
            func.coalesce(c.tract_id, "") == tract_id,
            cast(c.operation, String) == "EDIT",
        )
        return [(h, t, from_storage(at)) for h, t, at in self.conn.execute(stmt)]

    def children(self, hashes: Iterable[str]) -> dict[str, list[str]]:
        c = self.commits.c
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

    def metadata_texts(
        self, hashes: Iterable[str], needle: str, *, tract_id: str | None = None
    ) -> dict[str, Any]:
        c = self.commits.c
        meta = raw_text(c.metadata_json)
        has = cast(c.metadata_json, Text).contains(needle)
        wanted = unique(hashes)
        out: dict[str, Any] = {}
        if tract_id is not None:  # most of a tract: one pass over it, then the others
            for commit_hash, raw in self.conn.execute(
                select(c.commit_hash, meta).where(c.tract_id == tract_id, has)
            ):
                out[commit_hash] = raw
            members = {r[0] for r in raw_rows(self.conn, _tract_members(), {"tract_id": tract_id})}
            wanted = [h for h in wanted if h not in members]
        for batch in chunks(wanted):
            stmt = select(c.commit_hash, meta).where(c.commit_hash.in_(batch), has)
            for commit_hash, raw in self.conn.execute(stmt):
                out[commit_hash] = raw
        return out

    def of_types(self, tract_id: str, types: Sequence[str]) -> list[str]:
        if not types:
            return []
        c = self.commits.c
        stmt = select(c.commit_hash).where(c.tract_id == tract_id, c.content_type.in_(types))
        return [r[0] for r in self.conn.execute(stmt)]

    def created_between(self, tract_id: str, after: datetime, until: datetime) -> list[str]:
        c = self.commits.c
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

    def events_light(self, tract_id: str) -> list[OperationEvent]:
        dialect = self.conn.dialect.name
        params = _LIGHT_PARAMS[dialect]
        sql = text(
            "SELECT e.event_id, e.tract_id, e.event_type, e.branch_name, e.created_at, "
            f"e.original_tokens, e.compressed_tokens, {params} AS params_json "
            "FROM operation_events e WHERE e.tract_id = :tract"
        )
        rows = self.conn.execute(sql, {"tract": tract_id}).all()
        links = self._links(tract_id)
        out = []
        for r in rows:
            mine = links.get(r[0], {})
            out.append(
                OperationEvent(
                    event_id=r[0],
                    tract_id=r[1],
                    event_type=r[2],
                    branch_name=r[3],
                    created_at=from_storage(r[4]),
                    original_tokens=int(r[5] or 0),
                    compressed_tokens=int(r[6] or 0),
                    params=parse_dict(r[7]),
                    sources=tuple(h for _, h in sorted(mine.get("source", []))),
                    results=tuple(h for _, h in sorted(mine.get("result", []))),
                )
            )
        return out

    def _links(self, tract_id: str) -> dict[str, dict[str, list[tuple[int, str]]]]:
        stmt = _links_statement()
        out: dict[str, dict[str, list[tuple[int, str]]]] = {}
        for event_id, role, position, commit_hash in raw_rows(self.conn, stmt, {"tract": tract_id}):
            out.setdefault(event_id, {}).setdefault(role, []).append((position, commit_hash))
        return out

    def params_text(self, event_ids: Sequence[str]) -> dict[str, str]:
        e = s.operation_events.c
        out: dict[str, str] = {}
        for batch in chunks(unique(event_ids)):
            stmt = select(e.event_id, cast(e.params_json, Text)).where(e.event_id.in_(batch))
            out.update({r[0]: r[1] for r in self.conn.execute(stmt) if r[1]})
        return out

    def message_facts(self, hashes: Iterable[str], encoding: str) -> dict[str, MessageFacts]:
        c = self.commits.c
        b = s.blobs.c
        mt = s.blob_message_tokens
        source = self.commits.outerjoin(s.blobs, b.content_hash == c.content_hash)
        if self.token_cache:
            source = source.outerjoin(
                mt, and_(mt.c.content_hash == c.content_hash, mt.c.encoding == encoding)
            )
        cached = mt.c.message_tokens if self.token_cache else literal_column("NULL")
        out: dict[str, MessageFacts] = {}
        for batch in chunks(unique(hashes)):
            stmt = (
                select(c.commit_hash, c.content_hash, c.content_type, b.payload_json, cached)
                .select_from(source)
                .where(c.commit_hash.in_(batch))
            )
            for h, content_hash, content_type, payload, tokens in self.conn.execute(stmt).all():
                out[h] = MessageFacts(
                    content_hash,
                    content_type,
                    stored_text(payload),
                    None if tokens is None else int(tokens),
                )
        return out

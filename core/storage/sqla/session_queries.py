"""The set-based reads a session import needs (docs/sessions.md, "Incremental imports").

An imported commit carries its source's stable id in ``metadata_json.source_id``; an import
looks up all the ids of a batch in one query per chunk, restricted to the tract (the tract
index narrows the scan). A tract's leaves — commits nothing else in the tract continues — are
one query with the child index. Both run on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from core.engine.clock import from_storage
from core.storage.sqla._common import chunks, unique


class KnownCommit(NamedTuple):
    commit_hash: str
    created_at: datetime
    content_type: str


class Leaf(NamedTuple):
    commit_hash: str
    created_at: datetime
    content_type: str
    parent_hash: str | None
    source_line: int  # the source file line it came from (0 when not imported)


def _source_line_sql(dialect: str) -> str:
    if dialect == "postgresql":
        return "(c.metadata_json -> 'source' ->> 'line')"
    return (
        "(CASE WHEN json_valid(c.metadata_json) "
        "THEN json_extract(c.metadata_json, '$.source.line') END)"
    )


def _source_id_sql(dialect: str) -> str:
    if dialect == "postgresql":
        return "(c.metadata_json ->> 'source_id')"
    # A damaged metadata text must not fail the whole query: json_extract raises on it.
    return (
        "(CASE WHEN json_valid(c.metadata_json) "
        "THEN json_extract(c.metadata_json, '$.source_id') END)"
    )


def _in_list(name: str, values: list[str]) -> tuple[str, dict[str, Any]]:
    params = {f"{name}{i}": v for i, v in enumerate(values)}
    return ", ".join(f":{k}" for k in params), params


def commits_by_source_id(
    conn: Connection, tract_id: str, keys: Iterable[str]
) -> dict[str, KnownCommit]:
    """Commits of ``tract_id`` whose ``source_id`` is one of ``keys``."""
    sid = _source_id_sql(conn.dialect.name)
    out: dict[str, KnownCommit] = {}
    for batch in chunks(unique(keys), 500):
        placeholders, params = _in_list("k", batch)
        rows = conn.execute(
            text(
                f"SELECT {sid} AS sid, c.commit_hash, c.created_at, c.content_type "
                f"FROM commits c WHERE c.tract_id = :tract AND {sid} IN ({placeholders})"
            ),
            {"tract": tract_id, **params},
        )
        for r in rows:
            out[r.sid] = KnownCommit(r.commit_hash, from_storage(r.created_at), r.content_type)
    return out


def tract_leaves(conn: Connection, tract_id: str) -> list[Leaf]:
    """Commits of the tract that no commit of the tract has as its first or merge parent."""
    line = _source_line_sql(conn.dialect.name)
    rows = conn.execute(
        text(
            f"SELECT c.commit_hash, c.created_at, c.content_type, c.parent_hash, {line} AS line "
            "FROM commits c WHERE c.tract_id = :tract "
            # No tract condition inside: it would steer SQLite to the tract index (a scan of
            # the tract per row) instead of the child index.
            "AND NOT EXISTS (SELECT 1 FROM commits k WHERE k.parent_hash = c.commit_hash) "
            "AND NOT EXISTS (SELECT 1 FROM commit_parents p WHERE p.parent_hash = c.commit_hash)"
        ),
        {"tract": tract_id},
    )
    return [
        Leaf(r.commit_hash, from_storage(r.created_at), r.content_type, r.parent_hash, _int(r.line))
        for r in rows
    ]


def child_counts(conn: Connection, parents: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for batch in chunks(unique(parents), 500):
        placeholders, params = _in_list("p", batch)
        rows = conn.execute(
            text(
                "SELECT parent_hash, count(*) AS n FROM commits "
                f"WHERE parent_hash IN ({placeholders}) GROUP BY parent_hash"
            ),
            params,
        )
        out.update({r.parent_hash: int(r.n) for r in rows})
    return out


def source_ids_of(conn: Connection, hashes: Iterable[str]) -> dict[str, str | None]:
    sid = _source_id_sql(conn.dialect.name)
    out: dict[str, str | None] = {}
    for batch in chunks(unique(hashes), 500):
        placeholders, params = _in_list("h", batch)
        rows = conn.execute(
            text(
                f"SELECT c.commit_hash, {sid} AS sid FROM commits c "
                f"WHERE c.commit_hash IN ({placeholders})"
            ),
            params,
        )
        out.update({r.commit_hash: r.sid for r in rows})
    return out


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0

"""Shared helpers of the SQLAlchemy repositories: chunking and lenient row decoding.

Rows are decoded leniently (JSON and enum columns are read as text and parsed here) so that a
corrupt value in one row never stops a whole query: ``verify`` reports such rows instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Connection, String, type_coerce
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Row

from core.engine.clock import stored_time
from core.models.records import AnnotationInfo
from core.storage import schema as s
from core.storage.row_decode import (
    parse_priority,
)

T = TypeVar("T")

# SQLite allows 32766 host parameters since 3.32; PostgreSQL 65535. Stay far below both.
CHUNK = 900


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


class _Prepared(NamedTuple):
    sql: str
    # Positional drivers (SQLite): each parameter's key and bind processor, in order.
    # Named drivers (psycopg) or statements with binds the caller does not give: None.
    order: tuple[tuple[str, Any], ...] | None
    compiled: Any


_PREPARED: dict[tuple[int, str, tuple[str, ...]], _Prepared] = {}


def _prepare(conn: Connection, stmt: Any, keys: tuple[str, ...]) -> _Prepared:
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(keys))
    order = None
    if compiled.positional and set(compiled.positiontup) <= set(keys):
        processors = compiled._bind_processors
        order = tuple((name, processors.get(name)) for name in compiled.positiontup)
    return _Prepared(compiled.string, order, compiled)


def run_prepared(conn: Connection, stmt: Any, params: dict[str, Any]) -> Any:
    """Execute a prebuilt statement on the DBAPI cursor; returns the cursor (fetch, rowcount).

    For the handful of statements every append and every agent-turn compile runs: the
    SQLAlchemy execution path costs ~35 µs a statement over SQLite's own ~5. Parameters go
    through the same bind processors SQLAlchemy would apply (the fixed datetime text, JSON
    ``null``, enum names), so what is written is identical. ``stmt`` must be built once.
    """
    keys = tuple(sorted(params))
    cache_key = (id(stmt), conn.dialect.name, keys)
    prepared = _PREPARED.get(cache_key)
    if prepared is None:
        prepared = _PREPARED[cache_key] = _prepare(conn, stmt, keys)
    args: Any
    if prepared.order is not None:
        # Every bind is one of the caller's: the positional tuple directly.
        args = tuple(
            params[name] if process is None else process(params[name])
            for name, process in prepared.order
        )
    else:
        compiled = prepared.compiled
        bound = compiled.construct_params(params)
        # SQLAlchemy 2.1's per-statement bind processors (pinned in pyproject.toml).
        for name, process in compiled._bind_processors.items():
            if name in bound:
                bound[name] = process(bound[name])
        args = tuple(bound[name] for name in compiled.positiontup) if compiled.positional else bound
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # live conn
    try:
        cursor.execute(prepared.sql, args)
    except conn.dialect.loaded_dbapi.Error as exc:
        cursor.close()
        # The same exception classes SQLAlchemy raises (IntegrityError, OperationalError...).
        raise sa_exc.DBAPIError.instance(
            prepared.sql, args, exc, conn.dialect.loaded_dbapi.Error
        ) from exc
    return cursor


def raw_rows(conn: Connection, stmt: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Plain tuples from a prebuilt statement (see :func:`run_prepared`).

    For the few reads that return a whole history (a 100k-commit compile): SQLAlchemy's
    result rows cost more than SQLite's own work there. Its columns must need no result
    processing.
    """
    cursor = run_prepared(conn, stmt, params)
    try:
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
    finally:
        cursor.close()


def raw_text(col: Any) -> ColumnElement[Any]:
    """Read a JSON or enum column without SQLAlchemy's strict result processing."""
    return type_coerce(col, String)


@cache  # per layout table: every unit of work asks (three per agent turn)
def commit_columns(commits: Any = s.commits) -> tuple[ColumnElement[Any], ...]:
    """What :func:`commit_from_row` reads, from the ``commits`` table of a layout."""
    c = commits.c
    return (
        c.commit_hash,
        c.tract_id,
        c.parent_hash,
        c.content_hash,
        c.content_type,
        raw_text(c.operation).label("operation"),
        c.response_to.label("response_to"),
        c.message,
        c.token_count,
        raw_text(c.metadata_json).label("metadata_json"),
        raw_text(c.generation_config_json).label("generation_config_json"),
        # As stored, parsed by ``stored_time``: a row whose time is not a time must not stop the
        # query that reads it (SQLAlchemy's own parser raises).
        raw_text(c.created_at).label("created_at"),
    )


COMMIT_COLUMNS: Sequence[ColumnElement[Any]] = commit_columns()


ANNOTATION_COLUMNS: Sequence[ColumnElement[Any]] = (
    s.annotations.c.id,
    s.annotations.c.tract_id,
    s.annotations.c.target_hash,
    raw_text(s.annotations.c.priority).label("priority"),
    s.annotations.c.reason,
    raw_text(s.annotations.c.created_at).label("created_at"),
)


def annotation_from_row(row: Row[Any]) -> AnnotationInfo:
    return AnnotationInfo(
        id=int(row.id),
        tract_id=row.tract_id,
        target_hash=row.target_hash,
        priority=parse_priority(row.priority),
        reason=row.reason,
        created_at=stored_time(row.created_at),
    )

"""Shared helpers of the SQLAlchemy repositories: prepared statements, raw rows, and the
column lists whose rows ``core.storage.row_decode`` decodes leniently (JSON, enum and time
columns are read as text, so a corrupt value in one row never stops a whole query). Chunking
is ``core.storage.batches``, re-exported here for the repositories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, String, insert, type_coerce
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Row

from core.engine.clock import stored_time
from core.models.records import AnnotationInfo
from core.storage import schema as s
from core.storage.batches import CHUNK as CHUNK
from core.storage.batches import chunks as chunks
from core.storage.batches import unique as unique
from core.storage.row_decode import COMMIT_FIELDS, parse_priority


class _Prepared(NamedTuple):
    sql: str
    # Positional drivers (SQLite): the caller's values in bind order, and the binds that have
    # a processor (position, processor, what it makes of None). Named drivers (psycopg) or
    # statements with binds the caller does not give: None and ().
    take: Callable[[dict[str, Any]], Sequence[Any]] | None
    processed: tuple[tuple[int, Callable[[Any], Any], Any], ...]
    compiled: Any


_PREPARED: dict[tuple[int, str, tuple[str, ...]], _Prepared] = {}


def _prepare(conn: Connection, stmt: Any, keys: tuple[str, ...]) -> _Prepared:
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(keys))
    if not (compiled.positional and set(compiled.positiontup) <= set(keys)):
        return _Prepared(compiled.string, None, (), compiled)
    names = tuple(compiled.positiontup)
    take: Callable[[dict[str, Any]], Sequence[Any]]
    if len(names) > 1:
        take = itemgetter(*names)
    else:  # itemgetter of one name gives no tuple, of none fails
        take = lambda params: tuple(params[name] for name in names)  # noqa: E731
    processors = compiled._bind_processors
    # A bind processor is a pure function of its value: its None (a NULL column, JSON null)
    # is worked out once, not on every row.
    processed = tuple(
        (index, process, process(None))
        for index, name in enumerate(names)
        if (process := processors.get(name)) is not None
    )
    return _Prepared(compiled.string, take, processed, compiled)


def run_prepared(conn: Connection, stmt: Any, params: dict[str, Any]) -> Any:
    """Execute a prebuilt statement on the DBAPI cursor; returns the cursor (fetch, rowcount).

    For the handful of statements every append and every agent-turn compile runs: the
    SQLAlchemy execution path costs ~35 µs a statement over SQLite's own ~5. Parameters go
    through the same bind processors SQLAlchemy would apply (the fixed datetime text, JSON
    ``null``, enum names), so what is written is identical. ``stmt`` must be built once; a
    call site builds its ``params`` with its keys in one order (the order is the cache key).
    """
    cache_key = (id(stmt), conn.dialect.name, tuple(params))
    prepared = _PREPARED.get(cache_key)
    if prepared is None:
        prepared = _PREPARED[cache_key] = _prepare(conn, stmt, tuple(sorted(params)))
    args: Any
    take = prepared.take
    if take is not None:
        # Every bind is one of the caller's: the positional values directly.
        args = take(params)
        if prepared.processed:
            args = list(args)
            for index, process, for_none in prepared.processed:
                value = args[index]
                args[index] = for_none if value is None else process(value)
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


def insert_rows(
    conn: Connection, table: Any, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Many rows into ``table``, each a tuple of ``columns``' values (columns that need no
    bind processing: text and integers).

    On SQLite the driver's ``executemany`` takes the tuples as they come: a compile record
    of 100k commits is 100k rows, and SQLAlchemy's executemany made a dict of each and took
    ~1 s more. Elsewhere SQLAlchemy inserts them, 500 at a time. Errors are SQLAlchemy's.
    """
    if conn.dialect.name != "sqlite":
        stmt = insert(table)
        for batch in chunks([dict(zip(columns, row, strict=True)) for row in rows], 500):
            conn.execute(stmt, batch)
        return
    key = (table.name, columns)
    sql = _INSERT_SQL.get(key)
    if sql is None:
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
        sql = _INSERT_SQL[key] = compiled.string
    driver: Any = conn.connection.driver_connection  # pysqlite: takes any iterable of rows
    cursor = driver.cursor()
    try:
        cursor.executemany(sql, rows)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise sa_exc.DBAPIError.instance(sql, None, exc, conn.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


_INSERT_SQL: dict[tuple[str, tuple[str, ...]], str] = {}  # SQLite's text of each insert


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


# Read as stored and parsed by ``row_decode``: a row whose time or JSON is not readable must
# not stop the query that reads it (SQLAlchemy's own processors raise).
_RAW_FIELDS = frozenset({"operation", "metadata_json", "generation_config_json", "created_at"})


@cache  # per layout table: every unit of work asks (three per agent turn)
def commit_columns(commits: Any = s.commits) -> tuple[ColumnElement[Any], ...]:
    """What :func:`~core.storage.row_decode.commit_from_row` reads, from the ``commits`` table
    of a layout (its edit column is keyed ``response_to`` whatever its name), in the order of
    :data:`~core.storage.row_decode.COMMIT_FIELDS`."""
    c = commits.c
    return tuple(
        (raw_text(c[name]) if name in _RAW_FIELDS else c[name]).label(name)
        for name in COMMIT_FIELDS
    )


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

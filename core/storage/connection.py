"""Engines and connections: the one place that knows SQLite from PostgreSQL.

SQLite: every connection gets tract-ai's pragmas (WAL, busy_timeout, synchronous=NORMAL,
foreign_keys=ON). pysqlite's own transaction handling is switched off so that SQLAlchemy's
``begin`` really opens a transaction — DDL included — and write transactions start with
``BEGIN IMMEDIATE``: a writer takes the lock up front, so a read-then-write transaction never
fails half-way with "database is locked" when another process committed in between.

PostgreSQL: psycopg 3, pre-ping (a long-lived UI outlives server restarts), writers of one
tract serialised with a transaction-scoped advisory lock, and read transactions at REPEATABLE
READ (one snapshot, as a SQLite WAL reader has).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from core.errors import StoreError
from core.storage.sqlite_files import reader_kind, reader_uri

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_CACHE_KIB = -32768  # negative: KiB, per connection
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
# Lean (an interactive browser, e.g. the TUI): a small page cache and no mmap. Each pooled
# connection keeps its own cache, and mmapped pages count in RSS once per connection.
SQLITE_LEAN_CACHE_KIB = -4096
WRITE_OPTION = "tract_write"
# Advisory-lock key space: ours, distinct from anything tract-ai uses (it uses none).
_LOCK_NAMESPACE = 0x7472  # "tr"


@dataclass(frozen=True)
class StoreLocation:
    """Where a store lives: a SQLite file path or a SQLAlchemy URL."""

    url: URL
    path: Path | None  # set for SQLite files

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def display(self) -> str:
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    @property
    def cli_arg(self) -> str:
        """How to name this store on a command line (password kept out)."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)


def parse_location(target: str | os.PathLike[str] | URL) -> StoreLocation:
    """A path (``store.db``) or a SQLAlchemy URL (``sqlite:///x.db``, ``postgresql://…``)."""
    if isinstance(target, URL):
        url = target
    else:
        raw = os.fspath(target)
        if "://" not in raw:
            path = Path(raw).expanduser()
            return StoreLocation(URL.create("sqlite", database=str(path)), path)
        url = make_url(raw)
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return StoreLocation(url, None)
        return StoreLocation(url, Path(database).expanduser())
    if backend == "postgresql" and url.drivername == "postgresql":
        # Plain postgresql:// means psycopg 3 here (psycopg2 is not a dependency).
        url = url.set(drivername="postgresql+psycopg")
    return StoreLocation(url, None)


def _sqlite_url(path: Path, readonly: bool) -> URL:
    if not readonly:
        return URL.create("sqlite+pysqlite", database=str(path))
    uri = reader_uri(path, reader_kind(path))
    if uri is None:
        return URL.create("sqlite+pysqlite", database=str(path))
    return URL.create("sqlite+pysqlite", database=uri, query={"uri": "true"})


def make_engine(
    location: StoreLocation,
    *,
    readonly: bool = False,
    pool: bool = True,
    lean: bool = False,
    busy_timeout_s: float | None = None,
    autocheckpoint_frames: int | None = None,
) -> Engine:
    """``autocheckpoint_frames``: a SQLite writer's ``wal_autocheckpoint`` (None: SQLite's
    1,000), raised where a thread checkpoints beside it (``core.storage.wal_checkpoints``)."""
    if location.is_sqlite:
        if location.path is not None:
            url = _sqlite_url(location.path, readonly)
        else:
            url = location.url
        timeout_ms = SQLITE_BUSY_TIMEOUT_MS if busy_timeout_s is None else busy_timeout_s * 1000
        engine = create_engine(
            url,
            connect_args={"timeout": timeout_ms / 1000},
            poolclass=None if pool else NullPool,
        )
        _install_sqlite_hooks(
            engine,
            readonly=readonly,
            lean=lean,
            busy_timeout_ms=timeout_ms,
            autocheckpoint_frames=autocheckpoint_frames,
        )
        return engine
    try:
        engine = create_engine(
            location.url,
            pool_pre_ping=True,
            pool_recycle=1800,
            poolclass=None if pool else NullPool,
        )
    except ModuleNotFoundError as exc:  # the optional driver is not installed
        raise StoreError(
            f"{location.display}: the PostgreSQL driver ({exc.name or 'psycopg'}) is not "
            "installed; install it with: pip install 'tract-tui[postgres]'"
        ) from None
    if readonly:
        engine = engine.execution_options(postgresql_readonly=True)
    return engine


def _install_sqlite_hooks(
    engine: Engine,
    *,
    readonly: bool,
    lean: bool = False,
    busy_timeout_ms: float = 0,
    autocheckpoint_frames: int | None = None,
) -> None:
    cache_kib = SQLITE_LEAN_CACHE_KIB if lean else SQLITE_CACHE_KIB
    mmap_bytes = 0 if lean else SQLITE_MMAP_BYTES

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms or SQLITE_BUSY_TIMEOUT_MS)}")
            cur.execute("PRAGMA foreign_keys=ON")
            # Long walks touch most pages once: a larger cache and mmap halve a cold compile.
            cur.execute(f"PRAGMA cache_size={cache_kib}")
            cur.execute(f"PRAGMA mmap_size={mmap_bytes}")
            if readonly:
                # A reader may hold a read-write handle (see reader_kind): refuse any write.
                cur.execute("PRAGMA query_only=1")
            else:
                mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() not in ("wal", "memory"):
                    cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                if autocheckpoint_frames is not None:
                    cur.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint_frames)}")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        dbapi: Any = conn.connection.driver_connection  # a live pysqlite connection
        if dbapi.in_transaction:
            return  # a statement inside a write on the kept connection (see write_connection)
        sql = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
        # On the driver's connection: SQLAlchemy's statement path costs more than the BEGIN
        # (three transactions per agent turn).
        _on_driver(dbapi, sql)


def _on_driver(dbapi: Any, sql: str) -> None:
    """One transaction statement on a pysqlite connection, failing as SQLAlchemy would."""
    try:
        dbapi.execute(sql).close()
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, (), exc, sqlite3.Error) from exc


@contextmanager
def write_connection(engine: Engine, hot: HotConnection | None = None) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on any exception.

    On the kept SQLite connection the transaction is begun and ended on the driver: an append
    is a transaction of four short statements, and SQLAlchemy's transaction objects and events
    cost a fifth of it. A statement run through SQLAlchemy inside begins SQLAlchemy's
    transaction on top of this one (``_on_begin`` then emits nothing); after the driver's
    ``COMMIT`` that one is ended too, so that SQLAlchemy knows it has ended.
    """
    with _connect(engine, hot) as conn:
        if hot is None or not hot.holds(conn):
            conn = conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn
            return
        dbapi: Any = conn.connection.driver_connection
        _on_driver(dbapi, "BEGIN IMMEDIATE")
        try:
            yield conn
            _on_driver(dbapi, "COMMIT")
            if conn.in_transaction():
                conn.commit()  # SQLAlchemy's own, begun inside: nothing left for the driver
        except BaseException:
            _roll_back(conn, dbapi)
            raise


def _roll_back(conn: Connection, dbapi: Any) -> None:
    """End a write that failed, its COMMIT included (SQLite then keeps the transaction open,
    and a pooled connection must not go back with it). The caller raises the first error."""
    try:
        if conn.in_transaction():
            conn.rollback()
        if dbapi.in_transaction:
            _on_driver(dbapi, "ROLLBACK")
    except DBAPIError:
        conn.invalidate()  # cannot even roll back: the pool must never hand it out again


@contextmanager
def read_connection(engine: Engine, hot: HotConnection | None = None) -> Iterator[Connection]:
    """One read transaction (a consistent snapshot on SQLite WAL and PostgreSQL)."""
    with _connect(engine, hot) as conn:
        if conn.dialect.name == "postgresql":
            # READ COMMITTED gives every statement a new snapshot; a read must see one state
            # of the store (HEAD and its chain, a graph page). Read-only REPEATABLE READ never
            # fails to serialise. Writers stay READ COMMITTED: after the tract's advisory lock
            # they must see what the previous writer committed.
            conn.execution_options(isolation_level="REPEATABLE READ")
        elif hot is not None:
            conn = conn.execution_options(**{WRITE_OPTION: False})  # it may have written
        with conn.begin():
            yield conn


def _connect(engine: Engine, hot: HotConnection | None) -> AbstractContextManager[Connection]:
    return hot.use(engine) if hot is not None else engine.connect()


class HotConnection:
    """One SQLite connection kept out of the pool for whichever transaction finds it free.

    An agent turn is three short transactions; checking a connection out of SQLAlchemy's
    pool and back in (a reset each time) costs about as much as SQLite's own commit. A
    transaction that finds it busy (another thread, or a transaction inside a transaction)
    takes a pooled connection as before. After any error it is closed, not reused.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._serial = 0  # which connection: a new one has its own data_version sequence
        self._driver: Any = None  # its pysqlite connection

    @contextmanager
    def use(self, engine: Engine) -> Iterator[Connection]:
        if not self._lock.acquire(blocking=False):
            with engine.connect() as pooled:
                yield pooled
            return
        try:
            conn = self._conn
            if conn is None or conn.closed or conn.invalidated or conn.engine is not engine:
                if conn is not None:
                    conn.close()
                conn = self._conn = engine.connect()
                self._driver = conn.connection.driver_connection
                self._serial += 1
            try:
                yield conn
            except BaseException:
                self._conn = None
                conn.close()
                raise
        finally:
            self._lock.release()

    def holds(self, conn: Connection) -> bool:
        """Whether ``conn`` is the kept connection (``use`` hands out a pooled one when busy)."""
        return conn is self._conn

    def data_version(self) -> tuple[int, int] | None:
        """(which connection, its ``PRAGMA data_version``) while the connection is free.

        SQLite changes a connection's data_version whenever any *other* connection, in any
        process, commits to the file; the connection's own commits leave it. None when the
        connection is busy, closed or not made yet (nothing can then be said).
        """
        if not self._lock.acquire(blocking=False):
            return None
        try:
            # Free (the lock) and alive: a transaction on it always ends inside use(), and
            # after any error there it is dropped.
            if self._conn is None:
                return None
            return self._read_data_version(self._driver)
        finally:
            self._lock.release()

    def data_version_in(self, conn: Connection) -> tuple[int, int] | None:
        """As :meth:`data_version`, from inside a transaction on ``conn`` (None unless it is
        this kept connection). After ``BEGIN IMMEDIATE`` it counts every commit made by
        others before this writer took the lock."""
        driver = conn.connection.driver_connection
        if self._conn is None or driver is None or driver is not self._driver:
            return None
        return self._read_data_version(driver)

    def _read_data_version(self, driver: Any) -> tuple[int, int] | None:
        try:
            cursor = driver.execute("PRAGMA data_version")
            try:
                rows = cursor.fetchall()  # stepped to the end: no statement left open
            finally:
                cursor.close()
        except sqlite3.Error:
            return None
        return self._serial, int(rows[0][0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    digest = hashlib.sha256(f"{_LOCK_NAMESPACE}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def advisory_xact_lock(conn: Connection, name: str) -> None:
    """Serialise writers on PostgreSQL until the transaction ends (no-op on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(name)})

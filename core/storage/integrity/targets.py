"""How the audit opens a store without writing to it.

A SQLite store at our head is read through a read-only URI (``immutable`` when no writer is
active) with mmap off (a damaged file read through mmap can kill the process instead of
raising). A store behind head is verified through an upgraded temporary copy
(``VACUUM INTO``), with foreign keys off if its dangling rows would fail the migration. A
PostgreSQL store behind head is refused like ``Store.open`` refuses it.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import URL, Engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from core.errors import NotATractStoreError, StoreError, StoreNotFoundError
from core.storage.connection import StoreLocation, make_engine, parse_location, read_connection
from core.storage.inspection import (
    check_sqlite_header,
    first_line,
    inspect_sqlite,
    needs_upgrade,
    refuse_unusable,
)
from core.storage.migrate import upgrade_in_transaction
from core.storage.store import Store
from core.storage.upgrade import upgrade_store
from core.storage.versions import StoreVersion, detect


@dataclass
class AuditTarget:
    engine: Engine
    display: str
    label: str
    notes: list[str] = field(default_factory=list)
    copy: bool = False


def _readonly_uri(path: Path) -> str:
    """A read-only SQLite URI that leaves nothing behind when it safely can.

    ``mode=ro`` on a WAL store creates ``-wal``/``-shm`` files and leaves them; with neither a
    ``-wal`` nor a ``-journal`` beside it, nothing is pending and no WAL writer is connected,
    so ``immutable=1`` reads the file as it is and creates nothing (as ``inspect_sqlite`` does).
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if not any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal")):
        uri += "&immutable=1"
    return uri


def _no_mmap(engine: Engine) -> Engine:
    """Plain reads for the audit: a damaged or truncated file read through mmap can kill the
    process (SIGBUS) instead of raising, and a one-pass scan gains nothing from mapping the
    whole file into memory."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA mmap_size=0")

    return engine


def _vacuum_into(src: Path, dest: Path) -> None:
    con = sqlite3.connect(_readonly_uri(src), uri=True)
    try:
        con.execute("VACUUM INTO ?", (str(dest),))
    except sqlite3.Error as exc:
        raise StoreError(f"{src}: cannot copy the store for verification ({exc})") from None
    finally:
        con.close()


@contextmanager
def sqlite_target(location: StoreLocation) -> Iterator[AuditTarget]:
    path = location.path
    assert path is not None
    if not path.exists():
        raise StoreNotFoundError(f"{path}: no such store")
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a store file")
    check_sqlite_header(path)
    version = inspect_sqlite(path)
    refuse_unusable(location, version)
    if version.at_head:
        url = URL.create("sqlite+pysqlite", database=_readonly_uri(path), query={"uri": "true"})
        engine = _no_mmap(make_engine(StoreLocation(url, None), readonly=True, pool=False))
        try:
            yield AuditTarget(engine, location.display, version.label)
        finally:
            engine.dispose()
        return
    # Behind head: upgrade a throwaway copy, never the store itself.
    tmpdir = Path(tempfile.mkdtemp(prefix="tract-tui-verify-"))
    try:
        copy = tmpdir / "store.db"
        _vacuum_into(path, copy)
        notes = [f"verified an upgraded copy; the store itself ({version.label}) was not changed"]
        try:
            upgrade_store(copy, backup=False)
        except StoreError:
            # Dangling rows make the migration's inserts fail their foreign keys; carry them
            # over unchecked instead, so that verify can name them.
            _upgrade_without_foreign_keys(path, copy, version)
            notes.append(
                "the copy was upgraded with foreign-key checks off (the store has "
                "references that do not resolve)"
            )
        engine = _no_mmap(make_engine(parse_location(copy), readonly=True, pool=False))
        try:
            yield AuditTarget(engine, location.display, inspect_sqlite(copy).label, notes, True)
        finally:
            engine.dispose()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _upgrade_without_foreign_keys(path: Path, copy: Path, version: StoreVersion) -> None:
    engine = make_engine(parse_location(copy), pool=False)
    try:
        with engine.connect() as conn:
            # Before any BEGIN: the pragma is a no-op inside a transaction.
            driver = conn.connection.driver_connection
            assert driver is not None  # a live connection has its DB-API connection
            driver.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                upgrade_in_transaction(conn, version)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"{path}: cannot verify: upgrading a temporary copy from "
            f"{version.label} failed ({first_line(exc)})"
        ) from None
    finally:
        engine.dispose()


@contextmanager
def server_target(location: StoreLocation) -> Iterator[AuditTarget]:
    engine = make_engine(location, readonly=True, pool=False)
    try:
        try:
            with read_connection(engine) as conn:
                version = detect(conn)
        except DBAPIError as exc:
            raise StoreError(f"{location.display}: cannot connect ({first_line(exc)})") from None
        if version.empty:
            raise NotATractStoreError(f"{location.display}: database holds no tract store")
        refuse_unusable(location, version)
        if not version.at_head:
            raise needs_upgrade(location, version)
        yield AuditTarget(engine, location.display, version.label)
    finally:
        engine.dispose()


@contextmanager
def store_target(store: Store) -> Iterator[AuditTarget]:
    yield AuditTarget(store.engine, store.display, store.version.label)

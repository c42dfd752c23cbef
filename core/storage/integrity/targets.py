"""How the audit opens a store without writing to it.

A SQLite store of a layout we read in place (tract-ai v6–v13) is read through a read-only URI
that leaves nothing behind, with mmap off (a damaged file read through mmap can kill the
process instead of raising). An older store is verified through an upgraded temporary copy
(``VACUUM INTO``), with foreign keys off if its dangling rows would fail the migration. Such a
PostgreSQL store is refused like ``Store.open`` refuses it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, event
from sqlalchemy.exc import DBAPIError

from core.errors import NotATractStoreError, StoreError, StoreNotFoundError
from core.storage.connection import StoreLocation, make_engine, parse_location, read_connection
from core.storage.inspection import (
    check_sqlite_header,
    first_line,
    inspect_sqlite,
    needs_upgrade,
    refuse_unusable,
)
from core.storage.legacy_copy import reader_uri, upgrade_copy, vacuum_into
from core.storage.store import Store
from core.storage.versions import detect


@dataclass
class AuditTarget:
    engine: Engine
    display: str
    label: str
    notes: list[str] = field(default_factory=list)
    copy: bool = False


def _no_mmap(engine: Engine) -> Engine:
    """Plain reads for the audit: a damaged or truncated file read through mmap can kill the
    process (SIGBUS) instead of raising, and a one-pass scan gains nothing from mapping the
    whole file into memory."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA mmap_size=0")

    return engine


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
    if not version.legacy:
        url = URL.create("sqlite+pysqlite", database=reader_uri(path), query={"uri": "true"})
        engine = _no_mmap(make_engine(StoreLocation(url, None), readonly=True, pool=False))
        try:
            yield AuditTarget(engine, location.display, version.label)
        finally:
            engine.dispose()
        return
    # Older than any layout we read in place: verify an upgraded throwaway copy.
    tmpdir = Path(tempfile.mkdtemp(prefix="tract-tui-verify-"))
    try:
        copy = tmpdir / "store.db"
        vacuum_into(path, copy)
        notes = [f"verified an upgraded copy; the store itself ({version.label}) was not changed"]
        if upgrade_copy(path, copy, version):
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
        if version.legacy:
            raise needs_upgrade(location, version)
        yield AuditTarget(engine, location.display, version.label)
    finally:
        engine.dispose()


@contextmanager
def store_target(store: Store) -> Iterator[AuditTarget]:
    yield AuditTarget(store.engine, store.display, store.version.label)

"""Opening, creating and upgrading stores, with every refusal a one-line error.

Opening inspects first through a read-only connection, so a file that turns out not to be a
tract store (or to be newer than we know) is never written to. A local SQLite store behind our
head revision is backed up beside itself (``VACUUM INTO``) and upgraded in one transaction; a
PostgreSQL store behind head is refused with the command that upgrades it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, DBAPIError

from core.errors import (
    NotATractStoreError,
    StoreDamagedError,
    StoreError,
    StoreNeedsUpgradeError,
    StoreNotFoundError,
    StoreReadOnlyError,
)
from core.storage import schema
from core.storage.connection import (
    StoreLocation,
    advisory_xact_lock,
    make_engine,
    parse_location,
    read_connection,
    write_connection,
)
from core.storage.create import create_sqlite_file
from core.storage.inspection import (
    check_sqlite_header,
    first_line,
    inspect_sqlite,
    needs_upgrade,
    refuse_unusable,
)
from core.storage.sqla.uow import SqlUnitOfWork
from core.storage.upgrade import UpgradeReport, upgrade_store
from core.storage.versions import StoreVersion, detect

# What SQLite says when the file itself is damaged (as opposed to a refused statement).
_DAMAGED_FILE = ("malformed", "file is not a database", "disk i/o error")

# Re-exported: callers open, inspect and upgrade stores through this module.
__all__ = ["Store", "UpgradeReport", "check_sqlite_header", "inspect_sqlite", "upgrade_store"]


class Store:
    """An open store: an engine plus units of work over it."""

    def __init__(
        self, location: StoreLocation, engine: Engine, *, readonly: bool, version: StoreVersion
    ) -> None:
        self.location = location
        self.engine = engine
        self.readonly = readonly
        self.version = version
        self.upgrade_report: UpgradeReport | None = None

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        target: str | os.PathLike[str],
        *,
        create: bool = False,
        readonly: bool | None = None,
        auto_upgrade: bool | None = None,
        on_upgrade: Callable[[UpgradeReport], None] | None = None,
        lean: bool = False,
    ) -> Store:
        """Open a store by path or SQLAlchemy URL.

        ``readonly=None`` opens a read-only file read-only and anything else read-write.
        ``auto_upgrade=None`` upgrades local SQLite files (after a backup) and refuses
        PostgreSQL stores behind head. ``lean`` bounds a SQLite store's memory (small page
        cache, no mmap) for long-lived interactive readers such as the TUI.
        """
        location = parse_location(target)
        if location.is_sqlite and location.path is not None:
            return cls._open_sqlite_file(location, create, readonly, auto_upgrade, on_upgrade, lean)
        return cls._open_server(location, create, readonly, bool(auto_upgrade))

    @classmethod
    def _open_sqlite_file(
        cls,
        location: StoreLocation,
        create: bool,
        readonly: bool | None,
        auto_upgrade: bool | None,
        on_upgrade: Callable[[UpgradeReport], None] | None,
        lean: bool = False,
    ) -> Store:
        path = location.path
        assert path is not None
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, not a store file")
        if not path.exists():
            if not create:
                raise StoreNotFoundError(f"{path}: no such store (pass --create to make one)")
            if readonly:
                raise StoreNotFoundError(f"{path}: no such store to open read-only")
            if not path.parent.is_dir():
                raise StoreNotFoundError(f"{path.parent}: no such directory")
            create_sqlite_file(location, lambda partial: cls._create(partial).close())
            return cls._open_sqlite_file(location, False, readonly, auto_upgrade, on_upgrade, lean)
        check_sqlite_header(path)
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        if readonly is False and not writable:
            raise StoreReadOnlyError(f"{path}: read-only file; cannot open it for writing")
        ro = (not writable) if readonly is None else readonly
        version = inspect_sqlite(path)
        refuse_unusable(location, version)
        report: UpgradeReport | None = None
        if not version.at_head:
            if ro:
                raise StoreNeedsUpgradeError(
                    f"{path}: store is at {version.label} and the upgrade needs write access; "
                    f"copy it somewhere writable and run: tract-tui upgrade COPY"
                )
            if auto_upgrade is False:
                raise StoreNeedsUpgradeError(
                    f"{path}: store is at {version.label}; run: tract-tui upgrade {path}"
                )
            report = upgrade_store(location, version)
            if on_upgrade is not None:
                on_upgrade(report)
            version = inspect_sqlite(path)
        engine = make_engine(location, readonly=ro, lean=lean)
        store = cls(location, engine, readonly=ro, version=version)
        store.upgrade_report = report
        return store

    @classmethod
    def _open_server(
        cls, location: StoreLocation, create: bool, readonly: bool | None, auto_upgrade: bool
    ) -> Store:
        engine = make_engine(location)
        try:
            with read_connection(engine) as conn:
                version = detect(conn)
        except DBAPIError as exc:
            engine.dispose()
            raise StoreError(f"{location.display}: cannot connect ({first_line(exc)})") from None
        if version.empty:
            if not create:
                engine.dispose()
                raise NotATractStoreError(
                    f"{location.display}: database holds no tract store (pass --create to make one)"
                )
            engine.dispose()
            return cls._create(location)
        try:
            refuse_unusable(location, version)
            if not version.at_head:
                if not auto_upgrade or readonly:
                    raise needs_upgrade(location, version)
                upgrade_store(location, version)
                with read_connection(engine) as conn:
                    version = detect(conn)
        except BaseException:
            engine.dispose()
            raise
        ro = bool(readonly)
        if ro:
            engine.dispose()
            engine = make_engine(location, readonly=True)
        return cls(location, engine, readonly=ro, version=version)

    @classmethod
    def _create(cls, location: StoreLocation) -> Store:
        engine = make_engine(location)
        try:
            with write_connection(engine) as conn:
                from core.storage.migrate import MIGRATION_LOCK, stamp_head  # alembic: lazily

                advisory_xact_lock(conn, MIGRATION_LOCK)
                # Another process (an agent starting at the same moment) may have created the
                # store while we waited for the lock: then open what it made.
                version = detect(conn)
                if version.empty:
                    schema.Base.metadata.create_all(conn)
                    conn.execute(
                        schema.trace_meta.insert().values(
                            key="schema_version", value=str(schema.TRACT_AI_SCHEMA_VERSION)
                        )
                    )
                    stamp_head(conn)
                    version = detect(conn)
            refuse_unusable(location, version)
            if not version.at_head:
                raise needs_upgrade(location, version)
        except BaseException:
            engine.dispose()
            raise
        return cls(location, engine, readonly=False, version=version)

    # -- units of work --------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[SqlUnitOfWork]:
        """A read transaction: a consistent snapshot for everything read inside it."""
        with self._damage_in_words(), read_connection(self.engine) as conn:
            yield SqlUnitOfWork(conn, writable=False)

    @contextmanager
    def write(self) -> Iterator[SqlUnitOfWork]:
        """One write transaction: everything inside commits together or not at all."""
        if self.readonly:
            raise StoreReadOnlyError(f"{self.location.display}: store is open read-only")
        with self._damage_in_words(), write_connection(self.engine) as conn:
            yield SqlUnitOfWork(conn, writable=True)

    @contextmanager
    def _damage_in_words(self) -> Iterator[None]:
        """A damaged file met mid-read (SQLite: "database disk image is malformed") is one
        sentence naming the store, not a driver error with its SQL."""
        try:
            yield
        except DatabaseError as exc:
            text = str(getattr(exc, "orig", exc) or exc).lower()
            if not any(sign in text for sign in _DAMAGED_FILE):
                raise
            raise StoreDamagedError(
                f"{self.location.display}: the store file is damaged ({first_line(exc)}); "
                "run tract-tui verify"
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def display(self) -> str:
        return self.location.display

"""Opening, creating and upgrading stores, with every refusal a one-line error.

Opening never writes (``docs/decisions.md``, "Reading never writes"). A store is inspected
through a reader that leaves nothing behind, and read in place in whatever tract-ai layout it
has (v6–v13; v1–v5 SQLite files through a migrated copy in the temporary directory, since
those layouts lack tables we read). Preparing a store for writes happens at the first write:
a store older than the oldest layout we write (v6) is brought to v6, and our own additions
(indexes, the token cache) are applied — a local SQLite file is backed up beside itself first
(``VACUUM INTO``), a PostgreSQL store is refused with the command that prepares it.
tract-ai's version is never moved past v6 unless asked (``upgrade_store(to=N)``).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError

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
    HotConnection,
    StoreLocation,
    advisory_xact_lock,
    make_engine,
    parse_location,
    read_connection,
    write_connection,
)
from core.storage.create import create_sqlite_file
from core.storage.effectives_cache import EffectivesCache
from core.storage.inspection import (
    check_sqlite_header,
    first_line,
    inspect_sqlite,
    locked_error,
    needs_upgrade,
    refuse_unusable,
)
from core.storage.legacy_copy import migrated_copy
from core.storage.repositories import UnitOfWork
from core.storage.sqla.uow import SqlUnitOfWork
from core.storage.upgrade import UpgradeReport, upgrade_store
from core.storage.versions import StoreVersion, detect
from core.storage.wal_checkpoints import WRITER_AUTOCHECKPOINT_FRAMES, BackgroundCheckpointer

# What SQLite says when the file itself is damaged (as opposed to a refused statement).
_DAMAGED_FILE = ("malformed", "file is not a database", "disk i/o error")

# Re-exported: callers open, inspect and upgrade stores through this module.
__all__ = ["Store", "UpgradeReport", "check_sqlite_header", "inspect_sqlite", "upgrade_store"]


class Store:
    """An open store: a reader engine, a writer engine made at the first write, and units
    of work over them."""

    def __init__(
        self,
        location: StoreLocation,
        engine: Engine,
        *,
        readonly: bool,
        version: StoreVersion,
        lean: bool = False,
        auto_upgrade: bool | None = None,
        on_upgrade: Callable[[UpgradeReport], None] | None = None,
        temp_dir: Path | None = None,
    ) -> None:
        self.location = location
        self.engine = engine  # the reader
        self.readonly = readonly
        self.version = version
        self.upgrade_report: UpgradeReport | None = None
        self._lean = lean
        self._auto_upgrade = auto_upgrade
        self._on_upgrade = on_upgrade
        self._temp_dir = temp_dir  # a legacy store's migrated copy lives here
        self._writer: Engine | None = None
        self._hot: HotConnection | None = None  # SQLite files: see HotConnection
        self._checkpoints: BackgroundCheckpointer | None = None  # SQLite files, once writing
        self._kept = EffectivesCache()  # records' effective lists (effectives_cache)
        self._prepare_lock = threading.Lock()
        self._commits = 0  # write transactions this store committed (see change_token)
        self._commits_lock = threading.Lock()
        self.read_version = version  # the layout reads see (a legacy store's migrated copy)

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
        on_wait: Callable[[str], None] | None = None,
    ) -> Store:
        """Open a store by path or SQLAlchemy URL; nothing is written.

        ``readonly=None`` opens a read-only file read-only and anything else read-write (the
        first write then prepares the store). ``auto_upgrade=False`` makes that first write
        refuse instead; ``None`` prepares local SQLite files (after a backup) and refuses
        PostgreSQL stores. ``lean`` bounds a SQLite store's memory (small page cache, no mmap)
        for long-lived interactive readers such as the TUI. ``on_wait`` is told when another
        process holds the store locked (the open waits a bounded time, then refuses).
        """
        location = parse_location(target)
        if location.is_sqlite and location.path is not None:
            return cls._open_sqlite_file(
                location, create, readonly, auto_upgrade, on_upgrade, lean, on_wait
            )
        return cls._open_server(location, create, readonly, auto_upgrade, on_upgrade)

    @classmethod
    def _open_sqlite_file(
        cls,
        location: StoreLocation,
        create: bool,
        readonly: bool | None,
        auto_upgrade: bool | None,
        on_upgrade: Callable[[UpgradeReport], None] | None,
        lean: bool = False,
        on_wait: Callable[[str], None] | None = None,
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
        version = inspect_sqlite(path, on_wait=on_wait)
        refuse_unusable(location, version)
        return cls._reader(location, version, ro, lean, auto_upgrade, on_upgrade)

    @classmethod
    def _reader(
        cls,
        location: StoreLocation,
        version: StoreVersion,
        ro: bool,
        lean: bool,
        auto_upgrade: bool | None,
        on_upgrade: Callable[[UpgradeReport], None] | None,
    ) -> Store:
        temp_dir: Path | None = None
        read_location = location
        read_version = version
        if version.legacy and location.path is not None:
            temp_dir, copy = migrated_copy(location.path, version)
            read_location = parse_location(copy)
            read_version = inspect_sqlite(copy)
        engine = make_engine(read_location, readonly=True, lean=lean)
        store = cls(
            location,
            engine,
            readonly=ro,
            version=version,
            lean=lean,
            auto_upgrade=auto_upgrade,
            on_upgrade=on_upgrade,
            temp_dir=temp_dir,
        )
        store.read_version = read_version
        return store

    @classmethod
    def _open_server(
        cls,
        location: StoreLocation,
        create: bool,
        readonly: bool | None,
        auto_upgrade: bool | None,
        on_upgrade: Callable[[UpgradeReport], None] | None,
    ) -> Store:
        # One pooled engine reads and writes: a server store has no side files to care about.
        engine = make_engine(location)
        try:
            with read_connection(engine) as conn:
                version = detect(conn)
        except DBAPIError as exc:
            engine.dispose()
            raise StoreError(f"{location.display}: cannot connect ({first_line(exc)})") from None
        try:
            if version.empty:
                if not create:
                    raise NotATractStoreError(
                        f"{location.display}: database holds no tract store "
                        "(pass --create to make one)"
                    )
                engine.dispose()
                return cls._create(location)
            refuse_unusable(location, version)
            if version.legacy:
                # tract-ai never migrated a PostgreSQL store: such a layout is read only after
                # an explicit upgrade (the command, or auto_upgrade=True).
                if not auto_upgrade or readonly:
                    raise needs_upgrade(location, version)
                upgrade_store(location, version)
                with read_connection(engine) as conn:
                    version = detect(conn)
        except BaseException:
            engine.dispose()
            raise
        ro = bool(readonly)
        reader = engine.execution_options(postgresql_readonly=True) if ro else engine
        store = cls(
            location,
            reader,
            readonly=ro,
            version=version,
            auto_upgrade=auto_upgrade,
            on_upgrade=on_upgrade,
        )
        if version.writable_as_is and not ro:
            store._writer = engine
        return store

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
        except BaseException:
            engine.dispose()
            raise
        if location.path is None:  # a server store: keep the engine (see _open_server)
            store = cls(location, engine, readonly=False, version=version)
            store._writer = engine
            return store
        engine.dispose()
        return cls._reader(location, version, False, False, None, None)

    # -- writes: prepared at the first one ------------------------------------------------

    def _prepare_writes(self) -> Engine:
        if self.readonly:
            raise StoreReadOnlyError(f"{self.location.display}: store is open read-only")
        writer = self._writer
        if writer is not None:  # set once, never unset while the store is open
            return writer
        with self._prepare_lock:
            if self._writer is not None:
                return self._writer
            version = self.version
            if not version.writable_as_is:
                self._upgrade_for_writes(version)
            if self.location.path is None:
                self._writer = self.engine  # a server store: one engine (see _open_server)
            else:
                self._checkpoints = BackgroundCheckpointer(self.location.path)
                self._writer = make_engine(
                    self.location,
                    lean=self._lean,
                    autocheckpoint_frames=WRITER_AUTOCHECKPOINT_FRAMES,
                )
                self._hot = HotConnection()
            return self._writer

    def _upgrade_for_writes(self, version: StoreVersion) -> None:
        location = self.location
        local = location.path is not None
        if self._auto_upgrade is False or (not local and not self._auto_upgrade):
            raise StoreNeedsUpgradeError(
                f"{location.display}: writing needs {_what_writes_need(version)} first; run: "
                f"tract-tui upgrade '{location.cli_arg}'"
                + (" (with your password for ***)" if location.url.password else "")
            )
        report = upgrade_store(location, version, for_writes=True)
        self.upgrade_report = report
        if self._on_upgrade is not None:
            self._on_upgrade(report)
        self._reopen_reader()

    def _reopen_reader(self) -> None:
        """After the store itself changed layout, read it (not a copy) from now on."""
        probe = make_engine(self.location, readonly=True, pool=False)
        try:
            with read_connection(probe) as conn:
                self.version = detect(conn)
        finally:
            probe.dispose()
        self.read_version = self.version
        if self.location.path is None:
            return  # a server store is read through the same engine throughout
        old = self.engine
        self.engine = make_engine(self.location, readonly=True, lean=self._lean)
        self.read_version = self.version
        old.dispose()
        self._drop_temp()

    # -- units of work --------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[SqlUnitOfWork]:
        """A read transaction: a consistent snapshot for everything read inside it."""
        # Once this store writes, it reads through the writer's connections too: SQLite drops
        # a connection's page cache whenever another connection has written, so a reader
        # beside the writer would re-read every page an agent turn's compile touches.
        writer = self._writer
        engine, version = (writer, self.version) if writer is not None else (self.engine, None)
        hot = self._hot if writer is not None else None
        try:
            with read_connection(engine, hot) as conn:
                yield SqlUnitOfWork(
                    conn, writable=False, version=version or self.read_version, kept=self._kept
                )
        except DatabaseError as exc:
            plain = self._in_words(exc)
            if plain is None:
                raise
            raise plain from None

    @contextmanager
    def write(self) -> Iterator[SqlUnitOfWork]:
        """One write transaction: everything inside commits together or not at all."""
        engine = self._prepare_writes()
        try:
            with write_connection(engine, self._hot) as conn:
                yield SqlUnitOfWork(conn, writable=True, version=self.version, kept=self._kept)
        except DatabaseError as exc:
            plain = self._in_words(exc)
            if plain is None:
                raise
            raise plain from None
        with self._commits_lock:
            self._commits += 1
            commits = self._commits
        if self._checkpoints is not None:
            self._checkpoints.committed(commits)

    def change_token(self) -> tuple[int, int, int] | None:
        """A value that differs after any commit to the store, by anyone, since it was taken;
        None when that cannot be told cheaply (a server store, no write yet, or the writer's
        connection busy). For skipping reads that would only find what is already known.

        SQLite's data_version (on the writer's one kept connection) moves when another
        connection or process commits; this store's own commits are counted here. Take it
        before the read or write it stands for, so a commit in between makes it stale.
        """
        hot = self._hot
        if hot is None:
            return None
        with self._commits_lock:
            commits = self._commits
        version = hot.data_version()
        if version is None:
            return None
        return version[0], version[1], commits

    def unchanged_in(self, uow: UnitOfWork, token: tuple[int, int, int]) -> bool:
        """Inside a write transaction of this store: whether nothing was committed, by anyone,
        since ``token`` was taken (the writer's lock then keeps it so until this commits)."""
        hot = self._hot
        if hot is None or not isinstance(uow, SqlUnitOfWork) or not uow.writable:
            return False
        version = hot.data_version_in(uow.conn)
        with self._commits_lock:
            commits = self._commits
        return version is not None and (version[0], version[1], commits) == token

    def _in_words(self, exc: DatabaseError) -> StoreError | None:
        """The one sentence for a driver error a user can act on, naming the store: a damaged
        file met mid-read (SQLite: "database disk image is malformed") or a store locked by
        another writer. None: the error is not one of those."""
        text = str(getattr(exc, "orig", exc) or exc).lower()
        if any(sign in text for sign in _DAMAGED_FILE):
            return StoreDamagedError(
                f"{self.location.display}: the store file is damaged ({first_line(exc)}); "
                "run tract-tui verify"
            )
        if isinstance(exc, OperationalError):
            return locked_error(self.location, exc)
        return None

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.close()  # first: the last connection to close checkpoints itself
        if self._hot is not None:
            self._hot.close()
        self.engine.dispose()
        if self._writer is not None and self._writer is not self.engine:
            self._writer.dispose()
        self._drop_temp()

    def _drop_temp(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def display(self) -> str:
        return self.location.display


def _what_writes_need(version: StoreVersion) -> str:
    if version.legacy:
        return f"an upgrade from {version.label} to tract-ai schema v6"
    return "tract-tui's additions (indexes, token cache)"

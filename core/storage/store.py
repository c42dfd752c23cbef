"""Opening, creating and upgrading stores, with every refusal a one-line error.

Opening inspects first through a read-only connection, so a file that turns out not to be a
tract store (or to be newer than we know) is never written to. A local SQLite store behind our
head revision is backed up beside itself (``VACUUM INTO``) and upgraded in one transaction; a
PostgreSQL store behind head is refused with the command that upgrades it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, func, inspect, select, table
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from core.errors import (
    NotATractStoreError,
    StoreError,
    StoreNeedsUpgradeError,
    StoreNotFoundError,
    StoreReadOnlyError,
    StoreTooNewError,
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
from core.storage.sqla.uow import SqlUnitOfWork
from core.storage.versions import StoreVersion, detect

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class UpgradeReport:
    """What an upgrade did: versions, the backup, and every table's row count around it."""

    store: str
    from_label: str
    to_label: str
    backup: Path | None
    rows_before: dict[str, int]
    rows_after: dict[str, int]

    def summary(self) -> str:
        where = f"; backup: {self.backup}" if self.backup else ""
        return f"upgraded {self.store} from {self.from_label} to {self.to_label}{where}"


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
            return cls._create(location)
        check_sqlite_header(path)
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        if readonly is False and not writable:
            raise StoreReadOnlyError(f"{path}: read-only file; cannot open it for writing")
        ro = (not writable) if readonly is None else readonly
        version = inspect_sqlite(path)
        _refuse_unusable(location, version)
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
            raise StoreError(f"{location.display}: cannot connect ({_first_line(exc)})") from None
        if version.empty:
            if not create:
                engine.dispose()
                raise NotATractStoreError(
                    f"{location.display}: database holds no tract store (pass --create to make one)"
                )
            engine.dispose()
            return cls._create(location)
        try:
            _refuse_unusable(location, version)
            if not version.at_head:
                if not auto_upgrade or readonly:
                    raise _needs_upgrade(location, version)
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
            _refuse_unusable(location, version)
            if not version.at_head:
                raise _needs_upgrade(location, version)
        except BaseException:
            engine.dispose()
            raise
        return cls(location, engine, readonly=False, version=version)

    # -- units of work --------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[SqlUnitOfWork]:
        """A read transaction: a consistent snapshot for everything read inside it."""
        with read_connection(self.engine) as conn:
            yield SqlUnitOfWork(conn, writable=False)

    @contextmanager
    def write(self) -> Iterator[SqlUnitOfWork]:
        """One write transaction: everything inside commits together or not at all."""
        if self.readonly:
            raise StoreReadOnlyError(f"{self.location.display}: store is open read-only")
        with write_connection(self.engine) as conn:
            yield SqlUnitOfWork(conn, writable=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def display(self) -> str:
        return self.location.display


# --- inspection ---------------------------------------------------------------------------


def check_sqlite_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except PermissionError:
        raise StoreReadOnlyError(f"{path}: permission denied") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror})") from None
    if not header:
        raise NotATractStoreError(f"{path}: empty file, not a tract store")
    if header != SQLITE_HEADER:
        raise NotATractStoreError(f"{path}: not an SQLite database, not a tract store")


def inspect_sqlite(path: Path) -> StoreVersion:
    """Detect a SQLite file's version through a read-only connection (writes nothing).

    A ``mode=ro`` open of a WAL store creates ``-wal``/``-shm`` beside it and leaves them
    behind (read-only, with the file's mode), so a refused file would not be left as found.
    When neither ``-wal`` nor ``-journal`` exists, nothing is pending and no writer is active,
    so the file is opened ``immutable``, which creates nothing.
    """
    location = parse_location(path)
    if not any(Path(f"{path}{s}").exists() for s in ("-wal", "-journal")):
        uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
        location = StoreLocation(
            URL.create("sqlite+pysqlite", database=uri, query={"uri": "true"}), None
        )
    engine = make_engine(location, readonly=True, pool=False)
    try:
        with read_connection(engine) as conn:
            return detect(conn)
    except DBAPIError as exc:
        raise NotATractStoreError(
            f"{path}: not a usable SQLite database ({_first_line(exc)})"
        ) from None
    finally:
        engine.dispose()


def _refuse_unusable(location: StoreLocation, version: StoreVersion) -> None:
    if version.empty:
        raise NotATractStoreError(
            f"{location.display}: {'SQLite database' if location.is_sqlite else 'database'} "
            "with no tables, not a tract store"
        )
    if version.too_new:
        raise StoreTooNewError(f"{location.display}: {version.problem}; nothing was changed")
    if not version.is_tract_store:
        raise NotATractStoreError(f"{location.display}: {version.problem}")


def _needs_upgrade(location: StoreLocation, version: StoreVersion) -> StoreNeedsUpgradeError:
    return StoreNeedsUpgradeError(
        f"{location.display}: store is at {version.label}; run: "
        f"tract-tui upgrade '{location.cli_arg}'"
        + (" (with your password for ***)" if location.url.password else "")
    )


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


# --- upgrades -----------------------------------------------------------------------------


def count_rows(engine: Engine) -> dict[str, int]:
    with read_connection(engine) as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
            for name in names
        }


def backup_sqlite(path: Path, version: StoreVersion) -> Path:
    """``VACUUM INTO`` a new file beside the store; returns its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    tag = version.revision.replace("tai_", "") if version.revision else "old"
    suffix = path.suffix or ".db"
    dest = path.with_name(f"{path.stem}.backup-{tag}-{stamp}{suffix}")
    n = 1
    while dest.exists():
        n += 1
        dest = path.with_name(f"{path.stem}.backup-{tag}-{stamp}-{n}{suffix}")
    # Written under a temporary name and renamed once complete and on disk: a process killed
    # mid-copy must not leave a truncated file that looks like a backup (the crash harness,
    # tests/reliability, found one). An interrupted copy leaves only "<backup>.partial".
    partial = dest.with_name(dest.name + ".partial")
    # Quoted: a "?", "#" or "%" in the path would otherwise end or alter the URI (and open
    # some other, empty, database to back up).
    con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    try:
        partial.unlink(missing_ok=True)
        con.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"{path}: backup to {dest} failed ({exc})") from None
    finally:
        con.close()
    with partial.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, dest)
    return dest


def upgrade_store(
    target: str | os.PathLike[str] | StoreLocation,
    version: StoreVersion | None = None,
    *,
    backup: bool = True,
) -> UpgradeReport:
    """Upgrade a store to our head revision in one transaction (backing up SQLite files)."""
    location = target if isinstance(target, StoreLocation) else parse_location(target)
    if location.path is not None:
        if not location.path.is_file():
            raise StoreNotFoundError(f"{location.path}: no such store")
        check_sqlite_header(location.path)
        if not os.access(location.path, os.W_OK):
            raise StoreReadOnlyError(f"{location.path}: read-only file; cannot upgrade it")
        version = version or inspect_sqlite(location.path)
    engine = make_engine(location, pool=False)
    try:
        if version is None:
            with read_connection(engine) as conn:
                version = detect(conn)
        _refuse_unusable(location, version)
        before = count_rows(engine)
        if version.at_head:
            return UpgradeReport(
                location.display, version.label, version.label, None, before, before
            )
        backup_path = (
            backup_sqlite(location.path, version) if backup and location.path is not None else None
        )
        try:
            with write_connection(engine) as conn:
                from core.storage.migrate import MIGRATION_LOCK, upgrade_in_transaction

                advisory_xact_lock(conn, MIGRATION_LOCK)  # PostgreSQL: one migrator at a time
                # Whoever held the lock before us may have upgraded the store already.
                locked_version = detect(conn)
                if not locked_version.at_head:
                    _refuse_unusable(location, locked_version)
                    upgrade_in_transaction(conn, locked_version)
                after_version = detect(conn)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{location.display}: upgrade failed, store left at {version.label} "
                f"({_first_line(exc)})"
            ) from None
        after = count_rows(engine)
    finally:
        engine.dispose()
    if locked_version.at_head:  # another process upgraded it while we waited: nothing changed
        version, before = after_version, after
    return UpgradeReport(
        location.display, version.label, after_version.label, backup_path, before, after
    )

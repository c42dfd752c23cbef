"""Looking at a store before touching it: header, version, and the one-line refusals.

Nothing here writes, and nothing is left beside a SQLite file: it is inspected through the
same reader the store then uses (``sqlite_files.reader_kind``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError

from core.errors import (
    NotATractStoreError,
    StoreError,
    StoreLockedError,
    StoreNeedsUpgradeError,
    StoreReadOnlyError,
    StoreTooNewError,
)
from core.storage.connection import StoreLocation, make_engine, parse_location, read_connection
from core.storage.sqlite_files import SQLITE_HEADER
from core.storage.versions import StoreVersion, detect


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


# How long an open waits for another process's lock before giving up (after a message).
LOCK_WAIT_S = 10.0
_LOCK_PROBE_S = 0.2


def locked_error(location: StoreLocation | Path, exc: BaseException) -> StoreLockedError | None:
    """The one-line error for SQLite's "database is locked", or None for anything else."""
    if "locked" not in first_line(exc).lower():
        return None
    where = location.display if isinstance(location, StoreLocation) else str(location)
    return StoreLockedError(f"{where}: store is locked by another process")


def inspect_sqlite(
    path: Path,
    *,
    on_wait: Callable[[str], None] | None = None,
    wait_s: float = LOCK_WAIT_S,
) -> StoreVersion:
    """Detect a SQLite file's version through a reader that writes nothing and leaves nothing
    behind (``sqlite_files.reader_kind``).

    A rollback-journal store whose writer holds an exclusive lock blocks readers: after a
    short probe, ``on_wait`` is told and the read is retried for up to ``wait_s`` seconds, then
    :class:`StoreLockedError` is raised.
    """
    location = parse_location(path)
    try:
        return _detect_file(location, _LOCK_PROBE_S)
    except OperationalError as exc:
        if locked_error(path, exc) is None:
            raise _unusable(path, exc) from None
    if on_wait is not None:
        on_wait(f"{path}: store is locked by another process; waiting up to {wait_s:g} s")
    try:
        return _detect_file(location, wait_s)
    except OperationalError as exc:
        locked = locked_error(path, exc)
        raise (locked or _unusable(path, exc)) from None


def _detect_file(location: StoreLocation, timeout_s: float) -> StoreVersion:
    engine = make_engine(location, readonly=True, pool=False, busy_timeout_s=timeout_s)
    try:
        with read_connection(engine) as conn:
            return detect(conn)
    except OperationalError:
        raise
    except DBAPIError as exc:
        raise _unusable(location.path or Path(location.display), exc) from None
    finally:
        engine.dispose()


def _unusable(path: Path, exc: BaseException) -> NotATractStoreError:
    return NotATractStoreError(f"{path}: not a usable SQLite database ({first_line(exc)})")


def refuse_unusable(location: StoreLocation, version: StoreVersion) -> None:
    if version.empty:
        raise NotATractStoreError(
            f"{location.display}: {'SQLite database' if location.is_sqlite else 'database'} "
            "with no tables, not a tract store"
        )
    if version.too_new:
        raise StoreTooNewError(f"{location.display}: {version.problem}; nothing was changed")
    if not version.is_tract_store:
        raise NotATractStoreError(f"{location.display}: {version.problem}")


def needs_upgrade(location: StoreLocation, version: StoreVersion) -> StoreNeedsUpgradeError:
    return StoreNeedsUpgradeError(
        f"{location.display}: store is at {version.label}; run: "
        f"tract-tui upgrade '{location.cli_arg}'"
        + (" (with your password for ***)" if location.url.password else "")
    )


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__

"""Looking at a store before touching it: header, version, and the one-line refusals.

Nothing here writes: a SQLite file is inspected read-only (``immutable`` when no writer is
active, so not even ``-wal``/``-shm`` files appear beside a file we then refuse).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from core.errors import (
    NotATractStoreError,
    StoreError,
    StoreNeedsUpgradeError,
    StoreReadOnlyError,
    StoreTooNewError,
)
from core.storage.connection import StoreLocation, make_engine, parse_location, read_connection
from core.storage.versions import StoreVersion, detect

SQLITE_HEADER = b"SQLite format 3\x00"


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
            f"{path}: not a usable SQLite database ({first_line(exc)})"
        ) from None
    finally:
        engine.dispose()


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

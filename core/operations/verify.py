"""Verify a store without writing to it: re-derive every hash, check every reference.

The checks themselves (set-based SQL and batched hash scans) are in ``core.storage.integrity``; this
module opens the store, runs them in one read transaction (a snapshot) and reports.

A SQLite store behind our head revision is verified through an upgraded temporary copy, so the
file itself is never touched; a PostgreSQL store behind head is refused like ``Store.open`` does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import URL, Engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from core.errors import (
    NotATractStoreError,
    StoreError,
    StoreNeedsUpgradeError,
    StoreNotFoundError,
)
from core.storage.connection import StoreLocation, make_engine, parse_location, read_connection
from core.storage.inspection import check_sqlite_header, inspect_sqlite, refuse_unusable
from core.storage.integrity import Checker, Progress
from core.storage.migrate import upgrade_in_transaction
from core.storage.store import Store
from core.storage.upgrade import upgrade_store
from core.storage.versions import StoreVersion, detect

_LONG_HEX = re.compile(r"\b([0-9a-f]{8})[0-9a-f]{24,56}\b")


def shorten(text: str) -> str:
    """Hashes and uuid hex cut to 8 characters plus an ellipsis, for humans."""
    return _LONG_HEX.sub(r"\1…", text)


@dataclass(frozen=True)
class Problem:
    """One defect, located by its table and primary key (full values; shortened on display)."""

    kind: str
    table: str
    row_key: tuple[str | int, ...]
    detail: str

    def line(self) -> str:
        key = "/".join(str(k) for k in self.row_key)
        where = f"{self.table} {key}" if key else self.table
        return shorten(f"{where}: {self.detail}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "table": self.table,
            "row_key": list(self.row_key),
            "detail": self.detail,
        }


@dataclass
class VerifyReport:
    """The outcome: problems (capped at ``max_problems``), rows checked per table, notes."""

    store: str
    version: str
    problems: list[Problem] = field(default_factory=list)
    rows_checked: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    verified_copy: bool = False
    omitted: int = 0  # problems found beyond max_problems (counted, not kept)
    max_problems: int = 10_000
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.omitted

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.omitted

    def add(self, kind: str, table: str, key: tuple[str | int, ...], detail: str) -> None:
        if len(self.problems) < self.max_problems:
            self.problems.append(Problem(kind, table, key, detail))
        else:
            self.omitted += 1

    def format_lines(self) -> list[str]:
        lines = [f"verified {self.store} ({self.version})"]
        lines += [f"note: {n}" for n in self.notes]
        lines += [p.line() for p in self.problems]
        if self.omitted:
            lines.append(f"… and {self.omitted} more problems not listed")
        total = sum(self.rows_checked.values())
        counts = ", ".join(f"{t} {n}" for t, n in self.rows_checked.items())
        lines.append(f"rows checked: {counts}")
        verdict = "no problems" if self.ok else f"{self.problem_count} problem(s)"
        lines.append(
            f"{total} rows in {len(self.rows_checked)} tables, {self.elapsed:.2f}s: {verdict}"
        )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "version": self.version,
            "ok": self.ok,
            "verified_copy": self.verified_copy,
            "notes": list(self.notes),
            "problem_count": self.problem_count,
            "omitted": self.omitted,
            "rows_checked": dict(self.rows_checked),
            "elapsed_s": round(self.elapsed, 3),
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


# --- opening ------------------------------------------------------------------------------


@dataclass
class _Target:
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
def _sqlite_target(location: StoreLocation) -> Iterator[_Target]:
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
            yield _Target(engine, location.display, version.label)
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
            yield _Target(engine, location.display, inspect_sqlite(copy).label, notes, True)
        finally:
            engine.dispose()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _upgrade_without_foreign_keys(path: Path, copy: Path, version: StoreVersion) -> None:
    engine = make_engine(parse_location(copy), pool=False)
    try:
        with engine.connect() as conn:
            # Before any BEGIN: the pragma is a no-op inside a transaction.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                upgrade_in_transaction(conn, version)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"{path}: cannot verify: upgrading a temporary copy from "
            f"{version.label} failed ({_first_line(exc)})"
        ) from None
    finally:
        engine.dispose()


@contextmanager
def _server_target(location: StoreLocation) -> Iterator[_Target]:
    engine = make_engine(location, readonly=True, pool=False)
    try:
        try:
            with read_connection(engine) as conn:
                version = detect(conn)
        except DBAPIError as exc:
            raise StoreError(f"{location.display}: cannot connect ({_first_line(exc)})") from None
        if version.empty:
            raise NotATractStoreError(f"{location.display}: database holds no tract store")
        refuse_unusable(location, version)
        if not version.at_head:
            raise StoreNeedsUpgradeError(
                f"{location.display}: store is at {version.label}; run: "
                f"tract-tui upgrade '{location.cli_arg}'"
            )
        yield _Target(engine, location.display, version.label)
    finally:
        engine.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


# --- entry point --------------------------------------------------------------------------


def verify_store(
    target: str | os.PathLike[str] | Store,
    *,
    batch: int = 2000,
    max_problems: int = 10_000,
    progress: Progress | None = None,
) -> VerifyReport:
    """Check a store (path, URL or open Store) and report every problem found; writes nothing.

    Raises a ``StoreError`` (one-line message) when the store cannot be verified at all: it
    does not exist, is not a tract store, is newer than we know, is a PostgreSQL store behind
    our head revision, or cannot be read. Problems *in* the store go into the report.
    """
    started = time.perf_counter()
    if isinstance(target, Store):
        opened: AbstractContextManager[_Target] = _store_target(target)
    else:
        location = parse_location(target)
        opened = (
            _sqlite_target(location)
            if location.is_sqlite and location.path is not None
            else _server_target(location)
        )
    with opened as tgt:
        report = VerifyReport(
            tgt.display,
            tgt.label,
            notes=list(tgt.notes),
            verified_copy=tgt.copy,
            max_problems=max_problems,
        )
        try:
            with read_connection(tgt.engine) as conn:
                Checker(conn, report, batch, progress).run()
        except DBAPIError as exc:
            raise StoreError(f"{tgt.display}: cannot read the store ({_first_line(exc)})") from None
    report.elapsed = time.perf_counter() - started
    return report


@contextmanager
def _store_target(store: Store) -> Iterator[_Target]:
    yield _Target(store.engine, store.display, store.version.label)

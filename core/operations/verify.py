"""Verify a store without writing to it: re-derive every hash, check every reference.

The checks (set-based SQL and batched hash scans) and the read-only ways of opening a store
are in ``core.storage.integrity``; this module runs them in one read transaction (a snapshot)
and reports.

A SQLite store behind our head revision is verified through an upgraded temporary copy, so the
file itself is never touched; a PostgreSQL store behind head is refused like ``Store.open`` does.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError

from core.errors import StoreError
from core.storage.connection import parse_location, read_connection
from core.storage.inspection import first_line
from core.storage.integrity import Checker, Progress
from core.storage.integrity.targets import (
    AuditTarget,
    server_target,
    sqlite_target,
    store_target,
)
from core.storage.store import Store

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
        opened: AbstractContextManager[AuditTarget] = store_target(target)
    else:
        location = parse_location(target)
        opened = (
            sqlite_target(location)
            if location.is_sqlite and location.path is not None
            else server_target(location)
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
            raise StoreError(f"{tgt.display}: cannot read the store ({first_line(exc)})") from None
    report.elapsed = time.perf_counter() - started
    return report

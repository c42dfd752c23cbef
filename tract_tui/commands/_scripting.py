"""Shared plumbing of the scripting commands (log, compile, events, records, reproduce).

Opening a store and picking its tract (``--tract ID`` or a unique prefix), JSON output that
keeps stored text verbatim (``json.dumps`` escapes every control character), and multi-line
plain text for the human-readable output: stored text is data, so terminal controls other than
newline and tab are shown escaped, never sent raw.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.views.text import display_block
from tract_tui import collector
from tract_tui.commands._output import out, plain

if TYPE_CHECKING:
    from core import Tract, UpgradeReport


def block(text: object, indent: str = "") -> list[str]:
    """Stored text as safe lines (controls escaped, line breaks kept), each indented."""
    safe = display_block(text)
    return [f"{indent}{line}".rstrip() for line in safe.split("\n")]


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="store path or SQLAlchemy URL")
    parser.add_argument(
        "--tract", metavar="ID", help="tract id (or a unique prefix) in a multi-tract store"
    )
    add_readonly_argument(parser)


def add_readonly_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--readonly", action="store_true", help="open without writing (any write is refused)"
    )


def waiting(message: str) -> None:
    """Told when another process holds the store's lock (the open waits a bounded time)."""
    print(f"tract-tui: {plain(message)}", file=sys.stderr)


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")


def _upgraded(report: UpgradeReport) -> None:
    print(f"tract-tui: {plain(report.summary())}", file=sys.stderr)


@contextmanager
def open_tract(args: argparse.Namespace, *, lean: bool = False) -> Iterator[Tract]:
    """The store's tract: the only one, or the one ``--tract`` names. ``lean``: a SQLite
    store with a small page cache and no mmap (a reader of a whole history once, whose
    memory should be its own rows, not the file's pages)."""
    from core import Store, Tract
    from core.read import find_tract

    with Store.open(
        args.store,
        readonly=True if getattr(args, "readonly", False) else None,
        on_upgrade=_upgraded,
        on_wait=waiting,
        lean=lean,
    ) as store:
        tract_id = find_tract(store, args.tract) if args.tract else None
        tract = Tract.open(store, tract_id)
        collector.resume()
        yield tract


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    if hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    """ASCII-escaped JSON: parsing it gives the stored text back verbatim."""
    out(json.dumps(data, indent=2, default=_default))


def short(commit_hash: str | None, n: int = 8) -> str:
    return (commit_hash or "")[:n]


def when(dt: datetime) -> str:
    from core.models.times import unreadable_time

    if unreadable_time(dt):  # a damaged row: say so rather than print year 1
        return "(not a time)".ljust(19)
    return dt.strftime("%Y-%m-%d %H:%M:%S")

"""Timestamps: naive UTC in the store, aware UTC everywhere else.

The schema holds naive UTC at microsecond precision (docs/store-format.md §1). Hashes cover
the stored value, so every timestamp we write goes through :func:`to_storage` first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from core.models.times import UNREADABLE_TIME, from_storage, stored_time, unreadable_time

__all__ = [
    "ONE_MICROSECOND",
    "SYSTEM_CLOCK",
    "UNREADABLE_TIME",
    "Clock",
    "FrozenClock",
    "from_storage",
    "storage_text",
    "stored_time",
    "to_storage",
    "unreadable_time",
]

ONE_MICROSECOND = timedelta(microseconds=1)


def to_storage(dt: datetime) -> datetime:
    """Naive UTC, as the schema stores it."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def storage_text(dt: datetime) -> str:
    """The fixed SQLite text form: ``YYYY-MM-DD HH:MM:SS.ffffff`` (text order = time order)."""
    return to_storage(dt).strftime("%Y-%m-%d %H:%M:%S.%f")


class Clock:
    """Wall clock that never repeats or goes backwards within one process.

    Commits are hashed with their timestamp and ordered by it, so two commits made in the same
    microsecond (or after the system clock stepped back) still get increasing times.
    """

    def __init__(self, source: Callable[[], datetime] | None = None) -> None:
        self._source = source or (lambda: datetime.now(UTC))
        self._last: datetime | None = None
        self._lock = threading.Lock()

    def now(self, after: datetime | None = None) -> datetime:
        """A new aware-UTC timestamp, strictly after the last one and after ``after``."""
        with self._lock:
            now = from_storage(self._source())
            floor = self._last
            if after is not None and (floor is None or after > floor):
                floor = after
            if floor is not None and now <= floor:
                now = floor + ONE_MICROSECOND
            self._last = now
            return now


class FrozenClock(Clock):
    """A deterministic clock for tests and demos: starts at ``start``, ticks ``step`` per call."""

    def __init__(self, start: datetime, step: timedelta = timedelta(milliseconds=1)) -> None:
        super().__init__()
        self._next = from_storage(start)
        self._step = step

    def now(self, after: datetime | None = None) -> datetime:
        with self._lock:
            value = self._next
            if after is not None and value <= after:
                value = after + ONE_MICROSECOND
            self._next = value + self._step
            self._last = value
            return value


SYSTEM_CLOCK = Clock()

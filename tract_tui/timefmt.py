"""Times as the panels show them: "3m ago" beside an absolute UTC stamp.

Every panel reads "now" through :func:`now_for` so a test (or a snapshot) can freeze it by
giving the app a ``clock``. Absolute times are shown in UTC, the zone the store keeps, so a
screen reads the same on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def now_for(app: Any) -> datetime:
    """The app's notion of now: ``app.clock`` (a datetime, a ``Clock`` or a callable), else
    the wall clock. Reading a frozen datetime never advances anything."""
    clock = getattr(app, "clock", None)
    if isinstance(clock, datetime):
        return _aware(clock)
    now: Callable[[], datetime] | None = getattr(clock, "now", None)
    if now is None and callable(clock):
        now = clock
    if now is not None:
        value = now()
        if isinstance(value, datetime):
            return _aware(value)
    return datetime.now(UTC)


def relative(dt: datetime, now: datetime) -> str:
    """``dt`` relative to ``now``: "just now", "3m ago", "5h ago", "2d ago", "4mo ago"."""
    seconds = int((_aware(now) - _aware(dt)).total_seconds())
    if seconds < 0:
        return "in future"
    if seconds < 45:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{max(1, minutes)}m ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h ago"
    days = hours // 24
    if days < 60:
        return f"{days}d ago"
    if days < 730:
        return f"{days // 30}mo ago"
    return f"{days // 365}y ago"


def absolute(dt: datetime) -> str:
    """``dt`` in UTC, to the second: ``2025-01-02 10:03:41``."""
    return _aware(dt).strftime("%Y-%m-%d %H:%M:%S")


def short_absolute(dt: datetime) -> str:
    """``dt`` in UTC, to the minute, for narrow columns: ``01-02 10:03``."""
    return _aware(dt).strftime("%m-%d %H:%M")


def local_minute(dt: datetime | None) -> str:
    """``2026-12-04 17:05`` in the local zone; ``?`` when unknown."""
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt is not None else "?"


def size_text(n: float) -> str:
    """A byte count for people: ``512 B``, ``4.1 MB``."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GB"

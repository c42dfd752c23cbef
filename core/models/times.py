"""Reading a stored timestamp: the store keeps naive UTC (docs/store-format.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime


def from_storage(dt: datetime | str) -> datetime:
    """Aware UTC from a stored value (a datetime, or SQLite text)."""
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


# What a stored time that cannot be read becomes: the earliest time there is, so it sorts
# before every real one and is recognisable (``unreadable_time``). The row is damaged; reading
# the rest of the history must not fail because of it (``verify`` names the row).
UNREADABLE_TIME = datetime(1, 1, 1, tzinfo=UTC)


def stored_time(dt: datetime | str | None) -> datetime:
    """Like :func:`from_storage`, but a value that is not a time gives ``UNREADABLE_TIME``."""
    if dt is None:
        return UNREADABLE_TIME
    try:
        return from_storage(dt)
    except (TypeError, ValueError, AttributeError):
        return UNREADABLE_TIME


def unreadable_time(dt: datetime) -> bool:
    return dt == UNREADABLE_TIME

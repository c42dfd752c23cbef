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

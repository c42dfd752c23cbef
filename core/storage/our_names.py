"""What tract-tui adds to a store, by name: its private prefix, its Alembic version table and
revisions, and the oldest tract-ai layout it writes. Plain constants (no SQLAlchemy), so a
read that only checks a store's layout need not load the schema."""

from __future__ import annotations

PRIVATE_PREFIX = "tract_tui_"
ALEMBIC_VERSION_TABLE = f"{PRIVATE_PREFIX}alembic_version"
# Our chain of additions, oldest first; each step applies on top of any tract-ai version ≥ 6.
OURS_REVISIONS: tuple[str, ...] = ("tt_0001", "tt_0002")
OURS_HEAD = OURS_REVISIONS[-1]
# The oldest tract-ai layout we write: older stores are brought to it at their first write.
WRITE_FLOOR = 6

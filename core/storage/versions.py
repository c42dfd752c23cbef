"""Recognising what a database holds: nothing, a tract store at some version, or neither.

tract-ai records its layout in ``_trace_meta.schema_version`` ("1".."6"); we record our own
revision in a private Alembic version table. Old stores are recognised by both the number and
the tables/columns present (the early v1 layout shares version "1" with the final one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, inspect, text

from core.storage.schema import ALEMBIC_VERSION_TABLE, TRACT_AI_SCHEMA_VERSION

HEAD_REVISION = "tt_0002"
# Our revision chain, oldest first. tract-ai version N is revision "tai_vN".
REVISIONS: tuple[str, ...] = (
    "tai_v1early",
    "tai_v1",
    "tai_v2",
    "tai_v3",
    "tai_v4",
    "tai_v5",
    "tai_v6",
    "tt_0001",
    HEAD_REVISION,
)

_EARLY_V1_MARKERS = (
    ("commits", "repo_id"),
    ("commits", "reply_to"),
    ("refs", "repo_id"),
    ("annotations", "repo_id"),
)


@dataclass(frozen=True)
class StoreVersion:
    """What an inspection found."""

    empty: bool
    is_tract_store: bool
    schema_version: int | None = None  # tract-ai's number
    revision: str | None = None  # where in our chain the store is
    too_new: bool = False
    problem: str | None = None  # why it is not a (usable) tract store
    tables: frozenset[str] = field(default_factory=frozenset)

    @property
    def at_head(self) -> bool:
        return self.revision == HEAD_REVISION

    @property
    def label(self) -> str:
        if self.revision == HEAD_REVISION:
            return f"tract-ai schema v{self.schema_version} + tract-tui {HEAD_REVISION}"
        if self.revision == "tai_v1early":
            return "tract-ai schema v1 (early layout)"
        return f"tract-ai schema v{self.schema_version}"


def _legacy_version_from_tables(tables: set[str]) -> int:
    if "operation_events" in tables:
        return 6
    if "policy_log" in tables or "policy_proposals" in tables:
        return 5
    if "spawn_pointers" in tables:
        return 4
    if "compressions" in tables:
        return 3
    if "commit_parents" in tables:
        return 2
    return 1


def detect(conn: Connection) -> StoreVersion:
    """Inspect without writing anything."""
    insp = inspect(conn)
    tables = set(insp.get_table_names())
    frozen = frozenset(tables)
    if not tables:
        return StoreVersion(empty=True, is_tract_store=False, tables=frozen)
    missing = {"commits", "blobs", "refs"} - tables
    if missing:
        return StoreVersion(
            empty=False,
            is_tract_store=False,
            tables=frozen,
            problem=f"not a tract store (no {', '.join(sorted(missing))} table)",
        )
    schema_version: int | None = None
    if "_trace_meta" in tables:
        raw = conn.execute(
            text("SELECT value FROM _trace_meta WHERE \"key\" = 'schema_version'")
        ).scalar()
        if raw is not None:
            try:
                schema_version = int(str(raw).strip())
            except ValueError:
                return StoreVersion(
                    empty=False,
                    is_tract_store=False,
                    tables=frozen,
                    problem=f"unreadable schema_version {raw!r} in _trace_meta",
                )
    if schema_version is None:
        schema_version = _legacy_version_from_tables(tables)
    if schema_version > TRACT_AI_SCHEMA_VERSION:
        return StoreVersion(
            empty=False,
            is_tract_store=True,
            schema_version=schema_version,
            too_new=True,
            tables=frozen,
            problem=(
                f"schema version {schema_version} is newer than this tract-tui supports "
                f"({TRACT_AI_SCHEMA_VERSION})"
            ),
        )
    revision: str | None = None
    if ALEMBIC_VERSION_TABLE in tables:
        revision = conn.execute(text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}")).scalar()
        if revision is not None and revision not in REVISIONS:
            return StoreVersion(
                empty=False,
                is_tract_store=True,
                schema_version=schema_version,
                too_new=True,
                tables=frozen,
                problem=f"store revision {revision!r} is newer than this tract-tui supports",
            )
    if revision is None:
        revision = f"tai_v{schema_version}"
        if schema_version == 1 and _looks_early_v1(conn, tables):
            revision = "tai_v1early"
    return StoreVersion(
        empty=False,
        is_tract_store=True,
        schema_version=schema_version,
        revision=revision,
        tables=frozen,
    )


def _looks_early_v1(conn: Connection, tables: set[str]) -> bool:
    insp = inspect(conn)
    for table, column in _EARLY_V1_MARKERS:
        if table in tables and column in {c["name"] for c in insp.get_columns(table)}:
            return True
    commit_cols = {c["name"] for c in insp.get_columns("commits")}
    if "generation_config_json" not in commit_cols:
        return True
    # A bare HEAD with no branch refs is the early refs layout.
    bare = conn.execute(
        text(
            "SELECT 1 FROM refs h WHERE h.ref_name = 'HEAD' AND h.symbolic_target IS NULL "
            "AND h.commit_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM refs b "
            "WHERE b.ref_name LIKE 'refs/heads/%')"
        )
    ).first()
    return bare is not None

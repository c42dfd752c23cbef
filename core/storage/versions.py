"""Recognising what a database holds: nothing, a tract store of some layout, or neither.

Two separate chains describe a store (``docs/decisions.md``, "Two version chains"):

- **tract-ai's version**: ``_trace_meta.schema_version`` ("1".."13"), plus the layout facts that
  changed without a bump — the early v1 layout (``repo_id``/``reply_to``), the edit column
  (``response_to`` until tract-ai 27a3cdc, ``edit_target`` after), and the state tract-ai
  c2f26dd leaves a v6 store in when it opens one ("touched": labelled 13, still
  ``response_to``).
- **our additions** (indexes, the token cache): a private Alembic version table, independent of
  tract-ai's number.

Detection only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, inspect, text

from core.storage.our_names import (
    ALEMBIC_VERSION_TABLE,
    OURS_HEAD,
    OURS_REVISIONS,
    PRIVATE_PREFIX,
    WRITE_FLOOR,
)
from core.storage.schema_head import NEWEST_TRACT_AI_VERSION

TOKEN_CACHE_TABLE = f"{PRIVATE_PREFIX}blob_message_tokens"

# Kept for callers that name "the head revision": ours.
HEAD_REVISION = OURS_HEAD

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
    schema_version: int | None = None  # tract-ai's number (for a v1 store without one: 1)
    too_new: bool = False
    problem: str | None = None  # why it is not a (usable) tract store
    tables: frozenset[str] = field(default_factory=frozenset)
    early_v1: bool = False
    edit_column: str | None = None  # response_to | edit_target | reply_to
    columns: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (table, column)
    ours: str | None = None  # our Alembic revision, None when our additions are absent

    # -- tract-ai's side ------------------------------------------------------------------

    @property
    def legacy(self) -> bool:
        """Older than the oldest layout we write (read through a migrated copy)."""
        return self.early_v1 or (self.schema_version or 0) < WRITE_FLOOR

    @property
    def touched(self) -> bool:
        """Labelled v9+ by tract-ai but ``commits.response_to`` never renamed.

        tract-ai c2f26dd relabels a v6 (or early v8) store as 13 and adds the new tables, but
        does not rename the column; it then fails to read the store. The data is still the
        old layout's, and tract-ai b226678 still reads it.
        """
        return (self.schema_version or 0) >= 9 and self.edit_column == "response_to"

    @property
    def rules(self) -> str:
        """Whose compile and hashing rules the store follows: ``b226678`` or ``c2f26dd``."""
        if self.touched or (self.schema_version or 0) <= 6:
            return "b226678"
        return "c2f26dd"

    @property
    def edit_hash_key(self) -> str:
        """The key an EDIT's target takes in the commit hash of a new commit."""
        return "edit_target" if self.edit_column == "edit_target" else "response_to"

    def has(self, table: str, column: str | None = None) -> bool:
        if column is None:
            return table in self.tables
        return (table, column) in self.columns

    @property
    def has_token_cache(self) -> bool:
        return TOKEN_CACHE_TABLE in self.tables

    # -- our side -------------------------------------------------------------------------

    @property
    def ours_at_head(self) -> bool:
        return self.ours == OURS_HEAD

    @property
    def writable_as_is(self) -> bool:
        """Writes need no preparation first (no floor upgrade, our additions present)."""
        return not self.legacy and self.ours_at_head

    @property
    def at_head(self) -> bool:
        """Nothing ``tract-tui upgrade`` (without ``--to``) would change."""
        return self.writable_as_is and not self.touched

    @property
    def label(self) -> str:
        if self.early_v1:
            base = "tract-ai schema v1 (early layout)"
        else:
            base = f"tract-ai schema v{self.schema_version}"
        if self.touched:
            base += " (commits.response_to not renamed)"
        if self.ours_at_head:
            base += f" + tract-tui {OURS_HEAD}"
        return base


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


# Columns whose presence tells layouts apart (read once per inspection).
_WATCHED = ("commits", "refs", "annotations", "operation_events", "trigger_log", "hook_wirings")


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
    columns = frozenset(
        (table, c["name"]) for table in _WATCHED if table in tables for c in insp.get_columns(table)
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
    commit_cols = {c for t, c in columns if t == "commits"}
    edit_column = next(
        (c for c in ("edit_target", "response_to", "reply_to") if c in commit_cols), None
    )
    base = StoreVersion(
        empty=False,
        is_tract_store=True,
        schema_version=schema_version,
        tables=frozen,
        edit_column=edit_column,
        columns=columns,
    )
    if schema_version > NEWEST_TRACT_AI_VERSION:
        return replace(
            base,
            too_new=True,
            problem=(
                f"schema version {schema_version} is newer than this tract-tui supports "
                f"({NEWEST_TRACT_AI_VERSION})"
            ),
        )
    if edit_column is None:
        return StoreVersion(
            empty=False,
            is_tract_store=False,
            tables=frozen,
            problem="not a tract store (commits has no edit column)",
        )
    ours: str | None = None
    if ALEMBIC_VERSION_TABLE in tables:
        ours = conn.execute(text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}")).scalar()
        if ours is not None and ours.startswith("tai_"):
            ours = None  # the old chain's markers for tract-ai steps: not ours
        if ours is not None and ours not in OURS_REVISIONS:
            return replace(
                base,
                too_new=True,
                problem=f"store revision {ours!r} is newer than this tract-tui supports",
            )
    early = schema_version == 1 and _looks_early_v1(conn, tables, columns)
    return replace(base, early_v1=early, ours=ours)


def _looks_early_v1(
    conn: Connection, tables: set[str], columns: frozenset[tuple[str, str]]
) -> bool:
    if any(marker in columns for marker in _EARLY_V1_MARKERS):
        return True
    if ("commits", "generation_config_json") not in columns:
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

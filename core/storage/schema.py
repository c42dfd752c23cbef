"""The store's tables: tract-ai schema v6, column for column, plus our private additions.

Names, column order, types, keys and indexes are identical to what tract-ai 0.1 creates
(docs/store-format.md §2–3), so a store we create is a valid tract-ai v6 store. Our
own additions only add indexes and tables, all under the ``tract_tui_`` prefix, and never put a
plain foreign key on ``commits`` or ``blobs`` (tract-ai deletes commits during GC).
"""

# No ``from __future__ import annotations`` here: this module defines a table named
# ``annotations``, which that import's feature flag would shadow for type checkers.

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from core.models.enums import CommitOperation, Priority
from core.storage.our_names import PRIVATE_PREFIX

TRACT_AI_SCHEMA_VERSION = 6


class Base:
    """Where the tables are registered (``Base.metadata``). Plain SQLAlchemy Core tables, no
    ORM: importing the ORM cost every start ~0.3 s, and nothing here maps rows to objects."""

    metadata = MetaData()


# Enum columns store the upper-case names; on PostgreSQL these become the native enum types
# ``commitoperation`` and ``priority``, as tract-ai's create_all makes them. No CHECK on SQLite.
OperationType = Enum(CommitOperation, name="commitoperation")
# tract-ai v6's declarations: VARCHAR(6) on SQLite (no length is enforced: IMPORTANT, v7+,
# fits) and a native enum of the three v6 names on PostgreSQL (``upgrade --to 7`` adds
# IMPORTANT). Priorities are bound by name.
PriorityType = (
    Enum(Priority, name="priority")
    .with_variant(String(6), "sqlite")
    # A generic Enum: PostgreSQL's dialect makes it its native ENUM, and the postgresql
    # dialect module is not imported for a SQLite store (start-up time).
    .with_variant(Enum("SKIP", "NORMAL", "PINNED", name="priority"), "postgresql")
)


blobs = Table(
    "blobs",
    Base.metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("payload_json", Text, nullable=False),
    Column("byte_size", Integer, nullable=False),
    Column("token_count", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

commits = Table(
    "commits",
    Base.metadata,
    Column("commit_hash", String(64), primary_key=True),
    Column("tract_id", String(64), nullable=False),
    Column("parent_hash", String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")),
    Column("content_hash", String(64), ForeignKey("blobs.content_hash"), nullable=False),
    Column("content_type", String(50), nullable=False),
    Column("operation", OperationType, nullable=False),
    Column("response_to", String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")),
    Column("message", Text),
    Column("token_count", Integer, nullable=False),
    Column("metadata_json", JSON),
    Column("generation_config_json", JSON),
    Column("created_at", DateTime, nullable=False),
    Index("ix_commits_tract_id", "tract_id"),
    Index("ix_commits_tract_time", "tract_id", "created_at"),
    Index("ix_commits_tract_type", "tract_id", "content_type"),
    Index("ix_commits_response_to", "response_to"),
    # Ours: child lookups, descendant walks, and the SET NULL work when a commit is deleted.
    Index(f"{PRIVATE_PREFIX}ix_commits_parent_hash", "parent_hash"),
    # Ours: "is this blob still used?" — and the foreign-key check SQLite runs for every
    # deleted blob, which scans all commits without it (GC went quadratic).
    Index(f"{PRIVATE_PREFIX}ix_commits_content_hash", "content_hash"),
)

refs = Table(
    "refs",
    Base.metadata,
    Column("tract_id", String(64), primary_key=True),
    Column("ref_name", String(255), primary_key=True),
    Column("commit_hash", String(64), ForeignKey("commits.commit_hash")),
    Column("symbolic_target", String(255)),
)

annotations = Table(
    "annotations",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(64), nullable=False),
    Column("target_hash", String(64), ForeignKey("commits.commit_hash"), nullable=False),
    Column("priority", PriorityType, nullable=False),
    Column("reason", Text),
    Column("created_at", DateTime, nullable=False),
    Index("ix_annotations_tract_id", "tract_id"),
    Index("ix_annotations_target_time", "target_hash", "created_at"),
)

commit_parents = Table(
    "commit_parents",
    Base.metadata,
    Column("commit_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
    Column("parent_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_commit_parents_commit", "commit_hash"),
    # Ours: "which merges have X as a parent".
    Index(f"{PRIVATE_PREFIX}ix_commit_parents_parent", "parent_hash"),
)

operation_events = Table(
    "operation_events",
    Base.metadata,
    Column("event_id", String(64), primary_key=True),
    Column("tract_id", String(64), nullable=False),
    Column("event_type", String(30), nullable=False),
    Column("branch_name", String(255)),
    Column("created_at", DateTime, nullable=False),
    Column("original_tokens", Integer, nullable=False),
    Column("compressed_tokens", Integer, nullable=False),
    Column("params_json", JSON),
    Index("ix_operation_events_tract_id", "tract_id"),
    Index("ix_operation_events_tract_type", "tract_id", "event_type"),
    Index("ix_operation_events_original_tokens", "original_tokens"),
    Index("ix_operation_events_compressed_tokens", "compressed_tokens"),
)

operation_commits = Table(
    "operation_commits",
    Base.metadata,
    Column("event_id", String(64), ForeignKey("operation_events.event_id"), primary_key=True),
    Column("commit_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
    Column("role", String(10), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_operation_commits_event", "event_id"),
    Index("ix_operation_commits_hash_role", "commit_hash", "role"),
)

compile_records = Table(
    "compile_records",
    Base.metadata,
    Column("record_id", String(64), primary_key=True),
    Column("tract_id", String(64), nullable=False),
    Column("head_hash", String(64), nullable=False),  # no FK: '' when there was no HEAD
    Column("token_count", Integer, nullable=False),
    Column("commit_count", Integer, nullable=False),
    Column("token_source", String(50), nullable=False),
    Column("params_json", JSON),
    Column("created_at", DateTime, nullable=False),
    Index("ix_compile_records_tract_id", "tract_id"),
    Index("ix_compile_records_tract_time", "tract_id", "created_at"),
)

compile_effectives = Table(
    "compile_effectives",
    Base.metadata,
    Column("record_id", String(64), ForeignKey("compile_records.record_id"), primary_key=True),
    Column("commit_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
    Column("position", Integer, nullable=False),
    # Ours: "which compile records used X", and GC.
    Index(f"{PRIVATE_PREFIX}ix_compile_effectives_commit", "commit_hash"),
)

spawn_pointers = Table(
    "spawn_pointers",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("parent_tract_id", String(64), nullable=False),
    Column(
        "parent_commit_hash", String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")
    ),
    Column("child_tract_id", String(64), unique=True, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("inheritance_mode", String(20), nullable=False),
    Column("display_name", String(255)),
    Column("created_at", DateTime, nullable=False),
    Index("ix_spawn_parent_tract", "parent_tract_id"),
    Index("ix_spawn_child_tract", "child_tract_id"),
)

policy_proposals = Table(
    "policy_proposals",
    Base.metadata,
    Column("proposal_id", String(64), primary_key=True),
    Column("tract_id", String(64), nullable=False),
    Column("policy_name", String(100), nullable=False),
    Column("action_type", String(50), nullable=False),
    Column("action_params_json", JSON),
    Column("reason", Text),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Index("ix_policy_proposals_tract_id", "tract_id"),
    Index("ix_policy_proposals_tract_status", "tract_id", "status"),
)

policy_log = Table(
    "policy_log",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(64), nullable=False),
    Column("policy_name", String(100), nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("action_type", String(50)),
    Column("reason", Text),
    Column("outcome", String(20), nullable=False),
    Column("commit_hash", String(64)),  # no FK
    Column("error_message", Text),
    Column("created_at", DateTime, nullable=False),
    Index("ix_policy_log_tract_id", "tract_id"),
    Index("ix_policy_log_tract_time", "tract_id", "created_at"),
)

trace_meta = Table(
    "_trace_meta",
    Base.metadata,
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- private additions ----------------------------------------------------------------------

# Token count of the *compiled message* a blob produces, per encoding.
#
# Written when we write a blob, so compiles never recount. No FK to ``blobs``: tract-ai's GC
# deletes blobs, and an orphan row here is harmless (our GC removes them).
blob_message_tokens = Table(
    f"{PRIVATE_PREFIX}blob_message_tokens",
    Base.metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("encoding", String(50), primary_key=True),
    Column("message_tokens", Integer, nullable=False),
)


V6_TABLES: tuple[str, ...] = (
    "blobs",
    "commits",
    "refs",
    "annotations",
    "commit_parents",
    "operation_events",
    "operation_commits",
    "compile_records",
    "compile_effectives",
    "spawn_pointers",
    "policy_proposals",
    "policy_log",
    "_trace_meta",
)

PRIVATE_INDEXES: tuple[Index, ...] = tuple(
    idx
    for table in Base.metadata.tables.values()
    for idx in table.indexes
    if idx.name and idx.name.startswith(PRIVATE_PREFIX) and table.name in V6_TABLES
)

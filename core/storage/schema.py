"""The store's tables: tract-ai schema v6, column for column, plus our private additions.

Names, column order, types, keys and indexes are identical to what tract-ai 0.1 creates
(docs/store-format.md §2–3), so a store we create is a valid tract-ai v6 store. Our
own additions only add indexes and tables, all under the ``tract_tui_`` prefix, and never put a
plain foreign key on ``commits`` or ``blobs`` (tract-ai deletes commits during GC).
"""

# No ``from __future__ import annotations`` here: this module defines a table named
# ``annotations``, which that import's feature flag would shadow for type checkers.

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
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
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.models.enums import CommitOperation, Priority

PRIVATE_PREFIX = "tract_tui_"
ALEMBIC_VERSION_TABLE = f"{PRIVATE_PREFIX}alembic_version"
TRACT_AI_SCHEMA_VERSION = 6


class Base(DeclarativeBase):
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
    .with_variant(postgresql.ENUM("SKIP", "NORMAL", "PINNED", name="priority"), "postgresql")
)


class Blob(Base):
    __tablename__ = "blobs"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload_json: Mapped[str] = mapped_column(Text)
    byte_size: Mapped[int] = mapped_column(Integer)
    token_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Commit(Base):
    __tablename__ = "commits"

    commit_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tract_id: Mapped[str] = mapped_column(String(64))
    parent_hash: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")
    )
    content_hash: Mapped[str] = mapped_column(String(64), ForeignKey("blobs.content_hash"))
    content_type: Mapped[str] = mapped_column(String(50))
    operation: Mapped[CommitOperation] = mapped_column(OperationType)
    response_to: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")
    )
    message: Mapped[str | None] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(Integer)
    metadata_json: Mapped[Any | None] = mapped_column(JSON)
    generation_config_json: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
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


class Ref(Base):
    __tablename__ = "refs"

    tract_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ref_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    commit_hash: Mapped[str | None] = mapped_column(String(64), ForeignKey("commits.commit_hash"))
    symbolic_target: Mapped[str | None] = mapped_column(String(255))


class Annotation(Base):
    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tract_id: Mapped[str] = mapped_column(String(64))
    target_hash: Mapped[str] = mapped_column(String(64), ForeignKey("commits.commit_hash"))
    priority: Mapped[Priority] = mapped_column(PriorityType)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_annotations_tract_id", "tract_id"),
        Index("ix_annotations_target_time", "target_hash", "created_at"),
    )


class CommitParent(Base):
    __tablename__ = "commit_parents"

    commit_hash: Mapped[str] = mapped_column(
        String(64), ForeignKey("commits.commit_hash"), primary_key=True
    )
    parent_hash: Mapped[str] = mapped_column(
        String(64), ForeignKey("commits.commit_hash"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_commit_parents_commit", "commit_hash"),
        # Ours: "which merges have X as a parent".
        Index(f"{PRIVATE_PREFIX}ix_commit_parents_parent", "parent_hash"),
    )


class OperationEventRow(Base):
    __tablename__ = "operation_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tract_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(30))
    branch_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    original_tokens: Mapped[int] = mapped_column(Integer)
    compressed_tokens: Mapped[int] = mapped_column(Integer)
    params_json: Mapped[Any | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_operation_events_tract_id", "tract_id"),
        Index("ix_operation_events_tract_type", "tract_id", "event_type"),
        Index("ix_operation_events_original_tokens", "original_tokens"),
        Index("ix_operation_events_compressed_tokens", "compressed_tokens"),
    )


class OperationCommit(Base):
    __tablename__ = "operation_commits"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("operation_events.event_id"), primary_key=True
    )
    commit_hash: Mapped[str] = mapped_column(
        String(64), ForeignKey("commits.commit_hash"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(10), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_operation_commits_event", "event_id"),
        Index("ix_operation_commits_hash_role", "commit_hash", "role"),
    )


class CompileRecordRow(Base):
    __tablename__ = "compile_records"

    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tract_id: Mapped[str] = mapped_column(String(64))
    head_hash: Mapped[str] = mapped_column(String(64))  # no FK: '' when there was no HEAD
    token_count: Mapped[int] = mapped_column(Integer)
    commit_count: Mapped[int] = mapped_column(Integer)
    token_source: Mapped[str] = mapped_column(String(50))
    params_json: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_compile_records_tract_id", "tract_id"),
        Index("ix_compile_records_tract_time", "tract_id", "created_at"),
    )


class CompileEffective(Base):
    __tablename__ = "compile_effectives"

    record_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("compile_records.record_id"), primary_key=True
    )
    commit_hash: Mapped[str] = mapped_column(
        String(64), ForeignKey("commits.commit_hash"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        # Ours: "which compile records used X", and GC.
        Index(f"{PRIVATE_PREFIX}ix_compile_effectives_commit", "commit_hash"),
    )


class SpawnPointerRow(Base):
    __tablename__ = "spawn_pointers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    parent_tract_id: Mapped[str] = mapped_column(String(64))
    parent_commit_hash: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")
    )
    child_tract_id: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(Text)
    inheritance_mode: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_spawn_parent_tract", "parent_tract_id"),
        Index("ix_spawn_child_tract", "child_tract_id"),
    )


class PolicyProposalRow(Base):
    __tablename__ = "policy_proposals"

    proposal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tract_id: Mapped[str] = mapped_column(String(64))
    policy_name: Mapped[str] = mapped_column(String(100))
    action_type: Mapped[str] = mapped_column(String(50))
    action_params_json: Mapped[Any | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_policy_proposals_tract_id", "tract_id"),
        Index("ix_policy_proposals_tract_status", "tract_id", "status"),
    )


class PolicyLogRow(Base):
    __tablename__ = "policy_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tract_id: Mapped[str] = mapped_column(String(64))
    policy_name: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column("trigger", String(20))
    action_type: Mapped[str | None] = mapped_column(String(50))
    reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    commit_hash: Mapped[str | None] = mapped_column(String(64))  # no FK
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_policy_log_tract_id", "tract_id"),
        Index("ix_policy_log_tract_time", "tract_id", "created_at"),
    )


class TraceMeta(Base):
    __tablename__ = "_trace_meta"

    key: Mapped[str] = mapped_column("key", String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- private additions ----------------------------------------------------------------------


class BlobMessageTokens(Base):
    """Token count of the *compiled message* a blob produces, per encoding.

    Written when we write a blob, so compiles never recount. No FK to ``blobs``: tract-ai's GC
    deletes blobs, and an orphan row here is harmless (our GC removes them).
    """

    __tablename__ = f"{PRIVATE_PREFIX}blob_message_tokens"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    encoding: Mapped[str] = mapped_column(String(50), primary_key=True)
    message_tokens: Mapped[int] = mapped_column(Integer)


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


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


blobs = _table(Blob)
commits = _table(Commit)
refs = _table(Ref)
annotations = _table(Annotation)
commit_parents = _table(CommitParent)
operation_events = _table(OperationEventRow)
operation_commits = _table(OperationCommit)
compile_records = _table(CompileRecordRow)
compile_effectives = _table(CompileEffective)
spawn_pointers = _table(SpawnPointerRow)
policy_proposals = _table(PolicyProposalRow)
policy_log = _table(PolicyLogRow)
trace_meta = _table(TraceMeta)
blob_message_tokens = _table(BlobMessageTokens)

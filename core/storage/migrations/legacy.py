"""Frozen table definitions of tract-ai's older layouts, used only by the migrations.

They reproduce the DDL of tract-ai's v1 (early layout) to v5 (docs/store-format.md §7), so a
chain run from an empty database builds what tract-ai built; upgrades of real stores only
create what is missing.
"""

from __future__ import annotations

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

from core.models.enums import CommitOperation
from core.storage.schema import PriorityType


def early_v1_tables() -> tuple[MetaData, list[Table]]:
    """blobs, _trace_meta, commits/refs/annotations with repo_id and reply_to."""
    md = MetaData()
    blobs = Table(
        "blobs",
        md,
        Column("content_hash", String(64), primary_key=True),
        Column("payload_json", Text, nullable=False),
        Column("byte_size", Integer, nullable=False),
        Column("token_count", Integer, nullable=False),
        Column("created_at", DateTime, nullable=False),
    )
    meta = Table(
        "_trace_meta",
        md,
        Column("key", String(255), primary_key=True),
        Column("value", Text, nullable=False),
    )
    commits = Table(
        "commits",
        md,
        Column("commit_hash", String(64), primary_key=True),
        Column("repo_id", String(64), nullable=False),
        Column("parent_hash", String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")),
        Column("content_hash", String(64), ForeignKey("blobs.content_hash"), nullable=False),
        Column("content_type", String(50), nullable=False),
        Column("operation", Enum(CommitOperation, name="commitoperation"), nullable=False),
        Column("reply_to", String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")),
        Column("message", Text),
        Column("token_count", Integer, nullable=False),
        Column("metadata_json", JSON),
        Column("created_at", DateTime, nullable=False),
        Index("ix_commits_repo_id", "repo_id"),
        Index("ix_commits_repo_type", "repo_id", "content_type"),
        Index("ix_commits_repo_time", "repo_id", "created_at"),
        Index("ix_commits_reply_to", "reply_to"),
    )
    refs = Table(
        "refs",
        md,
        Column("repo_id", String(64), primary_key=True),
        Column("ref_name", String(255), primary_key=True),
        Column("commit_hash", String(64), ForeignKey("commits.commit_hash")),
        Column("symbolic_target", String(255)),
    )
    annotations = Table(
        "annotations",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("repo_id", String(64), nullable=False),
        Column("target_hash", String(64), ForeignKey("commits.commit_hash"), nullable=False),
        Column("priority", PriorityType, nullable=False),
        Column("reason", Text),
        Column("created_at", DateTime, nullable=False),
        Index("ix_annotations_repo_id", "repo_id"),
        Index("ix_annotations_target_time", "target_hash", "created_at"),
    )
    return md, [blobs, meta, commits, refs, annotations]


def v2_tables(md: MetaData) -> list[Table]:
    return [
        Table(
            "commit_parents",
            md,
            Column("commit_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
            Column("parent_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
            Column("position", Integer, nullable=False),
            Index("ix_commit_parents_commit", "commit_hash"),
        )
    ]


def v3_tables(md: MetaData) -> list[Table]:
    compressions = Table(
        "compressions",
        md,
        Column("compression_id", String(64), primary_key=True),
        Column("tract_id", String(64), nullable=False),
        Column("branch_name", String(255)),
        Column("created_at", DateTime, nullable=False),
        Column("original_tokens", Integer, nullable=False),
        Column("compressed_tokens", Integer, nullable=False),
        Column("target_tokens", Integer),
        Column("instructions", Text),
        Index("ix_compressions_tract_id", "tract_id"),
    )
    links = [
        Table(
            name,
            md,
            Column(
                "compression_id",
                String(64),
                ForeignKey("compressions.compression_id"),
                primary_key=True,
            ),
            Column("commit_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
            Column("position", Integer, nullable=False),
        )
        for name in ("compression_sources", "compression_results")
    ]
    return [compressions, *links]


def stub_commits(md: MetaData) -> Table:
    """A bare ``commits`` table so foreign keys of legacy tables resolve at DDL time."""
    return Table("commits", md, Column("commit_hash", String(64), primary_key=True))


def stub_blobs(md: MetaData) -> Table:
    return Table("blobs", md, Column("content_hash", String(64), primary_key=True))

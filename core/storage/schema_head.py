"""What tract-ai's schema v7–v13 add to the v6 layout (``docs/tract-ai-versions.md``).

Two uses. The tables and columns below are created by ``tract-tui upgrade --to N`` (column for
column as tract-ai c2f26dd creates them, so tract-ai opens the result as its own), and they are
read to show what those versions add (tags, tools, retention rules, the store-info tables).

From v8 on, ``commits.response_to`` is named ``edit_target``. :data:`commits_edit_target` is
the v6 ``commits`` table with that one column renamed and keyed ``response_to``, so every
statement reads and writes either layout through the same Python name.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from core.storage import schema as v6

# tract-ai's own version after each step, and what the step brings (tables and columns).
NEWEST_TRACT_AI_VERSION = 13

metadata = MetaData()

# Stubs: the foreign keys of the new tables resolve against them at DDL time only.
_commits_stub = Table("commits", metadata, Column("commit_hash", String(64), primary_key=True))


tool_definitions = Table(
    "tool_definitions",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("schema_json", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_tool_definitions_name", "name"),
)

commit_tools = Table(
    "commit_tools",
    metadata,
    Column("commit_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
    Column("tool_hash", String(64), ForeignKey("tool_definitions.content_hash"), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_commit_tools_commit", "commit_hash"),
)

tag_annotations = Table(
    "tag_annotations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(64), nullable=False),
    Column("target_hash", String(64), ForeignKey("commits.commit_hash"), nullable=False),
    Column("tag", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_tag_annotations_target", "target_hash"),
    Index("ix_tag_annotations_tract_tag", "tract_id", "tag"),
    Index("ix_tag_annotations_tract_id", "tract_id"),
)

tag_registry = Table(
    "tag_registry",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(64), nullable=False),
    Column("tag_name", String(100), nullable=False),
    Column("description", Text),
    Column("auto_created", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_tag_registry_tract_name", "tract_id", "tag_name", unique=True),
    Index("ix_tag_registry_tract", "tract_id"),
)

operation_configs = Table(
    "operation_configs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(64), nullable=False),
    Column("config_key", String(100), nullable=False),
    Column("config_json", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_operation_configs_tract_key", "tract_id", "config_key", unique=True),
    Index("ix_operation_configs_tract_id", "tract_id"),
)

config_change_log = Table(
    "config_change_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(64), nullable=False),
    Column("change_type", String(50), nullable=False),
    Column("change_key", String(100)),
    Column("config_json", Text),
    Column("previous_json", Text),
    Column("source", String(50)),
    Column("created_at", DateTime, nullable=False),
    Index("ix_config_change_log_tract_id", "tract_id"),
    Index("ix_config_change_log_tract_time", "tract_id", "created_at"),
    Index("ix_config_change_log_tract_type", "tract_id", "change_type"),
)

behavioral_specs = Table(
    "behavioral_specs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(64), nullable=False),
    Column("spec_type", String(30), nullable=False),
    Column("spec_name", String(255), nullable=False),
    Column("spec_json", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_behavioral_specs_tract_id", "tract_id"),
    Index("ix_behavioral_specs_tract_type", "tract_id", "spec_type"),
    Index("ix_behavioral_specs_tract_type_name", "tract_id", "spec_type", "spec_name", unique=True),
)

# Columns later versions add to v6 tables: (version, table, column, SQL type).
ADDED_COLUMNS: tuple[tuple[int, str, str, str], ...] = (
    (7, "annotations", "retention_json", "JSON"),
    (9, "operation_events", "original_instructions", "TEXT"),
    (9, "operation_events", "effective_instructions", "TEXT"),
    (10, "commits", "tags_json", "JSON"),
)

# Tables each version adds.
ADDED_TABLES: dict[int, tuple[Table, ...]] = {
    8: (tool_definitions, commit_tools),
    10: (tag_annotations, tag_registry),
    11: (operation_configs,),
    12: (config_change_log,),
    13: (behavioral_specs,),
}

# The tag names tract-ai c2f26dd registers in every tract it opens (auto_created = 1).
BASE_TAGS: dict[str, str] = {
    "instruction": "System messages / instructions",
    "tool_call": "Messages containing tool calls",
    "tool_result": "Tool result messages",
    "reasoning": "Assistant reasoning without tool calls",
    "revision": "EDIT operations",
    "observation": "User messages with data / observations",
    "decision": "Assistant messages with explicit choices",
    "summary": "Compression output / summaries",
}


def _commits_with_edit_target() -> Table:
    """v6 ``commits`` with ``response_to`` stored as ``edit_target`` (key kept)."""
    md = MetaData()
    cols = []
    for col in v6.commits.columns:
        if col.key == "response_to":
            cols.append(Column("edit_target", String(64), key="response_to"))
        else:
            cols.append(Column(col.name, col.type, primary_key=col.primary_key, key=col.key))
    return Table("commits", md, *cols)


commits_edit_target = _commits_with_edit_target()


def commits_table(edit_column: str) -> Table:
    """The ``commits`` table of a layout whose edit column is ``edit_column``."""
    return commits_edit_target if edit_column == "edit_target" else v6.commits

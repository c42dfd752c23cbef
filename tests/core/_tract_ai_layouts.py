"""Every tract-ai layout we know, as a store in a test directory, with what it must compile to.

The stores come from three places: the ones tract-ai wrote itself (``tests/fixtures/tract_ai``:
c2f26dd's v13 story, b226678's v6 story, the v6 story after c2f26dd opened it; the shared
``upstream_v3/v5/v13.db``), the ones built from tract-ai's DDL of older versions
(``_store_builders``), and the in-between versions, made from tract-ai's stores by removing
what later versions added (tract-ai 27a3cdc…ab12938 are not beside the project; the DDL of
the result is compared with tract-ai's own for v9).
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.tract_ai_reference import FIXTURES, shared_dir

TRACT_ID = "7a1c0de5" * 4


def unpack(name: str, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(FIXTURES / f"{name}.db.gz", "rb") as gz, dest.open("wb") as fh:
        shutil.copyfileobj(gz, fh)
    return dest


def expected(name: str) -> dict[str, Any]:
    path = FIXTURES / f"{name}.expected.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="ascii"))
    with gzip.open(FIXTURES / f"{name}.expected.json.gz", "rt", encoding="ascii") as fh:
        return json.load(fh)


def _sql(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    try:
        for stmt in statements:
            con.execute(stmt)
        con.commit()
    finally:
        con.close()


def _label(version: int) -> str:
    return f"UPDATE _trace_meta SET value = '{version}' WHERE key = 'schema_version'"


# What each version added, removed newest first to reach an older layout of c2f26dd's story.
_REMOVALS: dict[int, tuple[str, ...]] = {
    13: ("DROP TABLE behavioral_specs",),
    12: ("DROP TABLE config_change_log",),
    11: ("DROP TABLE operation_configs",),
    10: (
        "DROP TABLE tag_annotations",
        "DROP TABLE tag_registry",
        "ALTER TABLE commits DROP COLUMN tags_json",
    ),
    9: (
        "ALTER TABLE operation_events DROP COLUMN original_instructions",
        "ALTER TABLE operation_events DROP COLUMN effective_instructions",
    ),
}

# tract-ai c2f26dd's DDL for tables only some stores have.
HOOK_TABLES = (
    "CREATE TABLE hook_wirings (id INTEGER PRIMARY KEY AUTOINCREMENT, tract_id VARCHAR(64) "
    "NOT NULL, operation VARCHAR(100) NOT NULL, handler_source VARCHAR(20) NOT NULL, "
    "handler_path TEXT, handler_function VARCHAR(100) NOT NULL DEFAULT 'handler', "
    "handler_code TEXT, priority INTEGER NOT NULL DEFAULT 100, enabled INTEGER NOT NULL "
    "DEFAULT 1, created_at DATETIME NOT NULL)",
    "CREATE TABLE dynamic_op_specs (id INTEGER PRIMARY KEY AUTOINCREMENT, tract_id VARCHAR(64) "
    "NOT NULL, name VARCHAR(100) NOT NULL, spec_json TEXT NOT NULL, created_at DATETIME NOT NULL)",
)
TRIGGER_TABLES = (
    "CREATE TABLE trigger_proposals (proposal_id VARCHAR(64) PRIMARY KEY, tract_id VARCHAR(64) "
    "NOT NULL, trigger_name VARCHAR(100) NOT NULL, action_type VARCHAR(50) NOT NULL, "
    "action_params_json TEXT, reason TEXT, status VARCHAR(20) NOT NULL DEFAULT 'pending', "
    "created_at DATETIME NOT NULL, resolved_at DATETIME)",
    "CREATE TABLE trigger_log (id INTEGER PRIMARY KEY AUTOINCREMENT, tract_id VARCHAR(64) "
    "NOT NULL, trigger_name VARCHAR(100) NOT NULL, trigger VARCHAR(20) NOT NULL, action_type "
    "VARCHAR(50), reason TEXT, outcome VARCHAR(20) NOT NULL, commit_hash VARCHAR(64), "
    "error_message TEXT, created_at DATETIME NOT NULL)",
)
POLICY_TABLES = (
    "CREATE TABLE policy_proposals (proposal_id VARCHAR(64) NOT NULL PRIMARY KEY, tract_id "
    "VARCHAR(64) NOT NULL, policy_name VARCHAR(100) NOT NULL, action_type VARCHAR(50) NOT NULL, "
    "action_params_json JSON, reason TEXT, status VARCHAR(20) NOT NULL, created_at DATETIME "
    "NOT NULL, resolved_at DATETIME)",
    "CREATE TABLE policy_log (id INTEGER NOT NULL PRIMARY KEY, tract_id VARCHAR(64) NOT NULL, "
    'policy_name VARCHAR(100) NOT NULL, "trigger" VARCHAR(20) NOT NULL, action_type '
    "VARCHAR(50), reason TEXT, outcome VARCHAR(20) NOT NULL, commit_hash VARCHAR(64), "
    "error_message TEXT, created_at DATETIME NOT NULL)",
)


def head_story_at(path: Path, version: int, *extra: str) -> Path:
    """c2f26dd's story as a store of ``version`` (8..13; edit_target throughout)."""
    unpack("head_story", path)
    statements: list[str] = []
    for v in range(13, version, -1):
        statements.extend(_REMOVALS[v])
    _sql(path, *statements, *extra, _label(version))
    return path


def v6_story_at(path: Path, version: int) -> Path:
    """b226678's story relabelled 7 or 8 with the columns and tables those versions added (the
    layout of tract-ai 989f016, before the edit column was renamed)."""
    unpack("v6_story", path)
    statements = ["ALTER TABLE annotations ADD COLUMN retention_json TEXT"]
    if version >= 8:
        statements += [
            "CREATE TABLE tool_definitions (content_hash VARCHAR(64) NOT NULL PRIMARY KEY, "
            "name VARCHAR(255) NOT NULL, schema_json JSON NOT NULL, created_at DATETIME NOT NULL)",
            "CREATE TABLE commit_tools (commit_hash VARCHAR(64) NOT NULL REFERENCES "
            "commits (commit_hash), tool_hash VARCHAR(64) NOT NULL REFERENCES tool_definitions "
            "(content_hash), position INTEGER NOT NULL, PRIMARY KEY (commit_hash, tool_hash))",
        ]
    _sql(path, *statements, _label(version))
    return path


def shared_store(name: str, path: Path) -> Path:
    src = shared_dir() / "fixtures" / "tract-ai" / name
    if not src.is_file():
        import pytest

        pytest.skip(f"{src} not found")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, path)
    path.chmod(0o644)
    return path


@dataclass(frozen=True)
class Layout:
    name: str
    build: Callable[[Path], Path]
    schema_version: int
    rules: str
    expected: str | None = None  # the expected-compile file, when tract-ai's answer is known
    edit_column: str = "response_to"
    tract_id: str | None = TRACT_ID


def _builder(layout: str) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        from tests.core._store_builders import build_sqlite_store

        return build_sqlite_store(path, layout).path

    return build


LAYOUTS: tuple[Layout, ...] = (
    Layout("v1early", _builder("v1early"), 1, "b226678", edit_column="reply_to", tract_id=None),
    Layout("v1", _builder("v1"), 1, "b226678", tract_id=None),
    Layout("v2", _builder("v2"), 2, "b226678", tract_id=None),
    Layout("v3", lambda p: shared_store("upstream_v3.db", p), 3, "b226678", tract_id=None),
    Layout("v4", _builder("v4"), 4, "b226678", tract_id=None),
    Layout("v5", lambda p: shared_store("upstream_v5.db", p), 5, "b226678", tract_id=None),
    Layout("v6", lambda p: unpack("v6_story", p), 6, "b226678", "v6_story"),
    Layout("v7", lambda p: v6_story_at(p, 7), 7, "c2f26dd", "v6_story.c2f26dd"),
    Layout("v8_response_to", lambda p: v6_story_at(p, 8), 8, "c2f26dd", "v6_story.c2f26dd"),
    Layout("touched", lambda p: unpack("touched", p), 13, "b226678", "v6_story"),
    Layout(
        "v8",
        lambda p: head_story_at(p, 8),
        8,
        "c2f26dd",
        "head_story",
        edit_column="edit_target",
    ),
    Layout("v9", lambda p: head_story_at(p, 9), 9, "c2f26dd", "head_story", "edit_target"),
    Layout("v10", lambda p: head_story_at(p, 10), 10, "c2f26dd", "head_story", "edit_target"),
    Layout(
        "v11_hooks",
        lambda p: head_story_at(p, 11, *HOOK_TABLES),
        11,
        "c2f26dd",
        "head_story",
        "edit_target",
    ),
    Layout("v12", lambda p: head_story_at(p, 12), 12, "c2f26dd", "head_story", "edit_target"),
    Layout(
        "v13",
        lambda p: unpack("head_story", p),
        13,
        "c2f26dd",
        "head_story",
        "edit_target",
    ),
    Layout(
        "v13_triggers",
        lambda p: head_story_at(p, 13, *TRIGGER_TABLES, *HOOK_TABLES),
        13,
        "c2f26dd",
        "head_story",
        "edit_target",
    ),
    Layout(
        "v13_policies",
        lambda p: head_story_at(p, 13, *POLICY_TABLES),
        13,
        "c2f26dd",
        "head_story",
        "edit_target",
    ),
    Layout(
        "v13_upstream",
        lambda p: shared_store("upstream_v13.db", p),
        13,
        "c2f26dd",
        "upstream_v13",
        "edit_target",
        None,
    ),
)
LAYOUT_NAMES = tuple(layout.name for layout in LAYOUTS)
BY_NAME = {layout.name: layout for layout in LAYOUTS}


def compiled_as_dict(compiled: Any) -> dict[str, Any]:
    """A compile in the form the expected files hold."""
    return {
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "name": m.name,
                "tool_call_id": m.tool_call_id,
                "tool_calls": [dict(c) for c in m.tool_calls] if m.tool_calls else None,
            }
            for m in compiled.messages
        ],
        "token_count": compiled.token_count,
        "token_source": compiled.token_source,
        "commit_hashes": list(compiled.commit_hashes),
        "tools": list(compiled.tools),
    }


def expected_branch(data: dict[str, Any], branch: str) -> dict[str, Any]:
    want = dict(data["branches"][branch])
    want.setdefault("tools", [])
    for m in want["messages"]:
        m.setdefault("tool_call_id", None)
        m.setdefault("tool_calls", None)
    return want

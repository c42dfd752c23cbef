"""Every tract-ai layout, v1early … v13: opens without writing, compiles as its tract-ai does,
verifies clean, and survives our writes.

The expected compiles were written by tract-ai itself (``tests/fixtures/tract_ai``); the live
comparison with tract-ai's source is ``test_tract_ai_differential.py``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from core.errors import StoreReadOnlyError
from core.storage.store import Store, upgrade_store
from core.tract import Tract
from tests.core._tract_ai_layouts import (
    BY_NAME,
    LAYOUT_NAMES,
    compiled_as_dict,
    expected,
    expected_branch,
)


def files_and_bytes(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def build(name: str, tmp_path: Path) -> Path:
    (tmp_path / "stores").mkdir(exist_ok=True)
    return BY_NAME[name].build(tmp_path / "stores" / f"{name}.db")


def branches(tract: Tract) -> list[str]:
    return sorted(b.name for b in tract.list_branches())


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_opens_read_only_and_leaves_the_file_as_it_was(name: str, tmp_path: Path) -> None:
    layout = BY_NAME[name]
    path = build(name, tmp_path)
    before = files_and_bytes(path.parent)
    with Tract.open(path, layout.tract_id, readonly=True) as tract:
        version = tract.store.version
        assert version.schema_version == layout.schema_version
        assert version.rules == layout.rules
        assert version.edit_column == layout.edit_column
        compiled = tract.compile()
        assert compiled.messages
        assert tract.log(limit=5)
        with pytest.raises(StoreReadOnlyError):
            tract.user("no")
    assert files_and_bytes(path.parent) == before


@pytest.mark.parametrize("name", [n for n in LAYOUT_NAMES if BY_NAME[n].expected])
def test_every_branch_compiles_as_tract_ai_does(name: str, tmp_path: Path) -> None:
    layout = BY_NAME[name]
    assert layout.expected is not None
    want = expected(layout.expected)
    path = build(name, tmp_path)
    with Tract.open(path, layout.tract_id, readonly=True) as tract:
        assert branches(tract) == sorted(want["branches"])
        for branch in want["branches"]:
            got = compiled_as_dict(tract.compile(at=branch))
            assert got == expected_branch(want, branch), f"{name}: branch {branch}"


def test_the_v5_story_compiles_as_tract_ai_b226678(tmp_path: Path) -> None:
    """The v6 story of the shared fixtures (upgraded by tract-ai b226678 from v5)."""
    path = build("v5", tmp_path)
    with Tract.open(path, readonly=True) as tract:
        compiled = tract.compile()
    assert (len(compiled.messages), compiled.token_count) == (155, 15_989)


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_verifies_clean(name: str, tmp_path: Path) -> None:
    from core.operations.verify import verify_store

    path = build(name, tmp_path)
    before = files_and_bytes(path.parent)
    report = verify_store(path)
    assert report.ok, report.format_lines()
    assert files_and_bytes(path.parent) == before


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_first_write_keeps_tract_ais_version(name: str, tmp_path: Path) -> None:
    """The first write adds our indexes (backup first) but never moves tract-ai's version,
    except a v1–v5 store, which is brought to v6, the oldest layout we write."""
    layout = BY_NAME[name]
    path = build(name, tmp_path)
    with Tract.open(path, layout.tract_id) as tract:
        if tract.is_detached:
            tract.checkout(tract.head or "")
            tract.switch(branches(tract)[0]) if branches(tract) else None
        before = tract.compile()
        info = tract.user("a new turn")
        after = tract.compile()
        assert tract.store.upgrade_report is not None
        assert tract.store.upgrade_report.backup is not None
        assert after.commit_hashes[-1] == info.commit_hash
        assert len(after.messages) == len(before.messages) + 1
        version = tract.store.version
    assert version.schema_version == max(layout.schema_version, 6)
    assert version.edit_column == (
        "response_to" if layout.edit_column == "reply_to" else layout.edit_column
    )
    assert version.ours_at_head
    from core.operations.verify import verify_store

    assert verify_store(path).ok


def test_touched_store_is_repaired_by_upgrade(tmp_path: Path) -> None:
    path = build("touched", tmp_path)
    report = upgrade_store(path)
    assert report.backup is not None and report.backup.is_file()
    con = sqlite3.connect(path)
    try:
        cols = {r[1] for r in con.execute("PRAGMA table_info(commits)")}
        indexes = {r[1] for r in con.execute("PRAGMA index_list(commits)")}
    finally:
        con.close()
    assert "edit_target" in cols and "response_to" not in cols
    assert "ix_commits_edit_target" in indexes and "ix_commits_response_to" not in indexes
    with Tract.open(path, BY_NAME["touched"].tract_id, readonly=True) as tract:
        assert tract.store.version.rules == "c2f26dd"
        want = expected("v6_story.c2f26dd")
        for branch in want["branches"]:
            assert compiled_as_dict(tract.compile(at=branch)) == expected_branch(want, branch)
    from core.operations.verify import verify_store

    assert verify_store(path).ok


@pytest.mark.parametrize("to", [7, 8, 13])
def test_upgrade_to_a_tract_ai_version(to: int, tmp_path: Path) -> None:
    path = build("v6", tmp_path)
    report = upgrade_store(path, to=to)
    assert report.backup is not None
    with Store.open(path, readonly=True) as store:
        version = store.version
    assert version.schema_version == to
    assert version.edit_column == ("edit_target" if to >= 8 else "response_to")
    if to >= 8:
        assert version.has("commit_tools") and version.has("annotations", "retention_json")
    if to == 13:
        for table in ("tag_annotations", "tag_registry", "operation_configs", "behavioral_specs"):
            assert version.has(table)
        assert version.has("commits", "tags_json")
    from core.operations.verify import verify_store

    assert verify_store(path).ok
    with pytest.raises(Exception, match="never moved back"):
        upgrade_store(path, to=6)


def test_v9_built_here_matches_tract_ais_v9_ddl(tmp_path: Path) -> None:
    """The in-between layouts are made by removing later additions: check v9 against the DDL
    tract-ai itself wrote at v9 (tables and columns)."""
    from tests.tract_ai_reference import shared_dir

    ddl = shared_dir() / "reference" / "schemas" / "v9.sql"
    if not ddl.is_file():
        pytest.skip("tract-ai's v9 DDL not found")
    ref = sqlite3.connect(":memory:")
    ref.executescript(ddl.read_text())
    path = build("v9", tmp_path)
    ours = sqlite3.connect(path)

    def shape(con: sqlite3.Connection) -> dict[str, set[str]]:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: {r[1] for r in con.execute(f"PRAGMA table_info({t})")}
            for t in tables
            if not t.startswith("sqlite_") and not t.startswith("policy_")
        }

    try:
        assert shape(ours) == shape(ref)
    finally:
        ours.close()
        ref.close()

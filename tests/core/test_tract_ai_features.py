"""What tract-ai v7–v13 add, through ``core.Tract``: IMPORTANT and its retention rules, tags
(and the registry), the tools a commit carries and their tokens, how content types compile,
the store-info tables, and GC of a v13 store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core import NeedsNewerLayoutError, Priority, Retention, TagNotRegisteredError, Tract
from tests.core._tract_ai_layouts import TRACT_ID, unpack


@pytest.fixture
def v13(tmp_path: Path) -> Path:
    return unpack("head_story", tmp_path / "head_story.db")


@pytest.fixture
def v6(tmp_path: Path) -> Path:
    return unpack("v6_story", tmp_path / "v6_story.db")


def rows(path: Path, sql: str, *params: object) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_important_with_retention_is_stored_as_tract_ai_does(v13: Path) -> None:
    with Tract.open(v13, TRACT_ID) as tract:
        target = tract.log(limit=3)[-1].commit_hash
        rules = Retention("keep the numbers", ("42", r"\d+ ms"), "regex")
        info = tract.annotate(target, Priority.IMPORTANT, "key result", rules)
        assert tract.priority(target) is Priority.IMPORTANT
        assert tract.retention(target) == rules
        compiled = tract.compile()
        assert target in compiled.commit_hashes  # IMPORTANT compiles like NORMAL
    [(priority, raw)] = rows(
        v13, "SELECT priority, retention_json FROM annotations WHERE id = ?", info.id
    )
    assert priority == "IMPORTANT"
    assert Retention.from_dict(__import__("json").loads(raw)) == rules


def test_retention_written_by_tract_ai_is_read(v13: Path) -> None:
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        important = [
            h for h, r in tract.retention_of(c.commit_hash for c in tract.log(limit=None)).items()
        ]
        assert len(important) == 1
        rules = tract.retention(important[0])
    assert rules is not None and rules.match_patterns == ("a - b", "utils.py")
    assert rules.instructions and "faulty expression" in rules.instructions


def test_important_needs_v7(v6: Path) -> None:
    with Tract.open(v6, TRACT_ID) as tract:
        head = tract.head or ""
        with pytest.raises(NeedsNewerLayoutError, match="upgrade --to 7"):
            tract.annotate(head, Priority.IMPORTANT)
        with pytest.raises(NeedsNewerLayoutError, match="upgrade --to 10"):
            tract.tag(head, "x", register=True)


def test_tags_tag_untag_and_the_registry(v13: Path) -> None:
    with Tract.open(v13, TRACT_ID) as tract:
        head = tract.head or ""
        names = {t.name for t in tract.registered_tags()}
        assert {"bugfix", "decision", "instruction"} <= names  # tract-ai's own and registered
        with pytest.raises(TagNotRegisteredError):
            tract.tag(head, "release")
        tract.tag(head, "release", register=True, description="shipped")
        assert "release" in tract.tags(head)
        assert head in tract.commits_tagged("release")
        assert tract.untag(head, "release") is True
        assert "release" not in tract.tags(head)
        assert tract.untag(head, "release") is False
        # Tags fixed at commit time (tags_json) and added later (tag_annotations), by tract-ai.
        tagged = tract.commits_tagged("bugfix")
        assert len(tagged) == 1
        [bug] = tagged
        assert {"bugfix", "decision", "tool_call"} <= set(tract.tags(bug))
        assert any(
            t.name == "release" and t.description == "shipped" for t in tract.registered_tags()
        )


def test_tools_of_commits_and_in_the_compile(v13: Path) -> None:
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        commits = tract.log(limit=None)
        tools = tract.tools_of(c.commit_hash for c in commits)
        assert {t["function"]["name"] for ts in tools.values() for t in ts} == {
            "bash",
            "str_replace",
        }
        compiled = tract.compile(at="main")
        assert [t["function"]["name"] for t in compiled.tools] == ["bash", "str_replace"]
        breakdown = tract.token_breakdown(at="main")
    assert compiled.tools_tokens > 0
    assert breakdown.tools == 2 and breakdown.tools_tokens == compiled.tools_tokens
    assert (
        breakdown.primer + breakdown.message_tokens + breakdown.tools_tokens == compiled.token_count
    )


def test_content_type_info_follows_the_stores_rules(v13: Path, v6: Path) -> None:
    with (
        Tract.open(v13, TRACT_ID, readonly=True) as head,
        Tract.open(v6, TRACT_ID, readonly=True) as old,
    ):
        assert not head.content_type_info("config").compiles
        assert not head.content_type_info("metadata").compiles
        assert head.content_type_info("reasoning").default_priority is Priority.SKIP
        assert head.content_type_info("session").default_priority is Priority.PINNED
        assert head.content_type_info("tool_io").role == "tool"
        assert old.content_type_info("reasoning").default_priority is Priority.NORMAL
        assert old.content_type_info("config").compiles


def test_store_info_reads_tract_ais_settings_tables(tmp_path: Path) -> None:
    from tests.core._tract_ai_layouts import shared_store

    path = shared_store("upstream_v13.db", tmp_path / "upstream_v13.db")
    before = path.read_bytes()
    with Tract.open(path, readonly=True) as tract:
        info = tract.store_info()
    assert path.read_bytes() == before
    assert info.schema_version == 13 and info.rules == "c2f26dd"
    assert info.config_changes and info.behavioral_specs
    assert {s.spec_type for s in info.behavioral_specs}
    assert all(c.change_type for c in info.config_changes)


def test_gc_removes_tool_links_and_tags_of_what_it_collects(v13: Path) -> None:
    """Before: deleting a commit that carried tools or a later tag failed its foreign key."""
    with Tract.open(v13, TRACT_ID) as tract:
        tract.tag("experiment", "decision")
        tract.delete_branch("experiment", force=True)
        tract.delete_branch("alt", force=True)
        # ("squashed" stays: tract-ai's PREV_BRANCH still names it.)
        result = tract.gc(orphan_retention_days=0, archive_retention_days=0)
        assert result.commits_removed > 0
        assert tract.compile().messages
    left = {r[0] for r in rows(v13, "SELECT commit_hash FROM commits")}
    for table, col in (("commit_tools", "commit_hash"), ("tag_annotations", "target_hash")):
        dangling = [r for r in rows(v13, f"SELECT {col} FROM {table}") if r[0] not in left]
        assert dangling == [], table
    from core.operations.verify import verify_store

    report = verify_store(v13)
    assert report.ok, report.format_lines()


@pytest.mark.postgres
def test_postgres_upgrade_to_13_adds_important_to_the_priority_enum(pg_url: str) -> None:
    from sqlalchemy import create_engine, text

    from core import create_tract, upgrade_store

    with create_tract(pg_url) as tract:
        tract_id = tract.tract_id
        first = tract.system("be brief")
        tract.user("hello")
        with pytest.raises(NeedsNewerLayoutError):
            tract.annotate(first.commit_hash, Priority.IMPORTANT)
    report = upgrade_store(pg_url, to=13)
    assert "v13" in report.to_label
    with Tract.open(pg_url, tract_id) as tract:
        assert tract.store.version.edit_column == "edit_target"
        tract.annotate(first.commit_hash, Priority.IMPORTANT, "keep", Retention("the greeting"))
        assert tract.priority(first.commit_hash) is Priority.IMPORTANT
        edit = tract.edit(first.commit_hash, {"content_type": "instruction", "text": "be terse"})
        tract.tag(edit.commit_hash, "revision", register=True)
        assert [m.content for m in tract.compile().messages] == ["be terse", "hello"]
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            labels = (
                conn.execute(text("SELECT unnest(enum_range(NULL::priority))::text"))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert "IMPORTANT" in labels
    from core.operations.verify import verify_store

    assert verify_store(pg_url).ok


def test_edits_on_an_edit_target_store_hash_with_that_key(v13: Path, v6: Path) -> None:
    from core.engine.hashing import commit_hash

    for path, key in ((v13, "edit_target"), (v6, "response_to")):
        with Tract.open(path, TRACT_ID) as tract:
            target = tract.log(limit=None)[-1]
            edit = tract.edit(target.commit_hash, {"content_type": "instruction", "text": "x"})
        fields = dict(
            content_hash=edit.content_hash,
            parent_hash=edit.parent_hash,
            content_type=edit.content_type,
            operation=edit.operation,
            created_at=edit.created_at,
            response_to=edit.response_to,
        )
        assert edit.commit_hash == commit_hash(**fields, edit_key=key), key

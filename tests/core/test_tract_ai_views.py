"""What the app shows of tract-ai v7–v13, read through ``core.read``: tags, IMPORTANT and its
retention rules, the tools a commit carries (and their tokens in a compile's breakdown), the
content types that never compile, and the ``tag:`` search — on the v13 story tract-ai wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import Priority, Tract
from core.read import StoreReader
from core.views.search import parse_query
from tests.core._tract_ai_layouts import TRACT_ID, unpack


@pytest.fixture
def v13(tmp_path: Path) -> Path:
    return unpack("head_story", tmp_path / "head_story.db")


def _by_type(reader: StoreReader, tract: Tract) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in tract.log(limit=None):
        out.setdefault(c.content_type, []).append(c.commit_hash)
    return out


def test_rows_carry_tags_priority_and_whether_they_compile(v13: Path) -> None:
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        reader = StoreReader(tract)
        hashes = [c.commit_hash for c in tract.log(limit=None)]
        rows = reader.row_details(hashes)
        types = _by_type(reader, tract)
    important = [r for r in rows.values() if r.priority is Priority.IMPORTANT]
    assert [r.tags for r in important] == [("tool_call", "bugfix", "decision")]
    assert important[0].priority_explicit
    for kind in ("config", "metadata"):
        (only,) = types[kind]
        assert not rows[only].compiles  # c2f26dd never compiles them
    assert {rows[h].badge for h in types["config"] + types["metadata"]} == {"cfg", "meta"}
    # c2f26dd skips reasoning by default (it writes that annotation itself).
    assert any(rows[h].skipped for h in types["reasoning"])
    assert all(rows[h].compiles for h in types["dialogue"])


def test_detail_has_retention_tags_and_tools(v13: Path) -> None:
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        reader = StoreReader(tract)
        [target] = reader.search(parse_query("tag:bugfix"))
        detail = reader.commit_detail(target)
    assert detail is not None
    assert detail.priority is Priority.IMPORTANT
    assert detail.retention is not None
    assert detail.retention.match_patterns == ("a - b", "utils.py")
    assert detail.tags == ("tool_call", "bugfix", "decision")
    assert [t.name for t in detail.tools] == ["bash", "str_replace"]
    assert all(t.tokens > 0 for t in detail.tools)
    assert detail.tools[1].description.startswith("Replace one string")


def test_tag_search_alone_and_with_other_filters(v13: Path) -> None:
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        reader = StoreReader(tract)
        tool_results = reader.search(parse_query("tag:tool_result"))
        assert len(tool_results) == 5  # four on main, one on the experiment branch
        bash_results = reader.search(parse_query("tag:tool_result bash"))
        assert set(bash_results) < set(tool_results) and bash_results
        assert reader.search(parse_query("tag:tool_call role:user")) == []
        assert reader.search(parse_query("tag:no-such-tag")) == []
        times = [tract.get_commit(h).created_at for h in tool_results]  # type: ignore[union-attr]
        assert times == sorted(times, reverse=True)
    assert parse_query("tag:x type:dialogue hello").describe() == "type:dialogue tag:x 'hello'"


def test_compile_breakdown_names_the_tools_and_their_tokens(v13: Path) -> None:
    with Tract.open(v13, TRACT_ID) as tract:
        compiled = tract.compile(record=True)
        assert compiled.record_id is not None
        view = StoreReader(tract).record_view(compiled.record_id, 50)
    assert view.breakdown is not None
    assert view.breakdown.tool_names == ("bash", "str_replace")
    assert view.breakdown.tools_tokens == compiled.tools_tokens > 0


def test_unsupported_says_what_an_older_store_needs(tmp_path: Path, v13: Path) -> None:
    old = unpack("v6_story", tmp_path / "v6_story.db")
    with Tract.open(old, TRACT_ID, readonly=True) as tract:
        assert tract.unsupported("tags") == (
            "tags needs tract-ai schema v10 or newer; this store is at v6 "
            "(run: tract-tui upgrade --to 10 STORE)"
        )
        assert "upgrade --to 7" in (tract.unsupported("important") or "")
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        assert tract.unsupported("tags") is None and tract.unsupported("important") is None


@pytest.mark.postgres
def test_tags_rows_and_search_on_postgres(pg_url: str) -> None:
    from core import Retention, create_tract, upgrade_store

    with create_tract(pg_url) as tract:
        tract.system("be brief")
        question = tract.user("where is the config?").commit_hash
        tract.assistant("in settings.toml")
    upgrade_store(pg_url, to=13)
    with Tract.open(pg_url) as tract:
        tract.tag(question, "question", register=True)
        tract.annotate(question, Priority.IMPORTANT, "keep", Retention("the file", ("toml",)))
        reader = StoreReader(tract)
        assert reader.row_details([question])[question].tags == ("question",)
        assert reader.search(parse_query("tag:question")) == [question]
        assert reader.search(parse_query("tag:question settings")) == []
        detail = reader.commit_detail(question)
    assert detail is not None and detail.tags == ("question",)
    assert detail.retention == Retention("the file", ("toml",))

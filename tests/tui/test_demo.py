"""The demo store (``tract-tui --demo``): what it holds, when it is rebuilt, and that a failed
build never leaves a half-built demo behind."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from core import Tract
from core.models.enums import CommitOperation, Priority
from core.storage.store import Store
from tests.tui.conftest import DEMO_TRANSCRIPT, demo_clock, demo_transcript
from tract_tui import demo
from tract_tui.demo import DEMO_VERSION, VERSION_KEY, ensure_demo_store, recorded_version


def test_the_demo_tells_the_whole_story(demo_template: Path) -> None:
    with Tract.open(demo_template) as t:
        assert t.current_branch == "main"
        branches = {b.name for b in t.list_branches()}
        assert branches == {"main", "regression-test", "changelog", "experiment/float-seconds"}

        page = t.events()
        kinds = Counter(e.event_type for e in page.rows)
        assert kinds == {"import": 1, "compress": 2, "reorganize": 1}
        imported = next(e for e in page.rows if e.event_type == "import")
        assert imported.params is not None
        assert imported.params["file"] == DEMO_TRANSCRIPT
        assert len(imported.results) == 41  # 28 messages; each tool call is its own commit
        summarizers = {e.summarizer for e in page.rows if e.event_type == "compress"}
        assert summarizers == {"manual", "extractive"}
        # Our own reorganize records the branch heads: a fresh demo can revert it (the
        # compressions cannot: main moved since, and the detail says so).
        reorganize = next(e for e in page.rows if e.event_type == "reorganize")
        assert t.revert_refusal(reorganize.event_id) is None
        for compress in (e for e in page.rows if e.event_type == "compress"):
            assert "branch main moved since this compress" in str(
                t.revert_refusal(compress.event_id)
            )

        records = t.records()
        assert len(records) == 4
        assert [r.commit_count for r in reversed(records)] == [44, 36, 27, 32]

        main = t.log(limit=None)
        messages = [c.message for c in main]
        assert "Merge branch 'changelog' into main" in messages
        assert messages.count("Compressed 9 commits") == 2
        (edit,) = t.log(limit=None, op_filter=CommitOperation.EDIT)
        assert edit.response_to is not None
        issue = main[-5]  # system, task, plan, then the transcript's system and issue
        assert issue.message is not None and issue.message.startswith("dialogue: We're")
        assert t.priority(issue.commit_hash) is Priority.PINNED
        skipped = [c for c in main if t.priority(c.commit_hash) is Priority.SKIP]
        assert len(skipped) == 2  # the noisy listing, and the merge commit (structure only)

    assert recorded_version(demo_template) == DEMO_VERSION


def test_the_build_is_deterministic_with_a_clock(tmp_path: Path, demo_template: Path) -> None:
    again = ensure_demo_store(
        path=tmp_path / "again.db", clock=demo_clock(), transcript=demo_transcript()
    )
    with Tract.open(demo_template) as a, Tract.open(again) as b:
        assert a.head == b.head
        assert [e.event_id for e in a.events().rows] == [e.event_id for e in b.events().rows]
        assert [r.record_id for r in a.records()] == [r.record_id for r in b.records()]


def test_an_up_to_date_demo_is_reused_and_an_old_one_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "data" / "demo.db"
    said: list[str] = []
    ensure_demo_store(said.append, path=path, clock=demo_clock())
    assert said[0] == f"demo: building {path}"
    inode = path.stat().st_ino

    said.clear()
    assert ensure_demo_store(said.append, path=path) == path
    assert said == [f"demo: opening {path}"]
    assert path.stat().st_ino == inode

    with Store.open(path) as store, store.write() as uow:
        uow.meta.set(VERSION_KEY, "0")
    said.clear()
    ensure_demo_store(said.append, path=path, clock=demo_clock())
    assert said[0].startswith("demo: building")
    assert recorded_version(path) == DEMO_VERSION
    assert not [p for p in path.parent.iterdir() if ".building" in p.name]  # no temporary left


def test_a_failed_build_leaves_the_old_demo_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.db"
    path.write_bytes(b"not a store")  # unreadable: it will be rebuilt

    def broken(self: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo._Story, "tell", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ensure_demo_store(path=path, clock=demo_clock())
    assert path.read_bytes() == b"not a store"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]


def test_without_a_transcript_a_builtin_sample_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(demo.TRANSCRIPT_ENV, raising=False)
    said: list[str] = []
    path = ensure_demo_store(said.append, path=tmp_path / "demo.db", clock=demo_clock())
    assert any("a built-in sample run" in line for line in said)
    with Tract.open(path) as t:
        kinds = Counter(e.event_type for e in t.events().rows)
        assert kinds == {"import": 1, "compress": 2, "reorganize": 1}
        imported = next(e for e in t.events().rows if e.event_type == "import")
        assert imported.params is not None
        assert imported.params["file"] == demo.FALLBACK_NAME

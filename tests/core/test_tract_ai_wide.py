"""A store that uses most of tract-ai c2f26dd's API (``tests/fixtures/tract_ai/wide.py``: three
tracts in one file, a spawn and its collapse, tools set for later commits, tags by every path,
edits of tool results, restore, SKIP/PIN toggled, a merge conflict resolved by hand, deleted
branches, resets, a detached HEAD, import and rebase, tract-ai's own compress and gc, a custom
content type, very long and non-ASCII text), as tract-ai wrote it (checked in by
``regenerate.py``; the tests that run tract-ai again skip when its source is not beside the
project):

- every branch of every tract, and each tract's HEAD as stored, compiles as tract-ai's
  ``Tract.compile()`` does (messages with their tool fields, tokens, tools);
- ``verify`` finds no problem; the read commands leave the file byte-identical;
- after our writes (pin/skip, IMPORTANT, tag, import, compress, revert, merge, branch
  delete, commit import, spawn and collapse, gc) tract-ai still opens every tract, compiles
  it as we do, appends and collects garbage, and sees our child tract.

The same for b226678 (``--story wide_v6``: the ground it covers, schema v6).
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from core import Priority, Retention, Tract
from core.operations.verify import verify_store
from tests.core._tract_ai_layouts import compiled_as_dict
from tests.tract_ai_reference import FIXTURES, reference_source, run_generator
from tract_tui.cli import main

PARENT = "5e551011" * 4
OTHER = "0the7a1c" * 4
needs_tract_ai = pytest.mark.skipif(
    reference_source("c2f26dd") is None or reference_source("b226678") is None,
    reason="tract-ai's source is not beside the project",
)


def _checked_in(name: str, directory: Path) -> tuple[Path, dict[str, Any]]:
    """A store tract-ai wrote (``regenerate.py``) and what it compiles from it."""
    path = directory / f"{name}.db"
    with gzip.open(FIXTURES / f"{name}.db.gz", "rb") as gz, path.open("wb") as fh:
        shutil.copyfileobj(gz, fh)
    with gzip.open(FIXTURES / f"{name}.expected.json.gz", "rt", encoding="ascii") as fh:
        return path, json.load(fh)


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """c2f26dd's wide store (never opened by the tests: each copies it) and what it
    compiles."""
    return _checked_in("wide_story", tmp_path_factory.mktemp("wide"))


def _copy(wide: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    path = tmp_path / "wide.db"
    shutil.copyfile(wide[0], path)
    return path


def test_every_tract_and_branch_compiles_as_tract_ai_does(
    wide: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, want = _copy(wide, tmp_path), wide[1]
    before = path.read_bytes()
    assert set(want["tracts"]) >= {PARENT, OTHER} and len(want["tracts"]) == 3
    assert set(want["tracts"][PARENT]) == {
        *("HEAD", "main", "left", "topic", "resets", "compressed", "profiled", "corners"),
        "picked",  # a compress of chosen commits, one preserved
        "restore/before-branches",  # restore_snapshot's branch
    }
    compared = 0
    for tract_id, branches in want["tracts"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            for branch, expected in branches.items():
                got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                assert compiled_as_dict(got) == expected, (tract_id, branch)
                compared += 1
    assert compared == 14
    # Per commit: the tags (commit-time and added) and the tools tract-ai reports.
    tagged = 0
    for tract_id, commits in want["commits"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            tags = tract.tags_of(commits)
            tools = tract.tools_of(commits)
        for h, facts in commits.items():
            assert sorted(tags.get(h, ())) == facts["tags"], h
            names = [t["function"]["name"] for t in tools.get(h, ())]
            assert names == facts["tools"], h
            tagged += bool(facts["tags"])
    assert tagged >= 10
    with Tract.open(path, PARENT, readonly=True) as tract:
        info = tract.store_info()
    assert [(b.spec_type, b.spec_name) for b in info.behavioral_specs] == [("gate", "no-secrets")]
    assert "news" in {t.name for t in info.registered_tags}
    assert path.read_bytes() == before
    # The features are there: tools, the custom type, tool messages, the collapse.
    main_branch = want["tracts"][PARENT]["main"]
    assert [t["function"]["name"] for t in main_branch["tools"]] == ["search", "read_file"]
    roles = [m["role"] for m in main_branch["messages"]]
    assert roles.count("tool") == 2
    assert any('"content_type": "ticket"' in m["content"] for m in main_branch["messages"])
    assert main_branch["messages"][-2]["content"] == "The child found: nothing new."
    # After tools.set(None) the compile carries the tools of the nearest commit with any.
    profiled = want["tracts"][PARENT]["profiled"]
    assert [t["function"]["name"] for t in profiled["tools"]] == ["read_file"]
    assert profiled["messages"][-1]["role"] == "tool"
    assert path.read_bytes() == before


def test_verifies_clean_with_what_tract_ais_gc_left(
    wide: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path = _copy(wide, tmp_path)
    report = verify_store(path)
    assert report.ok, report.format_lines()
    notes = " ".join(report.notes)
    # 'ticket' is the user's own type; config and metadata are tract-ai's.
    assert "'note' (1), 'snippet' (1), 'ticket' (1)" in notes and "'config'" not in notes
    # The import's source lost its parent to tract-ai's gc.
    assert "1 commit(s) whose parent was collected" in notes


@pytest.mark.parametrize("story", ["wide", "wide_v6"])
def test_read_commands_leave_every_byte(
    story: str, request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    written = request.getfixturevalue(story)
    path, want = _copy(written, tmp_path), written[1]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for tract_id in want["tracts"]:
        for command in (
            ["log", str(path), "--tract", tract_id],
            ["log", str(path), "--graph", "--json", "--tract", tract_id],
            ["events", str(path), "--tract", tract_id],
            ["records", str(path), "--tract", tract_id],
            ["compile", str(path), "--json", "--tract", tract_id],
        ):
            assert main(command) == 0, (command, capsys.readouterr().err)
            out = capsys.readouterr().out
            assert out.strip(), command
    for command in (["summary", str(path)], ["verify", str(path)]):
        assert main(command) == 0, (command, capsys.readouterr().err)
        capsys.readouterr()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def _our_writes(path: Path, tmp_path: Path) -> None:
    transcript = tmp_path / "chat.jsonl"
    transcript.write_text(
        json.dumps({"role": "user", "content": "imported — 東京"})
        + "\n"
        + json.dumps({"role": "assistant", "content": "imported answer"})
        + "\n"
    )
    with Tract.open(path, PARENT) as tract:
        log = tract.log(limit=None)
        by_message = {c.message: c.commit_hash for c in log}
        tract.annotate(by_message["main moves on"], Priority.PINNED, "keep")
        tract.annotate(by_message["main moves on"], Priority.SKIP, "drop")
        tract.annotate(
            by_message["scratch answer"], Priority.IMPORTANT, "mine", Retention("keep", ("x",))
        )
        tract.tag(by_message["After the collapse."], "news")
        tract.tag(by_message["After the collapse."], "ours", register=True)
        tract.untag(by_message["After the collapse."], "news")
        tract.import_transcript(transcript)
        chain = tract.log(limit=None)
        result = tract.compress(
            from_ref=chain[6].commit_hash, to_ref=chain[2].commit_hash, summarizer="extractive"
        )
        tract.revert(result.event_id)
        tract.compress(
            from_ref=chain[6].commit_hash, to_ref=chain[2].commit_hash, summarizer="extractive"
        )
        tract.switch("topic")
        tract.user("our turn on topic")
        tract.switch("main")
        tract.switch("profiled")  # a compress over a tool call and its error result
        tail = tract.log(limit=4)
        tract.compress(
            from_ref=tail[3].commit_hash, to_ref=tail[0].commit_hash, summarizer="extractive"
        )
        tract.switch("main")
        merged = tract.merge("profiled", no_ff=True, message="our merge")
        assert merged.committed
        tract.delete_branch("corners", force=True)
        tract.import_commit("left")
        child = tract.spawn("our own child", display_name="ours")
        child.user("a question in our child")
        tract.collapse(child, content="Our child found it.")
        tract.gc(orphan_retention_days=0)
    with Tract.open(path, OTHER) as tract:  # its HEAD is detached: a priority still writes
        first = tract.log(limit=None)[-1].commit_hash
        tract.annotate(first, Priority.SKIP, "ours")


@needs_tract_ai
def test_our_writes_keep_every_tract_tract_ais(
    wide: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, want = _copy(wide, tmp_path), wide[1]
    _our_writes(path, tmp_path)
    report = verify_store(path)
    assert report.ok, report.format_lines()
    with Tract.open(path, PARENT, readonly=True) as tract:
        tract_ids = [t.tract_id for t in tract.list_tracts()]
    assert len(tract_ids) == 4 and set(want["tracts"]) < set(tract_ids)
    for tract_id in tract_ids:
        with Tract.open(path, tract_id, readonly=True) as tract:
            ours = compiled_as_dict(tract.compile())
        out = tmp_path / f"exercise-{tract_id}.json"
        if tract_id == OTHER:
            # tract-ai refuses to commit on a detached HEAD: attach it first, as a user must.
            with Tract.open(path, tract_id) as tract:
                tract.switch("main")
            with Tract.open(path, tract_id, readonly=True) as tract:
                ours = compiled_as_dict(tract.compile())
        run_generator("c2f26dd", "--exercise", str(path), str(out), "--tract", tract_id)
        theirs = json.loads(out.read_text())
        assert ours == theirs["before"], tract_id
        assert theirs["after_count"] == len(ours["messages"]) + 1, tract_id
        with Tract.open(path, tract_id, readonly=True) as tract:
            assert tract.head == theirs["appended"]
        if tract_id == PARENT:  # tract-ai sees our child beside its own
            assert set(theirs["children"]) == set(tract_ids) - {PARENT, OTHER}
    report = verify_store(path)
    assert report.ok, report.format_lines()
    # Every branch of every tract, ours and theirs, as c2f26dd compiles it now.
    out = tmp_path / "after.json"
    run_generator("c2f26dd", "--expect-wide", str(path), str(out))
    after = json.loads(out.read_text())
    assert set(after["tracts"]) == set(tract_ids)
    compared = 0
    for tract_id, branches in after["tracts"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            for branch, expected in branches.items():
                got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                assert compiled_as_dict(got) == expected, (tract_id, branch)
                compared += 1
            tags = tract.tags_of(after["commits"][tract_id])
        for h, facts in after["commits"][tract_id].items():
            assert sorted(tags.get(h, ())) == facts["tags"], h
    assert compared >= 15


@needs_tract_ai
def test_after_tract_ais_gc_of_archives_too(
    wide: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """c2f26dd's gc with no retention deletes the originals its compress archived (and the
    event's links to them): every tract still compiles as c2f26dd compiles it, verify is
    clean, and the events and log commands still run."""
    path = _copy(wide, tmp_path)
    run_generator("c2f26dd", "--gc-archives", str(path))
    out = tmp_path / "expected.json"
    run_generator("c2f26dd", "--expect-wide", str(path), str(out))
    want = json.loads(out.read_text())
    for tract_id, branches in want["tracts"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            for branch, expected in branches.items():
                got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                assert compiled_as_dict(got) == expected, (tract_id, branch)
    report = verify_store(path)
    assert report.ok, report.format_lines()
    for command in ("events", "log"):
        assert main([command, str(path), "--tract", PARENT]) == 0


@pytest.fixture(scope="module")
def wide_v6(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _checked_in("wide_v6_story", tmp_path_factory.mktemp("wide_v6"))


@needs_tract_ai
@pytest.mark.parametrize(("story", "revision"), [("wide", "c2f26dd"), ("wide_v6", "b226678")])
def test_stores_written_now_compile_as_tract_ai_does(
    story: str, revision: str, tmp_path: Path
) -> None:
    """The checked-in stores are one run; a run now (new hashes, new times) agrees too."""
    run_generator(revision, "--story", story, str(tmp_path))
    path = tmp_path / f"{story}_story.db"
    want = json.loads((tmp_path / f"{story}_story.expected.json").read_text())
    for tract_id, branches in want["tracts"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            for branch, expected in branches.items():
                got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                if revision == "b226678":
                    assert _as_b226678(got) == expected, (tract_id, branch)
                else:
                    assert compiled_as_dict(got) == expected, (tract_id, branch)
    assert verify_store(path).ok


def _as_b226678(compiled: Any) -> dict[str, Any]:
    got = compiled_as_dict(compiled)
    assert got.pop("tools") == []
    for m in got["messages"]:
        assert m.pop("tool_call_id") is None and m.pop("tool_calls") is None
    return got


def test_v6_every_tract_and_branch_compiles_as_b226678_does(
    wide_v6: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, want = _copy(wide_v6, tmp_path), wide_v6[1]
    before = path.read_bytes()
    assert len(want["tracts"]) == 3
    compared = 0
    for tract_id, branches in want["tracts"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            assert tract.store.version.rules == "b226678"
            for branch, expected in branches.items():
                got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                assert _as_b226678(got) == expected, (tract_id, branch)
                compared += 1
    assert compared == 11  # "approved": a compress committed after review
    report = verify_store(path)
    assert report.ok, report.format_lines()
    assert path.read_bytes() == before


@needs_tract_ai
def test_v6_our_writes_keep_every_tract_b226678s(
    wide_v6: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, want = _copy(wide_v6, tmp_path), wide_v6[1]
    transcript = tmp_path / "chat.jsonl"
    transcript.write_text(json.dumps({"role": "user", "content": "imported — 東京"}) + "\n")
    with Tract.open(path, PARENT) as tract:
        by_message = {c.message: c.commit_hash for c in tract.log(limit=None)}
        tract.annotate(by_message["dialogue: main moves on"], Priority.PINNED, "keep")
        tract.annotate(by_message["dialogue: main moves on"], Priority.SKIP, "drop")
        tract.import_transcript(transcript)
        chain = tract.log(limit=None)
        result = tract.compress(
            from_ref=chain[5].commit_hash, to_ref=chain[1].commit_hash, summarizer="extractive"
        )
        tract.revert(result.event_id)
        tract.compress(
            from_ref=chain[5].commit_hash, to_ref=chain[1].commit_hash, summarizer="extractive"
        )
        tract.gc(orphan_retention_days=0)
    with Tract.open(path, OTHER) as tract:
        tract.switch("main")  # b226678 refuses to commit on a detached HEAD too
    report = verify_store(path)
    assert report.ok, report.format_lines()
    for tract_id in want["tracts"]:
        with Tract.open(path, tract_id, readonly=True) as tract:
            assert tract.store.version.schema_version == 6
            ours = _as_b226678(tract.compile())
        out = tmp_path / f"exercise-{tract_id}.json"
        run_generator("b226678", "--exercise-v6", str(path), str(out), "--tract", tract_id)
        theirs = json.loads(out.read_text())
        assert ours == theirs["before"], tract_id
        assert theirs["after_count"] == len(ours["messages"]) + 1, tract_id
        with Tract.open(path, tract_id, readonly=True) as tract:
            assert tract.head == theirs["appended"]
    report = verify_store(path)
    assert report.ok, report.format_lines()
    out = tmp_path / "after.json"
    run_generator("b226678", "--expect-wide-v6", str(path), str(out))
    after = json.loads(out.read_text())
    for tract_id, branches in after["tracts"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            for branch, expected in branches.items():
                got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                assert _as_b226678(got) == expected, (tract_id, branch)


@needs_tract_ai
@pytest.mark.parametrize("how", ["upgrade --to 13", "touched by c2f26dd, then upgrade"])
def test_v6_store_moved_to_13_compiles_as_c2f26dd_does(
    wide_v6: tuple[Path, dict[str, Any]], tmp_path: Path, how: str
) -> None:
    """b226678's wide store brought to v13 by us (or relabelled by c2f26dd and repaired by
    our upgrade): every tract and branch compiles as c2f26dd compiles it, and verifies."""
    from core.storage.store import upgrade_store

    path = _copy(wide_v6, tmp_path)
    if how.startswith("touched"):
        run_generator("c2f26dd", "--touch", str(path))
        # Relabelled 13 but still response_to: read with b226678's rules, as b226678 reads it.
        for tract_id, branches in wide_v6[1]["tracts"].items():
            with Tract.open(path, tract_id, readonly=True) as tract:
                assert tract.store.version.rules == "b226678"
                for branch, expected in branches.items():
                    got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                    assert _as_b226678(got) == expected, (tract_id, branch)
        upgrade_store(path)
    else:
        upgrade_store(path, to=13)
    report = verify_store(path)
    assert report.ok, report.format_lines()
    out = tmp_path / "expected.json"
    run_generator("c2f26dd", "--expect-wide", str(path), str(out))
    want = json.loads(out.read_text())
    compared = 0
    for tract_id, branches in want["tracts"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            assert tract.store.version.rules == "c2f26dd"
            for branch, expected in branches.items():
                got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                assert compiled_as_dict(got) == expected, (tract_id, branch)
                compared += 1
    assert compared >= 10


@needs_tract_ai
def test_b226678_writes_postgresql_and_we_read_it_as_it_does(pg_url: str, tmp_path: Path) -> None:
    """b226678 writes PostgreSQL stores (c2f26dd cannot: its first commit fails on SQLite's
    INSERT ... ON CONFLICT). Such a store compiles on every branch as b226678 compiles it,
    verifies clean, and after our upgrade (indexes only) and writes b226678 still opens it,
    compiles it as we do and appends."""
    from tests.tract_ai_reference import with_postgres_driver

    with_postgres_driver("b226678")
    run_generator("b226678", "--story", "v6", "--url", pg_url, str(tmp_path))
    want = json.loads((tmp_path / "v6_story.expected.json").read_text())
    tract_id = "7a1c0de5" * 4
    with Tract.open(pg_url, tract_id, readonly=True) as tract:
        assert tract.store.version.rules == "b226678"
        for branch, expected in want["branches"].items():
            assert _as_b226678(tract.compile(at=branch)) == expected, branch
    report = verify_store(pg_url)
    assert report.ok, report.format_lines()
    from core.storage.store import upgrade_store

    upgrade_store(pg_url)  # on PostgreSQL our writes first need our indexes (docs/behaviour.md)
    with Tract.open(pg_url, tract_id) as tract:
        assert tract.store.version.schema_version == 6
        first = tract.log(limit=None)[-2].commit_hash
        tract.annotate(first, Priority.PINNED, "ours")
        tract.user("our turn")
        chain = tract.log(limit=None)
        tract.compress(
            from_ref=chain[4].commit_hash, to_ref=chain[1].commit_hash, summarizer="extractive"
        )
        ours = _as_b226678(tract.compile())
    out = tmp_path / "exercise.json"
    run_generator("b226678", "--exercise-v6", pg_url, str(out), "--tract", tract_id)
    theirs = json.loads(out.read_text())
    assert ours == theirs["before"]
    assert theirs["after_count"] == len(ours["messages"]) + 1
    assert verify_store(pg_url).ok


@pytest.mark.parametrize("version", [8, 9, 10, 11, 12])
def test_the_wide_store_at_each_version_in_between(
    wide: tuple[Path, dict[str, Any]], tmp_path: Path, version: int
) -> None:
    """The layouts between 8 and 13 (tract-ai 989f016…22e75fc, not beside the project) are
    c2f26dd's wide store without what later versions added; their compile rules are 13's, so
    every tract and branch still compiles as c2f26dd's, and verify is clean."""
    from tests.core._tract_ai_layouts import _REMOVALS, _label, _sql

    path, want = _copy(wide, tmp_path), wide[1]
    statements = [stmt for v in range(13, version, -1) for stmt in _REMOVALS[v]]
    _sql(path, *statements, _label(version))
    for tract_id, branches in want["tracts"].items():
        with Tract.open(path, tract_id, readonly=True) as tract:
            assert tract.store.version.schema_version == version
            for branch, expected in branches.items():
                got = tract.compile() if branch == "HEAD" else tract.compile(at=branch)
                assert compiled_as_dict(got) == expected, (version, tract_id, branch)
    report = verify_store(path)
    assert report.ok, report.format_lines()

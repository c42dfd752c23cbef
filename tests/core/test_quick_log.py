"""``quick_log`` (stdlib sqlite3, no storage layer) gives what ``StoreReader.refs`` and
``Tract.log`` give, or None so that the full read runs: on ordinary histories, on damaged rows,
and on every store it must step aside from (other layouts, several tracts, a lock)."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.models import content as c
from core.read import StoreReader, quick_log

LIMITS = (0, 1, 2, 5, 20, 10_000)


def _full(path: Path, limit: int) -> tuple[str, dict[str, list[str]], list[object]]:
    t = Tract.open(path, readonly=True)
    try:
        refs = StoreReader(t).refs(head_arrow="->")
        return t.tract_id, refs.labels, list(t.log(limit=limit))
    finally:
        t.close()


def _same(path: Path) -> None:
    for limit in LIMITS:
        quick = quick_log(str(path), limit, head_arrow="->")
        assert quick is not None, f"quick read refused {path.name} (limit {limit})"
        tract_id, labels, commits = _full(path, limit)
        assert quick.tract_id == tract_id
        assert quick.labels == labels
        assert quick.commits == commits, f"limit {limit}"


def _history(path: Path) -> Tract:
    t = create_tract(path)
    t.system("You are terse.")
    for i in range(6):
        t.user(f"question {i} — ünïcode ✓")
        t.assistant(f"answer {i}", metadata={"turn": i, "tags": ["a", "b"]})
    t.commit(c.tool_io("bash", "call", {"command": "ls"}))
    t.branch("feature")
    t.user("on the feature branch")
    first = t.assistant("feature work")
    t.edit(first.commit_hash, c.dialogue("assistant", "feature work, edited"))
    t.switch("main")
    t.user("back on main")
    t.merge("feature")
    t.user("after the merge")
    return t


def test_an_ordinary_history_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _history(path).close()
    _same(path)


def test_a_detached_head_and_branches_at_one_commit(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    t = _history(path)
    t.branch("also-here", switch=False)
    middle = t.log(limit=4)[-1].commit_hash
    t.checkout(middle)
    t.close()
    _same(path)
    quick = quick_log(str(path), 3, head_arrow="->")
    assert quick is not None and quick.labels[middle][0] == "HEAD"


def test_damaged_rows_read_as_the_repositories_read_them(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _history(path).close()
    chain = [x.commit_hash for x in _full(path, 100)[2]]  # type: ignore[attr-defined]
    damage = (
        ("created_at", "not a time", chain[1]),
        ("operation", "BOGUS", chain[2]),
        ("metadata_json", "{not json", chain[3]),
    )
    with sqlite3.connect(path) as db:
        for column, value, commit in damage:
            db.execute(f"UPDATE commits SET {column} = ? WHERE commit_hash = ?", (value, commit))
        db.execute("DELETE FROM commits WHERE commit_hash = ?", chain[5:6])  # gone mid-chain
    _same(path)


def test_a_stored_parent_cycle_ends(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _history(path).close()
    chain = [x.commit_hash for x in _full(path, 100)[2]]  # type: ignore[attr-defined]
    with sqlite3.connect(path) as db:
        db.execute("UPDATE commits SET parent_hash = ? WHERE commit_hash = ?", (chain[0], chain[3]))
    _same(path)


def test_head_naming_a_missing_branch_or_no_head(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _history(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE refs SET symbolic_target = 'refs/heads/gone' WHERE ref_name = 'HEAD'")
    _same(path)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM refs WHERE ref_name = 'HEAD'")
    _same(path)


def test_bytes_in_a_text_column_are_the_same_one_line_error(tmp_path: Path) -> None:
    from core.errors import StoreDamagedError

    path = tmp_path / "s.db"
    _history(path).close()
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE commits SET message = CAST('x' AS BLOB) WHERE commit_hash = "
            "(SELECT commit_hash FROM refs WHERE ref_name = 'refs/heads/main')"
        )
    with pytest.raises(StoreDamagedError) as quick:
        quick_log(str(path), 5)
    with pytest.raises(StoreDamagedError) as full:
        _full(path, 5)
    assert str(quick.value) == str(full.value)


# -- where it steps aside -----------------------------------------------------------------


def test_it_steps_aside_for_what_the_full_open_must_say(tmp_path: Path) -> None:
    several = tmp_path / "several.db"
    t = create_tract(several)
    t.user("parent")
    t.spawn("a child")
    t.close()
    empty = tmp_path / "empty.db"
    create_tract(empty).close()  # no commit yet
    text = tmp_path / "notes.txt"
    text.write_text("not a store")
    other_layout = tmp_path / "later.db"  # a revision of ours this tract-tui does not know
    _history(other_layout).close()
    with sqlite3.connect(other_layout) as db:
        db.execute("UPDATE tract_tui_alembic_version SET version_num = 'tt_9999'")
    newer = tmp_path / "newer.db"
    _history(newer).close()
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE _trace_meta SET value = '13' WHERE key = 'schema_version'")
    for target in (several, empty, text, other_layout, newer, tmp_path / "missing.db"):
        assert quick_log(str(target), 20) is None, target.name
    assert quick_log(f"sqlite:///{several}", 20) is None  # URLs: the full open's
    assert quick_log(str(tmp_path), 20) is None  # a directory


def test_tract_ai_stores_of_other_versions_are_read_in_full(fixture_store) -> None:  # type: ignore[no-untyped-def]
    for name in ("upstream_v3.db", "upstream_v5.db", "upstream_v13.db"):
        assert quick_log(str(fixture_store(name)), 20) is None


STORIES = Path(__file__).resolve().parents[1] / "fixtures" / "tract_ai"


def _story(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name.replace(".gz", "")
    dest.write_bytes(gzip.decompress((STORIES / name).read_bytes()))
    return dest


def test_a_v6_store_tract_ai_wrote_reads_the_same(tmp_path: Path) -> None:
    path = _story("v6_story.db.gz", tmp_path)  # b226678's own store: none of our additions
    _same(path)
    with sqlite3.connect(path) as db:  # at an older revision of ours: the same rows
        db.execute("CREATE TABLE tract_tui_alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO tract_tui_alembic_version VALUES ('tt_0001')")
    _same(path)


def test_tract_ai_head_layouts_and_spawn_trees_are_read_in_full(tmp_path: Path) -> None:
    for name in ("head_story.db.gz", "touched.db.gz", "wide_v6_story.db.gz"):
        assert quick_log(str(_story(name, tmp_path)), 20) is None, name


def test_a_writer_holding_the_lock_makes_it_step_aside_quickly(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _history(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=DELETE")  # a rollback journal: readers wait for locks
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        start = time.perf_counter()
        assert quick_log(str(path), 5) is None
        assert time.perf_counter() - start < 3
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _same(path)


def test_reading_leaves_the_file_and_its_folder_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _history(path).close()
    before = path.read_bytes()
    listing = sorted(os.listdir(tmp_path))
    assert quick_log(str(path), 20) is not None
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == listing
    path.chmod(0o444)  # read-only: opened immutable
    try:
        _same(path)
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == listing


# -- the command ------------------------------------------------------------------------------

LOG = """
import json, runpy, sys
sys.argv = ["tract-tui", "log", *sys.argv[1:]]
try:
    runpy.run_module("tract_tui", run_name="__main__")
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(m for m in sys.modules if m.startswith("sqlalchemy"))))
"""


def _log(*args: str) -> tuple[str, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", LOG, *args], capture_output=True, text=True, check=True
    )
    return proc.stdout, json.loads(proc.stderr.strip().splitlines()[-1])


def test_log_prints_the_same_either_way_and_only_the_full_read_loads_sqlalchemy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    t = _history(path)
    tract_id = t.tract_id
    t.close()
    for extra in ((), ("--json",)):
        quick, loaded = _log("--limit", "7", *extra, str(path))
        full, loaded_full = _log("--limit", "7", "--tract", tract_id, *extra, str(path))
        assert quick == full and quick.strip()
        assert loaded == [] and "sqlalchemy" in loaded_full
    assert json.loads(_log("--limit", "3", "--json", str(path))[0])["tract_id"] == tract_id

"""Importing again, a file that grew, a half-written last line, bad lines, a follower."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core import ImportSession, SessionFollower, import_sessions
from core.errors import SessionImportError
from tests.conftest import sql_rows
from tests.sessions._helpers import Imported, samples_dir

REAL = "claude-code/handgemacht-ai__claude-code-log__03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl"
TRACT = "03eb5929-52b3-4b13-ada3-b93ae35806b8"
COMPACT = "claude-code/daaain__claude-code-log__dag_compact_after_rewind.jsonl"


def _lines(rel: str) -> list[bytes]:
    return (samples_dir() / rel).read_bytes().splitlines(keepends=True)


def _counts(store: str, tract: str) -> tuple[int, int, int]:
    [(c,)] = sql_rows(store, "SELECT count(*) FROM commits WHERE tract_id = :t", t=tract)
    [(e,)] = sql_rows(store, "SELECT count(*) FROM operation_events WHERE tract_id = :t", t=tract)
    [(r,)] = sql_rows(store, "SELECT count(*) FROM compile_records WHERE tract_id = :t", t=tract)
    return c, e, r


def _hashes(store: str, tract: str) -> set[str]:
    rows = sql_rows(store, "SELECT commit_hash FROM commits WHERE tract_id = :t", t=tract)
    return {r[0] for r in rows}


def test_importing_twice_adds_nothing(tmp_path: Path, store_target: str) -> None:
    path = tmp_path / f"{TRACT}.jsonl"
    path.write_bytes(b"".join(_lines(REAL)))
    first = import_sessions(path, store_target, create=True)
    before = _counts(store_target, TRACT)
    again = import_sessions(path, store_target)
    assert again.commits == 0 and not again.changed
    assert _counts(store_target, TRACT) == before == (34, 1, 9)
    assert first.commits == 34


@pytest.mark.parametrize("cut", [5, 20, 37, 59])  # mid-response, before a rewind, …
def test_a_grown_file_adds_only_what_is_new(
    tmp_path: Path, store_target: str, store_url_factory, cut: int
) -> None:
    lines = _lines(REAL)
    path = tmp_path / f"{TRACT}.jsonl"
    path.write_bytes(b"".join(lines[:cut]))
    import_sessions(path, store_target, create=True)
    with path.open("ab") as fh:
        fh.write(b"".join(lines[cut:]))
    grown = import_sessions(path, store_target)
    whole = tmp_path / "whole" / f"{TRACT}.jsonl"
    whole.parent.mkdir()
    whole.write_bytes(b"".join(lines))
    fresh = store_url_factory("fresh.db")
    import_sessions(whole, fresh, create=True)
    # The same commits (hashes cover content, parent and source time), records, branches.
    assert _hashes(store_target, TRACT) == _hashes(fresh, TRACT)
    assert grown.commits == len(_hashes(fresh, TRACT)) - len(
        {h for h in _hashes(store_target, TRACT)} - set(grown.tracts[0].commits)
    )
    a, b = Imported(store_target, TRACT), Imported(fresh, TRACT)
    try:
        assert a.branches() == b.branches()
        assert a.records() == b.records()
    finally:
        a.close()
        b.close()


def test_a_compaction_split_across_imports(tmp_path: Path, store_target: str) -> None:
    lines = _lines(COMPACT)
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"".join(lines[:9]))  # up to the compact_boundary, not its summary
    first = import_sessions(path, store_target, create=True)
    assert any("compaction has no summary yet" in w for w in first.notes.warnings)
    t = Imported(store_target, "s")
    try:
        assert t.compressions() == []
    finally:
        t.close()
    with path.open("ab") as fh:
        fh.write(b"".join(lines[9:]))
    import_sessions(path, store_target)
    t = Imported(store_target, "s")
    try:
        [(sources, results, _)] = t.compressions()
        assert sources == ["u1", "a1", "b2u", "b2a", "b2u2", "b2a2"] and results == ["cs"]
        assert t.branches() == {"main": "p1a", "fork-b1u": "b1a"}
    finally:
        t.close()


def test_a_half_written_last_line_waits(tmp_path: Path, store_target: str) -> None:
    lines = _lines(COMPACT)
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"".join(lines[:3]) + lines[3][:40])
    session = ImportSession(path)
    first = session.run(store_target, create=True)
    assert first.commits == 3
    assert [w.split(": ", 1)[0] for w in first.notes.warnings] == [f"{path}:4"]
    assert "incomplete" in first.notes.warnings[0]
    with path.open("ab") as fh:
        fh.write(lines[3][40:])
    second = session.run(store_target)
    assert second.commits == 1 and not second.notes.warnings


def test_malformed_lines_are_skipped_and_named(tmp_path: Path, store_target: str) -> None:
    lines = _lines(COMPACT)
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"".join([*lines[:2], b'{"type": "user", \n', *lines[2:]]))
    summary = import_sessions(path, store_target, create=True)
    assert summary.notes.warnings[0].startswith(f"{path}:3: invalid JSON (")
    assert summary.notes.warnings[0].endswith("; line skipped")
    assert summary.commits == 11


def test_strict_refuses_and_creates_nothing(tmp_path: Path) -> None:
    lines = _lines(COMPACT)
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"".join([*lines[:2], b"not json\n", *lines[2:]]))
    store = tmp_path / "new.db"
    with pytest.raises(SessionImportError, match=rf"^{path}:3: invalid JSON"):
        import_sessions(path, store, create=True, strict=True)
    assert not store.exists()


def test_unreadable_input_creates_no_store(tmp_path: Path) -> None:
    store = tmp_path / "new.db"
    for bad in (tmp_path / "missing.jsonl", tmp_path):
        with pytest.raises(SessionImportError):
            import_sessions(bad, store, create=True)
    (tmp_path / "x.jsonl").write_text("hello\n")
    with pytest.raises(SessionImportError, match="not a format we read"):
        import_sessions(tmp_path / "x.jsonl", store, create=True)
    assert not store.exists()


def test_follower_imports_appended_lines(tmp_path: Path) -> None:
    lines = _lines(REAL)
    path = tmp_path / f"{TRACT}.jsonl"
    path.write_bytes(b"".join(lines[:20]))
    store = tmp_path / "cache.db"
    session = ImportSession(path)
    assert session.run(store, create=True, final=False).commits == 12  # lines 3–20
    seen: list[int] = []
    follower = SessionFollower(
        session, store, interval=0.05, on_import=lambda s: seen.append(s.commits)
    )
    follower.start()
    try:
        with path.open("ab") as fh:
            fh.write(b"".join(lines[20:41]))
        deadline = time.monotonic() + 10
        while _counts(str(store), TRACT)[0] < 23 and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting for a condition, with a deadline
        # lines 21–41: the end of a reply, two turns, the rewind and its answer's three blocks
        assert _counts(str(store), TRACT)[0] == 12 + 11
    finally:
        follower.stop()
    assert follower.last_error is None and sum(seen) == 11
    t = Imported(str(store), TRACT)
    try:
        assert set(t.branches()) == {"main", "fork-5270777a"}
    finally:
        t.close()

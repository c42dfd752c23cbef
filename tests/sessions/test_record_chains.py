"""Compile records that extend the previous turn's record: read back whole, used-by, GC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from core import import_sessions
from tests.sessions._helpers import Imported, sample

COMPACT = "claude-code/daaain__claude-code-log__dag_compact_after_rewind.jsonl"
TRACT = "daaain__claude-code-log__dag_compact_after_rewind"


def _hash(t: Imported, sid: str) -> str:
    [h] = [h for h in t.tract.compile(at="main").commit_hashes if t.sid(h) == sid] or [
        h for h in t.tract.compile(at="fork-b1u").commit_hashes if t.sid(h) == sid
    ]
    return h


def test_records_using_a_commit_include_the_turns_that_extend_it(
    tmp_path: Path, store_target: str
) -> None:
    import_sessions(sample(COMPACT, tmp_path / "in"), store_target, create=True)
    t = Imported(store_target, TRACT)
    try:
        heads = {r.record_id: t.sid(r.head_hash) for r in t.tract.records()}
        with t.tract.store.read() as uow:
            used = uow.records.records_using([_hash(t, "u1"), _hash(t, "cs")])
        # u1 opens the context of every call before the compaction; cs only the last one's.
        assert sorted(heads[r] for r in used[_hash(t, "u1")]) == ["b1u", "b2u", "b2u2", "u1"]
        assert [heads[r] for r in used[_hash(t, "cs")]] == ["p1u"]
    finally:
        t.close()


def test_gc_keeps_the_records_a_kept_record_extends(tmp_path: Path, store_target: str) -> None:
    import_sessions(sample(COMPACT, tmp_path / "in"), store_target, create=True)
    t = Imported(store_target, TRACT)
    try:
        # Calls at 10:01 (u1), 10:03 (b1u), 10:11 (b2u), 10:21 (b2u2), 10:41 (p1u). Expire
        # what is older than 10:15: b2u2's record extends b2u's, which extends u1's; only
        # b1u's record (extended by nothing kept) goes.
        cutoff = datetime(2025, 7, 1, 10, 15, tzinfo=UTC)
        days = (datetime.now(UTC) - cutoff).total_seconds() / 86400
        t.tract.gc(orphan_retention_days=days + 3650, record_retention_days=days)
        assert [h for h, *_ in t.records()] == ["u1", "b2u", "b2u2", "p1u"]
        assert [ctx for _, ctx, *_ in t.records()][2] == ["u1", "a1", "b2u", "b2a", "b2u2"]
    finally:
        t.close()

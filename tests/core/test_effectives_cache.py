"""A store keeps its records' effective lists for the next read of the same record: read
through the cache or from a fresh store, a record's commits are the same, and a list is not
used once the store holds a different number of rows for that record (deleted by anyone,
or written and rolled back)."""

from __future__ import annotations

import pytest

from core import Tract, create_tract
from core.storage.effectives_cache import EffectivesCache
from tests.conftest import sql_rows


def _fresh(target: str, tract_id: str, record_id: str) -> tuple[str, ...]:
    with Tract.open(target, tract_id) as again:
        return tuple(again.get_record(record_id).effectives)


def test_a_record_read_again_is_the_one_written(store_target: str) -> None:
    with create_tract(store_target) as t:
        for i in range(30):
            t.user(f"question {i}")
            t.assistant(f"answer {i}")
        first = t.compile(record=True).record_id
        t.user("one more")
        second = t.compile(record=True).record_id
        kept = t.store._kept
        assert len(kept) == 2  # both written by this process
        for rid in (first, second):
            assert t.get_record(rid).effectives == _fresh(store_target, t.tract_id, rid)
        with t.store.read() as uow:
            both = uow.records.effectives_of([first, second, "no-such-record"])
        assert set(both) == {first, second}
        assert both[second] == _fresh(store_target, t.tract_id, second)
        assert len(both[second]) == len(both[first]) + 1


def test_rows_deleted_by_someone_else_are_read_again(store_target: str) -> None:
    with create_tract(store_target) as t:
        for i in range(5):
            t.user(f"q{i}")
        rid = t.compile(record=True).record_id
        before = t.get_record(rid).effectives
        assert len(before) == 5
        # Another connection (another process, as far as the store can tell) drops a row.
        sql_rows(
            store_target,
            "DELETE FROM compile_effectives WHERE record_id = :r AND commit_hash = :h",
            r=rid,
            h=before[2],
        )
        after = t.get_record(rid).effectives
        assert after == before[:2] + before[3:]
        with t.store.read() as uow:
            assert uow.records.effectives_of([rid])[rid] == after


def test_a_record_written_and_rolled_back_is_not_found(store_target: str) -> None:
    with create_tract(store_target) as t:
        t.user("hello")
        t.assistant("hi")
        with pytest.raises(RuntimeError), t.batch():
            rid = t.compile(record=True).record_id
            raise RuntimeError("undo")
        with t.store.read() as uow:
            assert uow.records.get(rid) is None
            assert uow.records.effectives_of([rid]) == {}


def test_records_deleted_by_gc_leave_the_cache(store_target: str) -> None:
    with create_tract(store_target) as t:
        t.user("hello")
        rid = t.compile(record=True).record_id
        assert len(t.store._kept) == 1
        with t.store.write() as uow:
            gone = uow.records.delete_older_than(t.tract_id, t.ctx.now())
        assert gone == 1 and len(t.store._kept) == 0
        with t.store.read() as uow:
            assert uow.records.get(rid) is None


def test_the_cache_keeps_at_most_its_bound() -> None:
    cache = EffectivesCache(max_hashes=10)
    cache.put("a", tuple("abcd"))
    cache.put("b", tuple("efgh"))
    assert cache.get("a", 4) == tuple("abcd")  # a is now the most recently used
    cache.put("c", tuple("ijk"))  # 11 > 10: b (least recently used) goes
    assert cache.get("b", 4) is None and cache.get("a", 4) is not None
    cache.put("huge", tuple("x" * 11))  # longer than the bound: not kept
    assert cache.get("huge", 11) is None
    assert cache.get("c", 2) is None  # the store holds another count: dropped
    assert cache.get("c", 3) is None
    cache.drop(["a"])
    assert len(cache) == 0


def test_reads_after_the_compile_that_wrote_a_record_read_no_rows(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.storage.sqla import record_chains

    reads: list[list[str]] = []
    own_rows = record_chains.own_rows

    def counted(conn: object, ids: object) -> dict[str, tuple[str, ...]]:
        ids = list(ids)  # type: ignore[call-overload]
        reads.append(ids)
        return own_rows(conn, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(record_chains, "own_rows", counted)
    with create_tract(store_target) as t:
        for i in range(20):
            t.user(f"q{i}")
        rid = t.compile(record=True).record_id
        for _ in range(3):  # the record view, the reproduction, the records list...
            assert len(t.get_record(rid).effectives) == 20
            with t.store.read() as uow:
                assert len(uow.records.effectives_of([rid])[rid]) == 20
        assert reads == []
        with Tract.open(store_target, t.tract_id) as other:  # another store: reads once
            assert len(other.get_record(rid).effectives) == 20
            assert len(other.get_record(rid).effectives) == 20
        assert reads == [[rid]]


def test_workers_asking_for_a_new_record_at_once_read_it_once(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from core.storage.sqla import record_chains

    with create_tract(store_target) as t:
        for i in range(10):
            t.user(f"q{i}")
        rid = t.compile(record=True).record_id
    reads: list[list[str]] = []
    own_rows = record_chains.own_rows

    def slow(conn: object, ids: object) -> dict[str, tuple[str, ...]]:
        ids = list(ids)  # type: ignore[call-overload]
        reads.append(ids)
        time.sleep(0.3)  # the other workers arrive while this one reads
        return own_rows(conn, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(record_chains, "own_rows", slow)
    with Tract.open(store_target) as other:  # its cache is empty
        results: list[tuple[str, ...]] = []
        start = threading.Barrier(3)

        def worker() -> None:
            start.wait()
            with other.store.read() as uow:
                results.append(uow.records.effectives_of([rid])[rid])

        threads = [threading.Thread(target=worker) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(results) == 3 and len(set(results)) == 1 and len(results[0]) == 10
        assert reads == [[rid]]


def test_a_record_naming_a_missing_commit_is_refused_whole(store_target: str) -> None:
    """The record's rows go in through the driver on SQLite: a bad row still fails as
    SQLAlchemy's IntegrityError, and the transaction leaves nothing behind."""
    from sqlalchemy.exc import IntegrityError

    from core.models.records import CompileRecord

    with create_tract(store_target) as t:
        head = t.user("hello").commit_hash
        record = CompileRecord(
            "feedfacefeedface",
            t.tract_id,
            head,
            1,
            2,
            "test",
            None,
            t.ctx.now(),
            (head, "0" * 64),  # the second is no commit of the store
        )
        with pytest.raises(IntegrityError), t.store.write() as uow:
            uow.records.add(record)
        with t.store.read() as uow:
            assert uow.records.get("feedfacefeedface") is None
            assert uow.records.effectives_of(["feedfacefeedface"]) == {}

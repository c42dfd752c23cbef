"""Reads that run at the same time share their work: two threads compiling a record's head
as of its time build it once (the records panel's record view and reproduction), and the
cache breaks and the token chart read a tract's blob facts once. What they return is what
each returns alone, and nothing is kept once they are done."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from core import Tract, create_tract
from core.engine.snapshot import Snapshot
from core.explain import message_rows as message_rows_module
from core.models.enums import Priority
from core.operations.compile import Compiler
from core.storage.repositories import UnitOfWork


def recorded_tract(target: str) -> tuple[Tract, str]:
    t = create_tract(target)
    with t.batch():
        t.system("You are terse.")
        for i in range(40):
            t.user(f"question {i % 10}")  # shared blobs
            t.assistant(f"answer {i}")
    t.compile(record=True)
    t.assistant("later")
    record = t.compile(record=True).record_id
    assert record is not None
    return t, record


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads started together; their results in order."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def run(i: int, call: Callable[[], Any]) -> None:
        start.wait()
        try:
            results[i] = call()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


class SlowBuilds:
    """Counts the as-of builds and makes each take a while, so the threads overlap."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> None:
        self.count = 0
        self.started = threading.Event()
        real = Compiler._full

        def full(compiler: Compiler, uow: UnitOfWork, head: str, **kw: Any) -> Snapshot:
            if kw.get("at_time") is not None:
                self.count += 1
                self.started.set()
                threading.Event().wait(0.3)
                if fail:
                    raise RuntimeError("the build failed")
            return real(compiler, uow, head, **kw)

        monkeypatch.setattr(Compiler, "_full", full)


def test_record_view_and_reproduction_build_the_compile_once(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    t, record = recorded_tract(store_target)
    alone = t.reproduce(record), t.reproduce(record)
    builds = SlowBuilds(monkeypatch)
    together = at_once(lambda: t.reproduce(record), lambda: t.reproduce(record))
    assert builds.count == 1
    assert tuple(together) == alone
    assert together[0].matches and len(together[0].recompiled) == 82
    assert not t.compiler._flights  # nothing kept once built
    t.reproduce(record)
    assert builds.count == 2
    t.close()


def test_a_waiter_that_sees_other_annotations_builds_its_own(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    t, record = recorded_tract(store_target)
    at = t.get_record(record).created_at
    builds = SlowBuilds(monkeypatch)
    skipped = t.compile().commit_hashes[1]

    def waiter() -> Any:
        builds.started.wait()
        # An annotation written while the first build runs: the waiter's read sees
        # annotations the builder's did not, so it does not take the builder's snapshot.
        t.annotate(skipped, Priority.SKIP)
        return t.compile(at_time=at)

    builder, late = at_once(lambda: t.compile(at_time=at), waiter)
    assert builds.count == 2
    fresh = Tract.open(t.store, t.tract_id).compile(at_time=at)
    assert late.commit_hashes == fresh.commit_hashes == builder.commit_hashes  # dated later
    t.close()


def test_a_failed_build_leaves_each_waiter_its_own(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    t, record = recorded_tract(store_target)
    SlowBuilds(monkeypatch, fail=True)
    with pytest.raises(RuntimeError, match="the build failed"):
        at_once(lambda: t.reproduce(record), lambda: t.reproduce(record))
    assert not t.compiler._flights
    t.close()


def test_cache_breaks_and_timeline_read_the_facts_once(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    t, _ = recorded_tract(store_target)
    alone = t.cache_breaks(), t.token_timeline()
    asked: list[int] = []
    real = message_rows_module._read_facts

    def counted(facts: Any, hashes: list[str]) -> Any:
        asked.append(len(hashes))
        threading.Event().wait(0.3)  # the other thread arrives meanwhile
        return real(facts, hashes)

    monkeypatch.setattr(message_rows_module, "_read_facts", counted)
    together = at_once(t.cache_breaks, t.token_timeline)
    assert tuple(together) == alone
    assert sum(asked) == 82  # each commit read once, by whichever thread asked first
    shared = t._shared_facts()
    with shared.borrowed() as cache:
        assert cache.items == {}  # dropped when the last reader left
    t.close()


def test_an_as_of_compile_equals_a_fresh_one(store_target: str) -> None:
    t, record = recorded_tract(store_target)
    at: datetime = t.get_record(record).created_at
    shared = at_once(*[lambda: t.compile(at_time=at)] * 3)
    fresh = Tract.open(t.store, t.tract_id).compile(at_time=at)
    for got in shared:
        assert got.commit_hashes == fresh.commit_hashes
        assert got.to_dicts() == fresh.to_dicts()
        assert got.token_count == fresh.token_count
    t.close()

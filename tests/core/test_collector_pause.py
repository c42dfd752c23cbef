"""Bulk loads pause Python's cyclic collector while they run (core/engine/collector.py) and
leave it as they found it: on after a cold compile or a whole compile's blame when it was
on, off when the caller had turned it off, and on again when the load fails."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.engine.snapshot import Snapshot
from core.explain import blame as blame_module


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    p = tmp_path / "gc.db"
    t = create_tract(p)
    with t.batch():
        for i in range(blame_module.BULK + 10):
            t.user(f"message {i}")
    t.close()
    yield p
    gc.enable()


def watch(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[bool]:
    seen: list[bool] = []
    real = getattr(owner, name)

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, watched)
    return seen


def test_paused_during_and_restored_after(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads = watch(monkeypatch, Snapshot, "load")
    blames = watch(monkeypatch, blame_module, "brought_in")
    assert gc.isenabled()
    with Tract.open(path) as t:
        head = t.compile().head_hash
        assert gc.isenabled()
        t.blame(at=head)
        assert gc.isenabled()
    assert loads == [False]
    assert blames == [False]


def test_a_collector_turned_off_stays_off(path: Path) -> None:
    gc.disable()
    with Tract.open(path) as t:
        t.blame(at=t.compile().head_hash)
    assert not gc.isenabled()


def test_restored_when_the_load_fails(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("load failed")

    monkeypatch.setattr(Snapshot, "load", broken)
    with Tract.open(path) as t, pytest.raises(RuntimeError):
        t.compile()
    assert gc.isenabled()


def test_what_a_load_made_is_old_without_a_walk(path: Path) -> None:
    """The pause ends with everything it made in the oldest generation (so the next young
    collection does not walk it all), nothing left frozen, and garbage still collectable."""
    from core.engine.collector import collector_paused

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    gc.collect()
    walks: list[int] = []

    def count_walks(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] < 2:
            walks.append(info["generation"])

    with collector_paused():
        made = [[i] for i in range(50_000)]  # far past the young generation's threshold
        Node()
    gc.callbacks.append(count_walks)
    try:
        assert gc.get_count()[0] < 100 and gc.get_freeze_count() == 0
        more = [[i] for i in range(2_000)]
    finally:
        gc.callbacks.remove(count_walks)
    assert len(walks) <= 3  # ~700 new objects a young collection, none over the 50k
    assert any(isinstance(o, Node) for o in gc.get_objects(generation=2))
    assert gc.collect() >= 1  # the cycle made during the pause
    del made, more

"""Blaming a whole compile (more than ``BULK`` commits) loads the tract's child map and the
collapse metadata in single passes; blaming a few asks per commit. Both say the same."""

from __future__ import annotations

from typing import Any

import pytest

from core import create_tract
from core.explain import blame as blame_module
from core.explain.blame import BULK, blame_commits
from core.models import content as c


def test_bulk_blame_equals_blame_one_by_one(store_target: str) -> None:
    t = create_tract(store_target)
    t.system("be brief")
    for i in range(BULK):
        t.user(f"main {i}")
    t.branch("side")
    for i in range(5):
        t.user(f"side {i}")
    t.switch("main")
    t.user("main after the fork")
    t.merge("side", no_ff=True)
    t.commit(
        c.dialogue("assistant", "what the sub-agent found"),
        metadata={"collapse_source_tract_id": "f" * 32},
    )
    compiled = t.compile()
    hashes = list(compiled.commit_hashes)
    assert len(hashes) > BULK
    with t.store.read() as uow:
        bulk = blame_commits(uow, t.ctx, hashes, head=t.head)
        single = {h: blame_commits(uow, t.ctx, [h], head=t.head)[h] for h in hashes}
    assert bulk == single
    kinds = [bulk[h].kind for h in hashes]
    assert kinds.count("merged") == 5 and kinds[-1] == "collapsed"
    t.close()


def _layered(uow: Any, tract_id: str, chain: set[str], off: list[str], cap: int) -> dict[str, str]:
    """The walk forward as ``merged_in`` does it layer by layer: the oracle for its shortcut
    when the first layer alone reaches the cap."""
    found: dict[str, str] = {}
    reach = {h: {h} for h in off}
    frontier, walked = set(off), 0
    _, known = uow.lineage.tract_children(tract_id)
    while frontier and walked < cap:
        walked += len(frontier)
        kids = {h: known[h] for h in frontier if h in known}
        nxt: dict[str, set[str]] = {}
        for parent, children in kids.items():
            for child in children:
                for asked in reach.get(parent, ()):
                    if asked in found:
                        continue
                    if child in chain:
                        found[asked] = child
                    else:
                        nxt.setdefault(child, set()).add(asked)
        reach = nxt
        frontier = {c for c in nxt if any(a not in found for a in nxt[c])}
    return found


def test_a_walk_capped_at_its_first_layer_names_the_same_merges(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More commits off the chain than the walk's cap: only the first layer runs, and the
    shortcut for it names what the layered walk names."""
    t = create_tract(store_target)
    t.system("be brief")
    for name in ("a", "b", "c"):  # three branches of several commits, each merged twice
        t.branch(name)
        for i in range(4):
            t.user(f"{name} {i}")
        t.switch("main")
        t.user(f"main before {name}")
        t.merge(name, no_ff=True)
        t.switch(name)
        t.user(f"{name} after the first merge")
        t.switch("main")
        t.merge(name, no_ff=True)
    monkeypatch.setattr(blame_module, "MAX_MERGE_WALK", 6)
    hashes = list(t.compile().commit_hashes)
    with t.store.read() as uow:
        chain = set(uow.commits.first_parent_hashes(t.head))
        off = [h for h in hashes if h not in chain]
        assert len(off) >= 6
        got = blame_module.merged_in(uow, t.ctx, t.head, hashes)
        expected = _layered(uow, t.tract_id, chain, off, 6)
    assert {h: m for h, (m, _) in got.items()} == expected
    assert expected  # the tips were found
    t.close()


def test_a_typed_blame_made_fast_is_the_dataclass_made_slowly() -> None:
    import dataclasses
    import pickle

    from core.explain.blame import TYPED, Blame, typed_blame

    fast = typed_blame("a" * 64, "typed by the agent (copied by 1 operation)", ("ev1",))
    slow = Blame("a" * 64, TYPED, "typed by the agent (copied by 1 operation)", via=("ev1",))
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    # Every field is set: one added to Blame later must be added here too.
    assert set(vars(fast)) == {f.name for f in dataclasses.fields(Blame)}
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert pickle.loads(pickle.dumps(fast)) == slow
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.text = "changed"  # type: ignore[misc]

""" "Merged from branch X by M": M is the oldest commit on HEAD's first-parent chain whose
history holds the commit (the merge that brought it in; later merges hold it too). Three ways
find it — off a compiled snapshot's order, off the commit graph read whole, and walking
forward from a few commits — and all must name what the definition names, checked against
the ancestry of every chain commit."""

from __future__ import annotations

import contextlib
import random

import pytest

from core import Tract, create_tract
from core.errors import AlreadyUpToDateError
from core.explain import blame as blame_module
from core.explain import merged
from core.explain.blame import blame_commits


def oracle(t: Tract) -> dict[str, str]:
    """Off-chain commit → the oldest chain commit whose ancestors include it (by definition)."""
    with t.store.read() as uow:
        assert t.head is not None
        chain = uow.commits.first_parent_hashes(t.head)  # newest first
        found: dict[str, str] = {}
        on_chain = set(chain)
        for c in reversed(chain):  # oldest first: the first to hold a commit brought it in
            for h in uow.commits.ancestors([c]):
                if h not in on_chain and h not in found:
                    found[h] = c
        return found


def random_history(target: str, seed: int) -> Tract:
    rng = random.Random(seed)
    t = create_tract(target)
    t.system("You are terse.")
    branches = ["main"]
    for i in range(90):
        roll = rng.random()
        if roll < 0.1:
            name = f"b{i}"
            t.branch(name)
            branches.append(name)
        elif roll < 0.25 and len(branches) > 1:
            other = rng.choice([b for b in branches if b != t.current_branch])
            with contextlib.suppress(AlreadyUpToDateError):
                t.merge(other, no_ff=True, auto_commit=True)
        elif roll < 0.35:
            t.checkout(rng.choice(branches))
        else:
            t.user(f"message {i}")
    t.checkout("main")
    for other in branches[1:]:  # bring every branch in, some a second time
        with contextlib.suppress(AlreadyUpToDateError):
            t.merge(other, no_ff=True, auto_commit=True)
    return t


def merges_named(blames: dict[str, blame_module.Blame]) -> dict[str, str]:
    return {h: b.commits[0] for h, b in blames.items() if b.kind == "merged"}


@pytest.mark.parametrize("seed", range(4))
def test_every_way_names_the_merge_that_brought_a_commit_in(store_target: str, seed: int) -> None:
    t = random_history(store_target, seed)
    expected = oracle(t)
    hashes = list(t.compile().commit_hashes)
    compiled_off = {h: m for h, m in expected.items() if h in hashes}
    assert len(compiled_off) > blame_module.BULK  # the whole-graph way runs below
    # The app's and the CLI's way: the compile's own snapshot.
    from_snapshot = {b.commit_hash: b for b in t.blame()}
    assert merges_named(from_snapshot) == compiled_off
    with t.store.read() as uow:
        assert t.head is not None
        rows = t.compiler.rows_of(t.head)
        assert rows is not None
        assert {h: m for h, m in merged.from_rows(rows, t.head).items() if h in hashes} == (
            compiled_off
        )
        # No snapshot: the graph read whole, then a few commits walked forward.
        whole = blame_commits(uow, t.ctx, hashes, head=t.head)
        assert merges_named(whole) == compiled_off
        few = {h: blame_commits(uow, t.ctx, [h], head=t.head)[h] for h in hashes}
        assert merges_named(few) == compiled_off
        assert merged.from_graph(uow, t.head) == expected  # every commit, compiled or not
    t.close()


def test_the_nearest_merge_is_not_the_one_that_brought_it_in(store_target: str) -> None:
    """A commit of branch b, forked from again by c; c is merged later than b but in fewer
    steps from the commit. b's merge brought it in, and every way says so."""
    t = create_tract(store_target)
    t.system("be brief")
    t.user("main 1")
    t.branch("b")
    forked = t.user("b 1").commit_hash
    t.branch("c")
    t.user("c 1")
    t.checkout("b")
    for i in range(2, 6):
        t.user(f"b {i}")
    t.checkout("main")
    first = t.merge("b", no_ff=True, auto_commit=True).merge_commit_hash
    t.user("main 2")
    t.merge("c", no_ff=True, auto_commit=True)
    assert oracle(t)[forked] == first
    blames = {b.commit_hash: b for b in t.blame()}
    assert blames[forked].commits == (first,) and blames[forked].branch == "b"
    with t.store.read() as uow:
        one = blame_commits(uow, t.ctx, [forked], head=t.head)[forked]
    assert one.commits == (first,)
    t.close()


def test_a_walk_forward_that_reaches_its_cap_keeps_what_it_found(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = create_tract(store_target)
    t.system("be brief")
    t.branch("side")
    asked = t.user("side 0").commit_hash
    for i in range(1, 8):
        t.user(f"side {i}")
    t.checkout("main")
    t.user("main 1")
    merge = t.merge("side", no_ff=True, auto_commit=True).merge_commit_hash
    monkeypatch.setattr(blame_module, "MAX_MERGE_WALK", 3)  # the merge is 8 layers away
    with t.store.read() as uow:
        capped = blame_commits(uow, t.ctx, [asked], head=t.head)[asked]
    assert capped.kind == "typed"  # not found within the cap: nothing made up
    monkeypatch.setattr(blame_module, "MAX_MERGE_WALK", 100)
    with t.store.read() as uow:
        found = blame_commits(uow, t.ctx, [asked], head=t.head)[asked]
    assert found.commits == (merge,)
    t.close()

"""Blaming a whole compile (more than ``BULK`` commits) reads the collapse metadata and the
commit graph in single passes; blaming a few asks per commit. Both say the same."""

from __future__ import annotations

import pytest

from core import create_tract
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
    # The public blame reads the compile's snapshot (merges and collapse metadata) instead.
    assert t.compiler.rows_of(t.head) is not None
    assert {b.commit_hash: b for b in t.blame()} == bulk
    kinds = [bulk[h].kind for h in hashes]
    assert kinds.count("merged") == 5 and kinds[-1] == "collapsed"
    t.close()


def test_a_typed_blame_made_fast_is_the_dataclass_made_slowly() -> None:
    import dataclasses
    import pickle

    from core.explain.blame import MERGED, TYPED, Blame, made_blame, typed_blame

    fast = typed_blame("a" * 64, "typed by the agent (copied by 1 operation)", ("ev1",))
    slow = Blame("a" * 64, TYPED, "typed by the agent (copied by 1 operation)", via=("ev1",))
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    # Every field is set: one added to Blame later must be added here too.
    assert set(vars(fast)) == {f.name for f in dataclasses.fields(Blame)}
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert pickle.loads(pickle.dumps(fast)) == slow
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.text = "changed"  # type: ignore[misc]
    merged = made_blame("b" * 64, MERGED, "merged from branch x by cccccccc", ("c" * 64,), "x")
    made = Blame(
        "b" * 64, MERGED, "merged from branch x by cccccccc", None, ("c" * 64,), branch="x"
    )
    assert merged == made and repr(merged) == repr(made) and hash(merged) == hash(made)


def test_a_copied_collapse_names_what_copied_it(store_target: str) -> None:
    t = create_tract(store_target)
    t.system("be brief")
    t.user("the task")
    t.branch("feature")
    child = t.spawn("look into it")
    child.user("sub-agent work")
    t.collapse(child, content="what the sub-agent found")
    (before,) = [b for b in t.blame() if b.kind == "collapsed"]
    assert before.text == f"collapsed from sub-agent tract {child.tract_id[:12]}"
    assert before.via == ()
    t.switch("main")
    t.user("main moves on")
    t.switch("feature")
    t.rebase("main")  # the collapse commit is copied onto main's new tip
    (after,) = [b for b in t.blame() if b.kind == "collapsed"]
    assert after.commit_hash != before.commit_hash
    assert after.text == (
        f"collapsed from sub-agent tract {child.tract_id[:12]} (copied by 1 operation)"
    )
    (event,) = after.via
    (rebase,) = [e for e in t.events().rows if e.event_id == event]
    assert rebase.event_type == "reorganize" and after.commit_hash in rebase.results
    t.close()

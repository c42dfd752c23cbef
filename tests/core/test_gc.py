"""Garbage collection (docs/behaviour.md §10): scenarios §16 #39 and #45, defect §15.6 (compile
records, ORIG_HEAD/PREV_HEAD and the branch filter), roots, reachability, retention, clean-up
of every row that names a removed commit, and idempotence."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from core import Tract
from core.engine.clock import FrozenClock
from core.errors import BranchNotFoundError, TractError
from core.models import content as c
from core.models.enums import CommitOperation, Priority
from core.models.records import OperationEvent
from core.operations.commit import write_commit
from core.operations.verify import verify_store
from tests.core._helpers import START, write_merge


def later(t: Tract, days: float) -> Tract:
    """The same tract seen from ``days`` later (the retention clock)."""
    return Tract(t.store, t.tract_id, clock=FrozenClock(START + timedelta(days=days)))


def drop_ref(t: Tract, name: str) -> None:
    with t.store.write() as uow:
        uow.refs.delete(t.tract_id, name)


def exists(t: Tract, *hashes: str) -> list[bool]:
    with t.store.read() as uow:
        found = set(uow.commits.get_many(hashes))
    return [h in found for h in hashes]


def rows(t: Tract, sql: str, **params: object) -> int:
    with t.store.read() as uow:
        return int(uow.conn.execute(text(sql), params).scalar_one())


def orphan_after_reset(t: Tract) -> dict[str, str]:
    """main: a → b → c, then reset to a (ORIG_HEAD = c protects b and c)."""
    h = {"a": t.user("alpha").commit_hash}
    h["b"] = t.assistant("beta unique").commit_hash
    h["c"] = t.user("alpha").commit_hash  # same content as a: a shared blob
    t.reset(h["a"])
    return h


def test_orig_head_protects_until_it_moves_then_retention_zero_removes(tract: Tract) -> None:
    """§16 #39 and §15.6: reset orphans go at retention 0 once no ref (ORIG_HEAD) holds them;
    their unique blobs go, shared blobs stay; a second run removes nothing."""
    h = orphan_after_reset(tract)
    first = tract.gc(orphan_retention_days=0)
    assert first.commits_removed == 0 and exists(tract, h["b"], h["c"]) == [True, True]

    drop_ref(tract, "ORIG_HEAD")
    with tract.store.read() as uow:
        infos = uow.commits.get_many([h["b"], h["c"]])
        blob_b, blob_a = infos[h["b"]].content_hash, infos[h["c"]].content_hash
    result = tract.gc(orphan_retention_days=0)
    assert result.commits_removed == 2 and set(result.removed) == {h["b"], h["c"]}
    assert result.blobs_removed == 1  # "beta unique"; "alpha" is still used by a
    assert result.tokens_freed == sum(i.token_count for i in infos.values())
    assert result.source_commits_removed == 0 and result.duration >= 0
    assert exists(tract, h["a"], h["b"], h["c"]) == [True, False, False]
    with tract.store.read() as uow:
        assert uow.blobs.get(blob_b) is None and uow.blobs.get(blob_a) is not None
    again = tract.gc(orphan_retention_days=0)
    assert (again.commits_removed, again.blobs_removed) == (0, 0)
    assert [m.content for m in tract.compile().messages] == ["alpha"]


def test_prev_head_detached_head_and_other_refs_are_roots(tract: Tract) -> None:
    a = tract.user("a").commit_hash
    b = tract.user("b").commit_hash
    c_ = tract.user("c").commit_hash
    d = tract.user("d").commit_hash
    with tract.store.write() as uow:
        uow.refs.set_direct(tract.tract_id, "refs/tags/keep", b)
    tract.reset(a)
    drop_ref(tract, "ORIG_HEAD")
    tract.checkout(c_)  # detached HEAD at c
    tract.checkout("main")  # PREV_HEAD = c
    tract.checkout(d)  # detached HEAD at d, PREV_HEAD = a
    assert tract.gc(orphan_retention_days=0).commits_removed == 0
    tract.checkout("main")  # PREV_HEAD = d; c loses its protection
    result = tract.gc(orphan_retention_days=0)
    assert result.removed == () and exists(tract, b, c_, d) == [True, True, True]
    drop_ref(tract, "PREV_HEAD")
    assert set(tract.gc(orphan_retention_days=0).removed) == {c_, d}
    assert exists(tract, b) == [True]  # the tag


def test_orphan_retention_is_in_fractional_days(tract: Tract) -> None:
    h = orphan_after_reset(tract)
    drop_ref(tract, "ORIG_HEAD")
    assert tract.gc().commits_removed == 0  # default 7 days
    assert later(tract, 0.4).gc(orphan_retention_days=0.5).commits_removed == 0
    result = later(tract, 0.6).gc(orphan_retention_days=0.5)
    assert set(result.removed) == {h["b"], h["c"]}


def add_event(t: Tract, sources: list[str], results: list[str], branch: str = "main") -> str:
    event_id = uuid.uuid4().hex
    with t.store.write() as uow:
        uow.events.add(
            OperationEvent(
                event_id,
                t.tract_id,
                "compress",
                branch,
                START,
                10,
                2,
                None,
                tuple(sources),
                tuple(results),
            )
        )
    return event_id


def test_event_sources_are_archives(tract: Tract) -> None:
    """§16 #39: compression sources stay unless an archive retention is given."""
    base = tract.system("rules").commit_hash
    s1 = tract.user("long one").commit_hash
    s2 = tract.assistant("long two").commit_hash
    tract.reset(base)
    drop_ref(tract, "ORIG_HEAD")
    summary = tract.assistant("summary").commit_hash
    event = add_event(tract, [s1, s2], [summary])
    assert tract.gc(orphan_retention_days=0).commits_removed == 0
    assert later(tract, 1).gc(orphan_retention_days=0, archive_retention_days=2).removed == ()
    result = later(tract, 3).gc(orphan_retention_days=0, archive_retention_days=2)
    assert set(result.removed) == {s1, s2} and result.source_commits_removed == 2
    assert result.events_removed == 0  # the event keeps its result link
    with tract.store.read() as uow:
        kept = uow.events.get(event)
    assert kept is not None and kept.sources == () and kept.results == (summary,)


def test_event_left_without_links_is_removed(tract: Tract) -> None:
    base = tract.user("base").commit_hash
    gone = tract.user("gone").commit_hash
    tract.reset(base)
    drop_ref(tract, "ORIG_HEAD")
    event = add_event(tract, [gone], [])
    untouched = add_event(tract, [], [base])
    result = tract.gc(orphan_retention_days=0, archive_retention_days=0)
    assert result.removed == (gone,) and result.events_removed == 1
    with tract.store.read() as uow:
        assert uow.events.get(event) is None and uow.events.get(untouched) is not None


def test_compile_record_keeps_orphaned_commits(tract: Tract) -> None:
    """§16 #45 and §15.6: a record's commits survive GC (no FK error); an old record can be
    retired first with record_retention_days, which frees them."""
    base = tract.system("rules").commit_hash
    u = tract.user("question").commit_hash
    a = tract.assistant("answer").commit_hash
    record = tract.compile(record=True).record_id
    assert record is not None
    tract.reset(base)
    drop_ref(tract, "ORIG_HEAD")
    result = tract.gc(orphan_retention_days=0)
    assert result.commits_removed == 0 and exists(tract, u, a) == [True, True]
    assert tract.get_record(record).effectives == (base, u, a)
    assert later(tract, 1).gc(orphan_retention_days=0, record_retention_days=2).removed == ()
    freed = later(tract, 3).gc(orphan_retention_days=0, record_retention_days=2)
    assert freed.records_removed == 1 and set(freed.removed) == {u, a}
    assert rows(tract, "SELECT count(*) FROM compile_effectives") == 0


class OneReplyClient:
    def chat(self, messages: object, **kwargs: object) -> dict[str, object]:
        return {
            "model": "scripted",
            "choices": [{"message": {"role": "assistant", "content": "sure"}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13},
        }


def test_gc_after_a_chat_whose_commits_were_orphaned(tract: Tract) -> None:
    """§16 #45 literally: chat() writes the record; its commits are orphaned; GC succeeds."""
    base = tract.system("rules").commit_hash
    tract.chat("hello", client=OneReplyClient())
    (record,) = tract.records()
    effectives = tract.get_record(record.record_id).effectives
    assert len(effectives) == 2 and effectives[0] == base
    tract.reset(base)
    drop_ref(tract, "ORIG_HEAD")
    result = tract.gc(orphan_retention_days=0)
    assert exists(tract, *effectives) == [True, True]
    assert len(result.removed) == 1  # only the reply, which no record used
    assert tract.gc(orphan_retention_days=0).removed == ()


def test_response_to_targets_and_merge_parents_are_reachable(tract: Tract) -> None:
    base = tract.user("base").commit_hash
    tract.branch("side")
    s1 = tract.user("side one").commit_hash
    tract.branch("other")
    o1 = tract.user("other one").commit_hash
    tract.switch("main")
    tract.edit(s1, c.dialogue("user", "edited side one"))  # main reaches s1 via response_to
    write_merge(tract, tract.head or "", o1)  # and o1 via a merge parent
    tract.delete_branch("side", force=True)
    tract.delete_branch("other", force=True)
    drop_ref(tract, "PREV_HEAD")
    assert tract.gc(orphan_retention_days=0).removed == ()
    assert exists(tract, base, s1, o1) == [True, True, True]


def test_removal_cleans_every_row_naming_the_commit(tract: Tract, backend: str) -> None:
    """An orphaned merge commit and an annotated instruction go without FK errors."""
    base = tract.user("base").commit_hash
    tract.branch("side")
    side = tract.system("side rules").commit_hash  # auto-pinned
    tract.annotate(side, Priority.SKIP, "hide")
    tract.switch("main")
    merge = write_merge(tract, base, side)
    tract.reset(base)
    tract.delete_branch("side", force=True)
    for ref in ("ORIG_HEAD", "PREV_HEAD"):
        drop_ref(tract, ref)
    result = tract.gc(orphan_retention_days=0)
    assert set(result.removed) == {side, merge}
    assert rows(tract, "SELECT count(*) FROM commit_parents") == 0
    assert rows(tract, "SELECT count(*) FROM annotations") == 0
    if backend == "sqlite":  # PostgreSQL checks every foreign key as the rows change
        with tract.store.read() as uow:
            assert list(uow.conn.execute(text("PRAGMA foreign_key_check"))) == []


def test_a_young_edit_keeps_its_old_target(tract: Tract) -> None:
    """A kept commit never loses its response_to target to GC."""
    base = tract.user("base").commit_hash
    target = tract.user("target").commit_hash
    tract.reset(base)
    drop_ref(tract, "ORIG_HEAD")
    old = later(tract, 10)
    with old.store.write() as uow:  # an unreachable, young EDIT of the old orphan
        edit = write_commit(
            uow,
            old.ctx,
            c.dialogue("user", "edited"),
            parent=target,
            operation=CommitOperation.EDIT,
            response_to=target,
        )
    result = old.gc(orphan_retention_days=5)
    assert result.removed == () and exists(old, target, edit.commit_hash) == [True, True]
    assert later(tract, 20).gc(orphan_retention_days=5).removed == tuple(
        sorted([target, edit.commit_hash])
    )


def test_branch_filter_only_narrows(tract: Tract) -> None:
    """§15.6: gc(branch=B) takes only B's orphans (forked from B's history, or linked to an
    event that rewrote B) and never anything another ref reaches."""
    base = tract.user("base").commit_hash
    tract.branch("feature", switch=False)
    m0 = tract.user("main only").commit_hash
    m1 = tract.user("main orphan").commit_hash
    tract.reset(m0)
    tract.switch("feature")
    f1 = tract.user("feature keeps").commit_hash
    f2 = tract.user("feature orphan").commit_hash
    tract.reset(f1)
    tract.switch("main")
    for ref in ("ORIG_HEAD", "PREV_HEAD"):
        drop_ref(tract, ref)
    result = tract.gc(orphan_retention_days=0, branch="feature")
    assert result.removed == (f2,)
    assert exists(tract, base, m0, m1, f1) == [True, True, True, True]
    assert tract.gc(orphan_retention_days=0, branch="main").removed == (m1,)
    assert exists(tract, base, m0, f1) == [True, True, True]


def test_branch_filter_takes_sources_of_that_branchs_events(tract: Tract) -> None:
    tract.user("base")
    tract.branch("feature")
    src = tract.user("source").commit_hash
    tract.reset("main")
    drop_ref(tract, "ORIG_HEAD")
    drop_ref(tract, "PREV_HEAD")
    with tract.store.write() as uow:  # an unrelated root orphan, claimed only by the event
        lone = write_commit(uow, tract.ctx, c.dialogue("user", "lone"), parent=None)
    add_event(tract, [lone.commit_hash], [], branch="feature")
    assert tract.gc(orphan_retention_days=0, archive_retention_days=0, branch="main").removed == (
        src,
    )
    result = tract.gc(orphan_retention_days=0, archive_retention_days=0, branch="feature")
    assert result.removed == (lone.commit_hash,)


def test_gc_refusals(tract: Tract) -> None:
    tract.user("x")
    with pytest.raises(BranchNotFoundError):
        tract.gc(orphan_retention_days=0, branch="nope")
    with pytest.raises(TractError, match="negative"):
        tract.gc(orphan_retention_days=-1)


def test_another_tract_answering_an_orphan_keeps_it(tract: Tract) -> None:
    base = tract.user("base").commit_hash
    orphan = tract.user("quoted elsewhere").commit_hash
    tract.reset(base)
    drop_ref(tract, "ORIG_HEAD")
    other = Tract(tract.store, "b" * 32, clock=tract.ctx.clock)
    with other.store.write() as uow:
        reply = write_commit(
            uow, other.ctx, c.dialogue("user", "re"), parent=None, response_to=orphan
        )
        uow.refs.set_direct(other.tract_id, "refs/heads/main", reply.commit_hash)
    assert tract.gc(orphan_retention_days=0).removed == ()
    assert exists(tract, orphan) == [True]


def test_gc_keeps_the_history_of_what_it_keeps(tract: Tract, store_target: str) -> None:
    """A compress source is kept (an archive), so its parent must be kept too, even when that
    parent is itself an orphan nothing else keeps (found by the state machine: deleting it
    changed the source's row under its hash, and verify reported a hash mismatch)."""
    tract.user("r")
    a = tract.user("a").commit_hash
    b = tract.user("b").commit_hash
    c_ = tract.user("c").commit_hash
    tract.compress(from_ref=c_, to_ref=c_, content="S1")  # c: a source; its parent b stays
    tract.compress(from_ref=a, to_ref=a, content="S2")  # b: replayed, now an orphan
    tract.gc(orphan_retention_days=0)
    info = tract.get_commit(c_)
    assert info is not None and info.parent_hash == b and tract.get_commit(b) is not None
    assert verify_store(store_target).ok

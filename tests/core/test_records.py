"""Compile records: reproduction (#48), explanations, token breakdown, record diffs, views."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from core import Priority, Tract, create_tract
from core.engine.clock import FrozenClock
from core.engine.tokens import REPLY_PRIMER
from core.errors import NotFoundError
from core.models import content as c
from core.models.records import CompileRecord, OperationEvent
from core.operations import records as rec_op
from core.operations.commit import write_commit
from core.operations.context import advance_head, head_state
from core.views.events import list_events
from core.views.records import list_records

T0 = datetime(2026, 3, 1, 9, 0, 0)


@pytest.fixture
def tract(store_target: str) -> Iterator[Tract]:
    t = create_tract(store_target, clock=FrozenClock(T0, timedelta(seconds=1)))
    yield t
    t.close()


def merge_by_hand(t: Tract, source_branch: str) -> str:
    """A merge commit as ours are written: two parents, hashed with both, annotated SKIP."""
    with t._write() as uow:
        state = head_state(uow, t.tract_id)
        tip = uow.refs.get(t.tract_id, f"refs/heads/{source_branch}").commit_hash
        info = write_commit(
            uow,
            t.ctx,
            c.freeform({"message": f"Merged {source_branch} into main"}),
            parent=state.commit,
            merge_parents=[state.commit, tip],
            not_before=state.commit_time,
        )
        advance_head(uow, t.tract_id, state, info.commit_hash)
        uow.annotations.add(
            t.tract_id,
            info.commit_hash,
            Priority.SKIP,
            "merge commit: structure only",
            info.created_at,
        )
    t.compiler.clear()
    return info.commit_hash


def add_record(t: Tract, head: str, effectives: list[str], source: str, at: datetime) -> str:
    """A record written by hand (as tract-ai or an older compile would have)."""
    record_id = uuid.uuid4().hex
    with t._write() as uow:
        uow.records.add(
            CompileRecord(
                record_id, t.tract_id, head, 0, len(effectives), source, None, at, tuple(effectives)
            )
        )
    return record_id


# --- scenario #48 -------------------------------------------------------------------------


def test_old_record_reproduces_at_its_time(tract: Tract) -> None:
    tract.system("You are a careful assistant.")
    u1 = tract.user("First question")
    a1 = tract.assistant("First answer")
    tract.branch("feature")
    tract.user("feature work")
    tract.switch("main")
    tract.user("main work")
    merge = merge_by_hand(tract, "feature")
    first = tract.compile(record=True)
    assert merge not in first.commit_hashes  # our merge commits add no message

    # History moves on: more commits, an edit, a SKIP, a second record.
    tract.edit(a1.commit_hash, c.dialogue("assistant", "First answer, corrected"))
    tract.annotate(u1.commit_hash, Priority.SKIP, "noise")
    tract.user("later question")
    second = tract.compile(record=True)

    for compiled in (first, second):
        rec = tract.get_record(compiled.record_id)
        with tract.store.read() as uow:  # the public API refuses at + at_time together
            again = tract.compiler.compile(uow, head=rec.head_hash, at_time=rec.created_at)
        assert list(again.commit_hashes) == list(rec.effectives)
        assert again.token_count == rec.token_count
        rep = tract.reproduce(rec.record_id)
        assert rep.matches and rep.differences == () and rep.tokens_match

    # The first record's head now compiles differently; reproduce says why.
    rep = tract.reproduce(first.record_id)
    reasons = {(d.commit_hash, d.reason) for d in rep.changed_since}
    assert (u1.commit_hash, rec_op.SKIPPED_SINCE) in reasons
    assert len(reasons) == 1  # the edit came after that head: it never applies there
    skip = next(d for d in rep.changed_since if d.reason == rec_op.SKIPPED_SINCE)
    assert skip.annotation is not None and skip.annotation.reason == "noise"
    assert "annotation #" in skip.detail and "noise" in skip.detail


def test_reproduce_explains_what_differs(tract: Tract) -> None:
    s = tract.system("sys")
    u = tract.user("question")
    skipped = tract.user("skipped early")
    tract.annotate(skipped.commit_hash, Priority.SKIP, "off topic")
    e = tract.edit(u.commit_hash, c.dialogue("user", "question, edited"))
    tract.branch("side", switch=False)
    tract.switch("side")
    other = tract.user("on the side branch")
    tract.switch("main")
    head = tract.head
    # Order swapped, a skipped commit listed, an EDIT listed, another branch's commit listed.
    at = tract.ctx.now()
    rid = add_record(
        tract,
        head,
        [u.commit_hash, s.commit_hash, skipped.commit_hash, e.commit_hash, other.commit_hash],
        "tiktoken:cl100k_base",
        at,
    )
    rep = tract.reproduce(rid[:10])
    assert not rep.matches
    by_reason = {d.reason: d for d in rep.differences}
    assert by_reason[rec_op.SKIPPED_AT_RECORD].commit_hash == skipped.commit_hash
    assert "off topic" in by_reason[rec_op.SKIPPED_AT_RECORD].detail
    assert by_reason[rec_op.EDIT].commit_hash == e.commit_hash
    assert by_reason[rec_op.NOT_IN_HISTORY].commit_hash == other.commit_hash
    assert "position 0" in by_reason[rec_op.ORDER].detail
    assert rep.tokens_comparable and rep.tokens_match is False  # stored 0 tokens


def test_api_labelled_records_do_not_compare_tokens(tract: Tract) -> None:
    s = tract.system("sys")
    rid = add_record(tract, s.commit_hash, [s.commit_hash], "api:120+7", tract.ctx.now())
    rep = tract.reproduce(rid)
    assert rep.matches and not rep.tokens_comparable and rep.tokens_match is None
    assert "api:120+7" in rep.token_note and "not comparable" in rep.token_note


def test_reproduce_unknown_and_empty_records(tract: Tract) -> None:
    with pytest.raises(NotFoundError):
        tract.reproduce("abcd")
    empty = tract.compile(record=True)  # no commits yet: head ''
    rep = tract.reproduce(empty.record_id)
    assert rep.matches and rep.recompiled == () and rep.tokens_match


# --- token breakdown ----------------------------------------------------------------------


def test_breakdown_sums_to_token_count(tract: Tract) -> None:
    tract.system("You are a shell agent.")
    tract.user("list files")
    tract.commit(c.tool_io("bash", "call", {"cmd": "ls -la"}))
    tract.commit(c.tool_io("bash", "result", {"out": "a b c"}, status="success"))
    tract.assistant("There are three files.", name="agent")
    compiled = tract.compile(record=True)
    bd = tract.token_breakdown()
    assert bd.messages == compiled.commit_count == 5
    assert sum(g.tokens for g in bd.by_role) == compiled.token_count - REPLY_PRIMER
    assert sum(g.tokens for g in bd.by_content_type) == compiled.token_count - REPLY_PRIMER
    assert sum(g.messages for g in bd.by_role) == 5 and bd.adjustment == 0
    assert {g.key for g in bd.by_role} == {"system", "user", "tool", "assistant"}
    assert {g.key: g.messages for g in bd.by_content_type}["tool_io"] == 2
    assert tract.token_breakdown(record_id=compiled.record_id) == bd
    assert tract.token_breakdown(at=tract.head[:8]) == bd
    tract.record_usage({"prompt_tokens": 1000, "completion_tokens": 1})
    calibrated = tract.token_breakdown()
    assert calibrated.token_count == 1000
    assert calibrated.message_tokens + calibrated.primer + calibrated.adjustment == 1000


# --- record diff --------------------------------------------------------------------------


def test_diff_records_explains_a_compression(tract: Tract) -> None:
    s = tract.system("You are helpful.")
    u1 = tract.user("Tell me about cats.")
    a1 = tract.assistant("Cats are small carnivores.")
    u2 = tract.user("And dogs?")
    rec_a = tract.compile(record=True)

    # A compression, done by hand: main restarts after s with a summary and a replay of u2.
    tract.reset(s.commit_hash)
    summary = tract.assistant("Previously: the user asked about cats; they are carnivores.")
    replay = tract.user("And dogs?")
    with tract._write() as uow:
        uow.events.add(
            OperationEvent(
                uuid.uuid4().hex,
                tract.tract_id,
                "compress",
                "main",
                tract.ctx.now(),
                40,
                15,
                {
                    "target_tokens": None,
                    "instructions": None,
                    "summarizer": "manual",
                    "replayed": {u2.commit_hash: replay.commit_hash},
                },
                sources=(u1.commit_hash, a1.commit_hash),
                results=(summary.commit_hash,),
            )
        )
    tract.compiler.clear()
    edit = tract.edit(s.commit_hash, c.instruction("You are very helpful."))
    rec_b = tract.compile(record=True)

    d = tract.diff_records(rec_a.record_id, rec_b.record_id)
    assert d.kept == (s.commit_hash,)
    removed = {x.commit_hash: x for x in d.removed}
    assert [x.commit_hash for x in d.removed] == [u1.commit_hash, a1.commit_hash]
    assert removed[u1.commit_hash].reason == "compressed"
    assert f"compressed into {summary.commit_hash[:8]}" in removed[a1.commit_hash].detail
    why_a1 = removed[a1.commit_hash].explanation
    assert f"compressed into summary {summary.commit_hash[:8]}" in why_a1
    assert removed[a1.commit_hash].related == (summary.commit_hash,)
    # u2 was replayed after the range: the same content under a new hash, paired up.
    (pair,) = d.recreated
    assert (pair.old, pair.new) == (u2.commit_hash, replay.commit_hash)
    assert f"replayed as {replay.commit_hash[:8]}" in pair.detail
    (added,) = d.added
    assert added.commit_hash == summary.commit_hash and added.reason == "after_record"
    assert added.origin is not None and added.origin.kind == "summary"
    assert added.related == (u1.commit_hash, a1.commit_hash)
    n = d.counts
    assert (n.kept, n.removed, n.added, n.recreated, n.changed) == (1, 2, 1, 1, 1)
    (changed,) = d.changed
    assert changed.commit_hash == s.commit_hash and changed.edit_hash == edit.commit_hash
    assert "-You are helpful." in changed.diff and "+You are very helpful." in changed.diff
    assert d.token_delta == rec_b.token_count - rec_a.token_count and d.tokens_comparable

    # The event is listed by the events view, newest first, with its links in order.
    with tract.store.read() as uow:
        page = list_events(uow, tract.tract_id)
    (row,) = page.rows
    assert row.sources == (u1.commit_hash, a1.commit_hash) and row.summarizer == "manual"
    assert page.total == 1 and row.ratio == pytest.approx(15 / 40)
    assert tract.event(row.event_id[:6]).event_id == row.event_id


def test_diff_records_pairs_rebase_copies(tract: Tract) -> None:
    base = tract.user("base")
    tract.branch("feature")
    work = tract.user("feature work")
    rec_a = tract.compile(record=True)
    tract.reset(base.commit_hash)  # a rebase by hand: the same content, a new hash
    copy = tract.user("feature work")
    with tract._write() as uow:
        uow.events.add(
            OperationEvent(
                uuid.uuid4().hex,
                tract.tract_id,
                "reorganize",
                "feature",
                tract.ctx.now(),
                0,
                0,
                {"target_branch": "main"},
                sources=(work.commit_hash,),
                results=(copy.commit_hash,),
            )
        )
    rec_b = tract.compile(record=True)
    d = tract.diff_records(rec_a.record_id[:8], rec_b.record_id[:8])
    assert d.removed == () and d.added == ()
    (pair,) = d.recreated
    assert (pair.old, pair.new) == (work.commit_hash, copy.commit_hash)
    assert "copied by the rebase" in pair.detail and len(pair.event_ids) == 1
    assert d.changed == () and d.kept == (base.commit_hash,)


def test_records_view_pages_newest_first(tract: Tract) -> None:
    tract.user("one")
    first = tract.compile(record=True)
    tract.user("two")
    second = tract.compile(record=True, reason="check")
    with tract.store.read() as uow:
        page = list_records(uow, tract.tract_id, with_commits=True)
        older = list_records(uow, tract.tract_id, limit=1, offset=1)
    assert [r.record_id for r in page.rows] == [second.record_id, first.record_id]
    assert page.rows[0].commits == tuple(second.commit_hashes)
    assert page.rows[0].purpose == "compile" and page.total == 2
    assert [r.record_id for r in older.rows] == [first.record_id] and older.rows[0].commits == ()


def test_find_record_by_prefix(tract: Tract) -> None:
    tract.user("x")
    rec = tract.compile(record=True)
    with tract.store.read() as uow:
        found = rec_op.find_record(uow, tract.ctx, rec.record_id[:8].upper())
    assert found.record_id == rec.record_id and found.effectives == tuple(rec.commit_hashes)


def test_a_record_with_two_positions_swapped_does_not_reproduce(tract: Tract) -> None:
    """The same commits in another order are another context (issue 16 §2): reproduce compares
    the effective commits as a sequence, not as a set."""
    tract.system("sys")
    first = tract.user("first").commit_hash
    second = tract.assistant("second").commit_hash
    compiled = tract.compile(record=True)
    assert tract.reproduce(compiled.record_id).matches
    swapped = list(compiled.commit_hashes)
    i, j = swapped.index(first), swapped.index(second)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert set(swapped) == set(compiled.commit_hashes)
    rid = add_record(
        tract, compiled.head_hash, swapped, str(compiled.token_source), tract.ctx.now()
    )
    rep = tract.reproduce(rid)
    assert not rep.matches
    assert {d.reason for d in rep.differences} == {rec_op.ORDER}

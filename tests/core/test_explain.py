"""Explanations (issue 12): verdicts and chains on stores with compress → rebase → compress
chains, merges, edits, skipped replay copies, reverts and orphans; the lens; blame."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from core import VERDICTS, Priority, Tract, create_tract
from core.engine.clock import FrozenClock
from core.errors import CompileError
from core.models import content as c

T0 = datetime(2026, 3, 1, 9, 0, 0)


@pytest.fixture
def tract(store_target: str) -> Iterator[Tract]:
    t = create_tract(store_target, clock=FrozenClock(T0, timedelta(seconds=1)))
    yield t
    t.close()


def kinds(e: object) -> list[str]:
    return [s.kind for s in e.chain]  # type: ignore[attr-defined]


def test_used_edited_and_superseded_edit(tract: Tract) -> None:
    s = tract.system("You are terse.")
    q = tract.user("What is 2+2?")
    a = tract.assistant("5")
    first = tract.edit(a.commit_hash, c.dialogue("assistant", "4"))
    second = tract.edit(a.commit_hash, c.dialogue("assistant", "Four."))
    rec = tract.compile(record=True)

    used = tract.why(q.commit_hash)
    assert used.verdict == "used" and used.position == 1 and used.tokens and used.tokens > 0
    assert used.subject.record_id == rec.record_id  # the latest record by default

    edited = tract.why(a.commit_hash)
    assert (edited.verdict, edited.position, edited.edit) == ("edited", 2, second.commit_hash)
    assert second.commit_hash[:8] in edited.text

    in_force = tract.why(second.commit_hash)
    assert (in_force.verdict, in_force.position) == ("used", 2)
    old = tract.why(first.commit_hash)
    assert old.verdict == "edited" and kinds(old) == ["superseded"]
    assert old.edit == second.commit_hash
    assert tract.why(s.commit_hash, at="HEAD").verdict == "used"


def test_skip_then_after_record_and_time(tract: Tract) -> None:
    tract.system("sys")
    noisy = tract.user("noise")
    tract.annotate(noisy.commit_hash, Priority.SKIP, "off topic")
    rec = tract.compile(record=True)
    later = tract.user("later")

    skipped = tract.why(noisy.commit_hash, record=rec.record_id[:6])
    assert skipped.verdict == "skipped"
    (step,) = skipped.chain
    assert step.annotation is not None and step.annotation.reason == "off topic"
    assert step.annotation.priority == "SKIP" and "off topic" in skipped.text
    assert tract.why(later.commit_hash, record=rec.record_id).verdict == "after_record"
    # Un-skipped later: the old record still says skipped, a live compile says used.
    tract.annotate(noisy.commit_hash, Priority.NORMAL, "needed after all")
    assert tract.why(noisy.commit_hash, record=rec.record_id).verdict == "skipped"
    assert tract.why(noisy.commit_hash, at="HEAD").verdict == "used"
    with pytest.raises(CompileError):
        tract.why(noisy.commit_hash, record=rec.record_id, at="HEAD")


def test_compress_rebase_compress_chain(tract: Tract) -> None:
    """feature's commits are rebased onto main (copies), main fast-forwards to them, then a
    compress summarises the copies: the originals' chain has three hops."""
    tract.system("sys")
    m1 = tract.user("main one")
    tract.branch("feature")
    f1 = tract.user("feature one")
    f2 = tract.assistant("feature two")
    tract.switch("main")
    tract.user("main two")
    tract.switch("feature")
    rebased = tract.rebase("main")
    tract.switch("main")
    tract.merge("feature")  # a fast-forward onto the rebased copies
    tail = tract.user("after the feature")
    copies = dict(rebased.replayed)
    squash = tract.compress(
        from_ref=copies[f1.commit_hash], to_ref=copies[f2.commit_hash], content="Feature: done."
    )
    (summary,) = squash.summaries
    rec = tract.compile(record=True)

    e = tract.why(f1.commit_hash)
    assert e.verdict == "compressed" and e.into == summary
    assert kinds(e) == ["reorganized", "compressed", "used"]
    assert e.chain[0].commits == (copies[f1.commit_hash],)
    assert e.chain[1].event_id == squash.event_id
    assert e.chain[2].position == 3  # sys, main one, main two, summary
    # The commit after the range was replayed by the compress: its copy was sent.
    moved = tract.why(tail.commit_hash)
    assert moved.verdict == "replaced" and moved.into == squash.replayed[tail.commit_hash]
    assert kinds(moved) == ["replayed", "used"]
    assert tract.why(m1.commit_hash).verdict == "used"
    # Relative to a record taken before the squash nothing of this had happened yet.
    assert rec.record_id


def test_skipped_replay_copy_and_double_compress(tract: Tract) -> None:
    """Two compressions: X is replayed twice and its last copy skipped; Y is replayed once
    then compressed by the second one (the diff bug of the demo store, by hand)."""
    tract.system("sys")
    early = [tract.user(f"early {i}").commit_hash for i in range(3)]
    y = tract.user("y: compressed later").commit_hash
    x = tract.user("x: skipped later").commit_hash
    tract.user("last")
    before = tract.compile(record=True)
    one = tract.compress(from_ref=early[0], to_ref=early[-1], content="Early: nothing.")
    y1, x1 = one.replayed[y], one.replayed[x]
    two = tract.compress(from_ref=y1, to_ref=y1, content="Y said it is compressed later.")
    x2 = two.replayed[x1]
    tract.annotate(x2, Priority.SKIP, "noise")
    after = tract.compile(record=True)

    ex = tract.why(x, record=after.record_id)
    assert ex.verdict == "skipped" and kinds(ex) == ["replayed", "replayed", "skipped"]
    assert [s.commits for s in ex.chain[:2]] == [(x1,), (x2,)]
    assert ex.chain[-1].annotation is not None and ex.chain[-1].annotation.reason == "noise"
    ey = tract.why(y, record=after.record_id)
    assert ey.verdict == "compressed" and kinds(ey) == ["replayed", "compressed", "used"]
    assert ey.into == two.summaries[0]

    d = tract.diff_records(before.record_id, after.record_id)
    n = d.counts
    # a: sys, early×3, y, x, last. b: sys, summary 1, summary 2, last′′.
    assert (n.kept, n.removed, n.recreated, n.added, n.changed) == (1, 5, 1, 2, 0)
    reasons = {r.commit_hash: r.reason for r in d.removed}
    assert reasons == {**dict.fromkeys(early, "compressed"), y: "compressed", x: "skipped"}
    assert "replayed → replayed → skipped: noise" in next(
        r.detail for r in d.removed if r.commit_hash == x
    )
    (pair,) = d.recreated
    assert len(pair.event_ids) == 2  # last was copied by both compressions
    assert {a.origin.kind for a in d.added if a.origin} == {"summary"}


def test_merge_not_on_branch_unreachable_and_blame(tract: Tract) -> None:
    tract.system("sys")
    base = tract.user("base")
    tract.branch("changelog")
    entry = tract.assistant("changelog entry")
    tract.switch("main")
    tract.user("main work")
    tract.branch("experiment")
    idea = tract.user("an idea")
    tract.switch("main")
    orphan = tract.user("soon orphaned")
    tract.reset(base.commit_hash)
    tract.user("main work again")
    merged = tract.merge("changelog")
    assert merged.merge_commit_hash
    tract.compile(record=True)

    assert tract.why(idea.commit_hash).verdict == "not_on_branch"
    assert tract.why(idea.commit_hash).chain[0].branches == ("experiment",)
    assert tract.why(orphan.commit_hash).verdict == "unreachable"
    merge = tract.why(merged.merge_commit_hash)
    assert merge.verdict == "skipped" and "structure only" in merge.text
    assert tract.why(entry.commit_hash).verdict == "used"

    blame = {b.commit_hash: b for b in tract.blame()}
    assert blame[entry.commit_hash].kind == "merged"
    assert blame[entry.commit_hash].branch == "changelog"
    assert blame[base.commit_hash].text == "typed by the agent"


def test_revert_replaces_the_summary(tract: Tract) -> None:
    tract.system("sys")
    a = tract.user("a")
    b = tract.user("b")
    squash = tract.compress(from_ref=a.commit_hash, to_ref=b.commit_hash, content="a and b")
    tract.revert(squash.event_id)
    tract.compile(record=True)
    (summary,) = squash.summaries
    e = tract.why(summary)
    assert e.verdict == "replaced" and kinds(e)[0] == "reverted"
    assert e.into in (a.commit_hash, b.commit_hash)
    assert tract.why(a.commit_hash).verdict == "used"


def test_lens_matches_the_explanations(tract: Tract) -> None:
    tract.system("sys")
    xs = [tract.user(f"m{i}").commit_hash for i in range(6)]
    tract.annotate(xs[4], Priority.SKIP, "noise")
    tract.edit(xs[5], c.dialogue("user", "m5, edited"))
    tract.compress(from_ref=xs[0], to_ref=xs[1], content="m0 and m1")
    tract.branch("side")
    tract.user("side work")
    tract.switch("main")
    rec = tract.compile(record=True)
    tract.user("after")
    lens = tract.lens(record=rec.record_id)
    every = tract.explain_all(record=rec.record_id)
    outside = {"not_on_branch", "unreachable", "after_record", "not_compiled"}
    with tract.store.read() as uow:
        times = {h: i.created_at for h, i in uow.commits.get_many(every).items()}
    for h, e in every.items():
        mark = lens.mark(h, times[h])
        assert mark == e.verdict or (mark in ("not_in", "after_record") and e.verdict in outside)
    assert lens.counts["used"] == len(rec.commit_hashes) - 1 + 1  # m5's edit is used, m5 edited
    # m5 and its replay copy are both "edited" (the copy's position holds the edit's text).
    assert lens.counts["edited"] == 2 and lens.counts["compressed"] == 2
    assert set(VERDICTS) >= {e.verdict for e in every.values()}


def test_export_formats(tract: Tract) -> None:
    tract.system("Be brief.")
    tract.user("Hi ```code``` there", name="ann")
    tract.commit(c.tool_io("bash", "result", {"output": "ok"}, "success"))
    rec = tract.compile(record=True)
    import json

    openai = json.loads(tract.export("openai", record=rec.record_id))
    assert [m["role"] for m in openai] == ["system", "user", "tool"]
    assert openai[1]["name"] == "ann"
    anthropic = json.loads(tract.export("anthropic"))
    assert anthropic["system"] == "Be brief."
    assert [m["role"] for m in anthropic["messages"]] == ["user", "user"]
    md = tract.export("markdown")
    assert "## 1. user (ann)" in md and "````\nHi ```code``` there\n````" in md
    assert "typed by the agent" in md
    with pytest.raises(CompileError):
        tract.export("yaml")

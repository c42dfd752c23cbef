"""The demo store's story, explained (issue 12): the two-compression diff between the oldest
record and the hand-off record, the skipped replay copy, the lens, blame, cache breaks and
what the compressions lost.

Expected figures come from the story ``tract_tui/demo.py`` tells, not from running the code:
the imported run is ``[system, issue, *steps]``; the steps come in phases of ``third`` commits
(set-up, reproduction, rest). The first compress summarises the set-up and replays the rest
(reproduction + rest); the second summarises the reproduction's copies and replays the rest
again; then the copy of ``rest[2]`` is skipped. Later: a changelog branch merged into main, an
edit of the plan, a rebase of regression-test onto main, and the hand-off message.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import Tract
from core.engine.clock import FrozenClock
from tests.conftest import shared_file, shared_root
from tract_tui import demo_data as d
from tract_tui.demo import ensure_demo_store


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Tract, dict[str, object]]]:
    transcript = shared_file("fixtures", "transcripts", "swe_agent_marshmallow_1867.jsonl")
    if transcript is None:
        pytest.skip(f"the SWE-agent transcript is not in {shared_root()} (set TRACT_TUI_SHARED)")
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    clock = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), timedelta(seconds=23))
    ensure_demo_store(path=Path(path), clock=clock, transcript=transcript)
    tract = Tract.open(path)
    events = tract.events().rows
    (imported,) = [e for e in events if e.event_type == "import"]
    run = list(imported.results)
    steps = run[2:]
    third = max(1, len(steps) // 3 // 4) * 3
    records = sorted(tract.records(), key=lambda r: r.created_at)
    facts: dict[str, object] = {
        "run": run,
        "setup": steps[:third],
        "repro": steps[third : 2 * third],
        "rest": steps[2 * third :],
        "oldest": records[0].record_id,
        "handoff": records[-1].record_id,
        "records": [r.record_id for r in records],
        "compressions": sorted(
            (e for e in events if e.event_type == "compress"), key=lambda e: e.created_at
        ),
    }
    yield tract, facts
    tract.close()


def test_two_compression_diff_counts(story: tuple[Tract, dict]) -> None:
    tract, f = story
    setup, repro, rest = f["setup"], f["repro"], f["rest"]
    diff = tract.diff_records(f["oldest"], f["handoff"])
    n = diff.counts
    # kept: system, task, plan, the run's system prompt and issue; the plan's text changed.
    assert (n.kept, n.changed) == (5, 1)
    # removed: the set-up (compressed), the reproduction (replayed, then compressed), and
    # rest[2], whose second copy was skipped.
    assert n.removed == len(setup) + len(repro) + 1
    assert n.recreated == len(rest) - 1  # the rest, replayed twice, minus the skipped one
    # added: two summaries, review note and reply, two changelog commits, the hand-off.
    assert n.added == 7
    a = tract.get_record(f["oldest"]).effectives
    b = tract.get_record(f["handoff"]).effectives
    # Every commit of either record is in exactly one section.
    assert sorted(
        [*diff.kept, *(r.commit_hash for r in diff.removed), *(r.old for r in diff.recreated)]
    ) == sorted(a)
    assert sorted(
        [*diff.kept, *(r.commit_hash for r in diff.added), *(r.new for r in diff.recreated)]
    ) == sorted(b)

    reasons = {r.commit_hash: r.reason for r in diff.removed}
    first, second = f["compressions"]
    assert all(reasons[h] == "compressed" for h in (*setup, *repro))
    assert reasons[rest[2]] == "skipped"
    by_hash = {r.commit_hash: r for r in diff.removed}
    # The reproduction's explanation follows both hops, not just the first.
    assert [s.kind for s in by_hash[repro[0]].chain] == ["replayed", "compressed", "used"]
    assert [s.event_id for s in by_hash[repro[0]].chain[:2]] == [first.event_id, second.event_id]
    assert by_hash[repro[0]].related == (second.results[0],)
    assert [s.kind for s in by_hash[setup[0]].chain] == ["compressed", "used"]
    skipped = by_hash[rest[2]]
    assert [s.kind for s in skipped.chain] == ["replayed", "replayed", "skipped"]
    assert skipped.chain[-1].annotation is not None
    assert skipped.chain[-1].annotation.reason == d.SKIP_REASON
    pairs = {r.old: r for r in diff.recreated}
    assert set(pairs) == set(rest) - {rest[2]}
    assert all(len(p.event_ids) == 2 for p in pairs.values())
    (changed,) = diff.changed
    assert changed.text_b == d.PLAN_REVISED and changed.text_a == d.PLAN


def test_why_on_the_demo(story: tuple[Tract, dict]) -> None:
    tract, f = story
    rest, repro = f["rest"], f["repro"]
    e = tract.why(rest[2])  # the latest record: the hand-off
    assert e.verdict == "skipped" and d.SKIP_REASON in e.text
    assert e.subject.record_id == f["handoff"]
    assert tract.why(repro[1]).verdict == "compressed"
    assert tract.why(rest[0]).verdict == "replaced"
    # At the oldest record nothing had been compressed yet.
    assert tract.why(rest[2], record=f["oldest"]).verdict == "used"
    assert tract.why("experiment/float-seconds").verdict == "not_on_branch"


def test_lens_and_blame_on_the_demo(story: tuple[Tract, dict]) -> None:
    tract, f = story
    every = tract.explain_all(record=f["handoff"])
    lens = tract.lens(record=f["handoff"])
    for h, e in every.items():
        if e.verdict in ("used", "edited", "skipped", "compressed", "replaced"):
            assert lens.mark(h) == e.verdict, h
        else:
            assert lens.mark(h) == "not_in", h
    assert lens.counts["compressed"] == 3 * len(f["setup"])  # set-up; repro and its copies
    blame = tract.blame(record=f["handoff"])
    texts = [b.text for b in blame]
    assert sum(t.startswith("merged from branch changelog") for t in texts) == 2
    assert sum(t.startswith("summary of ") for t in texts) == 2
    assert any(t.startswith("imported from swe_agent_marshmallow_1867.jsonl:") for t in texts)
    assert any(t.startswith("edit ") for t in texts)


def test_cache_breaks_and_losses_on_the_demo(story: tuple[Tract, dict]) -> None:
    tract, f = story
    breaks = tract.cache_breaks()
    order = [breaks[r] for r in f["records"]]
    # The first has nothing before it; the compressions break the prefix where their range
    # began (after system, task, plan, run system, issue: 5; then after summary 1: 6); the
    # hand-off breaks at the plan (position 2), which an EDIT changed.
    assert [b.position for b in order] == [None, 5, 6, 2]
    assert [b.previous for b in order[1:]] == f["records"][:3]
    assert "compressed into" in order[1].reason and "edited" in order[3].reason
    assert all(b.resent_tokens > 0 and b.shared_tokens > 0 for b in order[1:])
    # A page of the records list (the app asks per page) gets the same answers.
    newest_first = f["records"][::-1]
    page = tract.cache_breaks(limit=2, offset=1)
    assert sorted(page) == sorted(newest_first[1:3])
    assert all(page[r] == breaks[r] for r in page)
    losses = tract.compaction_losses()
    one = f["compressions"][1].event_id
    assert tract.compaction_losses([one, "not-an-event"]) == {one: losses[one]}
    first = losses[f["compressions"][0].event_id]
    lost = {i.value for i in first.lost}
    assert first.count > 0 and "setup.py" not in lost  # the manual summary names setup.py
    timeline = tract.token_timeline()
    assert [p.record_id for p in timeline.points] == f["records"]
    assert len(timeline.marks) == 2 and len(timeline.sparkline()) == 4


def test_log_reads_the_demo_the_same_without_sqlalchemy(story: tuple[Tract, dict]) -> None:
    # The demo (an import, two compressions, a merge, an edit, a rebase, pins and skips): what
    # `log --limit N` reads through the standard library equals the repositories' read.
    from core.read import StoreReader, quick_log

    tract, _ = story
    for limit in (1, 20, 500):
        quick = quick_log(str(tract.store.location.path), limit, head_arrow="->")
        assert quick is not None
        assert quick.labels == StoreReader(tract).refs(head_arrow="->").labels
        assert quick.commits == tract.log(limit=limit)

"""Compressing while an agent writes (issue 9 §1): the write goes onto the head as it is then.

The interleavings are made deterministic by letting "the agent" (a second ``Tract`` on the same
store) write while the compressing side is between its plan and its write — inside its
summarizer's call, as when an LLM answers slowly. Both backends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from core import Priority, Tract, create_tract
from core.errors import PreviewChangedError, RangeChangedError
from core.llm.client import OpenAICompatibleClient
from core.llm.config import LLMSettings
from core.models import content as c
from core.operations.summarizers import ExtractiveSummarizer, Summary, SummaryInput
from core.operations.verify import verify_store
from tests.core._llm_server import Step, completion, llm_server


@pytest.fixture
def pair(store_target: str) -> Any:
    """(operator, agent): two handles on one tract, as two processes would hold."""
    op = create_tract(store_target)  # both on the system clock, as two processes are
    op.system("You are terse.")
    agent = Tract.open(store_target, tract_id=op.tract_id)
    yield op, agent
    agent.close()
    op.close()


class Meanwhile:
    """The extractive summarizer, with something another writer does before its first call
    (or before every call: ``always``). Counts its calls."""

    name = "extractive"

    def __init__(self, tract: Tract, action: Callable[[], object], always: bool = False) -> None:
        self.inner = ExtractiveSummarizer(tract.ctx.counter)
        self.action = action
        self.always = always
        self.calls: list[str] = []

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def summarize(self, group: SummaryInput, **kw: Any) -> Summary:
        if not self.calls or self.always:
            self.action()
        self.calls.append(group.text)
        return self.inner.summarize(group, **kw)


def texts(t: Tract) -> list[str]:
    return [m.content for m in t.compile().messages]


def chain(t: Tract) -> list[str]:
    return [x.commit_hash for x in reversed(t.log(limit=None))]


def test_commits_appended_after_the_plan_are_replayed(pair: Any, store_target: str) -> None:
    op, agent = pair
    qs = [op.user(f"question {i}") for i in range(6)]
    preview = op.compress_preview(from_ref=qs[1].commit_hash, to_ref=qs[3].commit_hash)
    appended = [agent.user("agent 1").commit_hash, agent.assistant("agent 2").commit_hash]
    pinned = agent.system("agent instruction").commit_hash  # auto-pinned on write
    result = op.compress(plan=preview.plan, summaries=["S"])
    assert result.replanned is None and result.appended == 3
    assert texts(op) == [
        "You are terse.",
        "question 0",
        "S",
        "question 4",
        "question 5",
        "agent 1",
        "agent 2",
        "agent instruction",
    ]
    row = op.events().rows[0]
    params = row.params or {}
    assert params["head_before"] == pinned  # the tip at write time: revert restores it
    assert params["planned_head"] == preview.plan.head_before
    assert params["appended_since_plan"] == [*appended, pinned]
    assert set(params["replayed"]) >= {*appended, pinned}
    new_pinned = params["replayed"][pinned]
    assert op.priority(new_pinned) is Priority.PINNED  # annotations travel with the replay
    assert verify_store(store_target).ok
    op.revert(row.event_id)
    assert op.head == pinned


def test_a_writer_during_the_summary_does_not_refuse_a_compress(
    pair: Any, store_target: str
) -> None:
    """The issue's case: no preview at all, the agent appends while the summary is made."""
    op, agent = pair
    qs = [op.user(f"q{i}") for i in range(8)]
    summarizer = Meanwhile(op, lambda: agent.user("written mid-summary"), always=True)
    result = op.compress(
        from_ref=qs[2].commit_hash, to_ref=qs[5].commit_hash, summarizer=summarizer
    )
    assert result.replanned is None and result.appended == 1
    assert len(summarizer.calls) == 1
    assert texts(op)[-1] == "written mid-summary"
    assert op.events().rows[0].sources == tuple(x.commit_hash for x in qs[2:6])
    assert verify_store(store_target).ok


def test_an_edit_of_the_range_replans_once_and_says_so(pair: Any, store_target: str) -> None:
    op, agent = pair
    qs = [op.user(f"q{i}") for i in range(6)]

    def edit() -> None:
        agent.edit(qs[2].commit_hash, c.dialogue("user", "q2, corrected"))

    summarizer = Meanwhile(op, edit)
    result = op.compress(
        from_ref=qs[1].commit_hash, to_ref=qs[3].commit_hash, summarizer=summarizer
    )
    assert result.replanned is not None and "edits" in result.replanned
    assert len(summarizer.calls) == 2  # the group's text changed: summarised again
    assert "q2, corrected" in summarizer.calls[1] and "q2, corrected" not in summarizer.calls[0]
    # The edit was consumed with the range (its text is in the summary).
    assert "q2, corrected" not in texts(op) and "q2" not in texts(op)
    assert verify_store(store_target).ok


def test_a_confirmed_preview_is_never_silently_exceeded(pair: Any) -> None:
    """With a confirmed plan, a re-plan that differs is not written: the new preview is
    handed back; nothing was written."""
    op, agent = pair
    qs = [op.user(f"q{i}") for i in range(6)]
    preview = op.compress_preview(from_ref=qs[1].commit_hash, to_ref=qs[4].commit_hash)
    assert len(preview.plan.groups) == 1
    agent.annotate(qs[2].commit_hash, Priority.PINNED)  # splits the group in two
    head = op.head
    with pytest.raises(PreviewChangedError, match="annotated") as caught:
        op.compress(plan=preview.plan, summarizer="extractive")
    assert op.head == head and op.events().rows == ()
    fresh = caught.value.preview
    assert len(fresh.plan.groups) == 2 and fresh.plan.by_role("kept") == (qs[2].commit_hash,)
    result = op.compress(plan=fresh.plan, summarizer="extractive")  # the user confirms again
    assert len(result.summaries) == 2
    # Without a confirmed preview the re-plan is applied at once.
    more = [op.user(f"r{i}") for i in range(4)]
    summarizer = Meanwhile(op, lambda: agent.annotate(more[1].commit_hash, Priority.SKIP))
    result = op.compress(
        from_ref=more[0].commit_hash, to_ref=more[2].commit_hash, summarizer=summarizer
    )
    assert result.replanned is not None and "annotated" in result.replanned
    assert op.events().rows[0].sources == (more[0].commit_hash, more[2].commit_hash)


def test_a_rewrite_after_the_range_reuses_the_summaries(pair: Any, store_target: str) -> None:
    """Another writer compresses commits *after* the range: the plan's head is gone but the
    range is intact; the re-plan shows the same groups, so their summaries are reused (and a
    confirmed preview is applied without asking again)."""
    op, agent = pair
    qs = [op.user(f"q{i}") for i in range(10)]
    preview = op.compress_preview(from_ref=qs[1].commit_hash, to_ref=qs[3].commit_hash)

    def other_compress() -> None:
        agent.compress(from_ref=qs[6].commit_hash, to_ref=qs[8].commit_hash, content="later")

    summarizer = Meanwhile(op, other_compress)
    result = op.compress(plan=preview.plan, summarizer=summarizer)
    assert result.replanned is not None and "rewritten" in result.replanned
    assert len(summarizer.calls) == 1  # the unchanged group was not summarised twice
    out = texts(op)
    assert out[:2] == ["You are terse.", "q0"] and "later" in out and out[-1] == "q9"
    assert verify_store(store_target).ok


def test_a_range_compressed_by_someone_else_is_refused(pair: Any, store_target: str) -> None:
    op, agent = pair
    qs = [op.user(f"q{i}") for i in range(6)]

    def same_range() -> None:
        agent.compress(from_ref=qs[1].commit_hash, to_ref=qs[3].commit_hash, content="theirs")

    summarizer = Meanwhile(op, same_range)
    with pytest.raises(RangeChangedError, match="cannot be planned again"):
        op.compress(from_ref=qs[1].commit_hash, to_ref=qs[3].commit_hash, summarizer=summarizer)
    assert len(op.events().rows) == 1  # theirs only
    assert "theirs" in texts(op)


def test_an_llm_is_not_asked_twice_for_an_unchanged_group(pair: Any) -> None:
    """Two groups (a pinned commit splits them); the agent edits a commit of the second group
    while the LLM is asked about the first: on the re-plan only the changed group is asked."""
    op, agent = pair
    qs = [op.user(f"q{i}") for i in range(7)]
    op.annotate(qs[3].commit_hash, Priority.PINNED)
    with llm_server() as endpoint:
        first = True
        real_next = endpoint.next_step

        def next_step() -> Step:
            nonlocal first
            if first:
                first = False
                agent.edit(qs[5].commit_hash, c.dialogue("user", "q5, corrected"))
            real_next()
            return Step(200, completion(f"summary {len(endpoint.requests)}"))

        endpoint.next_step = next_step  # type: ignore[method-assign]
        client = OpenAICompatibleClient(
            LLMSettings(base_url=endpoint.base_url, model="m", api_key="k", timeout=5)
        )
        result = op.compress(
            from_ref=qs[1].commit_hash, to_ref=qs[6].commit_hash, summarizer="llm", client=client
        )
        asked = [r["messages"][-1]["content"] for r in endpoint.requests]
    assert result.replanned is not None
    assert len(asked) == 3  # group 1, group 2, group 2 again (its text changed)
    assert "q1" in asked[0] and "q5" in asked[1] and "q5, corrected" in asked[2]
    assert texts(op)[2:5] == ["summary 1", "q3", "summary 3"]


def test_compress_keeps_up_with_a_writer_thread(pair: Any, store_target: str) -> None:
    """A real second thread appending as fast as it can while compressions run."""
    op, agent = pair
    # Each compress takes 5 commits off the chain: 60 seeds keep HEAD~25 there for all five
    # however few commits the writer gets in meanwhile (with 40, a slow writer made it fail).
    for i in range(60):
        op.user(f"seed {i}")
    stop = threading.Event()
    written: list[str] = []

    def agent_loop() -> None:
        while not stop.is_set():
            written.append(agent.user(f"agent {len(written)}").commit_hash)

    thread = threading.Thread(target=agent_loop)
    thread.start()
    applied = 0
    try:
        for _ in range(5):
            result = op.compress(from_ref="HEAD~25", to_ref="HEAD~20", summarizer="extractive")
            applied += 1
            assert result.replanned is None
    finally:
        stop.set()
        thread.join()
    assert applied == 5 and written
    assert accounted_for(op, written) == {}
    assert verify_store(store_target).ok


def accounted_for(t: Tract, written: list[str]) -> dict[str, str]:
    """Commits of ``written`` neither on the branch (themselves or a replayed copy with the
    same content) nor a source of a compress event: {hash: what became of it}."""
    on_branch = set(chain(t))
    rows = sorted(t.events(limit=None).rows, key=lambda r: r.created_at)
    replayed: dict[str, str] = {}
    sources: set[str] = set()
    for row in rows:
        replayed.update((row.params or {}).get("replayed", {}))
        sources.update(row.sources)
    lost: dict[str, str] = {}
    for h in written:
        seen = h
        while seen not in on_branch and seen not in sources and seen in replayed:
            seen = replayed[seen]
        if seen in sources:
            continue
        original, copy = t.get_commit(h), t.get_commit(seen)
        if seen not in on_branch or copy is None or original is None:
            lost[h] = f"ended at {seen[:8]}"
        elif copy.content_hash != original.content_hash:
            lost[h] = "its copy has other content"
    return lost

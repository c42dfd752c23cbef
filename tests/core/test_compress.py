"""Compression: docs/behaviour.md §9, scenarios #35–38 and #44, provenance, preview, revert."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from core import Priority, Tract, create_tract
from core.engine.clock import FrozenClock
from core.errors import (
    CompressionError,
    LLMConfigError,
    NothingToCompressError,
    RevertError,
    SummarizerError,
)
from core.llm.client import OpenAICompatibleClient
from core.llm.config import LLMSettings
from core.models import content as c
from core.operations.verify import verify_store
from tests.conftest import store_bytes
from tests.core._llm_server import Step, completion, llm_server

KEY = "sk-test-SECRET-never-stored-123"


@pytest.fixture
def tract(store_target: str) -> Tract:
    clock = FrozenClock(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    t = create_tract(store_target, clock=clock)
    yield t
    t.close()


def _client(base_url: str) -> OpenAICompatibleClient:
    settings = LLMSettings(base_url=base_url, model="summary-model", api_key=KEY, timeout=5)
    return OpenAICompatibleClient(settings, backoff_base=0.01, backoff_cap=0.02, jitter=0.0)


def _texts(t: Tract) -> list[str]:
    return [m.content for m in t.compile().messages]


def _chain(t: Tract) -> list[str]:
    return [c.commit_hash for c in reversed(t.log(limit=None))]


def test_manual_compression_of_five_commits(tract: Tract) -> None:
    """#35: one summary replaces 5 normal commits; event sources/result; originals kept."""
    tract.system("sys")
    five = [tract.user(f"message {i}") for i in range(5)]
    after = [tract.assistant("after 1"), tract.user("after 2")]
    result = tract.compress(
        from_ref=five[0].commit_hash, to_ref=five[-1].commit_hash, content="five messages"
    )
    assert _texts(tract) == ["sys", "five messages", "after 1", "after 2"]
    with tract.store.read() as uow:
        event = uow.events.get(result.event_id)
        assert event is not None and event.event_type == "compress"
        assert event.sources == tuple(c.commit_hash for c in five)
        assert event.results == result.summaries and len(result.summaries) == 1
        assert event.branch_name == "main"
        # the originals are stored but no longer on the branch
        assert all(uow.commits.get(c.commit_hash) for c in five)
    chain = _chain(tract)
    assert not set(chain) & {c.commit_hash for c in five}
    summary = tract.get_commit(result.summaries[0])
    assert summary is not None and summary.message == "Compressed 5 commits"
    # commits after the range stay on the branch, in order (re-created)
    assert [tract.get_commit(h).message for h in chain[-2:]] == [a.message for a in after]
    assert result.replayed.keys() == {a.commit_hash for a in after}
    assert verify_store(tract.store).ok


def test_llm_compression_around_a_pinned_commit(tract: Tract) -> None:
    """#36: summary, pinned (still PINNED), summary — two LLM calls; manual refused."""
    tract.system("sys")
    first = [tract.user(f"a{i}") for i in range(3)]
    pinned = tract.assistant("keep me")
    tract.annotate(pinned.commit_hash, Priority.PINNED, "user pin")
    second = [tract.user(f"b{i}") for i in range(3)]
    with pytest.raises(CompressionError, match="exactly one group"):
        tract.compress(from_ref=first[0].commit_hash, content="one text")
    with llm_server() as server:
        server.script(Step(200, completion("S1")), Step(200, completion("S2")))
        result = tract.compress(
            from_ref=first[0].commit_hash, summarizer="llm", client=_client(server.base_url)
        )
        assert len(server.requests) == 2
        assert all(h == f"Bearer {KEY}" for h in server.auth_headers)
        assert "a0" in server.requests[0]["messages"][1]["content"]
        assert "b2" in server.requests[1]["messages"][1]["content"]
    assert _texts(tract) == ["sys", "S1", "keep me", "S2"]
    new_pinned = result.preserved[pinned.commit_hash]
    assert tract.priority(new_pinned) is Priority.PINNED
    assert tract.annotations(new_pinned)[-1].reason == "user pin"
    del second


def test_skip_dropped_and_nothing_to_compress(tract: Tract) -> None:
    """#37: SKIP commits are neither summarised nor kept; all pinned/skipped → error."""
    tract.system("sys")
    keep = tract.user("normal")
    skipped = tract.user("noise")
    tract.annotate(skipped.commit_hash, Priority.SKIP)
    tract.user("normal 2")
    result = tract.compress(from_ref=keep.commit_hash, content="S")
    with tract.store.read() as uow:
        event = uow.events.get(result.event_id)
    assert skipped.commit_hash not in event.sources
    assert event.params["dropped"] == [skipped.commit_hash]
    assert _texts(tract) == ["sys", "S"]
    pin_only = tract.system("another instruction")  # auto-pinned
    with pytest.raises(NothingToCompressError):
        tract.compress(from_ref=pin_only.commit_hash, content="x")


def test_llm_summarizer_needs_an_endpoint(tract: Tract, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_KEY", "TRACT_OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    tract.user("a")
    tract.user("b")
    with pytest.raises(LLMConfigError):
        tract.compress(summarizer="llm")
    # auto falls back to the offline extractive summarizer, which says what it is
    result = tract.compress()
    text = tract.get_commit(result.summaries[0])
    assert text is not None
    assert _texts(tract)[0].startswith("Previously in this conversation (extractive summary")
    with tract.store.read() as uow:
        assert uow.events.get(result.event_id).params["summarizer"] == "extractive"


def test_preview_edit_and_apply_after_head_moved(tract: Tract) -> None:
    """#38: a plan can be edited and approved; a commit appended after the preview is
    replayed after the range (issue 9 §1), not a reason to refuse."""
    tract.system("sys")
    start = tract.user("one")
    tract.user("two")
    preview = tract.compress_preview(from_ref=start.commit_hash)
    assert len(preview.plan.groups) == 1 and preview.drafts[0]
    assert preview.plan.tokens_before == tract.compile().token_count
    assert preview.plan.head_before == tract.head
    tract.user("three")  # HEAD moves
    result = tract.compress(plan=preview.plan, summaries=["edited"])
    assert result.appended == 1 and result.replanned is None
    assert _texts(tract) == ["sys", "edited", "three"]


def test_middle_range_keeps_later_commits(tract: Tract) -> None:
    """#44 and defect §15.1: prefix + summary + suffix, nothing falls off the branch."""
    msgs = [tract.user(f"m{i}") for i in range(10)]
    edit = tract.edit(msgs[8].commit_hash, c.dialogue("user", "m8 edited"))
    tract.compress(from_ref=msgs[3].commit_hash, to_ref=msgs[5].commit_hash, content="S")
    assert _texts(tract) == ["m0", "m1", "m2", "S", "m6", "m7", "m8 edited", "m9"]
    # the replayed EDIT points at the replayed copy of its target
    chain = _chain(tract)
    replayed_edit = tract.get_commit(chain[-1])
    assert replayed_edit is not None and replayed_edit.response_to == chain[-3]
    assert edit.commit_hash not in chain


def test_explicit_commits_and_picks_keep_the_rest(tract: Tract) -> None:
    msgs = [tract.user(f"m{i}") for i in range(6)]
    tract.compress(commits=[msgs[1].commit_hash, msgs[3].commit_hash], content="S")
    assert _texts(tract) == ["m0", "S", "m2", "m4", "m5"]


def test_tool_call_never_separated_from_result(tract: Tract) -> None:
    tract.user("run tests")
    call = tract.commit(c.tool_io("bash", "call", {"command": "pytest"}))
    result = tract.commit(c.tool_io("bash", "result", {"output": "1 failed"}, "success"))
    tract.assistant("one test failed")
    preview = tract.compress_preview(to_ref=call.commit_hash)
    assert result.commit_hash in preview.plan.sources
    assert any("tool call" in note for note in preview.plan.widened)
    preview = tract.compress_preview(commits=[result.commit_hash])
    assert call.commit_hash in preview.plan.sources


def test_tool_pairs_by_id_across_parallel_calls(tract: Tract) -> None:
    tract.user("go")
    a = tract.commit(c.tool_io("read", "call", {"path": "a", "tool_call_id": "1"}))
    b = tract.commit(c.tool_io("read", "call", {"path": "b", "tool_call_id": "2"}))
    ra = tract.commit(c.tool_io("read", "result", {"output": "A", "tool_call_id": "1"}))
    rb = tract.commit(c.tool_io("read", "result", {"output": "B", "tool_call_id": "2"}))
    tract.user("done")
    preview = tract.compress_preview(commits=[b.commit_hash])
    assert set(preview.plan.sources) >= {
        a.commit_hash,
        b.commit_hash,
        ra.commit_hash,
        rb.commit_hash,
    }


def test_failing_summarizer_leaves_store_untouched(tract: Tract, store_target: str) -> None:
    tract.user("a")
    tract.user("b")
    before = (_texts(tract), tract.head, len(tract.log(limit=None)))
    with llm_server() as server:
        server.script(*(Step(500, {"error": {"message": "boom-text-xyz"}}) for _ in range(3)))
        with pytest.raises(SummarizerError, match="500"):
            tract.compress(summarizer="llm", client=_client(server.base_url))
        assert len(server.requests) == 3  # retried
        server.script(Step(200, completion("   ")))
        with pytest.raises(SummarizerError, match="empty"):
            tract.compress(summarizer="llm", client=_client(server.base_url))
        server.script(Step(200, "{not json"))
        with pytest.raises(SummarizerError, match="malformed"):
            tract.compress(summarizer="llm", client=_client(server.base_url))
    assert (_texts(tract), tract.head, len(tract.log(limit=None))) == before
    with tract.store.read() as uow:
        assert uow.events.count(tract.tract_id) == 0
    data = store_bytes(store_target)
    assert b"boom-text-xyz" not in data and KEY.encode() not in data


def test_llm_timeout_is_an_error(tract: Tract) -> None:
    tract.user("a")
    with llm_server() as server:
        server.script(*(Step(200, completion("late"), delay=1.5) for _ in range(3)))
        settings = LLMSettings(base_url=server.base_url, model="m", api_key=KEY, timeout=0.3)
        client = OpenAICompatibleClient(settings, backoff_base=0.01, jitter=0.0)
        with pytest.raises(SummarizerError, match="timed out") as info:
            tract.compress(summarizer="llm", client=client)
        assert KEY not in str(info.value)


def test_llm_success_records_provenance(tract: Tract, store_target: str) -> None:
    tract.system("sys")
    start = tract.user("question about parse.py")
    tract.assistant("the bug is on line 42")
    with llm_server() as server:
        server.script(Step(200, completion("S", model="served-model")))
        result = tract.compress(
            from_ref=start.commit_hash,
            summarizer="llm",
            client=_client(server.base_url),
            target_tokens=50,
            instructions="keep line numbers",
        )
        prompt = server.requests[0]["messages"][1]["content"]
        assert "keep line numbers" in prompt and "about 50 tokens" in prompt
    with tract.store.read() as uow:
        event = uow.events.get(result.event_id)
    params = event.params
    assert params["summarizer"] == "llm" and params["model"] == "summary-model"
    assert params["prompt_version"] and len(params["prompt_sha256"]) == 64
    assert params["target_tokens"] == 50 and params["instructions"] == "keep line numbers"
    assert params["head_before"] == result.head_before
    assert params["head_after"] == result.new_head
    assert event.original_tokens > 0 and event.compressed_tokens > 0
    summary = tract.get_commit(result.summaries[0])
    assert summary.generation_config["model"] == "served-model"
    assert KEY.encode() not in store_bytes(store_target)


def test_revert_restores_and_refuses_when_moved(tract: Tract) -> None:
    msgs = [tract.user(f"m{i}") for i in range(4)]
    before = _texts(tract)
    result = tract.compress(from_ref=msgs[1].commit_hash, content="S")
    reverted = tract.revert(result.event_id)
    assert _texts(tract) == before and reverted.head == msgs[-1].commit_hash
    with pytest.raises(RevertError, match="already reverted"):
        tract.revert(result.event_id)
    second = tract.compress(from_ref=msgs[1].commit_hash, content="S2")
    tract.user("new work")
    with pytest.raises(RevertError, match="moved"):
        tract.revert(second.event_id)
    with tract.store.read() as uow:
        kinds = [e.event_type for e in uow.events.list(tract.tract_id)]
    assert sorted(kinds) == ["compress", "compress", "revert"]


def test_compress_from_root_leaves_branch_usable(tract: Tract) -> None:
    tract.user("a")
    tract.user("b")
    tract.compress(content="S")
    assert _texts(tract) == ["S"]
    tract.user("c")
    assert _texts(tract) == ["S", "c"]


def test_merge_inside_range_joins_its_commits(tract: Tract) -> None:
    tract.user("base")
    tract.branch("feature")
    tract.user("f1")
    tract.switch("main")
    tract.user("m1")
    tract.merge("feature")
    tract.user("tail")
    before = _texts(tract)
    assert before == ["base", "m1", "f1", "tail"]
    result = tract.compress(from_ref="HEAD~2", to_ref="HEAD~1", content="S")
    assert _texts(tract) == ["base", "S", "tail"]
    with tract.store.read() as uow:
        event = uow.events.get(result.event_id)
    assert len(event.params["structural"]) == 1 and len(event.sources) == 2


def test_extractive_is_deterministic_and_respects_target(tract: Tract) -> None:
    for i in range(30):
        tract.user(f"Step {i}: edited module_{i}.py, ran pytest, 3 tests failed at line {i * 7}.")
    a = tract.compress_preview(target_tokens=60)
    b = tract.compress_preview(target_tokens=60)
    assert a.drafts == b.drafts
    assert tract.ctx.counter.count_text(a.drafts[0]) <= 60 + 5


def test_cancel_before_writing(tract: Tract) -> None:
    tract.user("a")
    tract.user("b")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CompressionError, match="cancelled"):
        tract.compress(summarizer="extractive", cancel=cancel)
    assert _texts(tract) == ["a", "b"]


def test_an_event_of_several_groups_counts_every_summary(tract: Tract) -> None:
    """Issue 16 §2: two groups (a pinned commit splits the range): ``compressed_tokens`` is the
    sum of both summaries' tokens; ``groups`` lists each group's commits and ``preserved``
    maps the pinned commit to its copy."""
    tract.system("sys")
    a = [tract.user(f"alpha {i}").commit_hash for i in range(3)]
    pinned = tract.user("keep me").commit_hash
    tract.annotate(pinned, Priority.PINNED)
    b = [tract.assistant(f"beta {i}").commit_hash for i in range(2)]
    texts = ["one two three", "four five six seven eight nine ten"]
    result = tract.compress(from_ref=a[0], to_ref=b[-1], summaries=texts)
    counter = tract.ctx.counter
    each = [counter.count_text(t) for t in texts]
    assert each[0] != each[1] and min(each) > 0
    assert result.compressed_tokens == sum(each)
    with tract.store.read() as uow:
        event = uow.events.get(result.event_id)
    assert event is not None and event.compressed_tokens == sum(each)
    params = event.params or {}
    assert params["groups"] == [a, b]
    assert list(params["preserved"]) == [pinned]
    copy = params["preserved"][pinned]
    assert _texts(tract) == ["sys", texts[0], "keep me", texts[1]]
    assert tract.priority(copy) is Priority.PINNED
    assert event.sources == (*a, *b) and len(event.results) == 2


def test_a_revert_after_gc_collected_the_old_head_is_refused_in_words(tract: Tract) -> None:
    """GC removes the replayed originals once nothing reaches them; a revert would then put
    the branch on a commit that is gone (it failed on a foreign key before)."""
    tract.user("r")
    a = tract.user("a").commit_hash
    tract.user("b")
    result = tract.compress(from_ref=a, to_ref=a, content="S")
    tract.gc(orphan_retention_days=0)
    head = tract.head
    with pytest.raises(RevertError, match="garbage-collected"):
        tract.revert(result.event_id)
    assert tract.head == head

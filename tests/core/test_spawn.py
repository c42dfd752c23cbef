"""Spawn and collapse (docs/behaviour.md §11): scenarios §16 #42 and #46, defect §15.7 (full_clone
with EDITs, nothing left locked after a failure, dict LLM replies), and the tract listing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from core import Tract
from core.errors import DetachedHeadError, LLMConfigError, SpawnError
from core.models import content as c
from core.models.enums import Priority
from core.operations import spawn as spawn_op
from tests.core._helpers import write_merge


def conversation(t: Tract) -> dict[str, str]:
    h = {"sys": t.system("You are a planner.").commit_hash}
    h["u1"] = t.user("Plan a trip to Oslo.", name="ann").commit_hash
    h["a1"] = t.assistant("Day 1: museums.").commit_hash
    return h


def messages(t: Tract) -> list[dict[str, str]]:
    return t.compile().to_dicts()


def pointer_of(t: Tract, child: str) -> Any:
    with t.store.read() as uow:
        return uow.spawns.for_child(child)


def test_head_snapshot_spawn(tract: Tract) -> None:
    """§16 #42: one pinned instruction with the rendered context, a pointer, and the
    "Spawned subagent" commit in the parent."""
    conversation(tract)
    head_before = tract.head
    child = tract.spawn("book the hotel", display_name="hotel agent")
    assert child.tract_id != tract.tract_id and len(child.tract_id) == 32
    assert child.store is tract.store

    log = child.log(limit=None)
    assert len(log) == 1 and log[0].content_type == "instruction"
    assert child.priority(log[0].commit_hash) is Priority.PINNED
    assert messages(child) == [
        {
            "role": "system",
            "content": "[system]: You are a planner.\n"
            "[user]: Plan a trip to Oslo.\n"
            "[assistant]: Day 1: museums.",
        }
    ]
    pointer = pointer_of(tract, child.tract_id)
    assert (pointer.parent_tract_id, pointer.parent_commit_hash) == (tract.tract_id, head_before)
    assert (pointer.purpose, pointer.inheritance_mode, pointer.display_name) == (
        "book the hotel",
        "head_snapshot",
        "hotel agent",
    )
    spawned = tract.log(limit=1)[0]
    assert spawned.parent_hash == head_before and spawned.message == "spawn: book the hotel"
    assert messages(tract)[-1] == {
        "role": "system",
        "content": "Spawned subagent for: book the hotel",
    }


def test_head_snapshot_drops_the_oldest_lines_to_fit(tract: Tract) -> None:
    conversation(tract)
    counter = tract.ctx.counter
    last_two = "[user]: Plan a trip to Oslo.\n[assistant]: Day 1: museums."
    budget = counter.count_text(last_two)
    child = tract.spawn("fit", max_tokens=budget)
    assert messages(child)[0]["content"] == last_two
    tiny = tract.spawn("nothing fits", max_tokens=1)
    assert tiny.log() == [] and pointer_of(tract, tiny.tract_id) is not None


def test_spawn_of_an_empty_parent_commits_nothing_in_the_child(tract: Tract) -> None:
    child = tract.spawn("start fresh")
    assert child.log() == [] and child.head is None
    assert pointer_of(tract, child.tract_id).parent_commit_hash is None
    assert [m["content"] for m in messages(tract)] == ["Spawned subagent for: start fresh"]


def test_refused_spawns_write_nothing(tract: Tract) -> None:
    conversation(tract)
    before = len(tract.log(limit=None))
    with pytest.raises(SpawnError, match="selective"):
        tract.spawn("x", inheritance="selective")
    with pytest.raises(SpawnError, match="unknown inheritance"):
        tract.spawn("x", inheritance="copy_some")
    tract.checkout(tract.head or "")
    with pytest.raises(DetachedHeadError):
        tract.spawn("x")
    tract.checkout("main")
    assert len(tract.log(limit=None)) == before and tract.list_tracts()[0].children == ()


def test_full_clone_with_edits_compiles_like_the_parent(tract: Tract) -> None:
    """§16 #46 and §15.7: EDITs remapped; the child compiles to the parent's messages."""
    h = conversation(tract)
    tract.edit(h["a1"], c.dialogue("assistant", "Day 1: fjords."))
    tract.annotate(h["u1"], Priority.SKIP, "hide")
    tract.annotate(h["u1"], Priority.NORMAL, "show again")
    child = tract.spawn("explore", inheritance="full_clone")
    assert messages(child) == messages(tract)
    assert messages(child)[-1]["content"] == "Spawned subagent for: explore"
    assert "Day 1: fjords." in [m["content"] for m in messages(child)]
    assert child.current_branch == "main"

    parent_log = tract.log(limit=None)
    child_log = child.log(limit=None)
    assert len(child_log) == len(parent_log)
    assert not {x.commit_hash for x in child_log} & {x.commit_hash for x in parent_log}
    for p, k in zip(parent_log, child_log, strict=True):
        assert (p.content_hash, p.operation, p.message) == (k.content_hash, k.operation, k.message)
    edit = next(x for x in child_log if x.is_edit)
    assert edit.response_to in {x.commit_hash for x in child_log}
    u1_copy = next(x for x in child_log if x.message and "Oslo" in x.message)
    assert [(a.priority, a.reason) for a in child.annotations(u1_copy.commit_hash)] == [
        (Priority.SKIP, "hide"),
        (Priority.NORMAL, "show again"),
    ]
    assert pointer_of(tract, child.tract_id).inheritance_mode == "full_clone"


def test_full_clone_keeps_branches_merges_and_unreachable_commits(tract: Tract) -> None:
    tract.user("base")
    tract.branch("side")
    side = tract.user("side").commit_hash
    tract.switch("main")
    main1 = tract.user("main").commit_hash
    merge = write_merge(tract, main1, side)
    tract.user("soon unreachable")
    tract.reset(merge)
    child = tract.spawn("clone all", inheritance="full_clone")

    with child.store.read() as uow:
        assert uow.commits.count(child.tract_id) == 6  # base, side, main, merge, lost, spawn
        branches = {r.ref_name for r in uow.refs.list(child.tract_id)}
        merges = [
            x
            for batch in uow.commits.iter_all(child.tract_id)
            for x in batch
            if x.content_type == "freeform"
        ]
        parents = uow.parents.parents_of([merges[0].commit_hash])[merges[0].commit_hash]
        copies = {
            x.message: x.commit_hash
            for batch in uow.commits.iter_all(child.tract_id)
            for x in batch
        }
    assert branches == {"HEAD", "refs/heads/main", "refs/heads/side"}
    assert parents == (copies["dialogue: main"], copies["dialogue: side"])
    assert "dialogue: soon unreachable" in copies
    assert child.resolve("side") == copies["dialogue: side"]
    assert messages(child) == messages(tract)


def test_failed_spawn_rolls_back_and_releases_the_store(
    tract: Tract, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§15.7: a failure leaves neither tract changed and the database unlocked."""
    conversation(tract)
    real = spawn_op.clone_tract

    def clone_then_fail(*args: Any, **kwargs: Any) -> dict[str, str]:
        real(*args, **kwargs)
        raise SpawnError("disk on fire")

    monkeypatch.setattr(spawn_op, "clone_tract", clone_then_fail)
    before = len(tract.log(limit=None))
    with pytest.raises(SpawnError, match="disk on fire"):
        tract.spawn("doomed", inheritance="full_clone")
    assert len(tract.log(limit=None)) == before
    assert [t.tract_id for t in tract.list_tracts()] == [tract.tract_id]
    with tract.store.read() as uow:
        assert uow.spawns.all() == []
    tract.user("still writable")  # no lock left behind


def test_manual_collapse(tract: Tract) -> None:
    """§16 #42: an assistant summary in the parent whose metadata points at the child."""
    conversation(tract)
    child = tract.spawn("book the hotel")
    child.user("Find a hotel near the station.")
    child.assistant("Booked Hotel Norge, 2 nights, 2400 NOK.")
    result = tract.collapse(child, content="Booked Hotel Norge for 2 nights (2400 NOK).")
    info = result.commit
    assert info.message == "collapse: book the hotel"
    assert info.metadata == {
        "collapse_source_tract_id": child.tract_id,
        "collapse_source_head": child.head,
    }
    assert messages(tract)[-1] == {
        "role": "assistant",
        "content": "Booked Hotel Norge for 2 nights (2400 NOK).",
    }
    assert result.child_head == child.head and result.generation_config is None


class ScriptedClient:
    """Answers like an OpenAI endpoint (plain dicts) and remembers what it was sent."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[list[dict[str, Any]]] = []

    def chat(self, messages: Sequence[Mapping[str, Any]], **kwargs: Any) -> dict[str, Any]:
        self.calls.append([dict(m) for m in messages])
        return {
            "model": "scripted-1",
            "choices": [{"message": {"role": "assistant", "content": self.reply}}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59},
        }


def test_llm_collapse_reads_dict_replies(tract: Tract) -> None:
    conversation(tract)
    child = tract.spawn("check the weather")
    child.assistant("Oslo: 4°C, rain on day 2.")
    client = ScriptedClient("Subagent completed: check the weather. Oslo 4°C, rain on day 2.")
    result = tract.collapse(
        child.tract_id, instructions="mention rain", target_tokens=50, client=client
    )
    assert result.summary.startswith("Subagent completed: check the weather")
    assert result.commit.generation_config == {
        "source": "infrastructure:collapse",
        "model": "scripted-1",
        "usage": {"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59},
    }
    (sent,) = client.calls
    assert sent[0]["role"] == "system" and "Subagent completed" in sent[0]["content"]
    prompt = sent[1]["content"]
    assert "check the weather" in prompt and "[assistant]: Oslo: 4°C, rain on day 2." in prompt
    assert "mention rain" in prompt and "50 tokens" in prompt


def test_collapse_refusals(tract: Tract) -> None:
    conversation(tract)
    child = tract.spawn("task")
    before = len(tract.log(limit=None))
    with pytest.raises(LLMConfigError):
        tract.collapse(child)
    with pytest.raises(SpawnError, match="not a subagent"):
        tract.collapse("f" * 32, content="x")
    grandchild = child.spawn("deeper")
    with pytest.raises(SpawnError, match="not this tract"):
        tract.collapse(grandchild, content="x")
    with tract.batch(), pytest.raises(LLMConfigError, match="batch"):
        tract.collapse(child, client=ScriptedClient("x"))
    assert len(tract.log(limit=None)) == before


def test_list_tracts_shows_the_spawn_tree(tract: Tract) -> None:
    conversation(tract)
    child = tract.spawn("sub", display_name="helper")
    listing = {t.tract_id: t for t in tract.list_tracts()}
    assert listing[child.tract_id].parent_id == tract.tract_id
    assert listing[child.tract_id].display_name == "helper"
    assert listing[child.tract_id].commit_count == 1
    assert listing[tract.tract_id].children == (child.tract_id,)

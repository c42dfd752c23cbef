"""The OpenAI dicts of a compile are made once and shared: ``to_dicts()`` after an incremental
compile makes only the new messages' dicts, every later call reuses them, and none of that may
let one context's dicts change another's (edits, skips and tool calls included)."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Iterator

import pytest

from core import Priority, Tract, create_tract
from core.models import content as c
from core.models.compiled import Message


@pytest.fixture
def tract(store_target: str) -> Iterator[Tract]:
    t = create_tract(store_target)
    yield t
    t.close()


def plain(dicts: list[dict]) -> list[dict]:
    return json.loads(json.dumps(dicts))


def test_dicts_are_read_only_and_copy_to_plain_dicts(tract: Tract) -> None:
    tract.user("hello")
    (d,) = tract.compile().to_dicts()
    for change in (
        lambda: d.__setitem__("content", "x"),
        lambda: d.pop("role"),
        lambda: d.update(role="x"),
        lambda: d.clear(),
        lambda: d.setdefault("name", "x"),
    ):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert d == {"role": "user", "content": "hello"}
    mine = dict(d)
    mine["content"] = "changed"
    for other in (copy.copy(d), copy.deepcopy(d), pickle.loads(pickle.dumps(d))):
        assert type(other) is dict and other == {"role": "user", "content": "hello"}
    assert json.loads(json.dumps(d)) == {"role": "user", "content": "hello"}


def test_tool_calls_are_read_only_too() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}
    d = Message("assistant", "", tool_calls=(call,)).to_dict()
    with pytest.raises(TypeError, match="read-only"):
        d["tool_calls"].append({})
    with pytest.raises(TypeError, match="read-only"):
        d["tool_calls"][0]["id"] = "c2"
    assert copy.deepcopy(d)["tool_calls"] == [call]
    assert type(copy.deepcopy(d)["tool_calls"]) is list


def test_dicts_from_blocks_are_each_their_own() -> None:
    # Past several of the blocks they are taken from: never one dict for two messages.
    made = [Message("user", f"m{i}", name=f"n{i}" if i % 3 == 0 else None) for i in range(700)]
    dicts = [m.to_dict() for m in made]
    assert len({id(d) for d in dicts}) == 700
    for i, d in enumerate(dicts):
        expected = {"role": "user", "content": f"m{i}"}
        if i % 3 == 0:
            expected["name"] = f"n{i}"
        assert d == expected and list(d) == list(expected)
        assert made[i].to_dict() is d
    with pytest.raises(TypeError, match="read-only"):
        dicts[-1]["content"] = "x"


def test_each_call_is_a_new_list_of_the_same_dicts(tract: Tract) -> None:
    tract.system("be brief")
    tract.user("one")
    compiled = tract.compile()
    first, again = compiled.to_dicts(), compiled.to_dicts()
    assert first == again and first is not again
    assert all(a is b for a, b in zip(first, again, strict=True))
    first.append({"role": "user", "content": "mine"})  # the caller's list is the caller's
    assert len(compiled.to_dicts()) == 2


def test_an_append_reuses_the_earlier_dicts(tract: Tract) -> None:
    tract.system("be brief")
    for i in range(5):
        tract.user(f"u{i}")
    before = tract.compile()
    old = before.to_dicts()
    tract.assistant("a5")
    after = tract.compile().to_dicts()
    assert all(a is b for a, b in zip(old, after, strict=False))
    assert after[-1] == {"role": "assistant", "content": "a5"}
    assert plain(before.to_dicts()) == plain(old)


def test_edits_and_skips_change_only_later_contexts(tract: Tract) -> None:
    tract.system("be brief")
    middle = tract.user("first words")
    tract.assistant("reply")
    early = tract.compile()
    early_dicts = plain(early.to_dicts())

    tract.edit(middle.commit_hash, c.dialogue("user", "second words"))
    edited = tract.compile()
    assert [d["content"] for d in edited.to_dicts()] == ["be brief", "second words", "reply"]

    tract.annotate(middle.commit_hash, Priority.SKIP)
    skipped = tract.compile()
    assert [d["content"] for d in skipped.to_dicts()] == ["be brief", "reply"]

    tract.annotate(middle.commit_hash, Priority.NORMAL)
    tract.user("more")
    back = tract.compile().to_dicts()
    assert [d["content"] for d in back] == ["be brief", "second words", "reply", "more"]

    assert plain(early.to_dicts()) == early_dicts
    assert [d["content"] for d in edited.to_dicts()] == ["be brief", "second words", "reply"]
    assert [d["content"] for d in skipped.to_dicts()] == ["be brief", "reply"]
    fresh = Tract(tract.store, tract.tract_id).compile().to_dicts()
    assert plain(fresh) == plain(back)

"""Diff of two compiles and the ordered (view-only) compile (docs/behaviour.md §12, §16 #34).

Defects §15.13: diff token deltas were always 0, and the ordered recount omitted ``name``.
"""

from __future__ import annotations

import pytest

from core import Tract
from core.engine.tokens import count_messages
from core.errors import NotFoundError
from core.models import content as c
from core.models.enums import Priority
from core.operations.diff import serialise


def rows(t: Tract) -> tuple[int, int, int]:
    """Commits, compile records and events: what a view must never add to."""
    with t.store.read() as uow:
        tid = t.tract_id
        return uow.commits.count(tid), uow.records.count(tid), uow.events.count(tid)


# --- diff ---------------------------------------------------------------------------------


def test_default_diff_compares_head_with_its_parent(tract: Tract) -> None:
    tract.system("sys")
    tract.user("hello", name="bob")
    reply = tract.assistant("a reply with several tokens in it").commit_hash
    before = rows(tract)
    d = tract.diff()
    assert rows(tract) == before
    assert d.b == reply and d.a == tract.get_commit(reply).parent_hash
    assert [e.kind for e in d.entries] == ["unchanged", "unchanged", "added"]
    assert (d.stat.added, d.stat.removed, d.stat.modified, d.stat.unchanged) == (1, 0, 0, 2)
    added = d.entries[-1]
    assert added.commit_b == reply and added.index_b == 2 and added.index_a is None
    assert added.text_b == "role: assistant\n---\na reply with several tokens in it"
    assert d.entries[1].text_a == "role: user\nname: bob\n---\nhello"
    compiled = tract.compile()
    assert added.token_delta == compiled.message_tokens[2] > 0
    assert d.token_delta == d.tokens_b - d.tokens_a == added.token_delta > 0
    assert d.tokens_b == compiled.token_count


def test_root_commit_is_compared_with_the_empty_context(tract: Tract) -> None:
    root = tract.system("sys").commit_hash
    d = tract.diff()
    assert (d.a, d.label_a, d.label_b) == (None, "(empty)", root[:8])
    assert [e.kind for e in d.entries] == ["added"]
    assert d.tokens_a == 0 and d.token_delta == d.tokens_b > 0


def test_an_edit_is_compared_with_its_target(tract: Tract) -> None:
    tract.system("sys")
    u1 = tract.user("first draft").commit_hash
    a1 = tract.assistant("answer").commit_hash
    edit = tract.edit(u1, c.dialogue("user", "second draft, longer than the first")).commit_hash
    d = tract.diff()
    assert d.a == u1 and d.b == edit
    assert [e.kind for e in d.entries] == ["unchanged", "modified", "added"]
    modified = d.entries[1]
    assert modified.commit_a == modified.commit_b == u1
    assert modified.lines[:2] == (f"--- commit {u1[:8]}", f"+++ commit {u1[:8]}")
    assert "-first draft" in modified.lines and "+second draft, longer than the first" in (
        modified.lines
    )
    assert modified.token_delta > 0
    assert d.entries[2].commit_b == a1


def test_replace_blocks_pair_up_and_leftovers_are_added_or_removed(tract: Tract) -> None:
    tract.system("sys")
    tract.branch("other", switch=False)
    tract.user("left one")
    tract.user("left two")
    tract.switch("other")
    tract.user("right one")
    tract.user("right two")
    tract.user("right three")
    d = tract.diff("main", "other")
    assert [e.kind for e in d.entries] == ["unchanged", "modified", "modified", "added"]
    assert (d.stat.modified, d.stat.added, d.stat.changed) == (2, 1, 3)
    back = tract.diff("other", "main")
    assert [e.kind for e in back.entries] == ["unchanged", "modified", "modified", "removed"]
    assert back.stat.removed == 1 and back.token_delta == -d.token_delta != 0


def test_config_changes_are_field_by_field_between_last_configs(tract: Tract) -> None:
    tract.user("q")
    first = tract.assistant("a", generation_config={"model": "m1", "temperature": 0.1})
    tract.user("q2")  # no config: the last non-empty one still counts
    tract.assistant("b", generation_config={"model": "m2", "temperature": 0.1, "top_p": 0.9})
    d = tract.diff(first.commit_hash, "main")
    changes = {(x.field, x.before, x.after) for x in d.config_changes}
    assert changes == {("model", "m1", "m2"), ("top_p", None, 0.9)}
    assert tract.diff("main", "main").config_changes == ()


def test_a_skip_hides_the_commit_on_both_sides(tract: Tract) -> None:
    # Annotations belong to the commit, not to a head: both compiles apply the SKIP.
    tract.user("keep")
    noisy = tract.user("noise").commit_hash
    before = tract.head
    tract.annotate(noisy, Priority.SKIP)
    later = tract.user("later").commit_hash
    d = tract.diff(before, "main")
    assert [(e.kind, e.commit_b) for e in d.entries][1:] == [("added", later)]
    assert all(noisy not in (e.commit_a, e.commit_b) for e in d.entries)


def test_diff_refusals(tract: Tract) -> None:
    with pytest.raises(NotFoundError, match="no commits"):
        tract.diff()
    tract.user("x")
    with pytest.raises(NotFoundError):
        tract.diff("deadbeef")


def test_serialise_format() -> None:
    from core.models.compiled import Message

    assert serialise(Message("user", "hi", "ann")) == "role: user\nname: ann\n---\nhi"
    assert serialise(Message("tool", "a\nb")) == "role: tool\n---\na\nb"


# --- ordered compile (#34) ----------------------------------------------------------------


def test_ordered_compile_puts_listed_commits_first(tract: Tract) -> None:
    h = [tract.system("sys").commit_hash]
    h.append(tract.user("one", name="alice").commit_hash)
    h.append(tract.assistant("two", generation_config={"model": "m"}).commit_hash)
    h.append(tract.user("three").commit_hash)
    before, head = rows(tract), tract.head
    ordered, warnings = tract.compile_ordered([h[3][:10], h[1]])
    assert warnings == []
    assert list(ordered.commit_hashes) == [h[3], h[1], h[0], h[2]]
    assert [m.content for m in ordered.messages] == ["three", "one", "sys", "two"]
    assert list(ordered.generation_configs) == [None, None, None, {"model": "m"}]
    # Recounted with ``name`` included: the same total as the plain compile.
    assert ordered.token_count == count_messages(tract.ctx.counter, ordered.to_dicts())
    assert ordered.token_count == tract.compile().token_count
    assert rows(tract) == before and tract.head == head  # view-only


def test_ordered_compile_refuses_what_is_not_in_the_compile(tract: Tract) -> None:
    tract.user("a")
    skipped = tract.user("b").commit_hash
    tract.annotate(skipped, Priority.SKIP)
    with pytest.raises(NotFoundError):
        tract.compile_ordered(["0" * 64])
    with pytest.raises(NotFoundError, match="not in the compiled context"):
        tract.compile_ordered([skipped])


def test_edit_listed_before_its_target_warns(tract: Tract) -> None:
    tract.system("sys")
    u1 = tract.user("draft").commit_hash
    tract.assistant("reply")
    edit = tract.edit(u1, c.dialogue("user", "final")).commit_hash
    ordered, warnings = tract.compile_ordered([edit, u1])
    assert [(w.warning_type, w.severity, w.commit_hash) for w in warnings] == [
        ("edit_before_target", "structural", edit)
    ]
    assert [m.content for m in ordered.messages] == ["final", "sys", "reply"]
    _, warnings = tract.compile_ordered([edit])
    assert [(w.warning_type, w.severity) for w in warnings] == [
        ("response_chain_break", "semantic")
    ]
    assert tract.compile_ordered([edit, u1], check_safety=False)[1] == []
    _, warnings = tract.compile_ordered([u1, edit])
    assert warnings == []

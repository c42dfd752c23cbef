"""Merge (docs/behaviour.md §7): refusals, fast-forward, true-LCA base, clean merges, conflicts and
their resolution as EDITs, nested merges, and merging inside a store tract-ai wrote.

Scenarios §16 #25–30 and #47; defects §15.4 (resolutions applied, merge commit SKIPped, both
parents hashed, true LCA, nested expansion).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.engine import hashing
from core.engine.clock import FrozenClock
from core.errors import AlreadyUpToDateError, BranchNotFoundError, MergeError
from core.models import content as c
from core.models.enums import CommitOperation, Priority
from core.operations import merge as merge_op
from core.operations.merge import (
    MERGE_SKIP_REASON,
    lowest_common_ancestors,
    merge_base,
)
from core.operations.merge_conflicts import MergeConflict, Resolution
from tests.core._helpers import START

TRACT_AI_MERGE = "1c60446e33f6d730ef54450b998db76947ce57aab404e5d926cf3277302086e3"


def commit_count(t: Tract) -> int:
    with t.store.read() as uow:
        return uow.commits.count(t.tract_id)


def texts(t: Tract) -> list[str]:
    return [m.content for m in t.compile().messages]


def diverged(t: Tract) -> dict[str, str]:
    """base: sys, u1 | feat: f1, f2 | main: m1, m2 — HEAD on main."""
    h = {"sys": t.system("be brief").commit_hash, "u1": t.user("question").commit_hash}
    t.branch("feat")
    h["f1"] = t.assistant("feature one").commit_hash
    h["f2"] = t.user("feature two").commit_hash
    t.switch("main")
    h["m1"] = t.assistant("main one").commit_hash
    h["m2"] = t.user("main two").commit_hash
    return h


def assert_merge_commit(t: Tract, merge_hash: str, first: str, second: str) -> None:
    """Two parents in position order, and a hash that covers both (docs/store-format.md §6)."""
    with t.store.read() as uow:
        info = uow.commits.get(merge_hash)
        assert info is not None
        assert uow.parents.parents_of([merge_hash])[merge_hash] == (first, second)
    assert info.parent_hash == first
    fields = dict(
        content_hash=info.content_hash,
        parent_hash=first,
        content_type=info.content_type,
        operation=info.operation,
        created_at=info.created_at,
    )
    assert hashing.commit_hash(**fields, parent_hashes=[first, second]) == merge_hash
    assert hashing.commit_hash(**fields) != merge_hash  # tract-ai 0.1's form is not used
    notes = t.annotations(merge_hash)
    assert [(a.priority, a.reason) for a in notes] == [(Priority.SKIP, MERGE_SKIP_REASON)]
    assert notes[0].created_at == info.created_at


# --- refusals and fast-forward (#25, #26) -----------------------------------------------


def test_fast_forward_moves_the_branch_without_a_commit(tract: Tract) -> None:
    tract.system("sys")
    tract.branch("feat")
    f1 = tract.user("one").commit_hash
    f2 = tract.assistant("two").commit_hash
    tract.switch("main")
    before = commit_count(tract)
    result = tract.merge("feat", delete_branch=True)
    assert result.kind == "fast_forward" and result.committed
    assert result.merge_commit_hash == f2
    assert result.theirs == {f1, f2}
    assert tract.head == f2 and tract.current_branch == "main"
    assert commit_count(tract) == before
    assert texts(tract) == ["sys", "one", "two"]
    assert [b.name for b in tract.list_branches()] == ["main"]


def test_no_ff_writes_a_two_parent_commit_covering_both_parents(tract: Tract) -> None:
    tract.system("sys")
    main_tip = tract.head
    tract.branch("feat")
    f1 = tract.user("one").commit_hash
    tract.switch("main")
    result = tract.merge("feat", no_ff=True)
    assert result.kind == "clean" and result.merge_base == main_tip
    assert tract.head == result.merge_commit_hash
    assert_merge_commit(tract, result.merge_commit_hash, main_tip, f1)
    assert texts(tract) == ["sys", "one"]


def test_already_up_to_date(tract: Tract) -> None:
    tract.system("sys")
    tract.branch("same")  # same tip
    tract.switch("main")
    with pytest.raises(AlreadyUpToDateError, match="same"):
        tract.merge("same")
    tract.user("ahead")
    with pytest.raises(AlreadyUpToDateError, match="contained"):
        tract.merge("same")


def test_refusals_write_nothing(tract: Tract) -> None:
    with pytest.raises(MergeError, match="no commits"):
        tract.merge("main")
    tract.system("sys")
    with pytest.raises(BranchNotFoundError, match="nope"):
        tract.merge("nope")
    with pytest.raises(MergeError, match="strategy"):
        tract.merge("main", strategy="octopus")
    tract.branch("feat")
    tract.user("f")
    tract.checkout(tract.head)
    with pytest.raises(MergeError, match="detached"):
        tract.merge("main")
    assert commit_count(tract) == 2


# --- clean merges (#27) -------------------------------------------------------------------


def test_clean_merge_compiles_base_then_ours_then_theirs(tract: Tract) -> None:
    h = diverged(tract)
    assert texts(tract)[-1] == "main two"  # warm the compile cache on the old head
    result = tract.merge("feat", delete_branch=True)
    assert result.kind == "clean" and not result.conflicts
    assert result.merge_base == h["u1"]
    assert result.ours == {h["m1"], h["m2"]} and result.theirs == {h["f1"], h["f2"]}
    merge_hash = result.merge_commit_hash
    assert tract.head == merge_hash and tract.current_branch == "main"
    compiled = tract.compile()
    order = ["sys", "u1", "m1", "m2", "f1", "f2"]
    assert list(compiled.commit_hashes) == [h[k] for k in order]
    assert merge_hash not in compiled.commit_hashes  # SKIP-annotated: adds no message
    info = tract.get_commit(merge_hash)
    assert info.message == "Merge branch 'feat' into main"
    with tract.store.read() as uow:
        blob = uow.blobs.get(info.content_hash)
    assert blob.payload == c.freeform({"message": "Merged feat into main"})
    assert_merge_commit(tract, merge_hash, h["m2"], h["f2"])
    assert "feat" not in {b.name for b in tract.list_branches()}


def test_clean_merge_keeps_a_given_message_and_records_no_other_rows(tract: Tract) -> None:
    diverged(tract)
    with tract.store.read() as uow:
        events = uow.events.count(tract.tract_id)
    result = tract.merge("feat", message="bring in feat")
    assert tract.get_commit(result.merge_commit_hash).message == "bring in feat"
    assert "feat" in {b.name for b in tract.list_branches()}
    with tract.store.read() as uow:
        assert uow.events.count(tract.tract_id) == events


# --- conflicts (#28, #29, #30) ------------------------------------------------------------


def both_edit(t: Tract) -> dict[str, str]:
    h = {"sys": t.system("sys").commit_hash, "u1": t.user("original").commit_hash}
    t.branch("feat")
    h["eb"] = t.edit(h["u1"], c.dialogue("user", "feat version")).commit_hash
    t.switch("main")
    h["ea"] = t.edit(h["u1"], c.dialogue("user", "main version")).commit_hash
    return h


def test_both_edit_conflict_then_commit_after_resolution(tract: Tract) -> None:
    h = both_edit(tract)
    head, count = tract.head, commit_count(tract)
    result = tract.merge("feat")
    assert result.kind == "conflict" and not result.committed
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert conflict.conflict_type == "both_edit" and conflict.target_hash == h["u1"]
    assert conflict.commit_a.commit_hash == h["ea"]  # current side
    assert conflict.commit_b.commit_hash == h["eb"]  # source side
    assert (conflict.content_a, conflict.content_b) == ("main version", "feat version")
    assert conflict.ancestor_content == "original"
    assert tract.head == head and commit_count(tract) == count  # nothing written

    with pytest.raises(MergeError, match="1 of 1 conflicts unresolved"):
        tract.commit_merge(result)
    assert commit_count(tract) == count

    result.resolutions[h["u1"]] = "both versions, merged"
    done = tract.commit_merge(result)
    assert done.committed and len(done.edit_hashes) == 1
    assert_merge_commit(tract, done.merge_commit_hash, h["ea"], h["eb"])
    edit = tract.get_commit(done.edit_hashes[0])
    assert edit.operation is CommitOperation.EDIT and edit.response_to == h["u1"]
    assert edit.parent_hash == done.merge_commit_hash and tract.head == edit.commit_hash
    compiled = tract.compile()
    assert list(compiled.commit_hashes) == [h["sys"], h["u1"]]
    assert compiled.to_dicts()[1] == {"role": "user", "content": "both versions, merged"}
    with tract.store.read() as uow:
        blob = uow.blobs.get(tract.get_commit(done.merge_commit_hash).content_hash)
    assert blob.payload["payload"]["resolutions"] == {h["u1"]: "both versions, merged"}
    with pytest.raises(MergeError, match="already committed"):
        tract.commit_merge(done)


def test_semantic_resolver_auto_commits_with_its_config(tract: Tract) -> None:
    h = both_edit(tract)
    tract.user("after")
    seen: list[MergeConflict] = []

    def resolver(conflict: MergeConflict) -> Resolution:
        seen.append(conflict)
        return Resolution(
            "resolved",
            text=f"{conflict.content_a} + {conflict.content_b}",
            reasoning="kept both",
            generation_config={"model": "judge", "source": "infrastructure:merge"},
        )

    result = tract.merge("feat", strategy="semantic", resolver=resolver, auto_commit=True)
    assert result.kind == "semantic" and result.committed
    assert result.reasoning == {h["u1"]: "kept both"}
    assert [m.content for m in seen[0].context] == ["sys"]  # messages before the target
    merge_info = tract.get_commit(result.merge_commit_hash)
    assert merge_info.generation_config == {"model": "judge", "source": "infrastructure:merge"}
    assert texts(tract) == ["sys", "main version + feat version", "after"]


def test_unresolved_answers_leave_the_merge_uncommitted(tract: Tract) -> None:
    both_edit(tract)
    count = commit_count(tract)
    result = tract.merge("feat", resolver=lambda _c: Resolution("skip"), auto_commit=True)
    assert result.kind == "conflict" and not result.committed
    assert len(result.unresolved) == 1 and commit_count(tract) == count
    # A plain-string answer counts as resolved; auto strategy stays "conflict" but commits.
    result = tract.merge("feat", resolver=lambda _c: "merged text", auto_commit=True)
    assert result.kind == "conflict" and result.committed
    assert texts(tract)[1] == "merged text"


def test_abort_is_a_merge_error_and_writes_nothing(tract: Tract) -> None:
    both_edit(tract)
    head, count = tract.head, commit_count(tract)
    with pytest.raises(MergeError, match="aborted"):
        tract.merge("feat", resolver=lambda _c: Resolution("abort", reasoning="no"))
    assert tract.head == head and commit_count(tract) == count


def test_commit_refused_after_head_moved(tract: Tract) -> None:
    h = both_edit(tract)
    result = tract.merge("feat")
    result.resolutions[h["u1"]] = "x"
    tract.user("moved on")
    count = commit_count(tract)
    with pytest.raises(MergeError, match="HEAD moved"):
        tract.commit_merge(result)
    assert commit_count(tract) == count


def test_edit_of_shared_history_against_appends(tract: Tract) -> None:
    u1 = tract.user("shared").commit_hash
    tract.branch("feat")
    eb = tract.edit(u1, c.dialogue("user", "feat edit")).commit_hash
    tract.switch("main")
    m1 = tract.assistant("main append").commit_hash
    result = tract.merge("feat")
    [conflict] = result.conflicts
    assert conflict.conflict_type == "edit_plus_append" and conflict.target_hash == u1
    assert conflict.commit_a.commit_hash == m1 and conflict.commit_b.commit_hash == eb
    assert conflict.content_a == "shared" and conflict.content_b == "feat edit"
    # The other way round: the current side edits, the source side appends.
    tract.switch("feat")
    result = tract.merge("main")
    [conflict] = result.conflicts
    assert conflict.conflict_type == "edit_plus_append"
    assert conflict.commit_a.commit_hash == eb and conflict.commit_b.commit_hash == m1


def test_editing_a_commit_made_after_the_fork_does_not_conflict(tract: Tract) -> None:
    tract.user("shared")
    tract.branch("feat")
    f1 = tract.assistant("draft").commit_hash
    tract.edit(f1, c.dialogue("assistant", "final"))
    tract.switch("main")
    tract.user("main append")
    result = tract.merge("feat")
    assert result.kind == "clean" and not result.conflicts
    assert texts(tract) == ["shared", "main append", "final"]


def test_edit_of_a_skipped_commit_conflicts(tract: Tract) -> None:
    u1 = tract.user("noise").commit_hash
    tract.user("kept")
    tract.branch("feat")
    tract.edit(u1, c.dialogue("user", "less noise"))
    tract.switch("main")
    tract.annotate(u1, Priority.SKIP)
    tract.user("main append")
    [conflict] = tract.merge("feat").conflicts
    assert conflict.conflict_type == "skip_vs_edit" and conflict.commit_a is None


def test_operation_level_merge_with_resolver_in_one_transaction(tract: Tract) -> None:
    h = both_edit(tract)
    with tract.store.write() as uow:
        result = merge_op.merge(
            uow, tract.ctx, "feat", strategy="semantic", resolver=lambda _c: "one text"
        )
        assert result.kind == "semantic" and result.resolutions == {h["u1"]: "one text"}
        done = merge_op.commit_merge(uow, tract.ctx, result)
    tract.compiler.clear()
    assert tract.head == done.edit_hashes[-1]
    assert texts(tract) == ["sys", "one text"]


def test_resolution_keeps_the_target_type_or_becomes_freeform(tract: Tract) -> None:
    tool = tract.commit(c.tool_io("grep", "result", {"hits": 2}, "success")).commit_hash
    art = tract.commit(c.artifact("code", "print(1)", "python")).commit_hash
    tract.branch("feat")
    tract.edit(tool, c.tool_io("grep", "result", {"hits": 3}))
    tract.edit(art, c.artifact("code", "print(2)", "python"))
    tract.switch("main")
    tract.edit(tool, c.tool_io("grep", "result", {"hits": 4}))
    tract.edit(art, c.artifact("code", "print(3)", "python"))
    result = tract.merge("feat", resolver=lambda x: f"fixed {x.target.content_type}")
    done = tract.commit_merge(result)
    with tract.store.read() as uow:
        edits = uow.commits.get_many(done.edit_hashes)
        blobs = uow.blobs.get_many(e.content_hash for e in edits.values())
    payloads = {e.response_to: blobs[e.content_hash].payload for e in edits.values()}
    assert payloads[tool] == c.freeform({"text": "fixed tool_io"})
    assert payloads[art] == c.artifact("code", "fixed artifact", "python")


# --- merge base ---------------------------------------------------------------------------


def test_merge_base_is_the_fork_point_not_an_older_common_ancestor(tract: Tract) -> None:
    tract.system("root")
    for i in range(3):
        tract.user(f"shared {i}")
    fork = tract.head
    tract.branch("feat")
    tract.user("f")
    tract.switch("main")
    tract.user("m")
    with tract.store.read() as uow:
        assert merge_base(uow, tract.head, tract.resolve("feat")) == fork


def test_criss_cross_history_uses_a_true_lca(tract: Tract) -> None:
    # Both sides only EDIT (different targets) before crossing, so those merges are clean.
    tract.system("root")
    u = tract.user("u").commit_hash
    w = tract.user("w").commit_hash
    tract.branch("b", switch=False)
    a1 = tract.edit(u, c.dialogue("user", "u edited")).commit_hash
    tract.switch("b")
    b1 = tract.edit(w, c.dialogue("user", "w edited")).commit_hash
    tract.switch("main")
    assert tract.merge("b").kind == "clean"  # M1(a1, b1) on main
    tract.switch("b")
    assert tract.merge(a1[:12]).kind == "clean"  # M2(b1, a1) on b: criss-cross
    tract.user("b3")
    tract.switch("main")
    tract.user("a3")
    with tract.store.read() as uow:
        anc_main = uow.commits.ancestors([tract.head])
        anc_b = uow.commits.ancestors([tract.resolve("b")])
        lcas, _ = lowest_common_ancestors(uow, anc_main, anc_b)
    assert lcas == {a1, b1}  # root, u and w are common too, but not lowest
    result = tract.merge("b")
    # Tie → the newest LCA. a1 is then reachable from both tips but not from the base: it
    # is shared history, so its EDIT conflicts neither with itself nor with the appends.
    assert result.kind == "clean" and result.merge_base == b1
    assert a1 in result.ours and a1 in result.theirs
    compiled = tract.compile()
    assert len(compiled.commit_hashes) == len(set(compiled.commit_hashes)) == 5
    assert [m.content for m in compiled.messages] == ["root", "u edited", "w edited", "a3", "b3"]


# --- nested merges (#47) -------------------------------------------------------------------


def test_nested_merge_compiles_every_commit_once_in_block_order(tract: Tract) -> None:
    h = {"sys": tract.system("sys").commit_hash}
    tract.branch("feature")
    h["f1"] = tract.user("f1").commit_hash
    tract.branch("inner")
    h["g1"] = tract.user("g1").commit_hash
    h["g2"] = tract.assistant("g2").commit_hash
    tract.switch("feature")
    h["f2"] = tract.assistant("f2").commit_hash
    inner = tract.merge("inner")
    assert inner.kind == "clean"
    h["f3"] = tract.user("f3").commit_hash
    tract.switch("main")
    h["m1"] = tract.user("m1").commit_hash
    outer = tract.merge("feature")
    assert outer.kind == "clean"
    compiled = tract.compile()
    order = ["sys", "m1", "f1", "f2", "g1", "g2", "f3"]
    assert list(compiled.commit_hashes) == [h[k] for k in order]
    assert texts(tract) == order
    assert inner.merge_commit_hash not in compiled.commit_hashes
    assert outer.merge_commit_hash not in compiled.commit_hashes


# --- a store tract-ai wrote ---------------------------------------------------------------


def test_merging_in_a_tract_ai_store(fixture_store: Callable[..., Path]) -> None:
    t = Tract.open(fixture_store("upstream_v5.db"), clock=FrozenClock(datetime(2027, 1, 1)))
    try:
        assert t.current_branch == "main"
        legacy = t.compile()
        at = list(legacy.commit_hashes).index(TRACT_AI_MERGE)
        assert legacy.messages[at].role == "assistant"
        assert legacy.messages[at].content == (
            '{\n  "message": "Merged alt-investigation into main"\n}'
        )

        # A clean merge of our own: tract-ai's merge commit still compiles as before; ours
        # adds nothing.
        t.branch("side")
        s1 = t.user("side note").commit_hash
        t.switch("main")
        m1 = t.assistant("main note").commit_hash
        result = t.merge("side")
        assert result.kind == "clean"
        compiled = t.compile()
        assert list(compiled.commit_hashes) == [*legacy.commit_hashes, m1, s1]
        assert compiled.messages[at] == legacy.messages[at]
        assert_merge_commit(t, result.merge_commit_hash, m1, s1)

        # swe-agent-demo forked before main edited a shared commit: edit_plus_append.
        result = t.merge("swe-agent-demo")
        assert result.kind == "conflict"
        [conflict] = result.conflicts
        assert conflict.conflict_type == "edit_plus_append"
        assert conflict.target_hash in legacy.commit_hashes
        result.resolutions[conflict.target_hash] = "resolved in tract-tui"
        done = t.commit_merge(result, delete_branch=True)
        compiled = t.compile()
        hashes = list(compiled.commit_hashes)
        assert compiled.messages[hashes.index(conflict.target_hash)].content == (
            "resolved in tract-tui"
        )
        assert TRACT_AI_MERGE in hashes and done.merge_commit_hash not in hashes
        assert len(hashes) == len(set(hashes))
        # Every merged commit shows up, except EDITs (they substitute) and SKIPped ones.
        assert all(_effective(t, h) is False for h in set(done.theirs) - set(hashes))
        assert "swe-agent-demo" not in {b.name for b in t.list_branches()}
    finally:
        t.close()


def _effective(t: Tract, commit_hash: str) -> bool:
    info = t.get_commit(commit_hash)
    return not info.is_edit and t.priority(commit_hash) is not Priority.SKIP


def test_merge_and_commit_on_both_backends(store_target: str) -> None:
    t = create_tract(store_target, clock=FrozenClock(START))
    try:
        h = both_edit(t)
        t.user("main append")
        result = t.merge("feat", resolver=lambda _c: "agreed", auto_commit=True)
        assert result.committed and result.conflicts[0].conflict_type == "both_edit"
        assert_merge_commit(t, result.merge_commit_hash, result.target_tip, h["eb"])
        assert texts(t) == ["sys", "agreed", "main append"]
    finally:
        t.close()

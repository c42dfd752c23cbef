"""Rebase (docs/behaviour.md §8): scenario §16 #33 (and #30 for rebase), defect §15.5 (edit targets
remapped, pins copied, resolver text used), refusals, no-ops, and the one-transaction rule."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core import Tract
from core.errors import (
    BranchNotFoundError,
    RebaseError,
    RevertError,
    SemanticSafetyError,
)
from core.models import content as c
from core.models.enums import CommitOperation, Priority
from core.operations.commit import write_commit
from core.operations.merge_conflicts import Resolution
from core.operations.reorganize import EDIT_TARGET_MISSING, ReplayIssue
from tests.core._helpers import write_merge


def counts(t: Tract) -> tuple[int, int, int]:
    with t.store.read() as uow:
        return (
            uow.commits.count(t.tract_id),
            uow.events.count(t.tract_id),
            uow.annotations.max_id(t.tract_id),
        )


def texts(t: Tract) -> list[str]:
    return [m.content for m in t.compile().messages]


def feature_behind_main(t: Tract) -> dict[str, str]:
    """base: sys, u1 | feature: f1 (pinned, then edited), f2 | main: m1 — HEAD on feature."""
    h = {"sys": t.system("be brief").commit_hash, "u1": t.user("question").commit_hash}
    t.branch("feature")
    h["f1"] = t.user("feature one", metadata={"k": 1}).commit_hash
    h["f2"] = t.assistant(
        "feature two", generation_config={"model": "m", "temperature": 0.2}, message="custom"
    ).commit_hash
    t.annotate(h["f1"], Priority.PINNED, "user pin")
    h["e1"] = t.edit(h["f1"], c.dialogue("user", "feature one, edited")).commit_hash
    t.switch("main")
    h["m1"] = t.assistant("main one").commit_hash
    t.switch("feature")
    return h


def test_rebase_replays_onto_the_target_tip(tract: Tract) -> None:
    """§16 #33: new hashes on main's tip, branch moved, HEAD attached, event old → new."""
    h = feature_behind_main(tract)
    result = tract.rebase("main")

    originals = [h["f1"], h["f2"], h["e1"]]
    assert [o for o, _ in result.replayed] == originals
    copies = [n for _, n in result.replayed]
    assert not set(copies) & set(originals)
    assert result.old_head == h["e1"] and result.new_head == copies[-1]
    state = tract.head_state()
    assert state.branch == "feature" and not state.detached
    assert state.commit == copies[-1]
    assert tract.resolve("main") == h["m1"]  # the target does not move
    chain = [x.commit_hash for x in tract.log(limit=None)]
    assert chain == [*reversed(copies), h["m1"], h["u1"], h["sys"]]
    assert texts(tract) == [
        "be brief",
        "question",
        "main one",
        "feature one, edited",
        "feature two",
    ]

    with tract.store.read() as uow:
        stored = uow.events.get(result.event_id)
    assert stored is not None
    assert stored.event_type == "reorganize"
    assert stored.branch_name == "feature"
    assert stored.params is not None and stored.params["target_branch"] == "main"
    assert stored.params["old_head"] == h["e1"]
    assert (stored.original_tokens, stored.compressed_tokens) == (0, 0)
    assert stored.sources == tuple(originals) and stored.results == tuple(copies)


def test_replayed_commits_keep_content_and_edits_point_at_copies(tract: Tract) -> None:
    """§15.5: the EDIT targets the copy of f1; content, message, metadata, config kept."""
    h = feature_behind_main(tract)
    result = tract.rebase("main")
    new = result.mapping
    with tract.store.read() as uow:
        old = uow.commits.get_many(new)
        copies = uow.commits.get_many(new.values())
    for o, n in new.items():
        a, b = old[o], copies[n]
        assert (a.content_hash, a.operation, a.message, a.metadata, a.generation_config) == (
            b.content_hash,
            b.operation,
            b.message,
            b.metadata,
            b.generation_config,
        )
        assert b.created_at > a.created_at
    edit_copy = copies[new[h["e1"]]]
    assert edit_copy.operation is CommitOperation.EDIT
    assert edit_copy.response_to == new[h["f1"]]
    assert copies[new[h["f1"]]].parent_hash == h["m1"]


def test_pins_survive_rebase(tract: Tract) -> None:
    """§15.2/§15.5: each copy gets its original's annotation in force, with a new time."""
    h = feature_behind_main(tract)
    new = tract.rebase("main").mapping
    history = tract.annotations(new[h["f1"]])
    assert [(a.priority, a.reason) for a in history] == [(Priority.PINNED, "user pin")]
    original_pin = tract.annotations(h["f1"])[-1]
    assert history[0].created_at > original_pin.created_at
    assert tract.annotations(new[h["f2"]]) == []  # no annotation in force: none copied


def test_instruction_pin_is_copied(tract: Tract) -> None:
    tract.user("base")
    tract.branch("feature")
    sys = tract.system("feature rules").commit_hash
    tract.switch("main")
    tract.user("main moves")
    tract.switch("feature")
    copy = tract.rebase("main").mapping[sys]
    assert tract.priority(copy) is Priority.PINNED
    assert [a.reason for a in tract.annotations(copy)] == ["Default priority for instruction"]


def test_rebase_when_already_ahead_is_a_noop(tract: Tract) -> None:
    """§16 #33: main is contained in feature (and equal tips): nothing is written."""
    tract.user("base")
    tract.branch("feature")
    tract.user("ahead")
    before = counts(tract)
    head = tract.head
    result = tract.rebase("main")
    assert result.noop and result.new_head == head and result.event_id is None
    assert counts(tract) == before
    tract.branch("same", switch=False)
    assert tract.rebase("same").noop
    assert counts(tract) == before and tract.head == head


def test_rebase_of_a_branch_behind_fast_forwards(tract: Tract) -> None:
    tract.user("base")
    tract.branch("feature", switch=False)
    tip = tract.user("main moves").commit_hash
    tract.switch("feature")
    before = counts(tract)
    result = tract.rebase("main")
    assert result.fast_forward and result.new_head == tip and result.replayed == ()
    assert tract.head == tip and tract.current_branch == "feature"
    assert counts(tract) == before


def test_rebase_with_no_merge_base_replays_everything(tract: Tract) -> None:
    """Two unrelated histories: all of the current branch is replayed."""
    tract.user("main root")
    with tract.store.write() as uow:  # an unrelated root on branch "other"
        root = write_commit(uow, tract.ctx, c.dialogue("user", "other root"), parent=None)
        uow.refs.set_direct(tract.tract_id, "refs/heads/other", root.commit_hash)
    result = tract.rebase("other")
    assert len(result.replayed) == 1
    assert texts(tract) == ["other root", "main root"]


def test_refusals_write_nothing(tract: Tract) -> None:
    with pytest.raises(RebaseError, match="no commits"):
        tract.rebase("main")
    tract.user("one")
    with pytest.raises(BranchNotFoundError, match="nope"):
        tract.rebase("nope")
    tract.checkout(tract.head or "")
    with pytest.raises(RebaseError, match="detached"):
        tract.rebase("main")


def test_merge_commit_in_range_is_refused(tract: Tract) -> None:
    tract.user("base")
    tract.branch("side")
    side = tract.user("side").commit_hash
    tract.switch("main")
    tract.branch("feature")
    mine = tract.user("mine").commit_hash
    merge = write_merge(tract, mine, side, branch="feature", message="Merged side")
    tract.switch("main")
    tract.user("main moves")
    tract.switch("feature")
    before = counts(tract)
    with pytest.raises(RebaseError, match=f"merge commit {merge[:8]}"):
        tract.rebase("main")
    assert counts(tract) == before


def edit_of_another_branch(t: Tract) -> dict[str, str]:
    """feature holds an EDIT of a commit that only branch "other" has."""
    h = {"base": t.user("base").commit_hash}
    t.branch("other")
    h["o1"] = t.user("other only").commit_hash
    t.switch("main")
    t.branch("feature")
    h["f1"] = t.user("feature one").commit_hash
    h["e"] = t.edit(h["o1"], c.dialogue("user", "edit of other")).commit_hash
    h["f2"] = t.user("feature two").commit_hash
    t.switch("main")
    h["m1"] = t.user("main moves").commit_hash
    t.switch("feature")
    return h


def test_missing_edit_target_without_resolver_is_refused(tract: Tract) -> None:
    h = edit_of_another_branch(tract)
    before = counts(tract)
    with pytest.raises(SemanticSafetyError, match=h["e"][:8]):
        tract.rebase("main")
    assert counts(tract) == before and tract.head == h["f2"]


def test_resolver_sees_the_warning_and_abort_is_an_error(tract: Tract) -> None:
    """§16 #30 for rebase."""
    h = edit_of_another_branch(tract)
    seen: list[ReplayIssue] = []

    def abort(issue: ReplayIssue) -> Resolution:
        seen.append(issue)
        return Resolution("abort")

    before = counts(tract)
    with pytest.raises(RebaseError, match="aborted"):
        tract.rebase("main", resolver=abort)
    assert counts(tract) == before
    assert [(i.kind, i.commit_hash, i.target_hash) for i in seen] == [
        (EDIT_TARGET_MISSING, h["e"], h["o1"])
    ]


def test_resolver_skip_drops_the_commit(tract: Tract) -> None:
    h = edit_of_another_branch(tract)
    result = tract.rebase("main", resolver=lambda _i: {"action": "skip"})
    assert result.skipped == (h["e"],)
    assert [o for o, _ in result.replayed] == [h["f1"], h["f2"]]
    assert texts(tract) == ["base", "main moves", "feature one", "feature two"]
    with tract.store.read() as uow:
        event = uow.events.get(result.event_id or "")
    assert event is not None and event.params is not None
    assert event.params["skipped"] == [h["e"]]


def test_resolver_text_is_used(tract: Tract) -> None:
    """§15.5: a resolved warning is replayed with the resolver's text (as import does)."""
    h = edit_of_another_branch(tract)
    result = tract.rebase("main", resolver=lambda _i: Resolution("resolved", "kept as a note"))
    copy = tract.get_commit(result.mapping[h["e"]])
    assert copy is not None and copy.operation is CommitOperation.APPEND
    assert copy.response_to is None
    assert copy.metadata == {"original_operation": "EDIT", "original_response_to": h["o1"]}
    assert texts(tract)[-2] == '{\n  "text": "kept as a note"\n}'
    assert result.resolved == {h["e"]: "kept as a note"}


def test_unanswered_warning_is_refused(tract: Tract) -> None:
    edit_of_another_branch(tract)
    before = counts(tract)
    with pytest.raises(SemanticSafetyError, match="unresolved"):
        tract.rebase("main", resolver=lambda _i: None)
    assert counts(tract) == before


def test_rebase_clears_the_compile_cache(tract: Tract) -> None:
    feature_behind_main(tract)
    tract.compile()
    tract.rebase("main")
    fresh = Tract(tract.store, tract.tract_id)
    assert tract.compile().to_dicts() == fresh.compile().to_dicts()


# -- revert (issue 16 §1) ----------------------------------------------------------------------


def test_a_rebase_is_reverted_and_restores_the_branch(tract: Tract) -> None:
    h = feature_behind_main(tract)
    result = tract.rebase("main")
    assert result.event_id is not None
    with tract.store.read() as uow:
        params = uow.events.get(result.event_id).params  # type: ignore[union-attr]
    assert params["head_before"] == h["e1"] and params["head_after"] == result.new_head
    undone = tract.revert(result.event_id)
    assert undone.head == h["e1"]
    state = tract.head_state()
    assert state.branch == "feature" and state.commit == h["e1"] and not state.detached
    assert texts(tract) == ["be brief", "question", "feature one, edited", "feature two"]
    assert tract.priority(h["f1"]) is Priority.PINNED  # the originals, annotations and all
    with pytest.raises(RevertError, match="already reverted"):
        tract.revert(result.event_id)


def test_a_rebase_with_commits_on_top_is_not_reverted(tract: Tract) -> None:
    feature_behind_main(tract)
    result = tract.rebase("main")
    assert result.event_id is not None
    later = tract.user("after the rebase").commit_hash
    before = counts(tract)
    with pytest.raises(RevertError, match="branch feature moved since this reorganize"):
        tract.revert(result.event_id)
    assert counts(tract) == before and tract.head == later


def test_an_older_reorganize_event_without_heads_is_reverted(tract: Tract) -> None:
    """Events written before the heads were recorded hold ``old_head`` and the copies."""
    h = feature_behind_main(tract)
    result = tract.rebase("main")
    assert result.event_id is not None
    with tract.store.write() as uow:
        event = uow.events.get(result.event_id)
        assert event is not None
        legacy = {"target_branch": "main", "old_head": h["e1"], "onto": h["m1"]}
        uow.events.add(replace(event, event_id="e" * 32, params=legacy))
    tract.revert("e" * 32)
    assert tract.head == h["e1"]


def test_an_event_without_heads_says_why_it_cannot_be_reverted(tract: Tract) -> None:
    tract.user("a")
    result = tract.compress(content="S")
    with tract.store.write() as uow:
        event = uow.events.get(result.event_id)
        assert event is not None
        uow.events.add(replace(event, event_id="f" * 32, params={"summarizer": "manual"}))
    with pytest.raises(RevertError) as caught:
        tract.revert("f" * 32)
    message = str(caught.value)
    assert "do not say where the branch was" in message and "tract-ai" not in message


def test_revert_refusal_is_the_check_revert_makes(tract: Tract) -> None:
    """Asked before reverting, read-only: None while it can be reverted, else the very
    sentence ``revert`` refuses with (moved since, already reverted, not revertible)."""
    feature_behind_main(tract)
    result = tract.rebase("main")
    assert result.event_id is not None
    before = counts(tract)
    assert tract.revert_refusal(result.event_id) is None
    assert tract.revert_refusal(result.event_id[:8]) is None  # the prefix the CLI prints
    assert counts(tract) == before  # asking writes nothing
    tract.revert(result.event_id)
    reverted = tract.revert_refusal(result.event_id)
    assert reverted is not None and "already reverted" in reverted
    with pytest.raises(RevertError) as caught:
        tract.revert(result.event_id)
    assert str(caught.value) == reverted
    revert_event = tract.events().rows[0]
    assert revert_event.event_type == "revert"
    assert tract.revert_refusal(revert_event.event_id) == "a revert event cannot be reverted"

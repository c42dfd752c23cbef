"""Import (cherry-pick, docs/behaviour.md §8): scenarios §16 #31, #32 and #30 for import; imports
across tracts of one store; refusals write nothing."""

from __future__ import annotations

import pytest

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.errors import DetachedHeadError, ImportCommitError
from core.models import content as c
from core.models.enums import CommitOperation, Priority
from core.operations.merge_conflicts import Resolution
from core.operations.reorganize import EDIT_TARGET_MISSING, ReplayIssue
from tests.core._helpers import START


def counts(t: Tract) -> tuple[int, int]:
    with t.store.read() as uow:
        return uow.commits.count(t.tract_id), uow.events.count(t.tract_id)


def texts(t: Tract) -> list[str]:
    return [m.content for m in t.compile().messages]


def test_import_an_append_from_another_branch(tract: Tract) -> None:
    """§16 #31: a new commit (new hash, same content and metadata) and an import event."""
    tract.system("rules")
    tract.branch("side")
    picked = tract.assistant(
        "worth keeping",
        generation_config={"model": "x"},
        metadata={"tag": "a"},
        message="pick me",
    )
    tract.switch("main")
    head = tract.user("main continues").commit_hash

    result = tract.import_commit("side")
    new = result.commit
    assert new is not None and new.commit_hash != picked.commit_hash
    assert (new.content_hash, new.operation, new.message) == (
        picked.content_hash,
        picked.operation,
        picked.message,
    )
    assert (new.metadata, new.generation_config) == ({"tag": "a"}, {"model": "x"})
    assert new.parent_hash == head and tract.head == new.commit_hash
    assert tract.current_branch == "main"
    assert texts(tract) == ["rules", "main continues", "worth keeping"]
    with tract.store.read() as uow:
        event = uow.events.get(result.event_id or "")
    assert event is not None
    assert (event.event_type, event.branch_name) == ("import", None)
    assert event.params == {"original_commit": picked.commit_hash}
    assert (event.original_tokens, event.compressed_tokens) == (0, 0)
    assert event.sources == (picked.commit_hash,) and event.results == (new.commit_hash,)


def test_import_by_hash_prefix_keeps_response_to_and_pin(tract: Tract) -> None:
    base = tract.user("base").commit_hash
    tract.branch("side")
    sys = tract.system("side rules").commit_hash
    tract.annotate(sys, Priority.PINNED, "keep it")
    reply = tract.commit(c.dialogue("assistant", "reply"), response_to=base).commit_hash
    tract.switch("main")
    a = tract.import_commit(sys[:10]).commit
    b = tract.import_commit(reply).commit
    assert a is not None and b is not None
    assert [(x.priority, x.reason) for x in tract.annotations(a.commit_hash)] == [
        (Priority.PINNED, "keep it")
    ]
    assert b.response_to == base


def test_import_an_edit_whose_target_is_present(tract: Tract) -> None:
    target = tract.user("original").commit_hash
    tract.branch("side")
    edit = tract.edit(target, c.dialogue("user", "edited on side")).commit_hash
    tract.switch("main")
    new = tract.import_commit(edit).commit
    assert new is not None
    assert new.operation is CommitOperation.EDIT and new.response_to == target
    assert texts(tract) == ["edited on side"]


def edit_with_absent_target(t: Tract) -> str:
    t.user("base")
    t.branch("side")
    only_side = t.user("only on side").commit_hash
    edit = t.edit(only_side, c.dialogue("user", "edit of side")).commit_hash
    t.switch("main")
    return edit


def test_edit_with_absent_target_fails_without_resolver(tract: Tract) -> None:
    """§16 #32: an issue and no resolver is an error; nothing is written."""
    edit = edit_with_absent_target(tract)
    before = counts(tract)
    with pytest.raises(ImportCommitError, match=edit[:8]):
        tract.import_commit(edit)
    assert counts(tract) == before


def test_edit_with_absent_target_skipped(tract: Tract) -> None:
    """§16 #32: skip gives no commit and no event."""
    edit = edit_with_absent_target(tract)
    before = counts(tract)
    seen: list[ReplayIssue] = []

    def skip(issue: ReplayIssue) -> Resolution:
        seen.append(issue)
        return Resolution("skip")

    result = tract.import_commit(edit, resolver=skip)
    assert result.skipped and result.commit is None and result.event_id is None
    assert counts(tract) == before
    assert [(i.kind, i.commit_hash) for i in seen] == [(EDIT_TARGET_MISSING, edit)]


def test_edit_with_absent_target_resolved(tract: Tract) -> None:
    """§16 #32: resolved writes an APPEND freeform {"payload": {"text": …}} with provenance."""
    edit = edit_with_absent_target(tract)
    original = tract.get_commit(edit)
    assert original is not None
    result = tract.import_commit(edit, resolver=lambda _i: Resolution("resolved", "as a note"))
    new = result.commit
    assert new is not None and new.operation is CommitOperation.APPEND
    assert new.content_type == "freeform" and new.response_to is None
    assert new.metadata == {
        "original_operation": "EDIT",
        "original_response_to": original.response_to,
    }
    with tract.store.read() as uow:
        blob = uow.blobs.get(new.content_hash)
        event = uow.events.get(result.event_id or "")
    assert blob is not None
    assert blob.payload == {"content_type": "freeform", "payload": {"text": "as a note"}}
    assert event is not None and event.results == (new.commit_hash,)
    assert texts(tract)[-1] == '{\n  "text": "as a note"\n}'


def test_resolver_abort_is_an_error(tract: Tract) -> None:
    """§16 #30 for import."""
    edit = edit_with_absent_target(tract)
    before = counts(tract)
    with pytest.raises(ImportCommitError, match="aborted"):
        tract.import_commit(edit, resolver=lambda _i: {"action": "abort"})
    with pytest.raises(ImportCommitError, match="unresolved"):
        tract.import_commit(edit, resolver=lambda _i: None)
    assert counts(tract) == before


def test_edit_into_an_empty_branch_is_an_issue(store_target: str) -> None:
    with create_tract(store_target, clock=FrozenClock(START)) as src:
        target = src.user("x").commit_hash
        edit = src.edit(target, c.dialogue("user", "y")).commit_hash
        empty = Tract(src.store, "e" * 32)
        with pytest.raises(ImportCommitError, match="empty current branch"):
            empty.import_commit(edit, source_tract=src.tract_id)


def test_import_from_another_tract(store_target: str) -> None:
    with create_tract(store_target, clock=FrozenClock(START)) as src:
        sys = src.system("shared rules").commit_hash
        dest = Tract(src.store, "d" * 32, clock=src.ctx.clock)
        result = dest.import_commit(sys, source_tract=src.tract_id)
        assert result.commit is not None and result.commit.tract_id == dest.tract_id
        assert dest.current_branch == "main"
        assert [m.content for m in dest.compile().messages] == ["shared rules"]
        assert dest.priority(result.commit.commit_hash) is Priority.PINNED
        with dest.store.read() as uow:
            event = uow.events.get(result.event_id or "")
        assert event is not None and event.tract_id == dest.tract_id
        assert event.params == {"original_commit": sys, "source_tract": src.tract_id}
        # a ref of the other tract is not a ref of this one
        with pytest.raises(ImportCommitError, match="unknown ref"):
            dest.import_commit(sys[:12])


def test_unknown_ref_and_detached_head(tract: Tract) -> None:
    tract.user("one")
    before = counts(tract)
    with pytest.raises(ImportCommitError, match="nope"):
        tract.import_commit("nope")
    tract.checkout(tract.head or "")
    with pytest.raises(DetachedHeadError):
        tract.import_commit("main")
    assert counts(tract) == before

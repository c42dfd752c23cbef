"""Writing commits (docs/behaviour.md §3).

``write_commit`` is the one place a commit row is created — appends, merges, replays and copies
all go through it, so blob dedupe, token counts, timestamps and hashes are uniform.
``commit`` is the user-facing append/edit: it validates everything before writing anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from core.engine import hashing
from core.engine.clock import ONE_MICROSECOND
from core.errors import ContentValidationError, EditTargetError
from core.models.compiled import CompileRow
from core.models.enums import CommitOperation, Priority
from core.models.records import BlobInfo, CommitInfo, HeadState
from core.models.storable import check_storable
from core.operations.context import TractContext, advance_head, head_state, require_attached
from core.storage.repositories import UnitOfWork

AUTO_PIN_REASON = "Default priority for instruction"
MESSAGE_LIMIT = 72


def auto_message(content_type: str, raw_text: str) -> str:
    """``<type>: <preview>``, at most 72 characters (docs/behaviour.md §3.3)."""
    preview = raw_text.strip().replace("\n", " ")
    if not preview:
        return content_type
    room = MESSAGE_LIMIT - len(content_type) - 2
    if len(preview) > room:
        preview = preview[: MESSAGE_LIMIT - len(content_type) - 5] + "..."
    return f"{content_type}: {preview}"


def auto_pinned(ctx: TractContext, content_type: str) -> bool:
    """Whether an append of this type also writes a PINNED annotation (instructions)."""
    return ctx.registry.default_priority(content_type) is Priority.PINNED


class StoredBlob(NamedTuple):
    """A blob as an append wrote it: what a compile of the new commit would read back."""

    content_hash: str
    raw_tokens: int
    payload_json: str
    message_tokens: int | None  # the cached count stored with it; None: none written now


def store_blob(
    uow: UnitOfWork, ctx: TractContext, payload: dict[str, Any], at: datetime
) -> StoredBlob:
    """Insert-if-absent, hashing and counting the payload once."""
    content_hash = hashing.content_hash(payload)
    raw_tokens = ctx.raw_tokens(payload)
    stored = hashing.stored_payload_json(payload)
    inserted = uow.blobs.insert_if_absent(
        BlobInfo(content_hash, payload, len(stored.encode("utf-8")), raw_tokens, at), stored
    )
    tokens = None
    if inserted and ctx.counter.encoding_name:
        tokens = ctx.message_tokens(payload)
        uow.blobs.set_message_tokens({content_hash: tokens}, ctx.token_cache_key)
    return StoredBlob(content_hash, raw_tokens, stored, tokens)


def write_blob(
    uow: UnitOfWork,
    ctx: TractContext,
    payload: dict[str, Any],
    at: datetime,
    known: tuple[str, int] | None = None,
) -> tuple[str, int]:
    """Insert-if-absent; returns (content_hash, raw token count).

    ``known`` = (content_hash, raw tokens) of a blob being copied: it exists already, so
    neither the hash nor the tokens are recomputed.
    """
    if known is not None:
        return known
    blob = store_blob(uow, ctx, payload, at)
    return blob.content_hash, blob.raw_tokens


def write_commit(
    uow: UnitOfWork,
    ctx: TractContext,
    payload: dict[str, Any],
    *,
    parent: str | None,
    operation: CommitOperation = CommitOperation.APPEND,
    response_to: str | None = None,
    message: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    generation_config: Mapping[str, Any] | None = None,
    merge_parents: Sequence[str] | None = None,
    not_before: datetime | None = None,
    known_tokens: tuple[str, int] | None = None,
    check_collision: bool = True,
) -> CommitInfo:
    """Write one commit row (and its blob and merge parents). Moves no ref.

    ``payload`` must already be validated. ``created_at`` is now, strictly after
    ``not_before`` (the parent's time), so display order stays topological.
    ``merge_parents`` lists every parent of a merge, the first included. ``known_tokens``
    (content_hash, raw tokens) skips re-hashing and re-counting when copying a commit whose
    blob is already stored.
    """
    return _write_commit(
        uow,
        ctx,
        payload,
        parent=parent,
        operation=operation,
        response_to=response_to,
        message=message,
        metadata=metadata,
        generation_config=generation_config,
        merge_parents=merge_parents,
        not_before=not_before,
        known_tokens=known_tokens,
        check_collision=check_collision,
    )[0]


def _write_commit(  # write_commit, and the blob as written (None: ``known_tokens``)
    uow: UnitOfWork,
    ctx: TractContext,
    payload: dict[str, Any],
    *,
    parent: str | None,
    operation: CommitOperation = CommitOperation.APPEND,
    response_to: str | None = None,
    message: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    generation_config: Mapping[str, Any] | None = None,
    merge_parents: Sequence[str] | None = None,
    not_before: datetime | None = None,
    known_tokens: tuple[str, int] | None = None,
    check_collision: bool = True,
) -> tuple[CommitInfo, StoredBlob | None]:
    created_at = ctx.now(not_before)
    blob = None
    if known_tokens is None:
        blob = store_blob(uow, ctx, payload, created_at)
        content_hash, raw_tokens = blob.content_hash, blob.raw_tokens
    else:
        content_hash, raw_tokens = known_tokens
    if message is None:
        message = auto_message(str(payload["content_type"]), ctx.registry.raw_text(payload))
    while True:
        commit_hash = hashing.commit_hash(
            content_hash=content_hash,
            parent_hash=parent,
            content_type=str(payload["content_type"]),
            operation=operation,
            created_at=created_at,
            response_to=response_to,
            parent_hashes=list(merge_parents) if merge_parents else None,
            # "edit_target" on stores of tract-ai 27a3cdc and later, as tract-ai hashes them.
            edit_key=uow.version.edit_hash_key,
        )
        # Hashes are global (tract_id is not hashed): a copy made in the same microsecond
        # as its original would collide. Move on by 1 µs and rehash (docs/store-format.md §6).
        # A plain append skips the probe: appends to a tract are serialised and always on the
        # current tip, with a clock strictly after it, so they cannot repeat an existing commit.
        if not check_collision or not uow.commits.exists(commit_hash):
            break
        created_at = ctx.now(created_at + ONE_MICROSECOND)
    info = CommitInfo(
        commit_hash=commit_hash,
        tract_id=ctx.tract_id,
        parent_hash=parent,
        content_hash=content_hash,
        content_type=str(payload["content_type"]),
        operation=operation,
        response_to=response_to,
        message=message,
        token_count=raw_tokens,
        metadata=dict(metadata) if metadata is not None else None,
        generation_config=dict(generation_config) if generation_config is not None else None,
        created_at=created_at,
    )
    uow.commits.insert(info)
    if merge_parents:
        uow.parents.add(commit_hash, list(merge_parents))
    return info, blob


def validate_edit_target(
    uow: UnitOfWork, ctx: TractContext, operation: CommitOperation, response_to: str | None
) -> None:
    if operation is CommitOperation.EDIT and not response_to:
        raise EditTargetError("an EDIT needs response_to: the commit whose content it replaces")
    if response_to is None:
        return
    target = uow.commits.get(response_to)
    if target is None or target.tract_id != ctx.tract_id:
        raise EditTargetError(f"edit target {response_to[:12]} is not a commit of this tract")
    if operation is CommitOperation.EDIT and target.is_edit:
        raise EditTargetError(
            f"edit target {response_to[:12]} is itself an EDIT; edit the original commit"
        )


def commit(
    uow: UnitOfWork,
    ctx: TractContext,
    content: Mapping[str, Any],
    *,
    operation: CommitOperation = CommitOperation.APPEND,
    message: str | None = None,
    response_to: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    generation_config: Mapping[str, Any] | None = None,
    state: HeadState | None = None,
    written: list[CompileRow] | None = None,
) -> CommitInfo:
    """Append or edit on the attached branch: validate, write, advance, auto-pin.

    ``written`` receives the new commit as a compile would read it back, when the store can
    say so without reading (the caller hands it to its compiler once the write commits).
    """
    uow.lock_tract(ctx.tract_id)  # before reading HEAD, so no other writer moves it under us
    state = state or head_state(uow, ctx.tract_id)
    require_attached(state, "commit")
    if not isinstance(content, Mapping):
        raise ContentValidationError(f"content must be a dict, got {type(content).__name__}")
    payload = ctx.registry.validate(content)
    check_storable(metadata, "metadata")
    check_storable(generation_config, "generation_config")
    validate_edit_target(uow, ctx, operation, response_to)
    info, blob = _write_commit(
        uow,
        ctx,
        payload,
        parent=state.commit,
        operation=operation,
        response_to=response_to,
        message=message,
        metadata=metadata,
        generation_config=generation_config,
        not_before=state.commit_time,
        check_collision=False,
    )
    advance_head(uow, ctx.tract_id, state, info.commit_hash)
    if written is not None and blob is not None:
        row = uow.commits.compile_row(info, blob.payload_json, blob.message_tokens)
        if row is not None:
            written.append(row)
    if auto_pinned(ctx, info.content_type):
        uow.annotations.add(
            ctx.tract_id, info.commit_hash, Priority.PINNED, AUTO_PIN_REASON, info.created_at
        )
    return info

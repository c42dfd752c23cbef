"""Everything the detail pane shows about one commit, in a fixed handful of queries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.models.enums import Priority
from core.models.records import AnnotationInfo, BlobInfo, CommitInfo, Retention
from core.operations.context import TractContext
from core.operations.records import tool_name
from core.storage.repositories import UnitOfWork
from core.views.graph_rows import damage_of


@dataclass(frozen=True)
class EventLink:
    event_id: str
    event_type: str
    role: str  # "source" or "result"


@dataclass(frozen=True)
class CommitDetail:
    commit: CommitInfo
    payload: dict[str, Any] | None  # None: the blob is missing
    role: str  # compiled role of its own content
    text: str  # compiled text of its own content
    edited_text: str | None  # what compiles in its place when an EDIT applies
    priority: Priority
    annotations: tuple[AnnotationInfo, ...]  # history, oldest first
    edits: tuple[CommitInfo, ...]  # EDITs of this commit, oldest first
    edit_target: CommitInfo | None  # for an EDIT: the commit it replaces
    parents: tuple[str, ...]
    children: tuple[str, ...]
    events: tuple[EventLink, ...]
    records: tuple[str, ...]  # compile records that used it
    # What tract-ai v7–v13 add (empty on older stores): the retention rules of an IMPORTANT
    # commit, its tags, the tool definitions linked to it; and whether its type compiles.
    retention: Retention | None = None
    tags: tuple[str, ...] = ()
    tools: tuple[ToolInfo, ...] = ()
    compiles: bool = True
    # Why it is damaged, for a person (missing or unreadable content, a time that is not a
    # time, a type its blob disagrees with); empty when it is sound.
    damage: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolInfo:
    name: str
    description: str
    tokens: int  # of its definition alone (a compile counts the list as one JSON text)
    schema: dict[str, Any]


def tool_info(ctx: TractContext, schema: dict[str, Any]) -> ToolInfo:
    """A tool definition as stored (OpenAI's ``{"type": "function", "function": {…}}`` or a
    bare ``{"name": …}``), named for people."""
    inner = schema.get("function")
    description = (inner if isinstance(inner, dict) else schema).get("description")
    return ToolInfo(
        tool_name(schema),
        description if isinstance(description, str) else "",
        ctx.counter.count_text(json.dumps(schema)),
        schema,
    )


def commit_detail(uow: UnitOfWork, ctx: TractContext, commit_hash: str) -> CommitDetail | None:
    commit = uow.commits.get(commit_hash)
    if commit is None:
        return None
    edits = tuple(uow.commits.edits_of([commit_hash]).get(commit_hash, []))
    target = uow.commits.get(commit.response_to) if commit.is_edit and commit.response_to else None
    blob_hashes = [commit.content_hash] + ([edits[-1].content_hash] if edits else [])
    blobs = uow.blobs.get_many(blob_hashes)
    blob = blobs.get(commit.content_hash)
    payload = blob.payload if blob is not None and blob.payload else None
    if payload is not None:
        role, text, _ = ctx.registry.render(payload)
    else:
        role, text = "system", "[missing content]"
    edited_text = None
    if edits:
        newest = max(edits, key=lambda e: (e.created_at, e.commit_hash))
        edit_blob = blobs.get(newest.content_hash)
        if edit_blob is not None and edit_blob.payload:
            edited_text = ctx.registry.render(edit_blob.payload)[1]
    history = tuple(uow.annotations.history(commit_hash))
    in_force = uow.annotations.in_force([commit_hash], ctx.now()).get(commit_hash)
    parents = uow.parents.parents_of([commit_hash]).get(commit_hash) or (
        (commit.parent_hash,) if commit.parent_hash else ()
    )
    links = uow.events.commit_links([commit_hash]).get(commit_hash, [])
    records = uow.records.records_using([commit_hash]).get(commit_hash, [])
    return CommitDetail(
        commit=commit,
        payload=payload,
        role=role,
        text=text,
        edited_text=edited_text,
        priority=in_force.priority
        if in_force
        else ctx.rules.default_priority(ctx.registry, commit.content_type),
        annotations=history,
        edits=edits,
        edit_target=target,
        parents=tuple(parents),
        children=tuple(uow.commits.children(commit_hash)),
        events=tuple(EventLink(e, k, r) for e, k, r in links),
        records=tuple(records),
        retention=uow.head_tables.retention_of([commit_hash]).get(commit_hash),
        tags=uow.head_tables.tags_of([commit_hash]).get(commit_hash, ()),
        tools=tuple(
            tool_info(ctx, t) for t in uow.head_tables.tools_of([commit_hash]).get(commit_hash, ())
        ),
        compiles=ctx.rules.compilable(commit.content_type),
        damage=_damage(ctx, commit, blob),
    )


def _damage(ctx: TractContext, commit: CommitInfo, blob: BlobInfo | None) -> tuple[str, ...]:
    content: tuple[str, ...] = ()
    if blob is None:
        content = ("its content is missing from the store",)
    elif not isinstance(blob.payload, dict) or not blob.payload:
        content = ("its content is not a readable JSON object",)
    payload = blob.payload if blob is not None and isinstance(blob.payload, dict) else None
    unknown = ctx.registry.model(commit.content_type) is None
    return content + damage_of(commit, payload, unknown)

"""What a graph row shows besides its lanes: badge, marks, tokens, message — for one screen.

Fetched for the visible rows only (plus a little prefetch), in a fixed handful of set-based
queries whatever the page size: commits, blobs (for a dialogue's role), annotations in force,
edits, and event links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.models.enums import CommitOperation, Priority
from core.models.records import CommitInfo
from core.operations.commit import AUTO_PIN_REASON
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

# Short badges for the role/type column.
TYPE_BADGES = {
    "instruction": "sys",
    "reasoning": "think",
    "artifact": "art",
    "output": "out",
    "freeform": "free",
    "session": "sess",
    "tool_io": "tool",
    "config": "cfg",
    "metadata": "meta",
}


@dataclass(frozen=True, slots=True)
class RowInfo:
    commit_hash: str
    content_type: str
    badge: str  # "user", "asst", "sys", "tool", …
    message: str
    token_count: int
    created_at: datetime
    operation: CommitOperation
    edit_target: str | None
    priority: Priority
    priority_explicit: bool  # an annotation (not the type default) decides it
    edited: bool  # some EDIT replaces its content
    summary: bool  # the result of a compress event
    source: bool  # consumed by an event (compressed, reorganized) and not restored since
    merge: bool
    # The content's opening on one line (up to PREVIEW_CHARS) when the stored message is a
    # default one cut short ("tool_io: {"output": "diff --git…..."): a wide screen shows more
    # of the real text than the 72 characters the message kept. Empty otherwise.
    preview: str = ""
    # Why the row is damaged, for a person ("created_at is not a time", "unknown content
    # type 'x'"); empty when it is sound. The rest of the row is shown as stored.
    damage: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # tract-ai v10+: commit-time tags, then the ones added later
    compiles: bool = True  # False: the store's rules never compile this type (config, …)
    copy: bool = False  # written by a reorganize (a rebased copy), not a summary

    @property
    def headline(self) -> str:
        """What a one-line listing shows: the content's opening, else the message without the
        ``<type>: `` prefix its default carries (the badge says the type)."""
        if self.preview:
            return self.preview
        prefix = f"{self.content_type}: "
        return self.message[len(prefix) :] if self.message.startswith(prefix) else self.message

    @property
    def damaged(self) -> bool:
        return bool(self.damage)

    @property
    def skipped(self) -> bool:
        return self.priority is Priority.SKIP

    @property
    def pinned(self) -> bool:
        return self.priority is Priority.PINNED


PREVIEW_CHARS = 500
_CUT = "..."  # how a default commit message marks its cut (core.operations.commit)


def _cut_default(commit: CommitInfo) -> bool:
    """Whether the stored message is a default ``<type>: <text>...`` cut short."""
    message = commit.message or ""
    return message.endswith(_CUT) and message.startswith(f"{commit.content_type}: ")


def _preview(commit: CommitInfo, raw_text: str) -> str:
    """The content's opening on one line, when the cut message is a cut of it (a message the
    writer chose is never replaced); else ''."""
    opening = raw_text[: PREVIEW_CHARS * 4].strip().replace("\n", " ")[:PREVIEW_CHARS]
    kept = (commit.message or "")[len(commit.content_type) + 2 : -len(_CUT)]
    return opening if len(opening) > len(kept) and opening.startswith(kept) else ""


def _badge(content_type: str, payload: dict[str, object] | None) -> str:
    if content_type == "dialogue" and payload is not None:
        role = payload.get("role")
        return {"assistant": "asst", "user": "user", "system": "sys"}.get(str(role), "dlg")
    return TYPE_BADGES.get(content_type, content_type[:5])


def row_details(uow: UnitOfWork, ctx: TractContext, hashes: Sequence[str]) -> dict[str, RowInfo]:
    commits = uow.commits.get_many(hashes)
    if not commits:
        return {}
    unknown = {h for h, c in commits.items() if ctx.registry.model(c.content_type) is None}
    cut = {h for h, c in commits.items() if _cut_default(c)}
    blobs = uow.blobs.get_many(
        c.content_hash
        for h, c in commits.items()
        if c.content_type == "dialogue" or h in unknown or h in cut
    )
    in_force = uow.annotations.in_force(commits, ctx.now())
    edited = uow.commits.edits_of(commits)
    links = uow.events.commit_links(commits)
    merges = uow.parents.parents_of(commits)
    tags = uow.head_tables.tags_of(commits)
    out: dict[str, RowInfo] = {}
    for h, c in commits.items():
        blob = blobs.get(c.content_hash)
        info = in_force.get(h)
        kinds = {(kind, role) for _, kind, role in links.get(h, ())}
        out[h] = RowInfo(
            commit_hash=h,
            content_type=c.content_type,
            badge=_badge(c.content_type, blob.payload if blob else None),
            message=c.message or "",
            token_count=c.token_count,
            created_at=c.created_at,
            operation=c.operation,
            edit_target=c.response_to if c.is_edit else None,
            priority=info.priority
            if info
            else ctx.rules.default_priority(ctx.registry, c.content_type),
            priority_explicit=info is not None and info.reason != AUTO_PIN_REASON,
            edited=bool(edited.get(h)),
            summary=("compress", "result") in kinds,
            # A revert's results are the originals it put back: live again, not consumed.
            source=any(role == "source" and kind != "revert" for kind, role in kinds)
            and ("revert", "result") not in kinds,
            copy=("reorganize", "result") in kinds,
            merge=len(merges.get(h, ())) >= 2,
            preview=_preview(c, ctx.registry.raw_text(blob.payload))
            if h in cut and blob is not None and blob.payload
            else "",
            damage=damage_of(c, blob.payload if blob else None, h in unknown),
            tags=tags.get(h, ()),
            compiles=ctx.rules.compilable(c.content_type),
        )
    return out


def damage_of(
    commit: CommitInfo, payload: dict[str, object] | None, unknown: bool
) -> tuple[str, ...]:
    out = []
    if commit.time_unreadable:
        out.append("created_at is not a time")
    # An unknown type whose blob says the same is a custom type (tract-ai lets users register
    # them), not damage; one its blob disagrees with was changed under it.
    if unknown and (payload is None or payload.get("content_type") != commit.content_type):
        out.append(f"unknown content type {commit.content_type!r}")
    return tuple(out)

"""Merge conflicts: detecting them, asking a resolver, and turning answers into EDITs (§7).

A conflict is about one *target* commit (the commit some EDIT replaces):

- ``both_edit``: both sides EDIT the same target;
- ``skip_vs_edit``: one side EDITs a target whose priority in force is SKIP;
- ``edit_plus_append``: one side EDITs a commit outside both divergent sets (shared history)
  while the other side has any APPEND. Editing a commit made after the fork never conflicts.

Each target gives at most one conflict, in that order of precedence. ``commit_a`` is always the
current side and ``commit_b`` the source side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import ContentValidationError, MergeError
from core.models import content as c
from core.models.compiled import Message
from core.models.enums import Priority
from core.models.records import BlobInfo, CommitInfo
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

BOTH_EDIT = "both_edit"
SKIP_VS_EDIT = "skip_vs_edit"
EDIT_PLUS_APPEND = "edit_plus_append"

RESOLVED = "resolved"
ABORT = "abort"
SKIP = "skip"


@dataclass(frozen=True)
class MergeConflict:
    """One conflicting target, with what each side and the common ancestor show for it."""

    conflict_type: str
    target_hash: str
    target: CommitInfo
    commit_a: CommitInfo | None  # current side: its EDIT of the target, or its first APPEND
    commit_b: CommitInfo | None  # source side: likewise
    content_a: str  # the target's text as the current side shows it
    content_b: str  # the target's text as the source side shows it
    ancestor_content: str  # the target's text in the shared history
    context: tuple[Message, ...] = ()  # up to 5 compiled messages before the target

    @property
    def description(self) -> str:
        return f"{self.conflict_type} on {self.target_hash[:8]}: {_WHAT[self.conflict_type]}"


_WHAT = {
    BOTH_EDIT: "both sides edit it",
    SKIP_VS_EDIT: "an edit of a commit whose priority is SKIP",
    EDIT_PLUS_APPEND: "one side edits shared history while the other appends",
}


@dataclass(frozen=True)
class Resolution:
    """A resolver's answer for one conflict."""

    action: str = RESOLVED  # "resolved" | "abort" | "skip" (anything else: left unresolved)
    text: str | None = None
    reasoning: str | None = None
    generation_config: dict[str, Any] | None = field(default=None)


Resolver = Callable[[MergeConflict], Any]


def coerce_resolution(value: Any) -> Resolution:
    """Accept a :class:`Resolution`, a plain string, a dict, or any object with ``action``."""
    if isinstance(value, Resolution):
        return value
    if value is None:
        return Resolution(action="unresolved")
    if isinstance(value, str):
        return Resolution(RESOLVED, text=value)

    def get(key: str) -> Any:
        if isinstance(value, Mapping):
            return value.get(key)
        return getattr(value, key, None)

    text = get("text")
    if text is None:
        text = get("content_text")
    config = get("generation_config")
    return Resolution(
        action=str(get("action") or RESOLVED),
        text=text if isinstance(text, str) else None,
        reasoning=get("reasoning"),
        generation_config=dict(config) if isinstance(config, Mapping) else None,
    )


# --- detection ----------------------------------------------------------------------------


def _newest_edits(commits: Iterable[CommitInfo]) -> dict[str, CommitInfo]:
    out: dict[str, CommitInfo] = {}
    for info in commits:
        if info.is_edit and info.response_to:
            held = out.get(info.response_to)
            if held is None or (info.created_at, info.commit_hash) > (
                held.created_at,
                held.commit_hash,
            ):
                out[info.response_to] = info
    return out


def _first_append(commits: Iterable[CommitInfo]) -> CommitInfo | None:
    appends = [i for i in commits if not i.is_edit]
    return min(appends, key=lambda i: (i.created_at, i.commit_hash)) if appends else None


def _text(ctx: TractContext, blobs: Mapping[str, BlobInfo], info: CommitInfo | None) -> str:
    blob = blobs.get(info.content_hash) if info is not None else None
    return ctx.registry.text(blob.payload) if blob is not None else ""


def detect_conflicts(
    uow: UnitOfWork,
    ctx: TractContext,
    *,
    ours: frozenset[str],
    theirs: frozenset[str],
    infos: Mapping[str, CommitInfo],
    shared: Callable[[Iterable[str]], set[str]],
) -> list[MergeConflict]:
    """Conflicts between the divergent sets ``ours`` (current) and ``theirs`` (source).

    ``infos`` holds the commits of both sets; ``shared(hashes)`` tells which of some commits
    are common ancestors of both tips (for the ancestor text of a target).
    """
    ours_info = [infos[h] for h in ours]
    theirs_info = [infos[h] for h in theirs]
    edits_a, edits_b = _newest_edits(ours_info), _newest_edits(theirs_info)
    targets = set(edits_a) | set(edits_b)
    if not targets:
        return []
    append_a, append_b = _first_append(ours_info), _first_append(theirs_info)
    target_info = {h: infos[h] for h in targets if h in infos}
    target_info.update(uow.commits.get_many(targets - set(target_info)))
    in_force = uow.annotations.in_force(targets)

    def priority(h: str) -> Priority:
        note = in_force.get(h)
        if note is not None:
            return note.priority
        return ctx.registry.default_priority(target_info[h].content_type)

    found: list[tuple[str, str, CommitInfo | None, CommitInfo | None]] = []
    # An edit of a commit that no longer exists cannot apply anyway: not a conflict.
    known = sorted(
        (h for h in targets if h in target_info), key=lambda t: (target_info[t].created_at, t)
    )
    for h in known:
        a, b = edits_a.get(h), edits_b.get(h)
        if a is not None and b is not None:
            found.append((BOTH_EDIT, h, a, b))
        elif priority(h) is Priority.SKIP:
            found.append((SKIP_VS_EDIT, h, a, b))
        elif h not in ours and h not in theirs:
            if a is not None and append_b is not None:
                found.append((EDIT_PLUS_APPEND, h, a, append_b))
            elif b is not None and append_a is not None:
                found.append((EDIT_PLUS_APPEND, h, append_a, b))
    if not found:
        return []
    return _describe(uow, ctx, found, target_info, edits_a, edits_b, shared)


def _describe(
    uow: UnitOfWork,
    ctx: TractContext,
    found: list[tuple[str, str, CommitInfo | None, CommitInfo | None]],
    target_info: Mapping[str, CommitInfo],
    edits_a: Mapping[str, CommitInfo],
    edits_b: Mapping[str, CommitInfo],
    shared: Callable[[Iterable[str]], set[str]],
) -> list[MergeConflict]:
    conflict_targets = [h for _, h, _, _ in found]
    # The ancestor text is the newest edit made in the shared history, else the original.
    all_edits = uow.commits.edits_of(conflict_targets)
    candidates = {e.commit_hash for edits in all_edits.values() for e in edits}
    in_base = shared(candidates) if candidates else set()
    ancestor_edit = _newest_edits(
        e for edits in all_edits.values() for e in edits if e.commit_hash in in_base
    )
    needed = {target_info[h].content_hash for h in conflict_targets}
    needed |= {e.content_hash for e in ancestor_edit.values()}
    needed |= {e.content_hash for e in (*edits_a.values(), *edits_b.values())}
    blobs = uow.blobs.get_many(needed)
    out: list[MergeConflict] = []
    for kind, h, a, b in found:
        ancestor = _text(ctx, blobs, ancestor_edit.get(h) or target_info[h])
        side_a = edits_a.get(h)
        side_b = edits_b.get(h)
        out.append(
            MergeConflict(
                conflict_type=kind,
                target_hash=h,
                target=target_info[h],
                commit_a=a,
                commit_b=b,
                content_a=_text(ctx, blobs, side_a) if side_a else ancestor,
                content_b=_text(ctx, blobs, side_b) if side_b else ancestor,
                ancestor_content=ancestor,
            )
        )
    return out


# --- resolving ------------------------------------------------------------------------------


@dataclass
class Resolutions:
    """What resolvers answered, per target hash."""

    text: dict[str, str] = field(default_factory=dict)
    reasoning: dict[str, str] = field(default_factory=dict)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)


def run_resolver(conflicts: Iterable[MergeConflict], resolver: Resolver) -> Resolutions:
    """One call per conflict. ``abort`` is a merge error; anything but ``resolved`` (with
    text) leaves that conflict unresolved."""
    out = Resolutions()
    for conflict in conflicts:
        answer = coerce_resolution(resolver(conflict))
        if answer.action == ABORT:
            why = f": {answer.reasoning}" if answer.reasoning else ""
            raise MergeError(f"merge aborted by the resolver at {conflict.description}{why}")
        if answer.action != RESOLVED or answer.text is None:
            continue
        out.text[conflict.target_hash] = answer.text
        if answer.reasoning:
            out.reasoning[conflict.target_hash] = str(answer.reasoning)
        if answer.generation_config:
            out.configs[conflict.target_hash] = answer.generation_config
    return out


def resolution_payload(ctx: TractContext, original: Mapping[str, Any], text: str) -> c.Payload:
    """The EDIT payload that applies ``text`` to a target with payload ``original``.

    The target's content type is kept with ``text`` (or ``content``) replaced; payload types
    (tool_io, freeform) and types without either field become freeform ``{"text": ...}``.
    """
    for key in ("text", "content"):
        if isinstance(original.get(key), str):
            try:
                return ctx.registry.validate({**original, key: text})
            except ContentValidationError:
                break  # a custom model that refuses the swap: fall back to freeform
    return ctx.registry.validate(c.freeform({"text": text}))

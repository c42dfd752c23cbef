"""Spawn and collapse: child tracts in the same store (docs/behaviour.md §11).

A spawn is one transaction: the pointer, the parent's "Spawned subagent" commit and the child's
commits are written together, so a failure leaves neither tract changed and holds no lock
afterwards (tract-ai's abandoned child kept SQLite's write lock). ``full_clone`` keeps the DAG
(parents, merge parents, response_to, branches, HEAD, annotation history) under fresh
timestamps, because commit hashes are global.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from core.errors import SpawnError
from core.models import content as c
from core.models.compiled import CompiledContext, Message
from core.models.records import CommitInfo, SpawnPointer
from core.models.refs import BRANCH_PREFIX, HEAD
from core.operations import commit as commit_op
from core.operations.compile import Compiler
from core.operations.context import TractContext, head_state, require_attached
from core.storage.repositories import UnitOfWork

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core.llm.client import ChatClient

HEAD_SNAPSHOT, FULL_CLONE, SELECTIVE = "head_snapshot", "full_clone", "selective"

COLLAPSE_SYSTEM_PROMPT = (
    "You condense the work of a sub-agent for the agent that delegated it. Your reply replaces "
    "the sub-agent's whole transcript, so it must stand alone. Report the outcome, the findings, "
    "the artifacts produced (files, code, commands, identifiers) and any failures with their "
    "causes. Keep exact details: names, numbers, paths, code, error messages, decisions and "
    "constraints. Leave out deliberation, chit-chat and dead ends that taught nothing. Write "
    'third-person prose and open with "Subagent completed: <task>".'
)


@dataclass(frozen=True)
class SpawnResult:
    child_tract_id: str
    pointer: SpawnPointer
    spawn_commit: CommitInfo  # the parent's "Spawned subagent for: …" message
    inheritance: str
    child_head: str | None
    mapping: dict[str, str] = field(default_factory=dict)  # full_clone: parent → child hash


@dataclass(frozen=True)
class CollapseResult:
    child_tract_id: str
    child_head: str | None
    summary: str
    commit: CommitInfo
    generation_config: dict[str, Any] | None = None


def spawn(
    uow: UnitOfWork,
    ctx: TractContext,
    purpose: str,
    *,
    inheritance: str = HEAD_SNAPSHOT,
    display_name: str | None = None,
    max_tokens: int | None = None,
    compiler: Compiler | None = None,
    child_tract_id: str | None = None,
) -> SpawnResult:
    """Create a child tract of ``ctx``'s tract, recording the pointer and the spawn commit."""
    if inheritance == SELECTIVE:
        raise SpawnError("inheritance 'selective' is not implemented")
    if inheritance not in (HEAD_SNAPSHOT, FULL_CLONE):
        raise SpawnError(
            f"unknown inheritance {inheritance!r} (expected {HEAD_SNAPSHOT} or {FULL_CLONE})"
        )
    if not isinstance(purpose, str) or not purpose.strip():
        raise SpawnError("a spawn needs a purpose")
    tract = ctx.tract_id
    uow.lock_tract(tract)
    state = head_state(uow, tract)
    require_attached(state, "spawn")
    compiled: CompiledContext | None = None
    if inheritance == HEAD_SNAPSHOT and state.commit is not None:
        compiled = (compiler or Compiler(ctx)).compile(uow, head=state.commit)

    child = child_tract_id or uuid.uuid4().hex
    if uow.spawns.for_child(child) is not None or uow.commits.count(child) or uow.refs.list(child):
        raise SpawnError(f"tract {child} already exists")
    uow.lock_tract(child)
    pointer = uow.spawns.add(
        SpawnPointer(0, tract, state.commit, child, purpose, inheritance, display_name, ctx.now())
    )
    spawn_commit = commit_op.commit(
        uow,
        ctx,
        c.dialogue("system", f"Spawned subagent for: {purpose}"),
        message=f"spawn: {purpose}",
        state=state,
    )
    child_ctx = replace(ctx, tract_id=child)
    mapping: dict[str, str] = {}
    child_head: str | None = None
    if inheritance == HEAD_SNAPSHOT:
        text = render_snapshot(compiled.messages if compiled else (), ctx, max_tokens)
        if text:
            child_head = commit_op.commit(uow, child_ctx, c.instruction(text)).commit_hash
    else:
        mapping = clone_tract(uow, tract, child_ctx)
        child_head = head_state(uow, child).commit
    return SpawnResult(child, pointer, spawn_commit, inheritance, child_head, mapping)


def render_snapshot(messages: Sequence[Message], ctx: TractContext, max_tokens: int | None) -> str:
    """``[<role>]: <content>`` lines; the oldest are dropped until the text fits."""
    lines = [f"[{m.role}]: {m.content}" for m in messages]
    if max_tokens is None:
        return "\n".join(lines)

    def fits(start: int) -> bool:
        return ctx.counter.count_text("\n".join(lines[start:])) <= max_tokens

    lo, hi = 0, len(lines)  # the smallest start that fits lies in [lo, hi]; hi always fits
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    return "\n".join(lines[lo:])


def clone_tract(uow: UnitOfWork, source: str, child_ctx: TractContext) -> dict[str, str]:
    """Copy every commit of ``source`` (unreachable ones too) into the child; old → new."""
    commits = [x for batch in uow.commits.iter_all(source) for x in batch]
    if not commits:
        return {}
    by_hash = {x.commit_hash: x for x in commits}
    merges = {
        h: parents for h, parents in uow.parents.parents_of(by_hash).items() if len(parents) >= 2
    }
    blobs = uow.blobs.get_many(x.content_hash for x in commits)
    mapping: dict[str, str] = {}
    times: dict[str, Any] = {}  # copy → its created_at, as written
    for x in _dependency_order(commits, merges):
        blob = blobs.get(x.content_hash)
        if blob is None:
            raise SpawnError(f"cannot clone {x.short}: its content blob is missing")
        deps = _deps(x, merges)
        not_before = max((times[d] for d in deps if d in times), default=None)
        parents = merges.get(x.commit_hash)
        copy = commit_op.write_commit(
            uow,
            child_ctx,
            blob.payload,
            parent=mapping.get(x.parent_hash, x.parent_hash) if x.parent_hash else None,
            operation=x.operation,
            response_to=mapping.get(x.response_to, x.response_to) if x.response_to else None,
            message=x.message,
            metadata=x.metadata,
            generation_config=x.generation_config,
            merge_parents=[mapping.get(p, p) for p in parents] if parents else None,
            not_before=not_before,
        )
        mapping[x.commit_hash] = copy.commit_hash
        times[x.commit_hash] = copy.created_at

    # Annotation history in its original order, under fresh (increasing) timestamps.
    history = sorted(uow.annotations.since(source, 0), key=lambda a: (a.created_at, a.id))
    for a in history:
        if a.target_hash in mapping:
            uow.annotations.add(
                child_ctx.tract_id, mapping[a.target_hash], a.priority, a.reason, child_ctx.now()
            )
    for ref in uow.refs.list(source):
        if ref.ref_name.startswith(BRANCH_PREFIX) and ref.commit_hash in mapping:
            uow.refs.set_direct(child_ctx.tract_id, ref.ref_name, mapping[ref.commit_hash])
        elif ref.ref_name == HEAD and ref.symbolic_target:
            uow.refs.set_symbolic(child_ctx.tract_id, HEAD, ref.symbolic_target)
        elif ref.ref_name == HEAD and ref.commit_hash in mapping:
            uow.refs.set_direct(child_ctx.tract_id, HEAD, mapping[ref.commit_hash])
    return mapping


def _deps(x: CommitInfo, merges: Mapping[str, tuple[str, ...]]) -> list[str]:
    deps = [h for h in (x.parent_hash, x.response_to) if h]
    deps.extend(merges.get(x.commit_hash, ()))
    return deps


def _dependency_order(
    commits: list[CommitInfo], merges: Mapping[str, tuple[str, ...]]
) -> list[CommitInfo]:
    """``created_at`` order, except that a commit never precedes what it refers to."""
    by_hash = {x.commit_hash: x for x in commits}
    done: set[str] = set()
    on_path: set[str] = set()
    out: list[CommitInfo] = []
    for x in commits:
        stack: list[tuple[str, bool]] = [(x.commit_hash, False)]
        while stack:
            h, expanded = stack.pop()
            if h in done:
                continue
            if expanded:
                on_path.discard(h)
                done.add(h)
                out.append(by_hash[h])
                continue
            if h in on_path:
                raise SpawnError(f"cannot clone: commit {h[:8]} is part of a reference cycle")
            on_path.add(h)
            stack.append((h, True))
            for d in reversed(_deps(by_hash[h], merges)):
                if d in by_hash and d not in done:
                    stack.append((d, False))
    return out


# --- collapse -------------------------------------------------------------------------------


def collapse_source(
    uow: UnitOfWork, ctx: TractContext, child_tract_id: str
) -> tuple[SpawnPointer, str | None, CompiledContext]:
    """The pointer, HEAD and compiled context of a child of ``ctx``'s tract."""
    pointer = uow.spawns.for_child(child_tract_id)
    if pointer is None:
        raise SpawnError(f"tract {child_tract_id} has no spawn pointer: it is not a subagent")
    if pointer.parent_tract_id != ctx.tract_id:
        raise SpawnError(
            f"tract {child_tract_id} was spawned by {pointer.parent_tract_id}, not this tract"
        )
    child_ctx = replace(ctx, tract_id=child_tract_id)
    child_head = head_state(uow, child_tract_id).commit
    compiled = Compiler(child_ctx).compile(uow, head=child_head)
    return pointer, child_head, compiled


def llm_collapse_summary(
    client: ChatClient,
    purpose: str,
    compiled: CompiledContext,
    *,
    instructions: str | None = None,
    target_tokens: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """One LLM call with the collapse prompt; the reply is read as an OpenAI-style dict."""
    from core.llm.client import response_text, response_usage

    blocks = "\n\n".join(f"[{m.role}]: {m.content}" for m in compiled.messages)
    parts = [f"Task given to the sub-agent: {purpose}", f"Sub-agent transcript:\n\n{blocks}"]
    if target_tokens:
        parts.append(f"Keep the summary under about {target_tokens} tokens.")
    if instructions:
        parts.append(f"Additional instructions: {instructions}")
    response = client.chat(
        [
            {"role": "system", "content": COLLAPSE_SYSTEM_PROMPT},
            {"role": "user", "content": "\n\n".join(parts)},
        ]
    )
    summary = response_text(response).strip()
    if not summary:
        raise SpawnError("the LLM returned an empty collapse summary")
    config: dict[str, Any] = {"source": "infrastructure:collapse"}
    if isinstance(response.get("model"), str):
        config["model"] = response["model"]
    usage = response_usage(response)
    if usage:
        config["usage"] = usage
    return summary, config


def commit_collapse(
    uow: UnitOfWork,
    ctx: TractContext,
    pointer: SpawnPointer,
    summary: str,
    child_head: str | None,
    generation_config: Mapping[str, Any] | None = None,
) -> CollapseResult:
    """Add the summary to the parent as an assistant message pointing at the child."""
    commit = commit_op.commit(
        uow,
        ctx,
        c.dialogue("assistant", summary),
        message=f"collapse: {pointer.purpose}",
        metadata={
            "collapse_source_tract_id": pointer.child_tract_id,
            "collapse_source_head": child_head,
        },
        generation_config=generation_config,
    )
    config = dict(generation_config) if generation_config is not None else None
    return CollapseResult(pointer.child_tract_id, child_head, summary, commit, config)

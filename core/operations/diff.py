"""Diffing two compiled contexts, and the ordered (view-only) compile (docs/behaviour.md §12).

Both are views: they compile, compare and reorder, and never write a commit, event or record.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.engine.tokens import REPLY_PRIMER
from core.errors import NotFoundError
from core.models.compiled import CompiledContext, Message
from core.models.records import CommitInfo
from core.operations.compile import Compiler, empty_context
from core.operations.context import TractContext, head_state
from core.operations.navigation import resolve
from core.storage.repositories import UnitOfWork

ADDED = "added"
REMOVED = "removed"
MODIFIED = "modified"
UNCHANGED = "unchanged"
EMPTY_LABEL = "(empty)"


@dataclass(frozen=True)
class DiffEntry:
    """One aligned message pair (or a lone message) of a diff."""

    kind: str  # added | removed | modified | unchanged
    index_a: int | None
    index_b: int | None
    commit_a: str | None  # the original (target) hash of the message on each side
    commit_b: str | None
    text_a: str | None  # serialised message: role, optional name, ---, content
    text_b: str | None
    tokens_a: int = 0
    tokens_b: int = 0
    lines: tuple[str, ...] = ()  # unified diff (modified entries only)

    @property
    def token_delta(self) -> int:
        return self.tokens_b - self.tokens_a


@dataclass(frozen=True)
class DiffStat:
    added: int = 0
    removed: int = 0
    modified: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.added + self.removed + self.modified


@dataclass(frozen=True)
class ConfigChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class DiffResult:
    a: str | None  # commit hash, None for the empty context
    b: str
    label_a: str
    label_b: str
    entries: tuple[DiffEntry, ...]
    stat: DiffStat
    config_changes: tuple[ConfigChange, ...]
    tokens_a: int
    tokens_b: int

    @property
    def token_delta(self) -> int:
        return self.tokens_b - self.tokens_a

    @property
    def changed_entries(self) -> tuple[DiffEntry, ...]:
        return tuple(e for e in self.entries if e.kind != UNCHANGED)


def serialise(message: Message) -> str:
    """``role: R``, an optional ``name: N``, ``---``, then the content."""
    head = f"role: {message.role}\n"
    if message.name is not None:
        head += f"name: {message.name}\n"
    return f"{head}---\n{message.content}"


def _per_message_tokens(ctx: TractContext, compiled: CompiledContext) -> list[int]:
    if len(compiled.message_tokens) == len(compiled.messages):
        return list(compiled.message_tokens)
    return [ctx.tokens_of(m) for m in compiled.messages]


def _last_config(compiled: CompiledContext) -> dict[str, Any]:
    for config in reversed(compiled.generation_configs):
        if config:
            return dict(config)
    return {}


def _config_changes(a: CompiledContext, b: CompiledContext) -> tuple[ConfigChange, ...]:
    before, after = _last_config(a), _last_config(b)
    return tuple(
        ConfigChange(key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    )


def _default_sides(
    uow: UnitOfWork, ctx: TractContext, b: str | None, a: str | None
) -> tuple[str | None, str]:
    if b is None:
        head = head_state(uow, ctx.tract_id).commit
        if head is None:
            raise NotFoundError("nothing to diff: the tract has no commits")
        b_hash = head
    else:
        b_hash = resolve(uow, ctx, b)
    if a is not None:
        return resolve(uow, ctx, a), b_hash
    info = uow.commits.get(b_hash)
    if info is None:
        raise NotFoundError(f"commit {b_hash[:8]} not found")
    # An EDIT is compared with the state it edited; anything else with its parent.
    return (info.response_to if info.is_edit else info.parent_hash), b_hash


def diff(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    a: str | None = None,
    b: str | None = None,
) -> DiffResult:
    """Compare the compiles at ``a`` and ``b`` message by message."""
    a_hash, b_hash = _default_sides(uow, ctx, b, a)
    side_a = compiler.compile(uow, head=a_hash) if a_hash else empty_context()
    side_b = compiler.compile(uow, head=b_hash)
    entries = _align(
        side_a, side_b, _per_message_tokens(ctx, side_a), _per_message_tokens(ctx, side_b)
    )
    counts = {ADDED: 0, REMOVED: 0, MODIFIED: 0, UNCHANGED: 0}
    for entry in entries:
        counts[entry.kind] += 1
    return DiffResult(
        a=a_hash,
        b=b_hash,
        label_a=a_hash[:8] if a_hash else EMPTY_LABEL,
        label_b=b_hash[:8],
        entries=tuple(entries),
        stat=DiffStat(**counts),
        config_changes=_config_changes(side_a, side_b),
        tokens_a=side_a.token_count,
        tokens_b=side_b.token_count,
    )


def _align(
    a: CompiledContext, b: CompiledContext, tok_a: list[int], tok_b: list[int]
) -> list[DiffEntry]:
    text_a = [serialise(m) for m in a.messages]
    text_b = [serialise(m) for m in b.messages]
    hashes_a, hashes_b = list(a.commit_hashes), list(b.commit_hashes)

    def entry(kind: str, i: int | None, j: int | None) -> DiffEntry:
        ta = text_a[i] if i is not None else None
        tb = text_b[j] if j is not None else None
        ha = hashes_a[i] if i is not None else None
        hb = hashes_b[j] if j is not None else None
        lines: tuple[str, ...] = ()
        if kind == MODIFIED:
            lines = tuple(
                difflib.unified_diff(
                    (ta or "").splitlines(),
                    (tb or "").splitlines(),
                    fromfile=f"commit {(ha or '')[:8]}",
                    tofile=f"commit {(hb or '')[:8]}",
                    lineterm="",
                )
            )
        return DiffEntry(
            kind,
            i,
            j,
            ha,
            hb,
            ta,
            tb,
            tok_a[i] if i is not None else 0,
            tok_b[j] if j is not None else 0,
            lines,
        )

    # Long histories share long prefixes and suffixes: match those directly, so the sequence
    # matcher only sees the part that changed.
    n, m = len(text_a), len(text_b)
    lo = 0
    while lo < n and lo < m and text_a[lo] == text_b[lo]:
        lo += 1
    hi = 0
    while hi < n - lo and hi < m - lo and text_a[n - 1 - hi] == text_b[m - 1 - hi]:
        hi += 1
    out = [entry(UNCHANGED, i, i) for i in range(lo)]
    matcher = difflib.SequenceMatcher(
        None, text_a[lo : n - hi], text_b[lo : m - hi], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        i1, i2, j1, j2 = i1 + lo, i2 + lo, j1 + lo, j2 + lo
        if tag == "equal":
            out.extend(
                entry(UNCHANGED, i, j) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        out.extend(entry(MODIFIED, i1 + k, j1 + k) for k in range(paired))
        out.extend(entry(REMOVED, i, None) for i in range(i1 + paired, i2))
        out.extend(entry(ADDED, None, j) for j in range(j1 + paired, j2))
    out.extend(entry(UNCHANGED, n - hi + k, m - hi + k) for k in range(hi))
    return out


# --- ordered compile ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderWarning:
    warning_type: str  # edit_before_target | response_chain_break
    commit_hash: str
    description: str
    severity: str  # structural | semantic


def compile_ordered(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    order: Sequence[str],
    *,
    check_safety: bool = True,
) -> tuple[CompiledContext, list[OrderWarning]]:
    """HEAD's compile with the listed commits first (in the given order), then the rest in
    compile order. Listing an EDIT stands for the message it edits.

    A listed commit not in the compile is not-found. Tokens are recounted, ``name`` included.
    """
    head = head_state(uow, ctx.tract_id).commit
    listed = [resolve(uow, ctx, ref) for ref in order]  # unknown refs: not-found
    if head is None:
        return empty_context(), []
    compiled = compiler.compile(uow, head=head)
    position = {h: i for i, h in enumerate(compiled.commit_hashes)}
    infos = uow.commits.get_many(listed)
    reachable: set[str] | None = None
    picked: list[int] = []
    for h in listed:
        info = infos[h]
        target = info.response_to if info.is_edit else h
        if info.is_edit and target in position:
            if reachable is None:
                reachable = uow.commits.ancestors([head])
            if h not in reachable:
                target = None
        if target not in position:
            raise NotFoundError(f"commit {h[:8]} is not in the compiled context of HEAD")
        picked.append(position[target])
    first = list(dict.fromkeys(picked))  # a message listed twice keeps its first place
    chosen = set(first)
    new_order = first + [i for i in range(len(compiled.messages)) if i not in chosen]
    warnings = _safety(listed, infos) if check_safety else []
    return _reordered(ctx, compiled, new_order), warnings


def _reordered(ctx: TractContext, compiled: CompiledContext, idx: list[int]) -> CompiledContext:
    messages = [compiled.messages[i] for i in idx]
    tokens = [ctx.tokens_of(m) for m in messages]
    types = list(compiled.content_types)
    return CompiledContext(
        messages=tuple(messages),
        token_count=sum(tokens) + REPLY_PRIMER if messages else 0,
        token_source=ctx.counter.source if messages else "",
        commit_hashes=tuple(compiled.commit_hashes[i] for i in idx),
        generation_configs=tuple(compiled.generation_configs[i] for i in idx),
        message_tokens=tuple(tokens),
        content_types=tuple(types[i] for i in idx) if len(types) == len(idx) else (),
        head_hash=compiled.head_hash,
    )


def _safety(listed: list[str], infos: dict[str, CommitInfo]) -> list[OrderWarning]:
    where: dict[str, int] = {}
    for i, h in enumerate(listed):
        where.setdefault(h, i)
    out: list[OrderWarning] = []
    for h in dict.fromkeys(listed):
        info = infos[h]
        target = info.response_to
        if target is None:
            continue
        if info.is_edit and target in where and where[h] < where[target]:
            out.append(
                OrderWarning(
                    "edit_before_target",
                    h,
                    f"EDIT {h[:8]} is listed before its target {target[:8]}",
                    "structural",
                )
            )
        if target not in where:
            out.append(
                OrderWarning(
                    "response_chain_break",
                    h,
                    f"commit {h[:8]} responds to {target[:8]}, which is not listed",
                    "semantic",
                )
            )
    return out

"""Reading compile records: reproduce one, break its tokens down, diff two (docs/behaviour.md §6).

A record documents what was sent. It is reproduced by compiling its ``head_hash`` as of its
``created_at`` (edits and annotations as they stood then); when that differs, every differing
commit is explained. Pure functions over a unit of work and the tract's compiler.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.engine.tokens import REPLY_PRIMER, TokenCounter, full_message_tokens
from core.errors import AmbiguousRefError, NotFoundError
from core.models.compiled import CompiledContext
from core.models.enums import Priority
from core.models.records import AnnotationInfo, CommitInfo, CompileRecord, OperationEvent
from core.operations.compile import Compiler, empty_context
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

_HEX = re.compile(r"^[0-9a-fA-F]+$")
MIN_PREFIX = 4

# Reason codes of a Difference (the detail text says the same for people).
GC = "gc"
OTHER_TRACT = "other_tract"
NOT_IN_HISTORY = "not_in_history"
EDIT = "edit"
CREATED_AFTER = "created_after_record"
SKIPPED_AT_RECORD = "skipped_at_record_time"
SKIPPED_SINCE = "skipped_since"
UNSKIPPED_SINCE = "unskipped_since"
MERGE_COMMIT = "merge_commit"
ORDER = "order"
HEAD_GONE = "head_gone"
UNEXPLAINED = "unexplained"


@dataclass(frozen=True)
class Difference:
    """One commit on which a record and a compile disagree, and why."""

    commit_hash: str
    kind: str  # "missing": in the record only; "extra": in the compile only; "moved"
    reason: str  # one of the reason codes above
    detail: str  # one line for people
    position: int | None = None  # in the record ("missing", "moved") or the compile ("extra")
    annotation: AnnotationInfo | None = None


@dataclass(frozen=True)
class Reproduction:
    record: CompileRecord
    matches: bool  # the recompile's effective list equals the record's, in order
    recompiled: tuple[str, ...]
    differences: tuple[Difference, ...]  # record vs the compile as of its time
    # record vs a compile of head_hash now: annotations are not branch-scoped, so a later
    # SKIP (or un-SKIP) changes what an old head compiles to; its commits and edits cannot.
    changed_since: tuple[Difference, ...]
    token_count: int | None  # of the recompile (None when the head is gone)
    token_source: str
    tokens_comparable: bool
    tokens_match: bool | None  # None when not comparable
    token_note: str


@dataclass(frozen=True)
class Group:
    key: str
    messages: int
    tokens: int


@dataclass(frozen=True)
class Breakdown:
    token_count: int
    token_source: str
    messages: int
    primer: int  # the reply primer (3 for a non-empty compile)
    message_tokens: int  # Σ per-message tokens = token_count − primer − tools − adjustment
    adjustment: int  # API calibration delta or ``[edited]`` suffixes; 0 for a plain compile
    by_role: tuple[Group, ...]  # most tokens first
    by_content_type: tuple[Group, ...]
    tools: int = 0  # tool definitions sent with the messages (tract-ai c2f26dd stores)
    tools_tokens: int = 0
    tool_names: tuple[str, ...] = ()


# --- finding records ---------------------------------------------------------------------


def find_record(uow: UnitOfWork, ctx: TractContext, ref: str) -> CompileRecord:
    """A record of this tract by id, or by a unique id prefix of at least 4 characters."""
    ref = ref.strip().lower()
    record = uow.records.get(ref) if ref else None
    if record is not None and record.tract_id == ctx.tract_id:
        return record
    if len(ref) >= MIN_PREFIX and _HEX.match(ref):
        matches = [
            r.record_id for r in uow.records.list(ctx.tract_id) if r.record_id.startswith(ref)
        ]
        if len(matches) > 1:
            raise AmbiguousRefError(ref, matches)
        if matches:
            found = uow.records.get(matches[0])
            if found is not None:
                return found
    raise NotFoundError(f"no compile record {ref!r} in this tract")


def find_event(uow: UnitOfWork, ctx: TractContext, ref: str) -> OperationEvent:
    """An operation event of this tract by id, or by a unique id prefix of at least 4
    characters (the CLI prints 8)."""
    ref = ref.strip().lower()
    event = uow.events.get(ref) if ref else None
    if event is not None and event.tract_id == ctx.tract_id:
        return event
    if len(ref) >= MIN_PREFIX and _HEX.match(ref):
        # Events are few per tract (one per compress/reorganize/import/revert).
        matches = sorted(
            e.event_id for e in uow.events.list(ctx.tract_id) if e.event_id.startswith(ref)
        )
        if len(matches) > 1:
            raise AmbiguousRefError(ref, matches)
        if matches:
            found = uow.events.get(matches[0])
            if found is not None:
                return found
    raise NotFoundError(f"no operation event {ref!r} in this tract")


def compile_as_recorded(
    uow: UnitOfWork, compiler: Compiler, record: CompileRecord
) -> CompiledContext | None:
    """The record's head compiled as of its time; None when the head is no longer stored."""
    if not record.head_hash:
        return empty_context()
    if not uow.commits.exists(record.head_hash):
        return None
    return compiler.compile(uow, head=record.head_hash, at_time=record.created_at)


# --- explaining differences --------------------------------------------------------------


class _Facts:
    """What the explanations need about a set of commits, fetched in a few bulk queries."""

    def __init__(
        self, uow: UnitOfWork, ctx: TractContext, hashes: Sequence[str], head: str, at: datetime
    ) -> None:
        self.uow = uow
        self.ctx = ctx
        self.head = head
        self.at = at
        self.commits: dict[str, CommitInfo] = uow.commits.get_many(hashes)
        self.merges = uow.parents.parents_of(hashes)
        stored = list(self.commits)
        self.then = uow.annotations.in_force(stored, at)
        self.now = uow.annotations.in_force(stored, ctx.now())
        self._ancestors: set[str] | None = None

    def in_history(self, h: str) -> bool:
        if self._ancestors is None:
            self._ancestors = self.uow.commits.ancestors([self.head]) if self.head else set()
        return h in self._ancestors

    def priority(self, h: str, when: str) -> tuple[Priority, AnnotationInfo | None]:
        info = (self.then if when == "then" else self.now).get(h)
        if info is not None:
            return info.priority, info
        commit = self.commits[h]
        return self.ctx.registry.default_priority(commit.content_type), None

    def explain(self, h: str, kind: str, position: int | None, *, since: bool) -> Difference:
        """Why ``h`` is in one list and not the other (``since``: record vs compile now)."""

        def diff(reason: str, detail: str, ann: AnnotationInfo | None = None) -> Difference:
            return Difference(h, kind, reason, detail, position, ann)

        commit = self.commits.get(h)
        if commit is None:
            return diff(GC, f"{h[:8]} is no longer in the store (garbage-collected)")
        if commit.tract_id != self.ctx.tract_id:
            return diff(OTHER_TRACT, f"{h[:8]} belongs to tract {commit.tract_id[:12]}")
        if not self.in_history(h):
            return diff(NOT_IN_HISTORY, f"{h[:8]} is not in the history of {self.head[:8]}")
        if commit.is_edit:
            return diff(EDIT, f"{h[:8]} is an EDIT (edits substitute text, they add no message)")
        then, ann_then = self.priority(h, "then")
        now, ann_now = self.priority(h, "now")
        if since and kind == "missing" and now is Priority.SKIP:
            return diff(
                SKIPPED_SINCE, f"{h[:8]} skipped since: {annotation_text(ann_now)}", ann_now
            )
        if since and kind == "extra" and then is Priority.SKIP and now is not Priority.SKIP:
            return diff(
                UNSKIPPED_SINCE, f"{h[:8]} un-skipped since: {annotation_text(ann_now)}", ann_now
            )
        if not since and commit.created_at > self.at:
            return diff(CREATED_AFTER, f"{h[:8]} was created after the record")
        if then is Priority.SKIP:
            where = "listed by the record although " if kind == "missing" else ""
            return diff(
                SKIPPED_AT_RECORD,
                f"{h[:8]} {where}SKIP in force at record time: {annotation_text(ann_then)}",
                ann_then,
            )
        if len(self.merges.get(h, ())) >= 2:
            return diff(
                MERGE_COMMIT,
                f"{h[:8]} is a merge commit (tract-ai compiled its own merge commits as "
                "messages; ours are annotated SKIP)",
            )
        side = "the record" if kind == "missing" else "the compile"
        return diff(UNEXPLAINED, f"{h[:8]} is only in {side}; no stored fact explains it")


def annotation_text(info: AnnotationInfo | None) -> str:
    if info is None:
        return "type default"
    when = info.created_at.strftime("%Y-%m-%d %H:%M:%S")
    reason = f": {info.reason}" if info.reason else ""
    return f"annotation #{info.id} {info.priority.name} at {when}{reason}"


def _disagreeing(a: Sequence[str], b: Sequence[str]) -> set[str]:
    """The commits in one list and not the other (what :func:`compare_lists` explains)."""
    if len(a) == len(b) and all(x == y for x, y in zip(a, b, strict=True)):
        return set()
    return set(a).symmetric_difference(b)


def compare_lists(
    recorded: Sequence[str], compiled: Sequence[str], facts: _Facts, *, since: bool
) -> list[Difference]:
    """Explain every commit on which two effective lists disagree."""
    rec, comp = list(recorded), list(compiled)
    if rec == comp:
        return []
    rec_set, comp_set = set(rec), set(comp)
    out = [
        facts.explain(h, "missing", i, since=since) for i, h in enumerate(rec) if h not in comp_set
    ]
    out += [
        facts.explain(h, "extra", i, since=since) for i, h in enumerate(comp) if h not in rec_set
    ]
    common_rec = [h for h in rec if h in comp_set]
    common_comp = [h for h in comp if h in rec_set]
    for a, b in zip(common_rec, common_comp, strict=True):
        if a != b:
            out.append(
                Difference(
                    a,
                    "moved",
                    ORDER,
                    f"order differs at position {rec.index(a)}: the record has {a[:8]}, "
                    f"the compile has {b[:8]}",
                    rec.index(a),
                )
            )
            break
    return out


# --- reproduce ---------------------------------------------------------------------------


def token_comparison(
    record: CompileRecord, compiled: CompiledContext | None
) -> tuple[bool, bool | None, str]:
    """(comparable, match, note): counts compare only for one ``tiktoken:`` encoding."""
    src = record.token_source
    if compiled is None:
        return False, None, "the head is gone: nothing to recount"
    if src.startswith("api:"):
        return (
            False,
            None,
            (
                f"record token_source is {src} (API figures plus estimates): "
                "token counts not comparable"
            ),
        )
    if not src and record.commit_count == 0:
        return True, compiled.token_count == record.token_count, "empty compile"
    if src.startswith("tiktoken:") and src == compiled.token_source:
        match = compiled.token_count == record.token_count
        note = (
            "same count"
            if match
            else (f"recorded {record.token_count} tokens, recount gives {compiled.token_count}")
        )
        return True, match, note
    return (
        False,
        None,
        (
            f"record counted with {src or 'an unnamed counter'!s}, this counter is "
            f"{compiled.token_source or 'unnamed'}: token counts not comparable"
        ),
    )


def reproduce(
    uow: UnitOfWork, ctx: TractContext, compiler: Compiler, record_id: str
) -> Reproduction:
    """Recompile a record's head as of its time and explain every difference."""
    record = find_record(uow, ctx, record_id)
    recorded = tuple(record.effectives)
    then = compile_as_recorded(uow, compiler, record)
    if then is None:
        head = record.head_hash
        facts = _Facts(uow, ctx, recorded, "", record.created_at)
        diffs = [
            Difference(
                head,
                "missing",
                HEAD_GONE,
                f"head {head[:8]} is no longer in the store (garbage-collected)",
            )
        ]
        diffs += [
            facts.explain(h, "missing", i, since=False)
            for i, h in enumerate(recorded)
            if h not in facts.commits
        ]
        comparable, match, note = token_comparison(record, None)
        return Reproduction(record, False, (), tuple(diffs), (), None, "", comparable, match, note)
    got = tuple(then.commit_hashes)
    now = compiler.compile(uow, head=record.head_hash) if record.head_hash else then
    # Only commits on which the lists disagree are explained: when they agree (the usual
    # case) nothing is read about them (a 100k-commit record read 100k commits for that).
    asked = _disagreeing(recorded, got) | _disagreeing(recorded, now.commit_hashes)
    everything = [h for h in dict.fromkeys([*recorded, *got, *now.commit_hashes]) if h in asked]
    facts = _Facts(uow, ctx, everything, record.head_hash, record.created_at)
    differences = compare_lists(recorded, got, facts, since=False)
    since = compare_lists(recorded, now.commit_hashes, facts, since=True)
    comparable, match, note = token_comparison(record, then)
    return Reproduction(
        record=record,
        matches=recorded == got,
        recompiled=got,
        differences=tuple(differences),
        changed_since=tuple(since),
        token_count=then.token_count,
        token_source=then.token_source,
        tokens_comparable=comparable,
        tokens_match=match,
        token_note=note,
    )


# --- token breakdown ---------------------------------------------------------------------


def token_breakdown(compiled: CompiledContext, counter: TokenCounter | None = None) -> Breakdown:
    """Messages and tokens per role and per content type."""
    messages = compiled.messages
    tokens: Sequence[int] = compiled.message_tokens
    if len(tokens) != len(messages):
        if counter is None:
            raise ValueError("this compile has no per-message token counts; pass a counter")
        tokens = [
            full_message_tokens(counter, m.role, m.content, m.name, m.tool_call_id, m.tool_calls)
            for m in messages
        ]
    types: Sequence[str] = compiled.content_types
    if len(types) != len(messages):
        types = ["unknown"] * len(messages)
    by_role: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for m, t, ct in zip(messages, tokens, types, strict=True):
        for acc, key in ((by_role, m.role), (by_type, ct)):
            acc[key][0] += 1
            acc[key][1] += t
    total = sum(tokens)
    primer = REPLY_PRIMER if messages else 0
    return Breakdown(
        token_count=compiled.token_count,
        token_source=compiled.token_source,
        messages=len(messages),
        primer=primer,
        message_tokens=total,
        adjustment=compiled.token_count - primer - total - compiled.tools_tokens if messages else 0,
        by_role=_groups(by_role),
        by_content_type=_groups(by_type),
        tools=len(compiled.tools),
        tools_tokens=compiled.tools_tokens,
        tool_names=tuple(tool_name(t) for t in compiled.tools),
    )


def tool_name(schema: dict[str, Any]) -> str:
    """A tool definition's name (OpenAI's nested ``function`` form or a bare ``name``)."""
    inner = schema.get("function")
    name = (inner if isinstance(inner, dict) else schema).get("name")
    return name if isinstance(name, str) else "(unnamed)"


def _groups(acc: dict[str, list[int]]) -> tuple[Group, ...]:
    groups = (Group(k, v[0], v[1]) for k, v in acc.items())
    return tuple(sorted(groups, key=lambda g: (-g.tokens, g.key)))


def params_summary(params: dict[str, Any] | None) -> str:
    """``key=value`` pairs of a record's params (tract-ai wrote none)."""
    if not params:
        return ""
    return ", ".join(f"{k}={v}" for k, v in params.items() if v is not None)

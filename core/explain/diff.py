"""The difference between two compile records, built on the explanations.

Every commit of record ``a`` lands in exactly one section — kept (``b`` lists it too),
re-created (an operation copied it and ``b`` lists the copy, however many hops later) or
removed (with its verdict relative to ``b`` and the whole chain) — and every commit of ``b``
in exactly one of kept, re-created or added (with where it came from and why ``a`` did not
have it). The header counts are the section sizes, so they always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.explain.blame import Blame, blame_commits
from core.explain.facts import Facts, Positions
from core.explain.models import AFTER_RECORD, EDITED, REPLACED, Step, Subject
from core.explain.textdiff import unified
from core.explain.verdicts import Explainer
from core.models.compiled import CompiledContext
from core.models.records import CompileRecord
from core.operations.compile import Compiler
from core.operations.context import TractContext
from core.operations.records import compile_as_recorded, find_record
from core.storage.repositories import UnitOfWork


@dataclass(frozen=True)
class CommitChange:
    """A commit only one record used, and why."""

    commit_hash: str
    position: int  # in record a (removed) or record b (added)
    reason: str  # removed: its verdict relative to b; added: its verdict relative to a
    detail: str  # a short phrase commits with the same fate share ("compressed into …")
    event_id: str | None = None
    related: tuple[str, ...] = ()  # removed: where it went (summary, copy); added: its originals
    chain: tuple[Step, ...] = ()
    origin: Blame | None = None  # added: where its text came from
    explanation: str = ""  # the whole chain as one paragraph


@dataclass(frozen=True)
class Recreated:
    """A commit of ``a`` that ``b`` lists under a new hash: same content, copied by operations."""

    old: str
    new: str
    position_a: int
    position_b: int
    detail: str
    chain: tuple[Step, ...]
    event_ids: tuple[str, ...]  # every event on the way, oldest first


@dataclass(frozen=True)
class ChangedMessage:
    """A kept or re-created commit whose message text differs between the two records."""

    commit_hash: str  # in b
    position_a: int
    position_b: int
    role_a: str
    role_b: str
    text_a: str
    text_b: str
    diff: tuple[str, ...]  # unified diff lines
    tokens_a: int
    tokens_b: int
    edit_hash: str | None  # the EDIT in force in record b, when there is one
    commit_hash_a: str = ""  # in a (differs from commit_hash for a re-created commit)


@dataclass(frozen=True)
class DiffCounts:
    kept: int
    changed: int
    added: int
    removed: int
    recreated: int

    def header(self) -> str:
        return (
            f"kept {self.kept} · changed {self.changed} · added {self.added} · "
            f"removed {self.removed} · re-created {self.recreated}"
        )


@dataclass(frozen=True)
class RecordDiff:
    a: CompileRecord
    b: CompileRecord
    kept: tuple[str, ...]  # in b's order
    added: tuple[CommitChange, ...]
    removed: tuple[CommitChange, ...]
    recreated: tuple[Recreated, ...]  # in a's order
    changed: tuple[ChangedMessage, ...]
    token_delta: int  # b.token_count − a.token_count (as recorded)
    tokens_comparable: bool
    notes: tuple[str, ...]

    @property
    def counts(self) -> DiffCounts:
        return DiffCounts(
            len(self.kept), len(self.changed), len(self.added), len(self.removed),
            len(self.recreated),
        )  # fmt: skip


def _subject(record: CompileRecord, compiled: CompiledContext | None) -> tuple[Subject, Positions]:
    """The record as a compile; its recompile lends the per-message tokens when it
    reproduces the record's list."""
    subject = Subject("record", record.head_hash or None, record.created_at, record.record_id)
    tokens = None
    if compiled is not None and list(compiled.commit_hashes) == list(record.effectives):
        tokens = compiled.message_tokens
    return subject, Positions(record.effectives, message_tokens=tokens)


def _events(chain: Sequence[Step]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.event_id for s in chain if s.event_id))


def diff_records(
    uow: UnitOfWork, ctx: TractContext, compiler: Compiler, a_id: str, b_id: str
) -> RecordDiff:
    """What changed from record ``a`` to record ``b``."""
    a = find_record(uow, ctx, a_id)
    b = find_record(uow, ctx, b_id)
    in_a, in_b = set(a.effectives), set(b.effectives)
    pos_a = {h: i for i, h in enumerate(a.effectives)}
    pos_b = {h: i for i, h in enumerate(b.effectives)}
    kept = tuple(h for h in b.effectives if h in in_a)
    ca = compile_as_recorded(uow, compiler, a)
    cb = compile_as_recorded(uow, compiler, b)

    to_b = Explainer(Facts(uow, ctx, *_subject(b, cb)))
    gone = [h for h in a.effectives if h not in in_b]
    why_gone = to_b.explain_many(gone)
    recreated: list[Recreated] = []
    removed: list[CommitChange] = []
    claimed: set[str] = set()
    for h in gone:
        e = why_gone[h]
        copy = e.into
        if (
            e.verdict in (REPLACED, EDITED)
            and copy is not None
            and copy in in_b
            and copy not in in_a
            and copy not in claimed
        ):
            claimed.add(copy)
            recreated.append(
                Recreated(h, copy, pos_a[h], pos_b[copy], e.text, e.chain, _events(e.chain))
            )
            continue
        related: tuple[str, ...] = (e.into,) if e.into else ()
        removed.append(
            CommitChange(
                h, pos_a[h], e.verdict, e.brief, e.event_id, related, e.chain, None, e.text
            )
        )

    to_a = Explainer(Facts(uow, ctx, *_subject(a, ca), to_b.facts.tract))
    new = [h for h in b.effectives if h not in in_a and h not in claimed]
    why_new = to_a.explain_many(new)
    origins = blame_commits(
        uow, ctx, new, head=b.head_hash or None, edits=to_b.facts.edit_in_force(),
        hops=to_b.facts.hops,
    )  # fmt: skip
    added = []
    for h in new:
        e = why_new[h]
        origin = origins.get(h)
        before = f"in record a: {e.brief}" if e.verdict != AFTER_RECORD else "new since record a"
        detail = f"{origin.text}; {before}" if origin is not None else before
        text = f"{h[:8]}: {origin.text}. {e.text}" if origin is not None else e.text
        related = origin.commits if origin is not None else ()
        event = origin.event_id if origin is not None else e.event_id
        added.append(
            CommitChange(h, pos_b[h], e.verdict, detail, event, related, e.chain, origin, text)
        )

    notes: list[str] = []
    changed: list[ChangedMessage] = []
    if ca is None or cb is None:
        gone_rec = a if ca is None else b
        notes.append(f"head of record {gone_rec.record_id[:8]} is gone: message texts not compared")
    else:
        pairs = [(h, h) for h in kept] + [(r.old, r.new) for r in recreated]
        changed = _changed(a, b, ca, cb, pairs, to_b.facts)
        order = {h: i for i, h in enumerate(b.effectives)}
        changed.sort(key=lambda m: order.get(m.commit_hash, 0))
    comparable = a.token_source == b.token_source and a.token_source.startswith("tiktoken:")
    if not comparable:
        notes.append(
            f"token sources differ or are not tiktoken ({a.token_source or '-'} vs "
            f"{b.token_source or '-'}): the delta compares different measures"
        )
    return RecordDiff(
        a=a,
        b=b,
        kept=kept,
        added=tuple(added),
        removed=tuple(removed),
        recreated=tuple(recreated),
        changed=tuple(changed),
        token_delta=b.token_count - a.token_count,
        tokens_comparable=comparable,
        notes=tuple(notes),
    )


def _changed(
    a: CompileRecord,
    b: CompileRecord,
    ca: CompiledContext,
    cb: CompiledContext,
    pairs: Sequence[tuple[str, str]],
    facts_b: Facts,
) -> list[ChangedMessage]:
    ia = {h: i for i, h in enumerate(ca.commit_hashes)}
    ib = {h: i for i, h in enumerate(cb.commit_hashes)}
    edits = facts_b.edit_in_force()
    out = []
    for old, new in pairs:
        i, j = ia.get(old), ib.get(new)
        if i is None or j is None:
            continue
        ma, mb = ca.messages[i], cb.messages[j]
        if ma == mb:
            continue
        out.append(
            ChangedMessage(
                commit_hash=new,
                position_a=i,
                position_b=j,
                role_a=ma.role,
                role_b=mb.role,
                text_a=ma.content,
                text_b=mb.content,
                diff=unified(
                    ma.content,
                    mb.content,
                    f"record {a.record_id[:8]} {old[:8]}",
                    f"record {b.record_id[:8]} {new[:8]}",
                ),
                tokens_a=_tokens(ca, i),
                tokens_b=_tokens(cb, j),
                edit_hash=edits.get(new),
                commit_hash_a=old,
            )
        )
    return out


def _tokens(compiled: CompiledContext, i: int) -> int:
    return compiled.message_tokens[i] if i < len(compiled.message_tokens) else 0

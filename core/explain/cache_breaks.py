"""Prefix-cache breaks: where each record stops sharing a prefix with the previous record on
its line, how many tokens the shared prefix held, and how many had to be sent again.

A provider's prompt cache matches the longest identical message prefix. Two messages are
identical when the same blob was sent with the same role (a compress replay keeps the blob, so a
copy does not break the cache; an EDIT or a summary does). The *previous record on the same
line* is the newest earlier record whose head this record's history contains — directly, or
through the operations that rewrote it (a compress replays the old head; its verdict is
``replaced``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from core.explain.blame import blame_commits
from core.explain.facts import Facts, Positions, TractFacts
from core.explain.message_rows import FactsCache, MessageRow, message_rows
from core.explain.models import (
    COMPRESSED,
    EDITED,
    NOT_COMPILED,
    REPLACED,
    SKIPPED,
    USED,
    Subject,
)
from core.explain.verdicts import Explainer
from core.models.records import CompileRecord
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

# Verdicts of an older head that put it on this record's line.
ON_LINE = frozenset({USED, EDITED, SKIPPED, COMPRESSED, REPLACED, NOT_COMPILED})
MAX_LOOKBACK = 16  # earlier records tried when looking for the previous one on the line


@dataclass(frozen=True)
class CacheBreak:
    record_id: str
    previous: str | None  # the previous record on the same line (None: the first one)
    position: int | None  # first diverging message (None: nothing diverged)
    shared_messages: int
    shared_tokens: int  # tokens of the shared prefix (a provider cache can serve them)
    # After the break: tokens the previous record had sent too (its cache could have served
    # them had the prefix held: the cost of the break), and tokens it never sent.
    resent_tokens: int
    new_tokens: int
    reason: str  # what diverged, for people ("" without a break)
    text: str  # one line: "cache break at message 3: the system prompt changed; …"

    @property
    def broken(self) -> bool:
        return self.position is not None


def _facts(uow: UnitOfWork, ctx: TractContext, rec: CompileRecord, tract: TractFacts) -> Facts:
    subject = Subject("record", rec.head_hash or None, rec.created_at, rec.record_id)
    return Facts(uow, ctx, subject, Positions(rec.effectives), tract)


def cache_breaks(
    uow: UnitOfWork,
    ctx: TractContext,
    records: Sequence[CompileRecord],
    wanted: Collection[str] | None = None,
    blobs: FactsCache | None = None,
) -> dict[str, CacheBreak]:
    """A cache break per record (``records`` with their effectives, any order); only for
    the ``wanted`` ones when given (the others are candidates for "previous")."""
    ordered = sorted(records, key=lambda r: (r.created_at, r.record_id))
    tract = TractFacts(uow, ctx)
    blobs = FactsCache() if blobs is None else blobs
    rows: dict[str, list[MessageRow]] = {}
    facts: dict[str, Facts] = {}

    def rows_of(rec: CompileRecord) -> list[MessageRow]:
        if rec.record_id not in rows:
            f = facts.setdefault(rec.record_id, _facts(uow, ctx, rec, tract))
            rows[rec.record_id] = message_rows(f, blobs)
        return rows[rec.record_id]

    out: dict[str, CacheBreak] = {}
    for i, rec in enumerate(ordered):
        if wanted is not None and rec.record_id not in wanted:
            continue
        mine = rows_of(rec)
        f = facts[rec.record_id]
        explainer = Explainer(f)
        previous = None
        for older in reversed(ordered[max(0, i - MAX_LOOKBACK) : i]):
            if older.head_hash and explainer.explain(older.head_hash).verdict in ON_LINE:
                previous = older
                break
        if previous is None:
            total = sum(r.tokens for r in mine)
            out[rec.record_id] = CacheBreak(
                rec.record_id, None, None, 0, 0, 0, total, "", "first record on its line"
            )
            continue
        out[rec.record_id] = _compare(uow, ctx, rec, previous, mine, rows_of(previous), explainer)
    return out


def _compare(
    uow: UnitOfWork,
    ctx: TractContext,
    rec: CompileRecord,
    prev: CompileRecord,
    mine: list[MessageRow],
    theirs: list[MessageRow],
    explainer: Explainer,
) -> CacheBreak:
    n = 0
    for a, b in zip(theirs, mine, strict=False):
        if (a.content_hash, a.role) != (b.content_hash, b.role):
            break
        n += 1
    shared = sum(r.tokens for r in mine[:n])
    rest = mine[n:]
    before = {(r.content_hash, r.role) for r in theirs[n:]}
    resent = sum(r.tokens for r in rest if (r.content_hash, r.role) in before)
    new = sum(r.tokens for r in rest) - resent
    if n == len(theirs):
        text = (
            f"no cache break: the {n} messages of {prev.record_id[:8]} are its prefix; "
            f"{len(rest)} new ({new:,} tokens)"
        )
        return CacheBreak(rec.record_id, prev.record_id, None, n, shared, 0, new, "", text)
    reason = _reason(uow, ctx, rec, theirs[n], mine[n] if n < len(mine) else None, explainer)
    text = f"cache break at message {n}: {reason}; {resent:,} tokens re-sent"
    if new:
        text += f", {new:,} new"
    return CacheBreak(rec.record_id, prev.record_id, n, n, shared, resent, new, reason, text)


def _reason(
    uow: UnitOfWork,
    ctx: TractContext,
    rec: CompileRecord,
    old: MessageRow,
    new: MessageRow | None,
    explainer: Explainer,
) -> str:
    if new is not None and old.role == "system" and new.role == "system":
        return "the system prompt changed"
    e = explainer.explain(old.commit_hash)
    if e.verdict == EDITED and e.edit:
        return f"message {old.position} was edited (EDIT {e.edit[:8]})"
    if e.verdict == COMPRESSED:
        step = next((s for s in e.chain if s.kind == COMPRESSED), None)
        by = f" by {step.event_type} {step.event_id[:8]}" if step and step.event_id else ""
        return f"message {old.position} was compressed into {(e.into or '?')[:8]}{by}"
    if e.verdict == SKIPPED:
        return f"message {old.position} was skipped"
    if e.verdict == USED and new is not None:
        origin = blame_commits(uow, ctx, [new.commit_hash], head=rec.head_hash or None)
        found = origin.get(new.commit_hash)
        came = f" ({found.text})" if found is not None else ""
        return f"a message was inserted before message {old.position}{came}"
    if new is not None and old.commit_hash == new.commit_hash:
        return f"message {old.position} now has another text"
    return f"message {old.position} is {e.verdict.replace('_', ' ')} now"

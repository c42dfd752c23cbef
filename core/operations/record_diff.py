"""The difference between two compile records (for ``tract-tui`` and the TUI's diff view).

Commits kept, added and removed come from the stored effective lists (what was really sent).
Removed commits are explained through operation events ("compressed into 3f2a…"), else by
garbage collection, a SKIP, or history; messages whose text changed between the two records
(an EDIT in between) come from recompiling each record as of its own time.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from core.models.enums import Priority
from core.models.records import CompiledContext, CompileRecord, OperationEvent
from core.operations.compile import Compiler
from core.operations.context import TractContext
from core.operations.records import annotation_text, compile_as_recorded, find_record
from core.storage.repositories import UnitOfWork

SOURCE, RESULT = "source", "result"


@dataclass(frozen=True)
class CommitChange:
    """A commit only one record used, and where it went (or came from)."""

    commit_hash: str
    position: int  # in record a (removed) or record b (added)
    reason: str  # compressed, reorganized, imported, <event type>, replayed, preserved, gc,
    # skipped, not_in_history, not_compiled (removed); <event type>_result, replayed_copy,
    # preserved_copy, reorganize_copy, import_copy, unskipped, new, added (added). Every
    # "*_copy" has ``related`` = (the original,): same content under a new hash.
    detail: str
    event_id: str | None = None
    related: tuple[str, ...] = ()  # the event's results (removed) or sources (added)


@dataclass(frozen=True)
class ChangedMessage:
    commit_hash: str
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


@dataclass(frozen=True)
class RecordDiff:
    a: CompileRecord
    b: CompileRecord
    kept: tuple[str, ...]  # in b's order
    added: tuple[CommitChange, ...]
    removed: tuple[CommitChange, ...]
    changed: tuple[ChangedMessage, ...]
    token_delta: int  # b.token_count − a.token_count (as recorded)
    tokens_comparable: bool
    notes: tuple[str, ...]


def _short(hashes: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(h[:8] for h in hashes[:most]) or "nothing"
    return shown + (f" and {len(hashes) - most} more" if len(hashes) > most else "")


def _event_phrase(ev: OperationEvent, commit_hash: str, role: str) -> tuple[str, str, tuple]:
    """(reason, detail, related) for a commit taking part in an event."""
    if role == SOURCE:
        related = ev.results
        if ev.event_type == "reorganize" and len(ev.sources) == len(ev.results):
            related = (ev.results[ev.sources.index(commit_hash)],)
        verb = {"compress": "compressed", "reorganize": "reorganized", "import": "imported"}
        reason = verb.get(ev.event_type, ev.event_type)
        word = "as" if ev.event_type == "import" else "into"
        return reason, f"{reason} {word} {_short(related)} (event {ev.event_id[:8]})", related
    related = ev.sources
    # A rebase or an import re-creates its sources one for one: a copy, not new content.
    if ev.event_type in ("reorganize", "import") and len(ev.sources) == len(ev.results):
        old = ev.sources[ev.results.index(commit_hash)]
        return (
            f"{ev.event_type}_copy",
            f"re-created from {old[:8]} by {ev.event_type} (event {ev.event_id[:8]})",
            (old,),
        )
    return (
        f"{ev.event_type}_result",
        f"result of {ev.event_type} of {_short(related)} (event {ev.event_id[:8]})",
        related,
    )


def _by_event(
    uow: UnitOfWork, hashes: Sequence[str], role: str
) -> dict[str, tuple[OperationEvent, str]]:
    """Per commit, the newest event in which it plays ``role``."""
    links = uow.events.for_commits(hashes)
    wanted = {eid for h in hashes for eid, r in links.get(h, []) if r == role}
    events = uow.events.get_many(wanted) if wanted else {}
    out: dict[str, tuple[OperationEvent, str]] = {}
    for h in hashes:
        mine = [events[eid] for eid, r in links.get(h, []) if r == role and eid in events]
        if mine:
            out[h] = (max(mine, key=lambda e: (e.created_at, e.event_id)), role)
    return out


def _explain_removed(
    uow: UnitOfWork, b: CompileRecord, removed: list[tuple[int, str]]
) -> list[CommitChange]:
    hashes = [h for _, h in removed]
    via_event = _by_event(uow, hashes, SOURCE)
    stored = uow.commits.get_many(hashes)
    in_force = uow.annotations.in_force(list(stored), b.created_at)
    ancestors: set[str] | None = None
    out = []
    for pos, h in removed:
        if h in via_event:
            ev, role = via_event[h]
            reason, detail, related = _event_phrase(ev, h, role)
            out.append(CommitChange(h, pos, reason, detail, ev.event_id, related))
            continue
        if h not in stored:
            out.append(CommitChange(h, pos, "gc", f"{h[:8]} no longer in the store"))
            continue
        ann = in_force.get(h)
        if ann is not None and ann.priority is Priority.SKIP:
            out.append(CommitChange(h, pos, "skipped", f"skipped ({annotation_text(ann)})"))
            continue
        if ancestors is None:
            ancestors = uow.commits.ancestors([b.head_hash]) if b.head_hash else set()
        if h not in ancestors:
            where = b.head_hash[:8] or "(empty)"
            out.append(CommitChange(h, pos, "not_in_history", f"not in the history of {where}"))
        else:
            out.append(CommitChange(h, pos, "not_compiled", "in history but not compiled"))
    return out


def _explain_added(
    uow: UnitOfWork, a: CompileRecord, added: list[tuple[int, str]]
) -> list[CommitChange]:
    hashes = [h for _, h in added]
    via_event = _by_event(uow, hashes, RESULT)
    stored = uow.commits.get_many(hashes)
    then = uow.annotations.in_force(list(stored), a.created_at)
    out = []
    for pos, h in added:
        if h in via_event:
            ev, role = via_event[h]
            reason, detail, related = _event_phrase(ev, h, role)
            out.append(CommitChange(h, pos, reason, detail, ev.event_id, related))
        elif h in stored and stored[h].created_at > a.created_at:
            out.append(CommitChange(h, pos, "new", "committed after record a"))
        elif then.get(h) is not None and then[h].priority is Priority.SKIP:
            out.append(
                CommitChange(h, pos, "unskipped", f"was skipped in a ({annotation_text(then[h])})")
            )
        else:
            out.append(CommitChange(h, pos, "added", "not used by record a"))
    return out


def _replays(
    uow: UnitOfWork, removed: list[CommitChange], added: list[CommitChange]
) -> tuple[list[CommitChange], list[CommitChange]]:
    """Re-explain commits an event re-created under a new hash (a compress replays the commits
    after its range and re-creates the pinned ones: ``replayed``/``preserved`` in its params).
    Without this they read as "not in history" and "new" although their content stayed."""
    ids = {c.event_id for c in (*removed, *added) if c.event_id}
    events = uow.events.get_many(ids) if ids else {}
    old_to_new: dict[str, tuple[str, OperationEvent, str]] = {}
    for ev in events.values():
        for kind in ("preserved", "replayed"):
            mapping = (ev.params or {}).get(kind)
            if isinstance(mapping, dict):
                for old, new in mapping.items():
                    old_to_new[str(old)] = (str(new), ev, kind)
    if not old_to_new:
        return removed, added
    new_to_old = {new: (old, ev, kind) for old, (new, ev, kind) in old_to_new.items()}
    plain = ("not_in_history", "not_compiled", "new", "added")
    out_removed = []
    for c in removed:
        if c.reason in plain and c.commit_hash in old_to_new:
            new, ev, kind = old_to_new[c.commit_hash]
            detail = f"{kind} as {new[:8]} by {ev.event_type} (event {ev.event_id[:8]})"
            c = CommitChange(c.commit_hash, c.position, kind, detail, ev.event_id, (new,))
        out_removed.append(c)
    out_added = []
    for c in added:
        if c.reason in plain and c.commit_hash in new_to_old:
            old, ev, kind = new_to_old[c.commit_hash]
            detail = f"re-created from {old[:8]} by {ev.event_type} (event {ev.event_id[:8]})"
            c = CommitChange(c.commit_hash, c.position, f"{kind}_copy", detail, ev.event_id, (old,))
        out_added.append(c)
    return out_removed, out_added


def _changed_messages(
    uow: UnitOfWork,
    a: CompileRecord,
    b: CompileRecord,
    ca: CompiledContext,
    cb: CompiledContext,
    kept: Sequence[str],
) -> list[ChangedMessage]:
    pa = {h: i for i, h in enumerate(ca.commit_hashes)}
    pb = {h: i for i, h in enumerate(cb.commit_hashes)}
    pairs = [(h, pa[h], pb[h]) for h in kept if h in pa and h in pb]
    changed = [(h, i, j) for h, i, j in pairs if ca.messages[i] != cb.messages[j]]
    if not changed:
        return []
    edits = uow.commits.edits_of(h for h, _, _ in changed)
    out = []
    for h, i, j in changed:
        ma, mb = ca.messages[i], cb.messages[j]
        in_force = [e for e in edits.get(h, []) if e.created_at <= b.created_at]
        lines = difflib.unified_diff(
            ma.content.splitlines(),
            mb.content.splitlines(),
            fromfile=f"record {a.record_id[:8]} {h[:8]}",
            tofile=f"record {b.record_id[:8]} {h[:8]}",
            lineterm="",
        )
        out.append(
            ChangedMessage(
                commit_hash=h,
                position_a=i,
                position_b=j,
                role_a=ma.role,
                role_b=mb.role,
                text_a=ma.content,
                text_b=mb.content,
                diff=tuple(lines),
                tokens_a=_tokens(ca, i),
                tokens_b=_tokens(cb, j),
                edit_hash=in_force[-1].commit_hash if in_force else None,
            )
        )
    return out


def _tokens(compiled: CompiledContext, i: int) -> int:
    return compiled.message_tokens[i] if i < len(compiled.message_tokens) else 0


def diff_records(
    uow: UnitOfWork, ctx: TractContext, compiler: Compiler, a_id: str, b_id: str
) -> RecordDiff:
    """What changed from record ``a`` to record ``b``."""
    a = find_record(uow, ctx, a_id)
    b = find_record(uow, ctx, b_id)
    in_b = set(b.effectives)
    in_a = set(a.effectives)
    kept = tuple(h for h in b.effectives if h in in_a)
    removed = _explain_removed(
        uow, b, [(i, h) for i, h in enumerate(a.effectives) if h not in in_b]
    )
    added = _explain_added(uow, a, [(i, h) for i, h in enumerate(b.effectives) if h not in in_a])
    removed, added = _replays(uow, removed, added)
    notes: list[str] = []
    ca = compile_as_recorded(uow, compiler, a)
    cb = compile_as_recorded(uow, compiler, b)
    changed: list[ChangedMessage] = []
    if ca is None or cb is None:
        gone = a if ca is None else b
        notes.append(f"head of record {gone.record_id[:8]} is gone: message texts not compared")
    else:
        changed = _changed_messages(uow, a, b, ca, cb, kept)
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
        changed=tuple(changed),
        token_delta=b.token_count - a.token_count,
        tokens_comparable=comparable,
        notes=tuple(notes),
    )

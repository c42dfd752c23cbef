"""The record lens: a mark for every commit relative to one compile, built set-based.

Only commits with a fact of their own get a mark (listed, edited, skipped, an EDIT, taken off
by an operation); everything else is outside the compile, so the lens never reads the whole
history: its cost is the compile's list plus the tract's annotations, edits and events.

Operations are applied newest first: a copy's fate is known (from the compile, or from a later
operation) before the operation that made the copy is looked at — the same answer as following
each commit's chain (``verdicts``), without a walk per commit.
"""

from __future__ import annotations

from collections import Counter

from core.explain import hops as hp
from core.explain.facts import Facts
from core.explain.models import COMPRESSED, EDITED, REPLACED, SKIPPED, USED, Lens


def build_lens(facts: Facts) -> Lens:
    marks: dict[str, str] = {}
    positions: dict[str, int] = {}
    into: dict[str, str] = {}
    in_force = facts.edit_in_force()
    positions.update(facts.position.index())
    marks.update(dict.fromkeys(positions, USED))
    for target, edit in in_force.items():
        marks[target] = EDITED
        marks[edit] = USED
        positions[edit] = positions[target]
    for h in facts.skipped:
        if h not in marks and facts.in_history(h):
            marks[h] = SKIPPED
    pending: list[str] = []  # EDITs in the history whose target is not listed
    for edit, target in facts.edit_target.items():
        if edit in marks or facts.edit_time[edit] > facts.at or not facts.in_history(edit):
            continue
        if target in positions:
            marks[edit] = EDITED
            positions[edit] = positions[target]
        else:
            pending.append(edit)
    resolve = _Resolver(facts, marks, set(pending))
    _apply_operations(facts, marks, into, resolve)
    for edit in pending:
        found = resolve(edit)
        if found is not None:
            marks[edit] = found
    return Lens(facts.subject, marks, positions, into, dict(Counter(marks.values())))


class _Resolver:
    """A commit's mark, resolving an EDIT in the history whose target is not listed to its
    target's fate (as the verdicts do: the edit's text had nowhere to go)."""

    def __init__(self, facts: Facts, marks: dict[str, str], edits: set[str]) -> None:
        self.facts = facts
        self.marks = marks
        self.edits = edits

    def __call__(self, h: str, depth: int = 0) -> str | None:
        found = self.marks.get(h)
        if found is not None or h not in self.edits or depth > 64:
            return found
        target = self.facts.edit_target[h]
        fate = self(target, depth + 1)
        return None if fate in (USED, EDITED) else fate


def _apply_operations(
    facts: Facts, marks: dict[str, str], into: dict[str, str], mark_of: _Resolver
) -> None:
    hops = facts.hops
    maps = {ev.event_id: (pre, rep) for ev, pre, rep in hops.maps()}
    small: dict[str, list[tuple[str, hp.Hop]]] = {}
    for h, found in hops.small_hops():
        for hop in found:
            small.setdefault(hop.event.event_id, []).append((h, hop))
    maybe = facts.maybe_in_history()
    listed = facts.position.index()

    def outside(h: str) -> bool:
        return (h not in maybe and h not in listed) or not facts.in_history(h)

    # The newest operation at or before the compile's time decides a commit (as ``_hop`` does
    # in the verdicts), whether or not it gives it a mark.
    decided: set[str] = set(marks)
    for ev in reversed(hops.ordered):
        if ev.created_at > facts.at:
            continue
        for h, hop in small.get(ev.event_id, ()):
            if h in decided or not outside(h):
                continue
            decided.add(h)
            if hop.kind == hp.COMPRESSED:
                summary = hop.successors[0] if hop.successors else None
                if summary is None:
                    marks[h] = COMPRESSED
                elif mark_of(summary) is not None:
                    marks[h] = COMPRESSED
                    into[h] = summary
            elif hop.kind == hp.DROPPED:
                marks[h] = SKIPPED
            elif hop.kind == hp.STRUCTURAL:
                marks[h] = SKIPPED if h in facts.skipped else REPLACED
            else:
                _copy_mark(marks, into, mark_of, h, hop.successors)
        # Copies after sources: a replayed EDIT's fate can be its target's, summarised here.
        get = marks.get
        for pre_or_rep in maps.get(ev.event_id, ()):
            for old, new in pre_or_rep.items():
                if old in decided or not outside(old):
                    continue
                decided.add(old)
                fate = get(new)
                if fate is None and new in mark_of.edits:
                    fate = mark_of(new)
                if fate == USED:
                    marks[old] = REPLACED
                    into[old] = new
                elif fate is not None:
                    marks[old] = fate
                    if new in into:
                        into[old] = into[new]
                    elif fate == EDITED:
                        into[old] = new
        # A revert leaves the reverted compress's copies behind: they are replaced by their
        # originals (the maps read backwards).
        if ev.event_type == "revert":
            reverted = str((ev.params or {}).get("reverted_event"))
            for pre_or_rep in maps.get(reverted, ()):
                for old, new in pre_or_rep.items():
                    if new not in decided and outside(new):
                        decided.add(new)
                        _copy_mark(marks, into, mark_of, new, (old,))


def _copy_mark(
    marks: dict[str, str],
    into: dict[str, str],
    mark_of: _Resolver,
    old: str,
    successors: tuple[str, ...],
) -> None:
    """``old`` lives on as ``successors``: used becomes replaced, any other fate carries over."""
    fates = [(n, mark_of(n)) for n in successors]
    used = next((n for n, m in fates if m == USED), None)
    if used is not None:
        marks[old] = REPLACED
        into[old] = used
        return
    if not fates:
        return
    first, mark = fates[0]
    if mark is None:
        return
    marks[old] = mark
    if first in into:
        into[old] = into[first]
    elif mark == EDITED:
        into[old] = first

"""The record lens: a mark for every commit relative to one compile, built set-based.

Only commits with a fact of their own get a mark (listed, edited, skipped, an EDIT, taken off
by an operation); everything else is outside the compile, so the lens never reads the whole
history: its cost is the compile's list plus the tract's annotations, edits and events.
"""

from __future__ import annotations

from collections import Counter

from core.explain import hops as hp
from core.explain.facts import Facts
from core.explain.models import (
    COMPRESSED,
    EDITED,
    NOT_IN,
    REPLACED,
    SKIPPED,
    USED,
    Lens,
)


def build_lens(facts: Facts) -> Lens:
    marks: dict[str, str] = {}
    positions: dict[str, int] = {}
    into: dict[str, str] = {}
    in_force = facts.edit_in_force()
    for pos, target in enumerate(facts.position.all()):
        positions[target] = pos
        edit = in_force.get(target)
        if edit is None:
            marks[target] = USED
        else:
            marks[target] = EDITED
            marks[edit] = USED
            positions[edit] = pos
    for h in facts.skipped:
        if h not in marks and facts.in_history(h):
            marks[h] = SKIPPED
    for edit, target in facts.edit_target.items():
        if edit in marks or facts.edit_time[edit] > facts.at or not facts.in_history(edit):
            continue
        if target in positions:
            marks[edit] = EDITED
            positions[edit] = positions[target]
        elif marks.get(target) == SKIPPED:
            marks[edit] = SKIPPED
    for h in facts.hops.removed:
        if h not in marks:
            _follow(facts, h, marks, into, set())
    counts = Counter(marks.values())
    return Lens(facts.subject, marks, positions, into, dict(counts))


def _follow(
    facts: Facts, h: str, marks: dict[str, str], into: dict[str, str], seen: set[str]
) -> str:
    """The mark of a commit an operation took off (in memory: hops only). Mirrors the
    verdicts: a compress source is ``compressed`` unless its summary is outside the compile;
    a copy takes its copy's mark, ``used`` becoming ``replaced``."""
    known = marks.get(h)
    if known is not None:
        return known
    if h in seen or facts.in_history(h):
        return NOT_IN
    seen.add(h)
    hops = [x for x in facts.hops.removed.get(h, ()) if x.event.created_at <= facts.at]
    if not hops:
        return NOT_IN
    hop = hops[-1]
    if hop.kind == hp.COMPRESSED:
        summary = hop.successors[0] if hop.successors else None
        if summary is None:
            mark = COMPRESSED
        else:
            fate = _follow(facts, summary, marks, into, seen)
            mark = NOT_IN if fate == NOT_IN else COMPRESSED
            into[h] = summary
    elif hop.kind == hp.DROPPED:
        mark = SKIPPED
    elif hop.kind == hp.STRUCTURAL:
        mark = SKIPPED if h in facts.skipped else REPLACED
    else:
        fates = [(n, _follow(facts, n, marks, into, seen)) for n in hop.successors]
        used = next((n for n, m in fates if m == USED), None)
        if used is not None:
            mark = REPLACED
            into[h] = used
        else:
            mark = fates[0][1] if fates else NOT_IN
            if fates and fates[0][0] in into:
                into[h] = into[fates[0][0]]
    if mark != NOT_IN:
        marks[h] = mark
    return mark

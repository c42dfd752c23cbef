"""The compile diff as display lines (pure: no Textual), unified or side by side.

A ``RecordDiff`` becomes a flat list of small line records that the Line API view draws one
screen at a time; commit details (badge, tokens, first line) are looked up when a line is
drawn, so building stays O(lines) whatever the records hold.

Commits an operation re-created under a new hash (a compress replays everything after its
range, any number of times) are paired up by the core's diff (``RecordDiff.recreated``), not
listed as removed + added: their content did not change.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core import ChangedMessage, CommitChange, RecordDiff, Recreated


@dataclass(frozen=True, slots=True)
class Title:
    text: str


@dataclass(frozen=True, slots=True)
class Note:
    """An explanation ("↳ compressed into 3f2a…"); ``side`` 0 full width, 1 left, 2 right."""

    text: str
    side: int = 0


@dataclass(frozen=True, slots=True)
class Row:
    sign: str  # "-", "+", " ", "~" (kept, text changed), "≈" (re-created)
    commit_hash: str
    other: str | None = None  # the new hash of a re-created commit


@dataclass(frozen=True, slots=True)
class Pair:
    left: Row | None
    right: Row | None


@dataclass(frozen=True, slots=True)
class PairNote:
    left: str
    right: str


@dataclass(frozen=True, slots=True)
class TextLine:
    """A unified-diff line (its first character says which side)."""

    text: str


@dataclass(frozen=True, slots=True)
class PairText:
    left: tuple[str, str] | None  # (sign, text)
    right: tuple[str, str] | None


Line = Title | Note | Row | Pair | PairNote | TextLine | PairText
BLANK = Note("")


def recreated(diff: RecordDiff) -> dict[str, Recreated]:
    """old hash → its re-created pair (the copy record b lists, however many hops later)."""
    return {r.old: r for r in diff.recreated}


def _recreated_note(r: Recreated) -> str:
    n = len(r.event_ids)
    events = ", ".join(e[:8] for e in r.event_ids)
    return f"↳ copied by {n} operation{'s' * (n != 1)} (event{'s' * (n != 1)} {events})"


def _explained(changes: Iterable[CommitChange], sign: str, skip: set[str], out: list[Line]) -> None:
    """Rows under a note, the note repeated only when the explanation changes."""
    last = None
    for c in changes:
        if c.commit_hash in skip:
            continue
        if c.detail != last:
            out.append(Note(f"↳ {c.detail}"))
            last = c.detail
        out.append(Row(sign, c.commit_hash))


def _unified(diff: RecordDiff, only_changes: bool) -> list[Line]:
    changed = {m.commit_hash for m in diff.changed}
    out: list[Line] = [Title(f"Removed ({len(diff.removed)})")]
    _explained(diff.removed, "-", set(), out)
    out += [BLANK, Title(f"Added ({len(diff.added)})")]
    _explained(diff.added, "+", set(), out)
    if diff.recreated:
        title = f"Re-created with a new hash, same content ({len(diff.recreated)})"
        out += [BLANK, Title(title)]
        last = None
        for r in diff.recreated:
            note = _recreated_note(r)
            if note != last:
                out.append(Note(note))
                last = note
            out.append(Row("≈", r.old, r.new))
    out += [BLANK, Title(f"Changed text ({len(diff.changed)})")]
    for m in diff.changed:
        out.append(Row("~", m.commit_hash))
        out.append(Note(_changed_note(m)))
        out += [TextLine(line) for line in m.diff]
    out += [BLANK, Title(f"Kept ({len(diff.kept)})")]
    if only_changes:
        hidden = len(diff.kept) - len(changed & set(diff.kept))
        out.append(Note(f"{hidden} unchanged commits hidden (o shows them)"))
        out += [Row("~", h) for h in diff.kept if h in changed]
    else:
        out += [Row("~" if h in changed else " ", h) for h in diff.kept]
    return out


def _changed_note(m: ChangedMessage) -> str:
    roles = m.role_a if m.role_a == m.role_b else f"{m.role_a} → {m.role_b}"
    edit = f", EDIT {m.edit_hash[:8]}" if m.edit_hash else ""
    return f"↳ {roles}, {m.tokens_a} → {m.tokens_b} tokens{edit}"


def _side_by_side(diff: RecordDiff, only_changes: bool) -> list[Line]:
    new_to_old = {r.new: r.old for r in diff.recreated}
    changed = {m.commit_hash for m in diff.changed}
    why_removed = {c.commit_hash: c.detail for c in diff.removed}
    why_added = {c.commit_hash: c.detail for c in diff.added}
    a, b = list(diff.a.effectives), list(diff.b.effectives)
    b_keys = [new_to_old.get(h, h) for h in b]
    out: list[Line] = [Title("Commits: record a (left) and record b (right), aligned")]
    if only_changes:
        hidden = len(diff.kept) - len(changed & set(diff.kept))
        out.append(Note(f"{hidden} unchanged commits hidden (o shows them)"))
    last_notes = ("", "")
    matcher = difflib.SequenceMatcher(None, a, b_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                if x == y:
                    if only_changes and x not in changed:
                        continue
                    sign = "~" if x in changed else " "
                    out.append(Pair(Row(sign, x), Row(sign, y)))
                else:
                    out.append(Pair(Row("≈", x), Row("≈", y)))
            continue
        lefts, rights = a[i1:i2], b[j1:j2]
        for k in range(max(len(lefts), len(rights))):
            gone = lefts[k] if k < len(lefts) else None
            came = rights[k] if k < len(rights) else None
            notes = (
                f"↳ {why_removed.get(gone, '')}" if gone else "",
                f"↳ {why_added.get(came, '')}" if came else "",
            )
            shown = (
                notes[0] if notes[0] != last_notes[0] else "",
                notes[1] if notes[1] != last_notes[1] else "",
            )
            if any(shown):
                out.append(PairNote(*shown))
            last_notes = (notes[0] or last_notes[0], notes[1] or last_notes[1])
            out.append(Pair(Row("-", gone) if gone else None, Row("+", came) if came else None))
    out += [BLANK, Title(f"Changed text ({len(diff.changed)})")]
    for m in diff.changed:
        out.append(Pair(Row("~", m.commit_hash_a or m.commit_hash), Row("~", m.commit_hash)))
        out.append(Note(_changed_note(m)))
        out += text_pairs(m.text_a.splitlines(), m.text_b.splitlines())
    return out


def text_pairs(left: Sequence[str], right: Sequence[str]) -> list[Line]:
    """Two texts aligned line by line: equal lines on both sides, changes facing each other."""
    out: list[Line] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += [
                PairText((" ", x), (" ", y)) for x, y in zip(left[i1:i2], right[j1:j2], strict=True)
            ]
            continue
        ls, rs = left[i1:i2], right[j1:j2]
        for k in range(max(len(ls), len(rs))):
            out.append(
                PairText(
                    ("-", ls[k]) if k < len(ls) else None,
                    ("+", rs[k]) if k < len(rs) else None,
                )
            )
    return out


def build_lines(diff: RecordDiff, *, side_by_side: bool, only_changes: bool) -> list[Line]:
    lines = _side_by_side(diff, only_changes) if side_by_side else _unified(diff, only_changes)
    for note in diff.notes:
        lines += [BLANK, Note(f"note: {note}")]
    return lines


def commit_hashes(line: Line) -> tuple[str, ...]:
    """The commits a line shows (their details are fetched when it comes into view)."""
    if isinstance(line, Row):
        return (line.commit_hash,) if line.other is None else (line.commit_hash, line.other)
    if isinstance(line, Pair):
        return tuple(r.commit_hash for r in (line.left, line.right) if r is not None)
    return ()

"""The compile diff as display lines (pure: no Textual), unified or side by side.

A ``RecordDiff`` becomes a flat list of small line records that the Line API view draws one
screen at a time; commit details (badge, tokens, first line) are looked up when a line is
drawn, so building stays O(lines) whatever the records hold.

Changed texts are laid out for a width: a removed line and the added line that replaces it
carry word-level spans (the words that changed are highlighted, not the whole line), and a
line longer than its column wraps onto continuation lines, so nothing is cut off.

Commits an operation re-created under a new hash (a compress replays everything after its
range, any number of times) are paired up by the core's diff (``RecordDiff.recreated``), not
listed as removed + added: their content did not change.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.views.text import cells, char_cells, display_line

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import ChangedMessage, CommitChange, RecordDiff, Recreated

Span = tuple[str, str]  # (op, text): "=" unchanged, "-" removed, "+" added words
Spans = tuple[Span, ...]
TEXT_INDENT = 6  # "    - " before a unified text line


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
    """A line (or a wrapped piece of one) of a changed text, unified.

    ``sign`` is ``-``, ``+``, `` ``, ``@`` (a hunk header) or ``h`` (the ---/+++ labels);
    ``spans`` hold the text already made safe, split where words changed; ``cont`` marks a
    continuation of a wrapped line."""

    sign: str
    spans: Spans
    cont: bool = False

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.spans)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a side-by-side text line (or a wrapped piece of it)."""

    sign: str  # "-", "+", " "
    spans: Spans
    cont: bool = False

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.spans)


@dataclass(frozen=True, slots=True)
class PairText:
    left: Side | None
    right: Side | None


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


def _unified(diff: RecordDiff, only_changes: bool, width: int) -> list[Line]:
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
        out += unified_text(m.diff, width - TEXT_INDENT)
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


def _side_by_side(diff: RecordDiff, only_changes: bool, width: int) -> list[Line]:
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
        out += text_pairs(m.text_a.splitlines(), m.text_b.splitlines(), side_width(width) - 2)
    return out


def side_width(width: int) -> int:
    """The cells of one side of a side-by-side line (`` │ `` between the two)."""
    return max(10, (width - 3) // 2)


def _words(a: str, b: str) -> tuple[Spans, Spans]:
    """Word spans of a removed line and the line that replaced it, made safe."""
    from core import word_spans

    left, right = word_spans(a, b)
    return _safe(left), _safe(right)


def _safe(spans: Sequence[Span]) -> Spans:
    return tuple((op, display_line(t)) for op, t in spans)


def _plain(text: str) -> Spans:
    return (("=", display_line(text)),)


def wrap(spans: Spans, width: int) -> list[Spans]:
    """``spans`` cut into pieces of at most ``width`` cells (at least one, maybe empty), after
    the last space that fits where there is one, else where the width ends."""
    text = "".join(t for _, t in spans)
    cuts = _breaks(text, max(1, width))
    return [_slice(spans, a, b) for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def _breaks(text: str, width: int) -> list[int]:
    cuts: list[int] = []
    start, used, space = 0, 0, -1
    for i, ch in enumerate(text):
        w = char_cells(ch)
        if used + w > width and i > start:
            cut = space + 1 if space >= start and space + 1 > start and space + 1 < i else i
            cuts.append(cut)
            start, space = cut, -1
            used = cells(text[cut:i])
        if ch == " ":
            space = i
        used += w
    return cuts


def _slice(spans: Spans, a: int, b: int) -> Spans:
    """The part of ``spans`` between character offsets ``a`` and ``b`` of their joined text."""
    out: list[Span] = []
    pos = 0
    for op, t in spans:
        lo, hi = max(a, pos), min(b, pos + len(t))
        if lo < hi:
            out.append((op, t[lo - pos : hi - pos]))
        pos += len(t)
    return tuple(out)


def unified_text(lines: Sequence[str], width: int) -> list[Line]:
    """A unified diff's lines, wrapped to ``width``; each run of removed lines faces the added
    lines after it, pair by pair, with the changed words marked."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(("---", "+++")) and i < 2:
            out += _wrapped("h", _plain(line), width)
            i += 1
            continue
        if line.startswith("@@"):
            out += _wrapped("@", _plain(line), width)
            i += 1
            continue
        if not line.startswith("-"):
            out += _wrapped(line[:1] or " ", _plain(line[1:]), width)
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].startswith("-"):
            j += 1
        k = j
        while k < len(lines) and lines[k].startswith("+"):
            k += 1
        removed, added = lines[i:j], lines[j:k]
        pairs = [_words(a[1:], b[1:]) for a, b in zip(removed, added, strict=False)]
        for n, a in enumerate(removed):
            out += _wrapped("-", pairs[n][0] if n < len(pairs) else _plain(a[1:]), width)
        for n, b in enumerate(added):
            out += _wrapped("+", pairs[n][1] if n < len(pairs) else _plain(b[1:]), width)
        i = k
    return out


def _wrapped(sign: str, spans: Spans, width: int) -> list[Line]:
    return [TextLine(sign, p, n > 0) for n, p in enumerate(wrap(spans, width))]


def text_pairs(left: Sequence[str], right: Sequence[str], width: int) -> list[Line]:
    """Two texts aligned line by line: equal lines on both sides, changes facing each other
    with the changed words marked; each side wraps to ``width`` cells."""
    out: list[Line] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for x, y in zip(left[i1:i2], right[j1:j2], strict=True):
                out += _pair(Side(" ", _plain(x)), Side(" ", _plain(y)), width)
            continue
        ls, rs = left[i1:i2], right[j1:j2]
        for k in range(max(len(ls), len(rs))):
            if k < len(ls) and k < len(rs):
                a, b = _words(ls[k], rs[k])
                out += _pair(Side("-", a), Side("+", b), width)
            elif k < len(ls):
                out += _pair(Side("-", _plain(ls[k])), None, width)
            else:
                out += _pair(None, Side("+", _plain(rs[k])), width)
    return out


def _pair(left: Side | None, right: Side | None, width: int) -> list[Line]:
    lp = wrap(left.spans, width) if left is not None else []
    rp = wrap(right.spans, width) if right is not None else []
    out: list[Line] = []
    for n in range(max(len(lp), len(rp))):
        out.append(
            PairText(
                Side(left.sign, lp[n], n > 0) if left is not None and n < len(lp) else None,
                Side(right.sign, rp[n], n > 0) if right is not None and n < len(rp) else None,
            )
        )
    return out


def build_lines(
    diff: RecordDiff, *, side_by_side: bool, only_changes: bool, width: int = 120
) -> list[Line]:
    """The diff's lines laid out for a view ``width`` cells wide (long texts wrap)."""
    lines = (
        _side_by_side(diff, only_changes, width)
        if side_by_side
        else _unified(diff, only_changes, width)
    )
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

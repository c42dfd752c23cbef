"""Render a :class:`~core.views.lanes.RowLayout` as box-drawing text.

Each column is two characters: a glyph, then a connector (``─`` when a horizontal continues to the
next column, else a space). A row renders to exactly ``2 * layout.width`` characters: blank cells
after the last occupied one are left out, the last connector (always a space) is kept; the caller
pads to its fixed graph width.

Glyphs are looked up from the cell's up/down/left/right flags. A horizontal that only passes a
vertical lane is a crossing and the vertical wins (``│``), while a horizontal joining a lane that
also continues is a junction (``┤``, ``├``, ``┼``). The commit glyph depends on the commit only:
callers may override it per row (``commit_glyph=``), never the lane glyphs around it, so
highlighting and markers do not change the structure (lazygit#4246).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.views.lanes import COMMIT, DOWN, LEFT, PASS, RIGHT, UP, RowLayout


@dataclass(frozen=True, slots=True)
class GlyphSet:
    """One character per shape. Names say which sides of the cell a shape connects."""

    commit: str
    merge: str
    root: str
    vertical: str  # also drawn where a horizontal crosses a lane
    horizontal: str
    down_right: str
    down_left: str
    up_right: str
    up_left: str
    up_horizontal: str
    down_horizontal: str
    vertical_right: str
    vertical_left: str
    cross: str  # a join into a lane that continues, with a horizontal on both sides
    connector: str
    blank: str = " "

    def shape(self, flags: int) -> str:
        """Glyph for a non-commit cell with these flags."""
        return _table(self)[flags & (UP | DOWN | LEFT | RIGHT | PASS)]


# Roots use the plain commit glyph: a new tip is never stacked under a root (see lanes.py), so
# no special root glyph is needed; ``dataclasses.replace(UNICODE, root=...)`` adds one.
UNICODE = GlyphSet(
    commit="○",
    merge="◎",
    root="○",
    vertical="│",
    horizontal="─",
    down_right="╭",
    down_left="╮",
    up_right="╰",
    up_left="╯",
    up_horizontal="┴",
    down_horizontal="┬",
    vertical_right="├",
    vertical_left="┤",
    cross="┼",
    connector="─",
)

# Rounded corners become '.' (opening downwards) and "'" (closing upwards): `M-.`, `*-'`, `.-'`.
ASCII = GlyphSet(
    commit="*",
    merge="M",
    root="*",
    vertical="|",
    horizontal="-",
    down_right=".",
    down_left=".",
    up_right="'",
    up_left="'",
    up_horizontal="+",
    down_horizontal="+",
    vertical_right="+",
    vertical_left="+",
    cross="+",
    connector="-",
)

_TABLES: dict[GlyphSet, tuple[str, ...]] = {}


def _table(g: GlyphSet) -> tuple[str, ...]:
    table = _TABLES.get(g)
    if table is None:
        by_sides = {  # bits: right left down up
            0b0000: g.blank,
            0b0001: g.vertical,  # a lane end without a turn does not occur; keep it visible
            0b0010: g.vertical,
            0b0011: g.vertical,
            0b0100: g.horizontal,
            0b0101: g.up_left,
            0b0110: g.down_left,
            0b0111: g.vertical_left,
            0b1000: g.horizontal,
            0b1001: g.up_right,
            0b1010: g.down_right,
            0b1011: g.vertical_right,
            0b1100: g.horizontal,
            0b1101: g.up_horizontal,
            0b1110: g.down_horizontal,
            0b1111: g.cross,
        }
        entries = []
        for f in range(32):
            if f & PASS:
                if f & (UP | DOWN) == UP | DOWN and not f & (LEFT | RIGHT):
                    entries.append(g.vertical)  # crossing: the vertical wins
                    continue
                f |= LEFT | RIGHT
            entries.append(by_sides[f & 0b1111])
        table = _TABLES[g] = tuple(entries)
    return table


def _commit_char(layout: RowLayout, glyphs: GlyphSet) -> str:
    if layout.is_merge:
        return glyphs.merge
    return glyphs.root if layout.is_root else glyphs.commit


def render_row(
    layout: RowLayout, glyphs: GlyphSet = UNICODE, *, commit_glyph: str | None = None
) -> list[tuple[str, int | None]]:
    """Text chunks with their lane colour index (None for blanks); adjacent equal colours merge."""
    table = _table(glyphs)
    commit = commit_glyph if commit_glyph is not None else _commit_char(layout, glyphs)
    chunks: list[tuple[str, int | None]] = []
    text = ""
    colour: int | None = None
    colours = layout.colours
    hcolours = layout.connector_colours
    for i, f in enumerate(layout.cells):
        glyph = commit if f & COMMIT else table[f & 31]
        gc: int | None = colours[i] if f else None
        if f & (RIGHT | PASS):
            conn, cc = glyphs.connector, hcolours[i]
        else:
            conn, cc = glyphs.blank, None
        for ch, c in ((glyph, gc), (conn, cc)):
            if c is None and ch == glyphs.blank:
                c = colour  # a blank takes any colour: keep the chunk going
            if c == colour or not text:
                text += ch
                colour = c
            else:
                chunks.append((text, colour))
                text, colour = ch, c
    if text:
        chunks.append((text, colour))
    return chunks


def render_text(
    layout: RowLayout, glyphs: GlyphSet = UNICODE, *, commit_glyph: str | None = None
) -> str:
    """The row as plain text, ``2 * layout.width`` characters (for golden tests and logs)."""
    table = _table(glyphs)
    commit = commit_glyph if commit_glyph is not None else _commit_char(layout, glyphs)
    parts = []
    for f in layout.cells:
        parts.append(commit if f & COMMIT else table[f & 31])
        parts.append(glyphs.connector if f & (RIGHT | PASS) else glyphs.blank)
    return "".join(parts)

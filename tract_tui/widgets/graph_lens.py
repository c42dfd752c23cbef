"""The record lens in the graph: one cell per row saying what the commit is to one compile.

``enter`` on a record (or ``l`` in the graph) asks the core for a ``Lens`` — a mark for every
commit (docs/explanations.md) — and the graph draws it: a glyph column left of the markers,
the summary or copy a commit went into, and the rows outside the compile dimmed. The legend
line under the graph says what each glyph means and how many rows carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.text import Text
from textual.widgets import Static

from core.views.lane_render import UNICODE, GlyphSet
from tract_tui.widgets.graph_paint import StyleOf

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import Lens

# verdict → (unicode glyph, ascii glyph, component class of GraphView, legend word)
LENS_LOOK: dict[str, tuple[str, str, str, str]] = {
    "used": ("●", "*", "graph--lens-used", "used"),
    "edited": ("✎", "e", "graph--lens-edited", "edited"),
    "skipped": ("⊘", "s", "graph--lens-skipped", "skipped"),
    "compressed": ("↘", "c", "graph--lens-compressed", "compressed"),
    "replaced": ("≈", "r", "graph--lens-replaced", "copied"),
    "after_record": ("…", ".", "graph--lens-out", "after it"),
    "not_in": ("·", ".", "graph--lens-out", "not in it"),
}
LEGEND_STYLE = {
    "used": "green",
    "edited": "yellow",
    "skipped": "red",
    "compressed": "cyan",
    "replaced": "magenta",
    "after_record": "dim",
    "not_in": "dim",
}
OUTSIDE = frozenset({"after_record", "not_in"})  # rows dimmed under the lens


@dataclass(frozen=True)
class LensCell:
    glyph: str
    style_class: str
    into: str | None  # the summary / copy a compressed or replaced commit went into
    outside: bool


def lens_cell(
    lens: Lens, commit_hash: str, created_at: datetime | None, glyphs: GlyphSet = UNICODE
) -> LensCell:
    mark = lens.mark(commit_hash, created_at)
    uni, ascii_, style_class, _ = LENS_LOOK.get(mark, LENS_LOOK["not_in"])
    return LensCell(
        uni if glyphs is UNICODE else ascii_,
        style_class,
        lens.into.get(commit_hash),
        mark in OUTSIDE,
    )


def legend(lens: Lens, relative_to: str) -> Text:
    """``lens: record 28ee6257 (selected) ● used 32 ✎ edited 1 … · escape leaves``."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("lens ", style="bold")
    out.append(lens.subject.label, style="yellow")
    out.append(f" ({relative_to})", style="dim")
    counts = lens.counts
    for verdict, (glyph, _, _, word) in LENS_LOOK.items():
        if verdict == "after_record" and not counts.get(verdict):
            continue
        out.append("  ")
        out.append(glyph, style=f"bold {LEGEND_STYLE[verdict]}")
        n = counts.get(verdict)
        count = f" {n}" if n is not None and verdict != "not_in" else ""
        out.append(f" {word}{count}")
    out.append("  (escape leaves)", style="dim")
    return out


def apply_lens(segments: list[Segment], cell: LensCell, style: StyleOf) -> list[Segment]:
    """A row's segments (``row_segments``: marks, space, hash, space, …) under the lens: the
    glyph in front, the summary or copy after the hash."""
    out = [Segment(cell.glyph, style(cell.style_class)), Segment(" "), *segments]
    if cell.into is not None and len(out) >= 6:
        out.insert(6, Segment(f"→{cell.into[:8]} ", style(cell.style_class)))
    return out


class LensBar(Static):
    """The legend line under the graph while a lens is on (hidden otherwise)."""

    DEFAULT_CSS = """
    LensBar { height: 1; background: $boost; padding: 0 1; display: none; }
    """

    def show_lens(self, lens: Lens | None, relative_to: str = "") -> None:
        self.display = lens is not None
        self.update(legend(lens, relative_to) if lens is not None else "")

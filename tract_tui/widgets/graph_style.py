"""How a graph row looks: lane colours, the marker column, token figures."""

from __future__ import annotations

from core.models.enums import CommitOperation, Priority
from core.views.graph_rows import RowInfo
from core.views.lane_render import UNICODE, GlyphSet

# Stable per-lane colours (lane colour index → colour) on a dark theme, and the same hues
# darkened for a light one (the light ones vanish on white).
LANE_COLOURS = (
    "#5fafff",
    "#87d75f",
    "#ffaf5f",
    "#d787ff",
    "#5fd7d7",
    "#ff875f",
    "#d7d75f",
    "#af87af",
)
LANE_COLOURS_LIGHT = (
    "#0057a8",
    "#2f7d00",
    "#a34f00",
    "#8a2fb8",
    "#00777a",
    "#b83a0f",
    "#6f6a00",
    "#7d4f7d",
)

# Marker column: our state (pins, edits, summaries), kept apart from the lane glyphs.
UNICODE_MARKS = {
    "pinned": "▲",
    "important": "★",
    "skipped": "⊘",
    "edited": "✎",
    "edit": "±",
    "summary": "Σ",
    "source": "◌",
    "copy": "≈",
    "anchor": "▶",
}
ASCII_MARKS = {
    "pinned": "P",
    "important": "I",
    "skipped": "S",
    "edited": "e",
    "edit": "E",
    "summary": "Z",
    "source": "o",
    "copy": "c",
    "anchor": ">",
}


# Content types tract-ai c2f26dd treats apart (config and metadata never compile, reasoning is
# skipped by default) carry a glyph before their badge, so they read apart from dialogue.
UNICODE_TYPE_GLYPHS = {"config": "⚙", "metadata": "≡", "reasoning": "∴"}
ASCII_TYPE_GLYPHS = {"config": "%", "metadata": "=", "reasoning": "~"}


def badge_for(info: RowInfo, glyphs: GlyphSet = UNICODE) -> str:
    table = UNICODE_TYPE_GLYPHS if glyphs is UNICODE else ASCII_TYPE_GLYPHS
    glyph = table.get(info.content_type)
    if glyph is None:
        return info.badge
    return glyph + ("thk" if info.content_type == "reasoning" else info.badge[:4])


def marks_for(info: RowInfo | None, *, anchored: bool = False, glyphs: GlyphSet = UNICODE) -> str:
    """Two cells: priority/anchor first, then what happened to the commit."""
    marks = UNICODE_MARKS if glyphs is UNICODE else ASCII_MARKS
    first = " "
    second = " "
    if anchored:
        first = marks["anchor"]
    elif info is not None and info.pinned and info.priority_explicit:
        first = marks["pinned"]
    elif info is not None and info.priority is Priority.IMPORTANT:
        first = marks["important"]
    elif info is not None and info.skipped:
        first = marks["skipped"]
    if info is not None:
        if info.summary:
            second = marks["summary"]
        elif info.operation is CommitOperation.EDIT:
            second = marks["edit"]
        elif info.edited:
            second = marks["edited"]
        elif info.copy:
            second = marks["copy"]
        elif info.source:
            second = marks["source"]
    return first + second


def format_tokens(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 10_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"

"""Drawing one graph row: lanes, marks, hash, ref labels, badge, tokens and message.

Pure functions of the row's data and a style lookup, so ``GraphView`` keeps the state and the
keys, and this keeps the look. Stored text (labels, messages) is made safe before it is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from core.views.graph_rows import PREVIEW_CHARS, RowInfo
from core.views.lane_render import GlyphSet, render_row
from core.views.lanes import RowLayout
from core.views.text import display_line, first_line, fit
from tract_tui.widgets.graph_style import (
    LANE_COLOURS,
    LANE_COLOURS_LIGHT,
    badge_for,
    format_tokens,
    marks_for,
)

StyleOf = Callable[[str], Style]  # component class → style
LANE_PAD = 24  # lanes wider than this are not padded to line the messages up


def lane_segments(
    layout: RowLayout, glyphs: GlyphSet, base: Style, *, dark: bool = True
) -> list[Segment]:
    """The lane glyphs of a row, each lane in its colour (a darker set on a light theme)."""
    palette = LANE_COLOURS if dark else LANE_COLOURS_LIGHT
    out = []
    for text, colour in render_row(layout, glyphs):
        style = base if colour is None else base + Style(color=palette[colour % len(palette)])
        out.append(Segment(text, style))
    return out


def row_segments(
    commit_hash: str,
    info: RowInfo | None,
    labels: Sequence[str],
    *,
    unreachable: bool,
    anchored: bool,
    matched: bool,
    glyphs: GlyphSet,
    style: StyleOf,
) -> list[Segment]:
    """Everything right of the lanes."""
    hash_style = style("graph--dim") if unreachable else style("graph--hash")
    out = [
        Segment(marks_for(info, anchored=anchored, glyphs=glyphs), style("graph--mark")),
        Segment(" "),
        Segment(commit_hash[:8], hash_style),
        Segment(" "),
    ]
    for label in labels:
        out.append(
            Segment(
                f"({display_line(label)})",  # a branch name is stored text too
                style("graph--head") if label.startswith("HEAD") else style("graph--label"),
            )
        )
        out.append(Segment(" "))
    if info is None:
        out.append(Segment("…", style("graph--placeholder")))
        return out
    if unreachable:
        text_style = style("graph--dim")
    elif not info.compiles:  # config / metadata at c2f26dd: stored, never sent
        text_style = style("graph--uncompiled")
    else:
        text_style = style("graph--skipped") if info.skipped else Style()
    out += [
        Segment(fit(display_line(badge_for(info, glyphs)), 5), style("graph--badge")),
        Segment(f"{format_tokens(info.token_count):>6} ", style("graph--tokens")),
    ]
    for tag in info.tags:  # stored names: made safe like any stored text
        out.append(Segment(f"#{display_line(tag)}", style("graph--tag")))
        out.append(Segment(" "))
    match_style = style("graph--match") if matched else Style()
    message = info.headline  # the content's opening when the stored message was cut short
    if info.damaged:  # what the quick check or verify would say about this row
        message = f"⚠ damaged ({'; '.join(info.damage)}) {message}"
    out.append(Segment(first_line(message, PREVIEW_CHARS), text_style + match_style))
    return out


def overlay(strip: Strip, style: Style) -> Strip:
    """Put ``style`` over every segment (its background wins over the segments' own)."""
    return Strip(Segment.apply_style(strip, post_style=style), strip.cell_length)

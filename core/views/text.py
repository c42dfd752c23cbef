"""Stored text made safe to show: data, never markup or terminal control.

Commit text can hold anything an LLM or a tool printed: ANSI/OSC escape sequences, carriage
returns, bidi overrides, zero-width characters. Every screen and every plain-text report passes
stored text through these functions, which turn control characters into visible escapes
(``\\x1b``) so nothing can move the cursor, retitle the terminal or reorder a line. Rich markup
needs no escaping here because the TUI builds ``Text``/segments, never markup strings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

# C0 and C1 controls (DEL included), line/paragraph separators, bidi embeddings/overrides and
# isolates, and the zero-width characters that can hide or join text invisibly.
_HIDDEN = (
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x180E,
    0x200B,
    0x200C,
    0x200D,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    0x2060,
    *range(0x2066, 0x206A),
    0xFEFF,
)
_LINE: dict[int, str] = {cp: (f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}") for cp in _HIDDEN}
_LINE[0x09] = " "  # a tab is harmless, but keep columns intact
_LINE[0x0A] = "\\n"
_LINE[0x0D] = "\\r"
_BLOCK = dict(_LINE)
_BLOCK[0x0A] = "\n"  # a block keeps its line breaks
_BLOCK[0x09] = "    "


def display_line(text: object) -> str:
    """``text`` as one safe line."""
    return str(text).translate(_LINE)


def display_block(text: object) -> str:
    """``text`` with its line breaks kept and every other control made visible."""
    return str(text).replace("\r\n", "\n").translate(_BLOCK)


@lru_cache(maxsize=4096)
def char_cells(char: str) -> int:
    """Terminal cells of one character: 2 for East Asian wide and full-width characters (CJK,
    most emoji), 0 for combining marks and format characters, else 1."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


Span = tuple[int, int, int]  # (start, end, cells) of one grapheme of a string


def _own_cells(text: str) -> int:
    return sum(char_cells(ch) for ch in text)


def _own_graphemes(text: str) -> list[Span]:
    """One span per character, zero-width ones joined to the character before."""
    spans: list[Span] = []
    for i, ch in enumerate(text):
        width = char_cells(ch)
        if width == 0 and spans:
            start, _, before = spans[-1]
            spans[-1] = (start, i + 1, before)
        else:
            spans.append((i, i + 1, width))
    return spans


# The width function every measure here uses. The app's renderer (Rich, under Textual) has its
# own tables (an emoji with VS16, 🏳️, takes 2 cells there, 1 by East Asian width alone); the
# app installs them (``use_cell_width``) so a column we pad is the width Textual draws. Without
# them (core on its own) the East Asian width rule above applies.
_measure: Callable[[str], int] = _own_cells
_graphemes: Callable[[str], list[Span]] = _own_graphemes


def use_cell_width(measure: Callable[[str], int], graphemes: Callable[[str], list[Span]]) -> None:
    """Measure cells with ``measure`` and cut text between the ``graphemes`` it reports."""
    global _measure, _graphemes
    _measure, _graphemes = measure, graphemes


def cells(text: str) -> int:
    """Terminal cells ``text`` takes: what columns and widths are measured in."""
    if text.isascii():
        return len(text)
    return _measure(text)


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal cells, an ellipsis marking the cut.

    Measured in cells, not characters: sixty CJK characters take 120 cells, and a column of
    60 must hold thirty of them (minus one cell for the ellipsis). A grapheme (an emoji with
    its variation selector) is never split."""
    if width <= 0:
        return ""
    if cells(text) <= width:
        return text
    room = width - 1  # the ellipsis takes one cell
    if text.isascii():
        return text[:room] + "…"
    used = 0
    for start, _end, size in _graphemes(text):
        used += size
        if used > room:
            return text[:start] + "…"
    return text  # unreachable: the text was wider than width


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` cells (never cut)."""
    fill = " " * max(0, width - cells(text))
    return fill + text if right else text + fill


def fit(text: str, width: int, *, right: bool = False) -> str:
    """``text`` cut or padded to exactly ``width`` cells (a table column)."""
    return pad(truncate(text, width), width, right=right)


def first_line(text: str | None, width: int | None = None) -> str:
    """The first non-empty line of ``text``, made safe, cut to ``width`` cells."""
    if not text:
        return ""
    stripped = text.strip()
    line = stripped.splitlines()[0] if stripped else ""
    line = display_line(line)
    return line if width is None else truncate(line, width)

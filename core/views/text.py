"""Stored text made safe to show: data, never markup or terminal control.

Commit text can hold anything an LLM or a tool printed: ANSI/OSC escape sequences, carriage
returns, bidi overrides, zero-width characters. Every screen and every plain-text report passes
stored text through these functions, which turn control characters into visible escapes
(``\\x1b``) so nothing can move the cursor, retitle the terminal or reorder a line. Rich markup
needs no escaping here because the TUI builds ``Text``/segments, never markup strings.
"""

from __future__ import annotations

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


def first_line(text: str | None, width: int | None = None) -> str:
    """The first non-empty line of ``text``, made safe, shortened to ``width``."""
    if not text:
        return ""
    stripped = text.strip()
    line = stripped.splitlines()[0] if stripped else ""
    line = display_line(line)
    if width is not None and len(line) > width:
        line = line[: max(0, width - 1)] + "…"
    return line

"""Plain-text output for the CLI: stored text is data, never markup or terminal control.

The CLI prints with ``print`` (no Rich), and everything that came from a store or from a user
goes through :func:`plain` first, so an ESC, a newline or a bidi override in a commit message
or branch name shows up escaped instead of moving the cursor or reordering the line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from core.views.text import display_line


def plain(text: object) -> str:
    """``text`` as one safe line of plain text (the TUI's rules: ``core.views.text``)."""
    return display_line(text)


def first_line(text: str | None, width: int = 60) -> str:
    """The first line of a stored message, shortened to ``width`` characters, made plain."""
    if not text:
        return ""
    line = text.strip().splitlines()[0] if text.strip() else ""
    if len(line) > width:
        line = line[: width - 1] + "…"
    return plain(line)


def out(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stdout)


def err(message: str) -> None:
    print(f"tract-tui: {plain(message)}", file=sys.stderr)


def width(text: str) -> int:
    """Terminal cells of ``text`` (CJK and emoji take two): what columns are aligned by."""
    from rich.cells import cell_len

    return cell_len(text)


def pad(text: str, cells: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``cells`` terminal cells (never cut)."""
    fill = " " * max(0, cells - width(text))
    return fill + text if right else text + fill


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Left-aligned first column, right-aligned others; cells are made plain."""
    cells = [[plain(c) for c in r] for r in rows]
    widths = [max([width(h), *(width(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def fmt(row: Sequence[str]) -> str:
        first = pad(row[0], widths[0])
        rest = (pad(c, w, right=True) for c, w in zip(row[1:], widths[1:], strict=True))
        return "  ".join((first, *rest)).rstrip()

    return [fmt(list(headers)), *(fmt(r) for r in cells)]

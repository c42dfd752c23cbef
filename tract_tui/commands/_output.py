"""Plain-text output for the CLI: stored text is data, never markup or terminal control.

The CLI prints with ``print`` (no Rich), and everything that came from a store or from a user
goes through :func:`plain` first, so an ESC, a newline or a bidi override in a commit message
or branch name shows up escaped instead of moving the cursor or reordering the line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from core.views.text import cells, display_line
from core.views.text import first_line as _first_line
from core.views.text import pad as pad


def plain(text: object) -> str:
    """``text`` as one safe line of plain text (the TUI's rules: ``core.views.text``)."""
    return display_line(text)


def first_line(text: str | None, width: int = 60) -> str:
    """The first line of a stored message, made plain, cut to ``width`` terminal cells."""
    return _first_line(text, width)


def out(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stdout)


def err(message: str) -> None:
    print(f"tract-tui: {plain(message)}", file=sys.stderr)


def width(text: str) -> int:
    """Terminal cells of ``text`` (CJK and emoji take two): what columns are aligned by."""
    return cells(text)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Left-aligned first column, right-aligned others; cells are made plain."""
    cells = [[plain(c) for c in r] for r in rows]
    widths = [max([width(h), *(width(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def fmt(row: Sequence[str]) -> str:
        first = pad(row[0], widths[0])
        rest = (pad(c, w, right=True) for c, w in zip(row[1:], widths[1:], strict=True))
        return "  ".join((first, *rest)).rstrip()

    return [fmt(list(headers)), *(fmt(r) for r in cells)]

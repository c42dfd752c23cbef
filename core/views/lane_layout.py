"""What the lane pass produces: cell flags, the per-row layout, lanes and checkpoints.

Plain immutable data shared by :mod:`core.views.lanes` (which computes it) and
:mod:`core.views.lane_render` (which draws it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol


class FirstRows(Protocol):
    """Commit id → the first row it was emitted on: a dict, or the graph model's own index
    (``core.views.row_store.RowStore``), so a million rows are indexed once."""

    def get(self, commit_id: str, /) -> int | None: ...

    def setdefault(self, commit_id: str, row: int, /) -> int: ...


# Cell flags. A cell is the glyph position of one column on one row.
UP = 1  # a lane enters the cell from the row above
DOWN = 2  # a lane leaves the cell towards the row below
LEFT = 4  # a horizontal segment ends in this cell, coming from the left
RIGHT = 8  # a horizontal segment ends in this cell, leaving to the right
PASS = 16  # a horizontal segment passes through without joining (a crossing when vertical)
COMMIT = 32  # the row's commit sits here

NO_COLOUR = -1
DEFAULT_PALETTE_SIZE = 8


class Cell(NamedTuple):
    """Readable view of one cell of a :class:`RowLayout`."""

    up: bool
    down: bool
    left: bool  # joined by a horizontal from the left
    right: bool  # joined by a horizontal to the right
    crossed: bool  # a horizontal passes through without joining
    commit: bool
    colour: int  # colour of the glyph (-1: blank)
    connector_colour: int  # colour of the connector after the glyph (-1: none)


@dataclass(frozen=True, slots=True)
class RowLayout:
    """How one row is drawn. Cells are trimmed after the last non-empty one.

    ``cells[i]`` is a bitmask of the flags above; ``colours[i]`` the glyph's colour index and
    ``connector_colours[i]`` the colour of the connector between column i and i + 1 (there is a
    connector iff ``cells[i] & (RIGHT | PASS)``). Where lanes cross, the glyph takes the colour of
    the vertical lane. ``parent_columns`` is aligned with the row's input parents: the column in
    which the edge to that parent leaves the row, or -1 when it is broken.
    """

    commit_id: str
    column: int
    is_merge: bool
    is_root: bool
    cells: tuple[int, ...]
    colours: tuple[int, ...]
    connector_colours: tuple[int, ...]
    parent_columns: tuple[int, ...]
    broken_parents: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        """Occupied columns; the rendered row is ``2 * width`` characters."""
        return len(self.cells)

    def cell(self, column: int) -> Cell:
        inside = 0 <= column < len(self.cells)
        f = self.cells[column] if inside else 0
        up, down, left, right, crossed, commit = (
            bool(f & bit) for bit in (UP, DOWN, LEFT, RIGHT, PASS, COMMIT)
        )
        colour, connector = (
            (self.colours[column], self.connector_colours[column])
            if inside
            else (NO_COLOUR, NO_COLOUR)
        )
        return Cell(up, down, left, right, crossed, commit, colour, connector)


class Lane(NamedTuple):
    column: int
    waits_for: str
    colour: int


@dataclass(frozen=True, slots=True)
class LaneCheckpoint:
    """Immutable copy of a :class:`LaneState` after ``row`` rows."""

    row: int
    waits_for: tuple[str | None, ...]
    colours: tuple[int, ...]
    usage: tuple[int, ...]
    avoid_column: int
    # Append-only index shared with the state it came from; not part of the value.
    emitted: FirstRows = field(compare=False, repr=False, hash=False)

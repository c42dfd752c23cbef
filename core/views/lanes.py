"""Streaming lane assignment ("pipes") for the commit graph, as tig graph v2 and lazygit do it.

Rows arrive in display order, newest first and topologically sorted (every child before its
parents). Between two rows the state is a list of **lanes**: column ``i`` waits for one commit
id (or is a hole, ``None``) and has a stable colour index. :meth:`LaneState.step` processes one row
in O(w) typical time, w = live lanes, and returns a :class:`RowLayout`: one text line per commit,
on which every fork, merge and lane shift of that commit is drawn (tig style).

Per row:

1. **Column.** The leftmost lane waiting for the commit, slid left over any holes directly beside
   it (except the previous row's lane-ending column, see 6.), so a chain never stays indented
   after a lane to its left ended. A tip nobody waits for takes the first free column (as tig).
2. **Fork point.** Every other lane waiting for the commit ends here, drawn as a horizontal turning
   into the commit (``○─╯``, ``○─┴─╯``).
3. **Continue.** The commit's own lane now waits for its first parent, even if another lane
   already does (the first-parent line stays straight); a root ends it.
4. **Merge.** Each further parent reuses a lane already waiting for it (drawn ``─┤``), else starts
   a lane in the first cell that is empty on this row and not held by a continuing lane (``─╮``).
   The horizontal may cross continuing lanes: the vertical wins (``◎─│─╮``).
5. **Compact.** Every continuing lane not crossed on this row slides left over cells that are empty
   on this row (``╭─╯``). A cell used by anything else on the row blocks the slide, so a shift never
   overlaps another connector; it then happens one row later, as in tig.
6. **Ambiguity.** Neither a new tip nor a sliding commit takes the column in which the previous
   row's commit ended its lane: two commit glyphs stacked in one column read as child and parent
   (lazygit#5497).

Parents already emitted above (input not topological, e.g. clock skew) open no lane and are
reported in ``RowLayout.broken_parents``; duplicate parents are ignored; a parent that never shows
up keeps its lane to the bottom. Nothing here raises on bad input.

Checkpoints: :meth:`LaneState.snapshot` copies O(w) data. To detect parents emitted above, states
and their snapshots share one append-only index ``commit id -> first row``; it stays valid because
a checkpoint is only ever resumed over the same row sequence it was taken on (about 80 bytes per
row; a new row order needs a fresh ``LaneState``).

Rendering to text lives in :mod:`core.views.lane_render`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from core.views.lane_layout import (
    COMMIT,
    DEFAULT_PALETTE_SIZE,
    DOWN,
    LEFT,
    NO_COLOUR,
    PASS,
    RIGHT,
    UP,
    Cell,
    FirstRows,
    Lane,
    LaneCheckpoint,
    RowLayout,
)

__all__ = [
    "COMMIT",
    "DEFAULT_PALETTE_SIZE",
    "DOWN",
    "LEFT",
    "NO_COLOUR",
    "PASS",
    "RIGHT",
    "UP",
    "Cell",
    "Lane",
    "LaneCheckpoint",
    "LaneState",
    "RowLayout",
    "layout_rows",
]

# Shared immutable tuples keep the common rows lean (and fast): rows kept by the caller share them.
_SINGLE_COLUMN = tuple((i,) for i in range(64))
_NO_PARENT_COLUMN = (-1,)
_NO_CONNECTORS = tuple((NO_COLOUR,) * n for n in range(64))
_STRAIGHT_CELLS: dict[tuple[int, int, bool], tuple[int, ...]] = {}  # (width, column, continues)


def _hline(flags: list[int], gcol: list[int], hcol: list[int], a: int, b: int, colour: int) -> None:
    """Draw a horizontal between columns a and b; earlier segments keep their colours."""
    lo, hi = (a, b) if a < b else (b, a)
    flags[lo] |= RIGHT
    flags[hi] |= LEFT
    for k in range(lo + 1, hi):
        flags[k] |= PASS
        if gcol[k] < 0:
            gcol[k] = colour
    for k in range(lo, hi):
        if hcol[k] < 0:
            hcol[k] = colour


def _parent_columns(
    parents: Sequence[str], valid: list[str], columns: Sequence[int]
) -> tuple[int, ...]:
    """Column of each input parent's edge, -1 for broken or empty parents."""
    if len(parents) == 1:
        if not valid:
            return _NO_PARENT_COLUMN
        c = columns[0]
        return _SINGLE_COLUMN[c] if c < 64 else (c,)
    where = dict(zip(valid, columns, strict=False))  # no valid parent: nothing to map
    return tuple(where.get(p, -1) for p in parents)


class LaneState:
    """The lanes between two rows. Feed rows with :meth:`step`."""

    __slots__ = ("_avoid", "_colours", "_emitted", "_ids", "_row", "_usage")

    def __init__(
        self, palette_size: int = DEFAULT_PALETTE_SIZE, emitted: FirstRows | None = None
    ) -> None:
        self._ids: list[str | None] = []
        self._colours: list[int] = []
        self._usage: list[int] = [0] * max(1, palette_size)
        self._row = 0
        self._avoid = -1
        # commit id → first row. A caller that keeps the same index (the graph model: hash →
        # row) may pass it, so a million rows are indexed once, not twice.
        self._emitted: FirstRows = {} if emitted is None else emitted

    # -- inspection ---------------------------------------------------------------------------

    @property
    def row(self) -> int:
        """Number of rows processed so far."""
        return self._row

    @property
    def width(self) -> int:
        return len(self._ids)

    @property
    def lanes(self) -> tuple[Lane, ...]:
        return tuple(
            Lane(i, w, c)
            for i, (w, c) in enumerate(zip(self._ids, self._colours, strict=True))
            if w is not None
        )

    # -- checkpoints --------------------------------------------------------------------------

    def snapshot(self) -> LaneCheckpoint:
        return LaneCheckpoint(
            self._row,
            tuple(self._ids),
            tuple(self._colours),
            tuple(self._usage),
            self._avoid,
            self._emitted,
        )

    @classmethod
    def from_snapshot(cls, checkpoint: LaneCheckpoint) -> LaneState:
        state = cls.__new__(cls)
        state._ids = list(checkpoint.waits_for)
        state._colours = list(checkpoint.colours)
        state._usage = list(checkpoint.usage)
        state._row = checkpoint.row
        state._avoid = checkpoint.avoid_column
        state._emitted = checkpoint.emitted
        return state

    # -- the pass -----------------------------------------------------------------------------

    def _new_colour(self) -> int:
        usage = self._usage
        return usage.index(min(usage))  # least used, lowest index on ties

    def _tip_column(self) -> int:
        avoid = self._avoid
        for i, w in enumerate(self._ids):
            if w is None and i != avoid:
                return i
        n = len(self._ids)
        return n + 1 if n == avoid else n

    def _straight_row(
        self, commit_id: str, parents: Sequence[str], col: int, valid: list[str], broken: list[str]
    ) -> RowLayout:
        """Fast path, most rows: one lane arrives, no holes, at most one parent continues.

        Every other lane then goes straight down: with no free cell on the row, nothing slides.
        """
        ids = self._ids
        colours = self._colours
        n = len(ids)
        cells = _STRAIGHT_CELLS.get((n, col, bool(valid)))
        if cells is None:
            flags = [UP | DOWN] * n
            flags[col] = COMMIT | UP | DOWN if valid else COMMIT | UP
            cells = tuple(flags)
            if n < 64:
                _STRAIGHT_CELLS[n, col, bool(valid)] = cells
        glyph_colours = tuple(colours)
        if valid:
            ids[col] = valid[0]  # in place: snapshots hold their own tuples
            self._avoid = -1
        else:
            self._usage[colours[col]] -= 1
            ids[col] = None
            colours[col] = NO_COLOUR
            while ids and ids[-1] is None:
                ids.pop()
                colours.pop()
            self._avoid = col
        return RowLayout(
            commit_id,
            col,
            len(broken) + len(valid) > 1,
            not valid and not broken,
            cells,
            glyph_colours,
            _NO_CONNECTORS[n] if n < 64 else (NO_COLOUR,) * n,
            _parent_columns(parents, valid, (col,)),
            tuple(broken) if broken else (),
        )

    def step(self, commit_id: str, parents: Sequence[str] = ()) -> RowLayout:
        """Lay out the next row: ``commit_id`` with ``parents``, first parent first."""
        ids = self._ids
        row = self._row
        self._row = row + 1
        self._emitted.setdefault(commit_id, row)  # a duplicate id keeps its first row
        valid, broken = self._split_parents(parents, row)
        try:
            top = ids.index(commit_id)
        except ValueError:
            top = -1
        if top >= 0 and len(valid) < 2 and None not in ids and ids.count(commit_id) == 1:
            return self._straight_row(commit_id, parents, top, valid, broken)

        n = len(ids)
        col, own = self._column(top, bool(valid))  # 1.
        row_ = _Row(n + len(valid) + 2)
        row_.flags[col] = COMMIT | UP if top == col else COMMIT
        row_.gcol[col] = own
        if top >= 0 and (top != col or ids.count(commit_id) > 1):
            self._fork(row_, commit_id, top, col)  # 2.
        if valid:  # 3.
            row_.flags[col] |= DOWN
            row_.ids[col] = valid[0]
            row_.colours[col] = own
        elif top >= 0:
            self._usage[own] -= 1
        merges = [self._merge(row_, col, p) for p in valid[1:]]  # 4.
        self._compact(row_, commit_id)  # 5.
        return self._finish(row_, commit_id, parents, col, valid, broken, merges)  # 6.

    # -- the pieces of a row (numbered as in the module docstring) ---------------------------

    def _split_parents(self, parents: Sequence[str], row: int) -> tuple[list[str], list[str]]:
        """(valid, broken): parents emitted above (or the commit itself) get no lane — the
        graph would run upwards; empty and repeated parents are dropped."""
        emitted = self._emitted
        valid: list[str] = []
        broken: list[str] = []
        for p in parents:
            if not p:  # e.g. a NULL parent_hash passed through: no edge
                continue
            first = emitted.get(p)
            if first is not None and first <= row:
                if p not in broken:
                    broken.append(p)
            elif p not in valid:
                valid.append(p)
        return valid, broken

    def _column(self, top: int, continues: bool) -> tuple[int, int]:
        """1. The commit's column and colour: its lane slid left over holes, or a new tip's."""
        if top < 0:
            own = self._new_colour()
            if continues:
                self._usage[own] += 1
            return self._tip_column(), own
        ids = self._ids
        col = top
        while col and ids[col - 1] is None and col - 1 != self._avoid:
            col -= 1
        return col, self._colours[top]

    def _fork(self, row: _Row, commit_id: str, top: int, col: int) -> None:
        """2. Every other lane waiting for the commit turns into its cell (and ends)."""
        ids, colours, usage = self._ids, self._colours, self._usage
        for t in range(top, len(ids)):
            if ids[t] == commit_id and t != col:
                c = colours[t]
                row.flags[t] |= UP
                row.gcol[t] = c
                row.hline(col, t, c)
                if t != top:
                    usage[c] -= 1

    def _merge(self, row: _Row, col: int, parent: str) -> int:
        """4. A further parent: join the lane already waiting for it, else open one in the
        first cell free on this row. Returns the parent's column."""
        ids = self._ids
        if parent in ids:
            j = ids.index(parent)  # pinned by the join
            row.hline(col, j, self._colours[j])
            return j
        flags, n = row.flags, len(ids)
        k = 0
        while flags[k] or (k < n and ids[k] is not None):
            k += 1
        c = self._new_colour()
        self._usage[c] += 1
        flags[k] |= DOWN
        row.gcol[k] = c
        row.hline(col, k, c)
        row.ids[k] = parent
        row.colours[k] = c
        return k

    def _compact(self, row: _Row, commit_id: str) -> None:
        """5. Continuing lanes, left to right: straight down if crossed or joined, else slid
        left over the cells empty on this row."""
        flags, gcol, hcol = row.flags, row.gcol, row.hcol
        ids, colours = self._ids, self._colours
        for i in range(len(ids)):
            w = ids[i]
            if w is None or w == commit_id:
                continue
            c = colours[i]
            f = flags[i]
            j = i
            if not f:
                while j and not flags[j - 1]:
                    j -= 1
            if j == i:
                flags[i] = f | UP | DOWN
                gcol[i] = c
            else:
                flags[i] = UP | LEFT
                flags[j] = DOWN | RIGHT
                gcol[i] = gcol[j] = c
                for k in range(j + 1, i):
                    flags[k] = PASS
                    gcol[k] = c
                for k in range(j, i):
                    hcol[k] = c
            row.ids[j] = w
            row.colours[j] = c

    def _finish(
        self,
        row: _Row,
        commit_id: str,
        parents: Sequence[str],
        col: int,
        valid: list[str],
        broken: list[str],
        merges: list[int],
    ) -> RowLayout:
        """6. Trim the row and the lanes, keep the lanes for the next row, lay the row out."""
        flags, new_ids, new_colours = row.flags, row.ids, row.colours
        width = len(flags)
        while width and not flags[width - 1]:
            width -= 1
        lanes = width
        while lanes and new_ids[lanes - 1] is None:
            lanes -= 1
        del new_ids[lanes:], new_colours[lanes:]
        self._ids = new_ids
        self._colours = new_colours
        self._avoid = -1 if valid else col  # 6. the next row must not stack under it
        return RowLayout(
            commit_id,
            col,
            len(valid) + len(broken) > 1,
            not valid and not broken,
            tuple(flags[:width]),
            tuple(row.gcol[:width]),
            tuple(row.hcol[:width]),
            _parent_columns(parents, valid, [col, *merges]),
            tuple(broken) if broken else (),
        )


class _Row:
    """One row being drawn: cell flags, glyph and connector colours, and the lanes (ids and
    colours) it leaves for the next row."""

    __slots__ = ("colours", "flags", "gcol", "hcol", "ids")

    def __init__(self, size: int) -> None:
        self.flags = [0] * size
        self.gcol = [NO_COLOUR] * size
        self.hcol = [NO_COLOUR] * size
        self.ids: list[str | None] = [None] * size
        self.colours = [NO_COLOUR] * size

    def hline(self, a: int, b: int, colour: int) -> None:
        _hline(self.flags, self.gcol, self.hcol, a, b, colour)


def layout_rows(
    rows: Iterable[tuple[str, Sequence[str]]], state: LaneState | None = None
) -> Iterator[RowLayout]:
    """Lay out ``rows`` lazily, continuing ``state`` (mutated) or a fresh one."""
    st = LaneState() if state is None else state
    for commit_id, parents in rows:
        yield st.step(commit_id, parents)

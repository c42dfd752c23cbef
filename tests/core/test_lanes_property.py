"""Property tests for the lane layout over seeded random DAGs.

The generator follows the idea of lazygit's ``generateCommits``: keep a pool of commits that are
referenced but not emitted yet, emit one at a time (so the order is topological, newest first),
and give it new or pooled parents (forks, merges, octopus merges, new tips, roots).

The checker reads only the emitted ``RowLayout``s - cell flags plus ``parent_columns`` - and
follows every edge through the drawing, the way a reader follows a line on screen.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from core.views.lane_render import ASCII, render_row, render_text
from core.views.lanes import (
    COMMIT,
    DOWN,
    LEFT,
    PASS,
    RIGHT,
    UP,
    LaneState,
    RowLayout,
    layout_rows,
)

Rows = list[tuple[str, tuple[str, ...]]]
Edge = tuple[str, str]  # (child, parent)


def generate(seed: int, n: int) -> Rows:
    rnd = random.Random(seed)
    pool = ["c0"]
    rows: Rows = []
    fresh = 1
    reuse = rnd.choice([0.1, 0.3, 0.6])  # how often a parent is an already pending commit
    while len(rows) < n and pool:
        commit = pool.pop(rnd.randrange(len(pool)) if rnd.random() < 0.7 else 0)
        count = rnd.choices([0, 1, 2, 3], weights=[3, 70, 22, 5])[0]
        parents: list[str] = []
        for _ in range(count):
            if pool and rnd.random() < reuse:
                p = rnd.choice(pool)
            else:
                p = f"c{fresh}"
                fresh += 1
                pool.append(p)
            if p not in parents:
                parents.append(p)
        rows.append((commit, tuple(parents)))
        if rnd.random() < 0.08 or not pool:
            pool.append(f"c{fresh}")  # a new tip further down
            fresh += 1
    return rows  # what is left in the pool never shows up: those lanes stay open


def shuffled(rows: Rows, seed: int) -> Rows:
    """Swap a few neighbours, as date order does under clock skew."""
    rnd = random.Random(seed)
    out = list(rows)
    for _ in range(max(1, len(out) // 10)):
        i = rnd.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def _connected(cells: list[int], a: int, b: int) -> bool:
    """A horizontal joins cells a and b: every connector between them is drawn."""
    lo, hi = min(a, b), max(a, b)
    return all(cells[m] & (RIGHT | PASS) for m in range(lo, hi)) and bool(
        cells[hi] & LEFT and cells[lo] & RIGHT
    )


def least_used(live: list[int], palette: int = 8) -> int:
    usage = [live.count(c) for c in range(palette)]
    return usage.index(min(usage))


class Reader:
    """Reads the drawing row by row, the way a person follows the lines on screen.

    It knows the lanes only from the previous row's cells: which edges each carries and in
    which colour. Any gap, overlap, wrong turn or colour change fails an assertion.
    """

    def __init__(self) -> None:
        self.carried: dict[int, set[Edge]] = {}  # lanes at the bottom of the previous row
        self.colour: dict[int, int] = {}
        self.emitted: set[str] = set()
        self.open_edges: set[Edge] = set()

    def row(self, commit: str, parents: tuple[str, ...], lay: RowLayout) -> None:
        self.where = f"row {commit}"
        assert lay.commit_id == commit
        assert not lay.cells or lay.cells[-1], f"{self.where}: trailing blank cell"
        assert len(render_text(lay)) == 2 * lay.width
        carried = self.carried
        self.lay = lay
        self.cells = cells = list(lay.cells) + [0] * (len(carried) + max(carried, default=0) + 8)
        col = lay.column
        assert cells[col] & COMMIT and sum(bool(f & COMMIT) for f in cells) == 1, self.where

        # Lanes enter exactly where the previous row left them, in their colour.
        entering = {i for i, f in enumerate(cells) if f & UP}
        assert entering == set(carried), f"{self.where}: {sorted(carried)} enter at {entering}"
        for i in entering:
            assert lay.colours[i] == self.colour[i], f"{self.where}: lane {i} changed colour"
        self.below: dict[int, set[Edge]] = {}
        self.below_colour: dict[int, int] = {}
        arrived = self.follow_lanes()

        # Every lane waiting for this commit ends here, and nothing else does.
        waiting = {e for edges in carried.values() for e in edges if e[1] == commit}
        assert arrived == waiting, f"{self.where}: {arrived} arrive, {waiting} wait"
        # The commit sits in the leftmost lane that carried it, or slid left over free cells.
        mine = sorted(i for i, edges in carried.items() if next(iter(edges))[1] == commit)
        live = [self.colour[i] for i in carried if i not in mine]
        if mine:
            assert col <= mine[0] and not entering & set(range(col, mine[0])), self.where
            assert bool(cells[col] & UP) == (col == mine[0]), self.where
            own = self.colour[mine[0]]
        else:
            assert not cells[col] & UP, self.where
            own = least_used(list(self.colour.values()))
        assert lay.colours[col] == own, f"{self.where}: commit colour"
        self.emitted.add(commit)
        self.follow_parents(commit, parents, own, live)

        self.open_edges = {e for e in self.open_edges if e[1] != commit}
        below = self.below
        assert {i for i, f in enumerate(cells) if f & DOWN} == set(below), self.where
        carried_edges = [e for edges in below.values() for e in edges]
        assert len(carried_edges) == len(set(carried_edges)), f"{self.where}: edge in two lanes"
        assert set(carried_edges) == self.open_edges, f"{self.where}: open edges not all carried"
        assert len(below) <= len(self.open_edges), self.where
        self.carried, self.colour = below, self.below_colour

    def follow_lanes(self) -> set[Edge]:
        """Move every entering lane to its column below; return the edges ending at the commit."""
        cells = self.cells
        arrived: set[Edge] = set()
        for i, edges in sorted(self.carried.items()):
            assert len({p for _, p in edges}) == 1, f"{self.where}: lane {i} waits for two"
            f = cells[i]
            if f & COMMIT:
                arrived |= edges
            elif f & DOWN:
                self.put(i, edges, self.colour[i])  # straight; a crossing or join does not bend it
            else:
                assert bool(f & LEFT) != bool(f & RIGHT), f"{self.where}: lane {i} ends nowhere"
                step = -1 if f & LEFT else 1
                k = i + step
                while not cells[k] & COMMIT:
                    g = cells[k]
                    if g & (RIGHT if step < 0 else LEFT) and g & DOWN and not g & UP:
                        break  # the other end of a shift
                    assert g & PASS, f"{self.where}: line from lane {i} breaks at {k}"
                    k += step
                if cells[k] & COMMIT:
                    arrived |= edges  # a fork point: the lane turns into the commit
                else:
                    assert step < 0, f"{self.where}: lanes only shift left"
                    self.put(k, edges, self.colour[i])
        return arrived

    def follow_parents(
        self, commit: str, parents: tuple[str, ...], own: int, live: list[int]
    ) -> None:
        """The commit's edges leave where parent_columns says, joined to the commit."""
        lay, col = self.lay, self.lay.column
        broken: list[str] = []
        assert len(lay.parent_columns) == len(parents), self.where
        done: set[str] = set()
        for p, k in zip(parents, lay.parent_columns, strict=True):
            if p in self.emitted:
                assert k == -1, f"{self.where}: edge to {p} drawn upwards"
                if p not in broken:
                    broken.append(p)
                continue
            assert k >= 0, f"{self.where}: edge to {p} lost"
            if p in done:
                continue
            done.add(p)
            if k != col:
                assert _connected(self.cells, col, k), f"{self.where}: merge to {p} not joined"
            joins = k in self.below and next(iter(self.below[k]))[1] == p
            if joins:
                lane_colour = self.below_colour[k]
            else:
                lane_colour = own if k == col else least_used(live)
                live.append(lane_colour)
            self.put(k, {(commit, p)}, lane_colour, join=joins)
            self.open_edges.add((commit, p))
        assert lay.broken_parents == tuple(broken), self.where
        assert lay.is_root == (not parents), self.where
        assert lay.is_merge == (len(set(parents)) > 1), self.where

    def put(self, column: int, edges: set[Edge], lane_colour: int, *, join: bool = False) -> None:
        where = self.where
        assert self.cells[column] & DOWN, f"{where}: lane leaves {column} without a line"
        assert self.lay.colours[column] == lane_colour, f"{where}: colour at {column}"
        if column in self.below:
            assert join, f"{where}: two lanes share column {column}"
        self.below.setdefault(column, set()).update(edges)
        self.below_colour[column] = lane_colour


def check_drawing(rows: Rows, layouts: list[RowLayout]) -> None:
    reader = Reader()
    for (commit, parents), lay in zip(rows, layouts, strict=True):
        reader.row(commit, parents, lay)


def run(rows: Rows) -> list[RowLayout]:
    return list(layout_rows(rows))


def check_resume(rows: Rows, layouts: list[RowLayout], seed: int) -> None:
    rnd = random.Random(seed)
    state = LaneState()
    checkpoints = []
    for i, (c, p) in enumerate(rows):
        if i % 25 == 0:
            checkpoints.append(state.snapshot())
        state.step(c, p)
    final = state.snapshot()
    for cp in rnd.sample(checkpoints, min(3, len(checkpoints))):
        resumed = LaneState.from_snapshot(cp)
        again = [resumed.step(c, p) for c, p in rows[cp.row :]]
        assert again == layouts[cp.row :], f"resume from row {cp.row}"
        assert resumed.snapshot() == final


def test_random_dags_are_drawn_faithfully() -> None:
    for seed in range(300):
        rows = generate(seed, n=20 + seed % 150)
        layouts = run(rows)
        check_drawing(rows, layouts)
        assert run(rows) == layouts, f"seed {seed}: not deterministic"
        check_resume(rows, layouts, seed)


def test_first_parent_mode() -> None:
    for seed in range(40):
        rows = [(c, p[:1]) for c, p in generate(seed, n=150)]
        check_drawing(rows, run(rows))


def test_date_order_input_reports_and_stays_consistent() -> None:
    for seed in range(100):
        rows = shuffled(generate(seed, n=120), seed)
        layouts = run(rows)
        check_drawing(rows, layouts)  # broken edges are checked there too
        check_resume(rows, layouts, seed)


def test_rendering_is_total() -> None:
    for seed in range(30):
        for lay in run(generate(seed, n=100)):
            assert "".join(t for t, _ in render_row(lay)) == render_text(lay)
            assert len(render_text(lay, ASCII)) == 2 * lay.width


ids = st.sampled_from("abcdefgh")


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.tuples(ids, st.lists(ids, max_size=4).map(tuple)), max_size=30))
def test_garbage_input_never_raises(rows: Rows) -> None:
    # Duplicate ids, self-parents, cycles: no exception, sane output, resumable.
    state = LaneState()
    checkpoints = []
    layouts = []
    for c, p in rows:
        checkpoints.append(state.snapshot())
        lay = state.step(c, p)
        text = render_text(lay)
        assert len(text) == 2 * lay.width
        assert 0 <= lay.column < max(lay.width, 1)
        assert len(lay.parent_columns) == len(p)
        layouts.append(lay)
    assert run(rows) == layouts
    if checkpoints:
        cp = checkpoints[len(checkpoints) // 2]
        resumed = LaneState.from_snapshot(cp)
        assert [resumed.step(c, p) for c, p in rows[cp.row :]] == layouts[cp.row :]

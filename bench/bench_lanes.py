"""Figures for the lane layout: ``python bench/bench_lanes.py [rows]``. Prints, asserts nothing.

The history is a random DAG shaped like a busy repository: a main line, feature branches that
fork off, run for a while and merge back (~5% of rows are merges), and a few unrelated roots.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.views.lane_render import render_row
from core.views.lanes import LaneState, layout_rows


def random_history(n: int, merge_rate: float = 0.05, seed: int = 7) -> list[tuple[str, tuple]]:
    """n rows newest first, topologically ordered, built from the tips downwards."""
    rnd = random.Random(seed)
    pending = ["c0"]  # ids referenced by an emitted child, not emitted yet
    rows: list[tuple[str, tuple]] = []
    fresh = 1
    while len(rows) < n:
        i = rnd.randrange(len(pending)) if rnd.random() < 0.5 else 0
        commit = pending.pop(i)
        remaining = n - len(rows) - len(pending)
        if remaining <= 1:
            parents: tuple[str, ...] = ()
        else:
            parents = (f"c{fresh}",)
            fresh += 1
            if rnd.random() < merge_rate:
                if len(pending) > 3 and rnd.random() < 0.5:
                    parents += (pending[rnd.randrange(len(pending))],)  # merge a live branch
                else:
                    parents += (f"c{fresh}",)  # merge a branch that forked earlier
                    fresh += 1
            elif len(pending) > 1 and rnd.random() < 0.03:
                parents = (pending[rnd.randrange(len(pending))],)  # fork: share a parent
            elif rnd.random() < 0.0005:
                parents = ()  # an unrelated root
        rows.append((commit, parents))
        pending.extend(p for p in parents if p not in pending)
        if not pending:
            pending.append(f"c{fresh}")
            fresh += 1
    return rows


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rows = random_history(n)
    merges = sum(len(p) > 1 for _, p in rows)

    t0 = time.perf_counter()
    layouts = list(layout_rows(rows))
    elapsed = time.perf_counter() - t0
    widths = [lay.width for lay in layouts]
    print(f"rows                     {n:>12,}  ({merges / n:.1%} merges)")
    print(f"graph width              {sum(widths) / n:>12.1f} avg, {max(widths)} max columns")
    print(
        f"layout                   {elapsed:>12.3f} s   {n / elapsed:>10,.0f} rows/s"
        f"   {elapsed / n * 1e6:.2f} µs/row"
    )

    # Layout only, without keeping RowLayouts (the caller renders just the viewport).
    state = LaneState()
    step = state.step
    t0 = time.perf_counter()
    for commit, parents in rows:
        step(commit, parents)
    elapsed = time.perf_counter() - t0
    print(f"layout, discard rows     {elapsed:>12.3f} s   {elapsed / n * 1e6:.2f} µs/row")

    # Checkpoint every 500 rows, as the graph view does.
    state = LaneState()
    checkpoints = []
    t0 = time.perf_counter()
    for i, (commit, parents) in enumerate(rows):
        if i % 500 == 0:
            checkpoints.append(state.snapshot())
        state.step(commit, parents)
    elapsed = time.perf_counter() - t0
    print(f"layout + checkpoints     {elapsed:>12.3f} s   ({len(checkpoints)} checkpoints)")

    t0 = time.perf_counter()
    reps = 20_000
    for _ in range(reps):
        state.snapshot()
    snap = (time.perf_counter() - t0) / reps
    t0 = time.perf_counter()
    for _ in range(reps):
        LaneState.from_snapshot(checkpoints[-1])
    resume = (time.perf_counter() - t0) / reps
    print(f"snapshot / from_snapshot {snap * 1e6:>12.2f} µs  / {resume * 1e6:.2f} µs")

    # A page: resume from the nearest checkpoint, lay out 500 rows, render the 50 visible ones.
    start = (n // 2) // 500 * 500
    t0 = time.perf_counter()
    page_state = LaneState.from_snapshot(checkpoints[start // 500])
    page = [page_state.step(c, p) for c, p in rows[start : start + 500]]
    for lay in page[:50]:
        render_row(lay)
    elapsed = time.perf_counter() - t0
    print(f"page (500 rows + render) {elapsed * 1e3:>12.2f} ms")


if __name__ == "__main__":
    main()

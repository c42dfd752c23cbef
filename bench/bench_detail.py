"""How long selecting a heavy commit holds the UI: ``python bench/bench_detail.py``.

A store (in a temp dir) holds commits with 2,000 × 1 KB metadata, a 1 MB content, a
10,000-line content and small ones; the real app runs headless (Pilot, 120×40) and the
cursor walks over them, ``--rounds`` times. For each selection:

- **UI stall**: the longest gap between two beats of a 5 ms timer on the UI thread while the
  selection is shown: how long the app could not answer a key (the issue: 2.9 s);
- **key → detail**: from the key to the detail pane drawn with the new commit (the read in a
  worker included).

Prints medians and the worst case; asserts nothing. Target (issue 9): ≤ 50 ms per selection.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import median_ms, row, temp_dir  # noqa: E402
from core import Tract, create_tract  # noqa: E402
from tract_tui.app import TractApp  # noqa: E402
from tract_tui.widgets.detail import DetailPane  # noqa: E402
from tract_tui.widgets.graph_view import GraphView  # noqa: E402

BEAT = 0.005


def build(path: Path) -> dict[str, str]:
    t = create_tract(path)
    kinds = {"small": t.user("a small question").commit_hash}
    metadata = {f"key_{i:04}": "x" * 1000 for i in range(2000)}
    kinds["metadata 2,000 × 1 KB"] = t.assistant("noted", metadata=metadata).commit_hash
    kinds["content 1 MB, one line"] = t.user("y" * 1_000_000).commit_hash
    lines = "\n".join(f"line {i}: " + "z" * 60 for i in range(10_000))
    kinds["content 10,000 lines"] = t.user(lines).commit_hash
    kinds["small (after)"] = t.assistant("a small answer").commit_hash
    t.close()
    return kinds


async def measure(
    path: Path, kinds: dict[str, str], rounds: int
) -> dict[str, list[tuple[float, float]]]:
    tract = Tract.open(str(path))
    app = TractApp(tract, store=tract.store)
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
    gc.freeze()  # as TractApp.run does (run_test does not call run)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.main is None:
            await pilot.pause(0.05)
        graph = app.main.query_one(GraphView)
        detail = app.main.query_one("#graph-detail", DetailPane)
        while not graph.model.complete or len(graph.model) < len(kinds):
            await pilot.pause(0.05)
        beats: list[float] = []
        app.set_interval(BEAT, lambda: beats.append(time.perf_counter()))
        for _ in range(rounds):
            for name, commit_hash in kinds.items():
                await pilot.pause(0.1)  # let the previous one go quiet
                beats.clear()
                start = time.perf_counter()
                graph.select_hash(commit_hash)
                while detail._rendered != commit_hash:
                    await pilot.pause(0)
                await pilot.pause(0)  # the frame that draws it
                shown = time.perf_counter() - start
                await pilot.pause(0.05)  # beats after the frame
                stamps = [start, *beats]
                stall = max(b - a for a, b in itertools.pairwise(stamps))
                out[name].append((stall, shown))
    tract.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with temp_dir() as folder:
        path = folder / "heavy.db"
        kinds = build(path)
        results = asyncio.run(measure(path, kinds, args.rounds))
    print(f"Selecting a commit in the graph ({args.rounds} rounds, 120×40, headless)")
    row("commit", "UI stall (median / worst)", "key → detail (median)")
    for name, samples in results.items():
        stalls = [s for s, _ in samples]
        shown = [d for _, d in samples]
        row(
            name,
            f"{median_ms(stalls):.0f} / {max(stalls) * 1000:.0f} ms",
            f"{median_ms(shown):.0f} ms   (target ≤ 50 ms)",
        )


if __name__ == "__main__":
    main()

"""Store figures (issue 2): insert 100k commits; read a 100k first-parent chain; append one
commit to stores of 10k and 100k commits.

Targets: chain read ≤ 0.5 s; append ≤ 1 ms median, and the 100k figure within 20% of the 10k.

    python bench/bench_store.py [--sizes 10000 100000] [--appends 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import median_ms, row, temp_dir
from core import Tract, create_tract
from core.models import content as c


def build(path: Path, n: int) -> float:
    """``n`` commits in one transaction (a mix of dialogue and tool I/O); returns seconds."""
    tract = create_tract(path)
    start = time.perf_counter()
    with tract.batch():
        tract.system("You are a coding agent working in a large repository.")
        for i in range(n - 1):
            if i % 4 == 3:
                tract.commit(
                    c.tool_io("bash", "result", {"output": f"exit 0 after step {i}"}, "success")
                )
            elif i % 2:
                tract.assistant(f"Step {i}: I edited module_{i % 97}.py and re-ran the tests.")
            else:
                tract.user(f"Step {i}: what failed in test_{i % 31}.py?")
    elapsed = time.perf_counter() - start
    tract.close()
    return elapsed


def chain_read(path: Path, repeats: int = 5) -> tuple[float, float, int]:
    """Median seconds to read the whole first-parent chain: hashes only, and full rows."""
    tract = Tract.open(path)
    head = tract.head
    assert head is not None
    hashes_t, rows_t = [], []
    length = 0
    for _ in range(repeats):
        with tract.store.read() as uow:
            t0 = time.perf_counter()
            length = len(uow.commits.first_parent_hashes(head))
            t1 = time.perf_counter()
            uow.commits.first_parent_chain(head)
            t2 = time.perf_counter()
        hashes_t.append(t1 - t0)
        rows_t.append(t2 - t1)
    tract.close()
    return statistics.median(hashes_t), statistics.median(rows_t), length


def appends(paths: dict[int, Path], count: int) -> dict[int, list[float]]:
    """Per-commit seconds for ``count`` appends to each store, each its own transaction (a
    fresh process view: a new Tract, as an agent would open the store). The stores take turns,
    one append each, so a noisy machine slows both alike and their ratio stays meaningful."""
    tracts = {n: Tract.open(path) for n, path in paths.items()}
    for tract in tracts.values():
        for i in range(20):  # warm the statement cache and the page cache
            tract.user(f"warm-up {i}")
    samples: dict[int, list[float]] = {n: [] for n in tracts}
    for i in range(count):
        for n, tract in tracts.items():
            t0 = time.perf_counter()
            tract.user(f"appended message {i}: the build is green again")
            samples[n].append(time.perf_counter() - t0)
    for tract in tracts.values():
        tract.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--appends", type=int, default=500)
    args = parser.parse_args()
    with temp_dir() as d:
        paths: dict[int, Path] = {}
        for n in args.sizes:
            path = paths[n] = d / f"store-{n}.db"
            print(f"store of {n} commits")
            built = build(path, n)
            row("insert (one transaction)", f"{built:.2f} s", f"{n / built:,.0f} commits/s")
            hashes_s, rows_s, length = chain_read(path)
            row(
                f"read first-parent chain ({length}): hashes",
                f"{hashes_s * 1000:.0f} ms",
                "target ≤ 500 ms" if n >= 100_000 else "",
            )
            row(f"read first-parent chain ({length}): full rows", f"{rows_s * 1000:.0f} ms")
        print(f"appends, {args.appends} to each store in turn")
        medians: dict[int, float] = {}
        for n, samples in appends(paths, args.appends).items():
            medians[n] = median_ms(samples)
            row(f"append one commit at {n // 1000}k: median", f"{medians[n]:.3f} ms", "≤ 1 ms")
            p90 = sorted(samples)[int(len(samples) * 0.9)] * 1000
            row(f"append one commit at {n // 1000}k: p90", f"{p90:.3f} ms")
    if len(medians) >= 2:
        small, big = min(medians), max(medians)
        ratio = medians[big] / medians[small]
        row(f"append {big // 1000}k vs {small // 1000}k", f"{ratio:.2f}×", "target ≤ 1.20×")


if __name__ == "__main__":
    main()

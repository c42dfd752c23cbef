"""Figures of the big-input cases (the hostile suite checks only that they work):
``python bench/bench_big_inputs.py [--commits 20000]``. Prints, asserts nothing.

- a 10 MB message: commit, cold compile, verify, extractive compress of the range holding it;
- a long single branch (``--commits``, built in one batch like tests/hostile/_big.py): cold
  compile, verify, and appending (median of 200 appends; each its own transaction).

The graph's first paint at 20k/100k commits is bench/bench_tui.py's figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import row, temp_dir, timed
from core import Tract, create_tract
from core.operations.verify import verify_store
from tests.hostile._big import build_linear

TEN_MB = 10 * 1024 * 1024


def big_text() -> str:
    line = "The quick brown fox jumps over the lazy dog, 0123456789. " * 2
    return "\n".join(f"{i:06d} {line}" for i in range(TEN_MB // len(line) + 1))


def ten_megabytes(folder: Path) -> None:
    path = folder / "big.db"
    text = big_text()
    with create_tract(path) as t:
        t.system("You are terse.")
        start = t.user("Here is the log:").commit_hash
        row("10 MB message: commit", f"{timed(lambda: t.user(text)):.2f} s")
        t.assistant("The log shows nothing unusual.")
    with Tract.open(str(path)) as t:
        row("10 MB message: cold compile", f"{timed(t.compile):.2f} s")
        row("10 MB message: verify", f"{timed(lambda: verify_store(path)):.2f} s")
        compress = timed(lambda: t.compress(from_ref=start, summarizer="extractive"))
        row("10 MB message: extractive compress", f"{compress:.2f} s", "was 10 s bound")


def long_branch(folder: Path, n: int) -> None:
    path = folder / "long.db"
    build_linear(path, n)
    with Tract.open(str(path)) as t:
        row(f"{n // 1000}k commits: cold compile", f"{timed(t.compile):.2f} s")
        row(f"{n // 1000}k commits: verify", f"{timed(lambda: verify_store(path)):.2f} s")
        samples = []
        for i in range(200):
            t0 = time.perf_counter()
            t.user(f"appended {i}")
            samples.append(time.perf_counter() - t0)
        median = statistics.median(samples) * 1000
        row(f"{n // 1000}k commits: append (median of 200)", f"{median:.2f} ms", "was 1 s bound")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--commits", type=int, default=20_000)
    args = ap.parse_args()
    with temp_dir() as folder:
        ten_megabytes(folder)
        long_branch(folder, args.commits)


if __name__ == "__main__":
    main()

"""Agent loop: N turns of (append user, append assistant, compile); per-turn cost must stay flat.

Also: cold compile of a 100k-message branch. Targets (issue 3): ≤ 2 ms per turn at 10k turns,
cold compile of 100k messages ≤ 1.5 s.

    python bench/bench_agent_loop.py [--big 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import median_ms, p95_ms, row, temp_dir
from core import Tract, create_tract
from core.models import content as c


def agent_loop(turns: int, directory: Path) -> tuple[list[float], int]:
    tract = create_tract(directory / f"loop-{turns}.db")
    tract.system("You are a coding agent. Keep answers short.")
    samples: list[float] = []
    for i in range(turns):
        start = time.perf_counter()
        tract.user(f"Step {i}: run the tests and tell me what failed.")
        tract.assistant(f"Turn {i}: 3 tests failed in test_parser.py; fixing the off-by-one.")
        compiled = tract.compile()
        samples.append(time.perf_counter() - start)
    tract.close()
    return samples, compiled.commit_count


def cold_compile(messages: int, directory: Path) -> tuple[float, int, int]:
    path = directory / f"cold-{messages}.db"
    tract = create_tract(path)
    with tract.batch():
        tract.system("You are a coding agent.")
        for i in range(messages - 1):
            if i % 3 == 2:
                tract.commit(c.tool_io("bash", "result", {"output": f"ok {i}"}, "success"))
            else:
                tract.user(f"message {i} with a little text to count")
    tract.close()
    fresh = Tract.open(path)  # a new instance: nothing cached
    start = time.perf_counter()
    compiled = fresh.compile()
    elapsed = time.perf_counter() - start
    fresh.close()
    return elapsed, compiled.commit_count, compiled.token_count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    print("agent loop: append user + append assistant + compile, per turn")
    with temp_dir() as d:
        for n in args.turns:
            samples, count = agent_loop(n, d)
            first = samples[: max(1, n // 10)]
            last = samples[-max(1, n // 10) :]
            row(f"N={n}: median per turn", f"{median_ms(samples):.3f} ms", "target ≤ 2 ms")
            row(f"N={n}: p95 per turn", f"{p95_ms(samples):.3f} ms")
            row(
                f"N={n}: first 10% / last 10% median",
                f"{median_ms(first):.3f} / {median_ms(last):.3f}",
            )
            row(f"N={n}: messages compiled at the end", f"{count}")
        elapsed, count, tokens = cold_compile(args.big, d)
        row(
            f"cold compile of {count} messages ({tokens} tokens)",
            f"{elapsed:.3f} s",
            "target ≤ 1.5 s",
        )


if __name__ == "__main__":
    main()

"""Compress of a 1k-commit range with the offline (extractive) summarizer (issue 3: ≤ 0.5 s).

Also: a manual summary of the same range, and a 1k range in the middle of a 10k branch (the
commits after it are replayed, which is the price of never dropping them).

    python bench/bench_compress.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import row, temp_dir
from core import Priority, create_tract
from core.models import content as c


def build(path: Path, n: int):
    tract = create_tract(path)
    with tract.batch():
        tract.system("You are a coding agent.")
        for i in range(n):
            if i % 4 == 1:
                tract.commit(c.tool_io("bash", "call", {"command": f"pytest tests/test_{i}.py"}))
            elif i % 4 == 2:
                tract.commit(
                    c.tool_io(
                        "bash", "result", {"output": f"{i % 7} failed, {i % 50} passed"}, "success"
                    )
                )
            elif i % 4 == 3:
                tract.assistant(
                    f"Step {i}: the failure in parse_{i}.py comes from an off-by-one "
                    f"at line {i % 300}; fixed by clamping the index."
                )
            else:
                tract.user(f"Step {i}: run the tests again and summarise what failed.")
        if n > 10:
            tract.annotate(tract.log(limit=n // 2)[-1].commit_hash, Priority.PINNED)
    return tract


def timed_compress(
    path: Path, n: int, summarizer: str, *, range_from: int, range_len: int, repeats: int = 3
) -> tuple[float, float, int]:
    samples, previews = [], []
    sources = 0
    for k in range(repeats):
        tract = build(path.with_name(f"{path.stem}-{summarizer}-{k}.db"), n)
        chain = [x.commit_hash for x in reversed(tract.log(limit=None))]
        lo, hi = chain[range_from], chain[min(len(chain) - 1, range_from + range_len - 1)]
        t0 = time.perf_counter()
        preview = tract.compress_preview(from_ref=lo, to_ref=hi)
        t1 = time.perf_counter()
        texts = None
        if summarizer == "manual":
            texts = [f"summary {g.index}" for g in preview.plan.groups]
        result = tract.compress(plan=preview.plan, summaries=texts, summarizer=summarizer)
        t2 = time.perf_counter()
        previews.append(t1 - t0)
        samples.append(t2 - t1)
        sources = result.original_tokens and len(preview.plan.sources)
        tract.close()
    return statistics.median(previews), statistics.median(samples), sources


def main() -> None:
    with temp_dir() as d:
        for summarizer in ("extractive", "manual"):
            preview, apply, sources = timed_compress(
                d / "range.db", 1000, summarizer, range_from=1, range_len=1000
            )
            row(f"1k range, {summarizer}: preview", f"{preview * 1000:.0f} ms")
            row(f"1k range, {summarizer}: summarise + apply", f"{apply * 1000:.0f} ms")
            row(
                f"1k range, {summarizer}: total ({sources} sources)",
                f"{(preview + apply) * 1000:.0f} ms",
                "target ≤ 500 ms",
            )
        preview, apply, sources = timed_compress(
            d / "middle.db", 10_000, "extractive", range_from=4000, range_len=1000, repeats=1
        )
        row("1k range in a 10k branch (6k replayed): total", f"{(preview + apply) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

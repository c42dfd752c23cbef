"""A compile record's effective commits, read as the records panel reads them.

Selecting a record reads its effective list from up to five places (its view, its
reproduction, the cache breaks, the token chart, the records list). This compiles HEAD of the
cached random-DAG store with a record (on a copy), then times those five reads in the tract
that wrote it, and the first read of the same record from a freshly opened store (no kept
list yet), then the reads after that one.

    python bench/bench_records.py [--commits 100000] [--cache DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bench_tui  # noqa: E402
from bench._common import row, temp_dir  # noqa: E402
from core import Tract  # noqa: E402


def five_reads(tract: Tract, record_id: str) -> list[float]:
    times = []
    for _ in range(2):  # the record view and the reproduction
        start = time.perf_counter()
        tract.get_record(record_id)
        times.append(time.perf_counter() - start)
    for _ in range(3):  # the cache breaks, the token chart, the records list
        start = time.perf_counter()
        with tract.store.read() as uow:
            uow.records.effectives_of([record_id])
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, help="where the bench stores are kept")
    args = parser.parse_args()
    if args.cache is not None:
        bench_tui.CACHE = args.cache
    source = bench_tui.store_path(args.commits)
    if not source.exists():
        print(f"building the {args.commits:,}-commit store (once) …", flush=True)
        bench_tui.build_store(args.commits, source)
    with temp_dir() as d:
        path = d / "store.db"
        shutil.copy(source, path)
        with Tract.open(path) as tract:
            start = time.perf_counter()
            record_id = tract.compile(record=True).record_id
            row("compile HEAD with a record", f"{time.perf_counter() - start:.2f} s")
            times = five_reads(tract, record_id)
            row("five reads in the tract that wrote it", f"{sum(times):.3f} s")
        with Tract.open(path) as fresh:
            first = five_reads(fresh, record_id)
            row("first read from a fresh store", f"{first[0]:.3f} s")
            row("the four reads after it", f"{sum(first[1:]):.3f} s")


if __name__ == "__main__":
    main()

"""Explanation figures (issue 12): ``why`` for one commit and the record lens, on a store of
100k commits with the operations explanations follow.

Targets: a ``why`` answer ≤ 100 ms, the lens ≤ 300 ms (100k commits).

The store (cached under ``bench/.cache/``, built once, a few minutes): a 47k-commit chain from
``bench_store.build`` (dialogue and tool I/O), 50 SKIPs and 20 EDITs spread over it, a branch
with a merge of its own and an unmerged experiment, then two compressions — an early range,
whose replay map holds the ~45k commits after it (the worst case of a compress), and a range of
that one's copies (so chains have two hops; it replays ~7k more) — and a compile record at
HEAD: ~100k commits in all. Each figure is the median of ``--repeat`` runs, each on a
freshly opened ``Tract`` (as the CLI does), with the store open time shown apart.

    python bench/bench_explain.py [--commits 100000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import row  # noqa: E402
from bench.bench_store import build  # noqa: E402
from core import Priority, Tract  # noqa: E402
from core.models import content as c  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
STORE_VERSION = 2  # bump when the generated history changes
BASE = 47_000


def store_path(n: int) -> Path:
    return CACHE / f"explain-{n}-v{STORE_VERSION}.db"


def build_store(n: int, path: Path) -> dict[str, str]:
    """The history described above (``n`` only scales it); returns the commits the figures
    ask about."""
    base = BASE * n // 100_000
    tmp = path.with_suffix(".building.db")
    tmp.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    build(tmp, base)
    t = Tract.open(tmp)
    chain = [x.commit_hash for x in reversed(t.log(limit=None))]
    with t.batch():
        for i in range(50):
            t.annotate(chain[(i + 1) * len(chain) // 52], Priority.SKIP, f"noise {i}")
        for i in range(20):
            h = chain[(i + 1) * len(chain) // 23 + 7]
            info = t.get_commit(h)
            if info is not None and info.content_type == "dialogue":
                t.edit(h, c.dialogue("user", f"edited text {i}"))
        # Side branches stay off main: a merge into main would bring back (through its
        # second parent) every commit a later compress of main takes off.
        t.branch("side")
        for i in range(100):
            t.user(f"side work {i}")
        t.branch("side-topic")
        for i in range(50):
            t.assistant(f"topic {i}")
        t.switch("side")
        t.user("side moves on")
        t.merge("side-topic", no_ff=True)
        t.switch("main")
        t.branch("experiment")
        for i in range(50):
            t.assistant(f"an abandoned idea {i}")
        t.switch("main")
    early_from = len(chain) // 25
    early = t.compress(
        from_ref=chain[early_from], to_ref=chain[early_from + 999], summarizer="extractive"
    )
    copies = early.replayed
    late_at = len(chain) * 17 // 20
    late_from, late_to = copies[chain[late_at]], copies[chain[late_at + 499]]
    late = t.compress(from_ref=late_from, to_ref=late_to, summarizer="extractive")
    record = t.compile(record=True, reason="bench")
    t.close()
    tmp.rename(path)
    return {
        "record": record.record_id or "",
        "used (near HEAD)": late.replayed.get(copies[chain[-5]], ""),
        "compressed": chain[early_from + 500],
        "replayed → compressed": chain[late_at + 100],
        "replayed twice → used": chain[-100],
        "skipped": chain[len(chain) // 52],
        "not on branch": "experiment",
    }


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    path = store_path(args.commits)
    ids_file = path.with_suffix(".ids")
    if not path.exists() or not ids_file.exists():
        print(f"building {path.name} (once) ...")
        t0 = time.perf_counter()
        ids = build_store(args.commits, path)
        ids_file.write_text("\n".join(f"{k}\t{v}" for k, v in ids.items()))
        print(f"  built in {time.perf_counter() - t0:.0f} s")
    ids = dict(line.split("\t", 1) for line in ids_file.read_text().splitlines())
    record = ids.pop("record")
    with Tract.open(path) as t, t.store.read() as uow:
        total = uow.commits.count(t.tract_id)
    print(f"store of {total:,} commits, record {record[:8]}")
    opens: list[float] = []
    for label, commit in ids.items():
        samples = []
        verdict = ""
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            tract = Tract.open(path)
            t1 = time.perf_counter()
            e = tract.why(commit, record=record)
            samples.append(time.perf_counter() - t1)
            opens.append(t1 - t0)
            verdict = f"{e.verdict} ({len(e.chain)} steps)"
            tract.close()
        row(f"why: {label}", f"{median_ms(samples):.0f} ms", f"{verdict}; target ≤ 100 ms")
    samples = []
    marks = 0
    for _ in range(args.repeat):
        tract = Tract.open(path)
        t0 = time.perf_counter()
        lens = tract.lens(record=record)
        samples.append(time.perf_counter() - t0)
        marks = len(lens.marks)
        tract.close()
    row("lens of the record", f"{median_ms(samples):.0f} ms", f"{marks:,} marks; ≤ 300 ms")
    row("(opening the store, each time)", f"{median_ms(opens):.0f} ms")


if __name__ == "__main__":
    main()

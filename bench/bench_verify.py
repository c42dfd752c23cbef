"""Figures for ``verify``: ``python bench/bench_verify.py [commits]``. Prints, asserts nothing.

Builds a synthetic head-revision SQLite store in a temporary directory: one tract whose main
line forks a branch every ~50 commits and merges it back (half the merges in the newer hash
form), an EDIT every ~40 commits, dialogue payloads of ~0.5-2 KB, annotations, a compress event
linking 200 commits, and compile records of 100 effectives each. Then verifies it, printing
rows/s overall and per stage, and the process's peak memory growth.
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.engine.hashing import commit_hash, content_hash, stored_payload_json
from core.models.enums import CommitOperation
from core.operations.verify import verify_store
from core.storage.store import Store

TRACT = "0123456789abcdef0123456789abcdef"
WORDS = (
    "context",
    "agent",
    "model",
    "token",
    "branch",
    "merge",
    "compile",
    "commit",
    "summary",
    "tool",
    "result",
)


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, n: int, seed: int = 11) -> None:
    Store.open(path, create=True).close()
    rnd = random.Random(seed)
    t = datetime(2026, 1, 1, 9, 0, 0, 1)
    blobs: list[tuple] = []
    commits: list[tuple] = []
    parents_rows: list[tuple] = []
    main: list[str] = []
    tip: str | None = None
    branch: list[str] = []

    def add(
        parent: str | None,
        op: str = "APPEND",
        response_to: str | None = None,
        merge: list[str] | None = None,
        new_form: bool = True,
    ) -> str:
        nonlocal t
        t += timedelta(microseconds=rnd.randrange(1, 5_000_000))
        text = " ".join(rnd.choices(WORDS, k=rnd.randrange(60, 250)))
        payload = {
            "content_type": "dialogue",
            "name": None,
            "role": rnd.choice(("user", "assistant")),
            "text": text,
        }
        blob = content_hash(payload)
        stored = stored_payload_json(payload)
        blobs.append((blob, stored, len(stored.encode()), len(text) // 4, _ts(t)))
        h = commit_hash(
            content_hash=blob,
            parent_hash=parent,
            content_type="dialogue",
            operation=CommitOperation[op],
            created_at=t,
            response_to=response_to,
            parent_hashes=merge if (merge and new_form) else None,
        )
        commits.append(
            (
                h,
                TRACT,
                parent,
                blob,
                "dialogue",
                op,
                response_to,
                "m",
                len(text) // 4,
                "null",
                "null",
                _ts(t),
            )
        )
        for i, p in enumerate(merge or []):
            parents_rows.append((h, p, i))
        return h

    while len(commits) < n:
        roll = rnd.random()
        if branch and roll < 0.02:  # merge the branch back
            tip = add(tip, merge=[tip, branch[-1]] if tip else None, new_form=rnd.random() < 0.5)
            branch = []
        elif tip and not branch and roll < 0.04:  # fork a branch off the main line
            branch = [add(tip)]
        elif branch and roll < 0.3:
            branch.append(add(branch[-1]))
        elif main and roll < 0.33:
            tip = add(tip, op="EDIT", response_to=rnd.choice(main[-200:]))
        else:
            tip = add(tip)
            main.append(tip)

    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=ON")
    with con:
        con.executemany("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?, ?)", blobs)
        con.executemany(
            "INSERT INTO commits (commit_hash, tract_id, parent_hash, content_hash, "
            "content_type, operation, response_to, message, token_count, metadata_json, "
            "generation_config_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            commits,
        )
        con.executemany("INSERT INTO commit_parents VALUES (?, ?, ?)", parents_rows)
        con.execute("INSERT INTO refs VALUES (?, 'HEAD', NULL, 'refs/heads/main')", (TRACT,))
        con.execute("INSERT INTO refs VALUES (?, 'refs/heads/main', ?, NULL)", (TRACT, tip))
        con.executemany(
            "INSERT INTO annotations (tract_id, target_hash, priority, reason, created_at) "
            "VALUES (?, ?, 'SKIP', NULL, ?)",
            [(TRACT, h, _ts(t)) for h in rnd.sample(main, min(500, len(main)))],
        )
        con.execute(
            "INSERT INTO operation_events VALUES ('ev1', ?, 'compress', 'main', ?, "
            "1000, 100, 'null')",
            (TRACT, _ts(t)),
        )
        con.executemany(
            "INSERT INTO operation_commits VALUES ('ev1', ?, 'source', ?)",
            [(h, i) for i, h in enumerate(main[:200])],
        )
        for r in range(min(200, len(main) // 100)):
            rid = f"rec{r:04d}"
            con.execute(
                "INSERT INTO compile_records VALUES (?, ?, ?, 1, 100, '', 'null', ?)",
                (rid, TRACT, main[-1], _ts(t)),
            )
            con.executemany(
                "INSERT INTO compile_effectives VALUES (?, ?, ?)",
                [(rid, h, i) for i, h in enumerate(main[r * 100 : (r + 1) * 100])],
            )
    con.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        # Built in a child process, so this process's peak RSS reflects verify alone.
        child = multiprocessing.get_context("spawn").Process(target=build, args=(path, n))
        child.start()
        child.join()
        print(
            f"built {n} commits in {time.perf_counter() - t0:.1f}s "
            f"({path.stat().st_size / 1e6:.1f} MB)"
        )

        marks: dict[str, tuple[float, int]] = {}
        start = time.perf_counter()

        def progress(stage: str, done: int) -> None:
            marks[stage] = (time.perf_counter(), done)

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        report = verify_store(path, progress=progress)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rows = sum(report.rows_checked.values())
        print(
            f"verify: {rows} rows in {report.elapsed:.2f}s = {rows / report.elapsed:,.0f} rows/s"
            f" ({len(report.problems)} problems)"
        )
        previous = start
        for stage, (at, done) in marks.items():
            took = at - previous
            rate = f", {done / took:,.0f} rows/s" if stage in ("blobs", "commits") else ""
            print(f"  {stage:<11} {took:6.2f}s{rate}")
            previous = at
        print(f"  (rest)      {start + report.elapsed - previous:6.2f}s (refs, cycles, close)")
        # RSS includes SQLite's page cache and mmap'd file pages (see core.storage.connection);
        # the Python heap peak, measured on a second (slower, traced) run, is verify's own.
        print(
            f"peak RSS: {rss_before / 1024:.0f} MB before verify, {rss_after / 1024:.0f} MB "
            f"after (growth {(rss_after - rss_before) / 1024:.1f} MB, SQLite cache/mmap incl.)"
        )
        tracemalloc.start()
        verify_store(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"Python heap peak during verify: {peak / 1e6:.1f} MB "
            f"({peak / max(report.rows_checked.get('commits', 1), 1):.0f} B per commit)"
        )


if __name__ == "__main__":
    main()

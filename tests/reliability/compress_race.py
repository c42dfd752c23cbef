"""Compress while two agents append at full speed (issue 9 §1), as real processes.

    python -m tests.reliability.compress_race [--seconds 30] [--postgres URL] [--keep DIR]

Two agent processes append to ``main`` of one tract with no pause between commits, while a
third process compresses ``HEAD~25..HEAD~5`` (extractive summaries) in a loop, for
``--seconds``. Afterwards, checked with plain SQL (``storefacts``) and ``verify``:

- every commit an agent logged is in the store and on ``main`` — itself, a replayed copy, or
  summarised by a compress event that lists it (``Provenance.account``);
- ``verify`` is clean;
- the share of compress attempts that applied (target: ≥ 99 %).

Prints one Markdown row per backend (SQLite always; PostgreSQL with ``--postgres`` or
``TRACT_TEST_POSTGRES_URL``). ``run_race`` is what ``test_compress_race.py`` calls, shorter.
The compressor is this module too: ``python -m tests.reliability.compress_race compressor …``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import Tract, TractError
from core.operations.verify import verify_store
from tests.reliability.agent import read_log
from tests.reliability.report import markdown, postgres_schemas
from tests.reliability.storefacts import Provenance, is_url, snapshot
from tests.reliability.writers import WORKER_TIMEOUT_S, prepare, worker_env

AGENTS = 2
RANGE = ("HEAD~25", "HEAD~5")
DEPTH = 26  # first-parent commits HEAD~25 needs


@dataclass
class RaceReport:
    backend: str
    seconds: float
    attempts: int = 0
    applied: int = 0
    replanned: int = 0
    replayed_appended: int = 0  # commits appended between a plan and its write, replayed
    refusals: dict[str, int] = field(default_factory=dict)
    agent_commits: int = 0
    accounted: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.applied / self.attempts if self.attempts else 0.0

    def row(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "seconds": round(self.seconds),
            "agent commits": self.agent_commits,
            "compress attempts": self.attempts,
            "applied": f"{self.applied} ({self.rate:.1%})",
            "re-planned": self.replanned,
            "appended mid-compress, replayed": self.replayed_appended,
            "refused": sum(self.refusals.values()),
            "on main / replayed / summarised": "{} / {} / {}".format(
                self.accounted.get("branch", 0),
                self.accounted.get("replayed", 0),
                self.accounted.get("summarised", 0),
            ),
            "lost": self.accounted.get("lost", 0),
            "verify": "clean" if not self.problems else f"{len(self.problems)} problem(s)",
        }


# -- the compressor (a worker process) ---------------------------------------------------------


def compress_loop(store: str, tract_id: str, seconds: float) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    failures: list[str] = []
    appended = 0
    with Tract.open(store, tract_id) as tract:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            # Each compression shortens the branch by ~20 commits; HEAD~25 must exist before
            # an attempt means anything (only this process shortens it: no race here).
            if len(tract.log(limit=DEPTH)) < DEPTH:
                counts["waited_for_history"] += 1
                time.sleep(0.005)
                continue
            counts["attempts"] += 1
            try:
                result = tract.compress(from_ref=RANGE[0], to_ref=RANGE[1], summarizer="extractive")
            except TractError as exc:  # a refusal in words: counted, not applied
                refusals[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                continue
            except Exception as exc:
                failures.append(f"{exc!r}\n{traceback.format_exc()}")
                continue
            counts["applied"] += 1
            counts["replanned"] += result.replanned is not None
            appended += result.appended
    return {
        "worker": "compressor",
        "counts": dict(counts),
        "refusals": dict(refusals),
        "appended": appended,
        "failures": failures,
    }


# -- the race -------------------------------------------------------------------------------


def _spawn(args: list[str], err: Path) -> Any:
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=Path(__file__).resolve().parents[2],
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=err.open("w"),
        text=True,
    )


def _summary(proc: Any, name: str, report: RaceReport) -> dict[str, Any]:
    import subprocess

    try:
        out, _ = proc.communicate(timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        report.problems.append(f"{name} did not finish within {WORKER_TIMEOUT_S} s")
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    summary: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    if proc.returncode != 0:
        report.problems.append(f"{name} exited {proc.returncode}: {summary or out[-2000:]}")
    return summary


def run_race(store: str, workdir: Path, seconds: float = 30.0) -> RaceReport:
    report = RaceReport("postgresql" if is_url(store) else "sqlite", seconds)
    workdir.mkdir(parents=True, exist_ok=True)
    tract_id = prepare(store, history=60)
    logs = [workdir / f"agent-{n}.jsonl" for n in range(AGENTS)]
    agents = [
        _spawn(
            [
                "tests.reliability.agent",
                *("--store", store, "--tract", tract_id, "--sleep", "0"),
                *("--seconds", str(seconds), "--log", str(log), "--label", f"agent-{n}"),
            ],
            workdir / f"agent-{n}.err",
        )
        for n, log in enumerate(logs)
    ]
    compressor = _spawn(
        [
            "tests.reliability.compress_race",
            "compressor",
            *("--store", store, "--tract", tract_id, "--seconds", str(seconds)),
        ],
        workdir / "compressor.err",
    )
    done = _summary(compressor, "compressor", report)
    for n, agent in enumerate(agents):
        _summary(agent, f"agent {n}", report)
    counts = done.get("counts", {})
    report.attempts = int(counts.get("attempts", 0))
    report.applied = int(counts.get("applied", 0))
    report.replanned = int(counts.get("replanned", 0))
    report.replayed_appended = int(done.get("appended", 0))
    report.refusals = dict(done.get("refusals", {}))
    report.problems += [f"compressor: {f}" for f in done.get("failures", [])]
    _check(store, tract_id, [e for log in logs for e in read_log(log)], report)
    return report


def _check(store: str, tract_id: str, appended: list[dict[str, Any]], report: RaceReport) -> None:
    report.agent_commits = len(appended)
    snap = snapshot(store, tract_id)
    main = snap.ancestors.get("main", frozenset())
    provenance = Provenance.of(snap.events)
    kinds: Counter[str] = Counter()
    for entry in appended:
        h = entry["hash"]
        how = provenance.account(h, main) if h in snap.commits else None
        kinds[how or "lost"] += 1
        if how is None:
            report.problems.append(f"agent commit {h[:12]} is neither on main nor accounted for")
    report.accounted = dict(kinds)
    verified = verify_store(store)
    report.problems += [f"verify: {p.line()}" for p in verified.problems]


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["compressor"]:
        ap = argparse.ArgumentParser(prog="compress_race compressor")
        ap.add_argument("--store", required=True)
        ap.add_argument("--tract", required=True)
        ap.add_argument("--seconds", type=float, required=True)
        worker = ap.parse_args(args_in[1:])
        print(json.dumps(compress_loop(worker.store, worker.tract, worker.seconds)), flush=True)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--postgres", default=os.environ.get("TRACT_TEST_POSTGRES_URL"))
    ap.add_argument("--keep", type=Path, help="keep the stores and logs here")
    args = ap.parse_args(args_in)
    base = args.keep or Path(tempfile.mkdtemp(prefix="compress-race-"))
    reports = [run_race(str(base / "sqlite" / "store.db"), base / "sqlite", args.seconds)]
    if args.postgres:
        with postgres_schemas(args.postgres) as new_url:
            reports.append(run_race(new_url(), base / "postgres", args.seconds))
    print(markdown([r.row() for r in reports]))
    bad = False
    for r in reports:
        for reason, n in r.refusals.items():
            print(f"{r.backend}: refused {n}×: {reason}")
        for problem in r.problems[:20]:
            print(f"{r.backend}: PROBLEM {problem}")
        bad = bad or bool(r.problems) or r.rate < 0.99
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

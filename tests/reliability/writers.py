"""Two writers on one store: an agent appending while an operator rewrites (issue 5, item 2).

``run_writers(store, workdir)`` prepares a tract (a pinned instruction, some history on
``main``, a ``side`` branch), starts ``agent`` and ``operator_worker`` as real subprocesses at
the same time, waits for both, then checks the store with plain SQL and ``verify``:

- every commit the agent appended exists, and is on ``main`` — directly, as a replayed copy, or
  summarised by a compress event whose summary is (``storefacts.Provenance``);
- a compress applied after the agent moved HEAD since its preview replayed the agent's commits;
  the operator saw a clean refusal of a revert after the branch moved, and no other exception;
- ``verify_store`` is clean; a cold compile equals a warm one; every compile record the
  operator wrote reproduces.

Returns a :class:`WriterReport` (figures and problems); the caller asserts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import Tract
from core.operations.verify import verify_store
from tests.reliability.agent import read_log
from tests.reliability.storefacts import Provenance, is_url, snapshot

ROOT = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT_S = 240


def worker_env() -> dict[str, str]:
    """The environment of a worker subprocess: this checkout first on its import path."""
    extra = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *([extra] if extra else [])])}


@dataclass
class WriterReport:
    backend: str
    agent_commits: int = 0
    agent_elapsed_s: float = 0.0
    agent_commit_ms_median: float = 0.0
    agent_commit_ms_max: float = 0.0
    operator: dict[str, int] = field(default_factory=dict)
    accounted: dict[str, int] = field(default_factory=dict)
    compress_events: int = 0
    records_reproduced: int = 0
    verify_rows: int = 0
    elapsed_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        op = self.operator
        return {
            "backend": self.backend,
            "agent commits": self.agent_commits,
            "on branch": self.accounted.get("branch", 0),
            "replayed": self.accounted.get("replayed", 0),
            "summarised": self.accounted.get("summarised", 0),
            "lost": self.accounted.get("lost", 0),
            "compressions": op.get("compress_applied", 0),
            "applied onto an appended HEAD": op.get("compress_onto_appended", 0),
            "range-changed refusals": op.get("refused_range_changed", 0),
            "reverts": op.get("revert_applied", 0),
            "revert refusals": op.get("refused_revert_moved", 0),
            "imports": op.get("import_commit", 0) + op.get("import_transcript", 0),
            "compiles": op.get("compile_recorded", 0),
            "verify": "clean" if not self.problems else f"{len(self.problems)} problem(s)",
            "seconds": round(self.elapsed_s, 1),
        }


TRANSCRIPT = [
    {"role": "system", "content": "You are a build assistant."},
    {"role": "user", "content": "Why does the nightly build fail?"},
    {
        "role": "assistant",
        "content": "Let me look at the log.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "read_log", "arguments": '{"job": "nightly"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "error: disk full on runner-3"},
    {"role": "assistant", "content": "Runner 3 ran out of disk; clearing its cache fixes it."},
]


def write_transcript(path: Path) -> Path:
    path.write_text("".join(json.dumps(m) + "\n" for m in TRANSCRIPT), encoding="utf-8")
    return path


def prepare(store: str, history: int = 30) -> str:
    """A tract with an instruction and ``history`` commits on main, and a ``side`` branch."""
    with Tract.open(store, create=True) as tract:
        tract.system("You are a careful coding agent. Keep answers short.")
        for i in range(history):
            if i % 2:
                tract.assistant(f"setup answer {i}: done")
            else:
                tract.user(f"setup question {i}: what next?")
        tract.branch("side")
        for i in range(6):
            tract.user(f"side branch note {i}")
        tract.switch("main")
        return tract.tract_id


def _spawn(module: str, args: list[str], log: Path) -> subprocess.Popen[str]:
    env = worker_env()
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )


def _finish(proc: subprocess.Popen[str], name: str, report: WriterReport) -> dict[str, Any]:
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


def run_writers(
    store: str,
    workdir: Path,
    *,
    agent_commits: int = 400,
    agent_sleep: float = 0.02,
    actions: int = 20,
    seed: int = 7,
) -> WriterReport:
    started = time.perf_counter()
    report = WriterReport("postgresql" if is_url(store) else "sqlite")
    workdir.mkdir(parents=True, exist_ok=True)
    tract_id = prepare(store)
    agent_log = workdir / "agent.jsonl"
    transcript = write_transcript(workdir / "small.jsonl")
    # Spread the operator's actions over most of the agent's run.
    pace = 0.7 * agent_commits * (agent_sleep + 0.002) / max(1, actions)
    agent = _spawn(
        "tests.reliability.agent",
        [
            *("--store", store, "--tract", tract_id, "--count", str(agent_commits)),
            *("--sleep", str(agent_sleep), "--log", str(agent_log)),
        ],
        workdir / "agent.err",
    )
    operator = _spawn(
        "tests.reliability.operator_worker",
        [
            *("--store", store, "--tract", tract_id, "--actions", str(actions)),
            *("--agent-log", str(agent_log), "--transcript", str(transcript)),
            *("--seed", str(seed), "--pace", f"{pace:.3f}"),
            *("--out", str(workdir / "operator.json")),
        ],
        workdir / "operator.err",
    )
    op_summary = _finish(operator, "operator", report)
    agent_summary = _finish(agent, "agent", report)
    report.problems += [f"operator: {f}" for f in op_summary.get("failures", [])]
    report.operator = dict(op_summary.get("counts", {}))
    report.agent_elapsed_s = float(agent_summary.get("elapsed_s", 0))
    report.agent_commit_ms_median = float(agent_summary.get("commit_ms_median", 0))
    report.agent_commit_ms_max = float(agent_summary.get("commit_ms_max", 0))
    check(store, tract_id, read_log(agent_log), agent_commits, report)
    report.elapsed_s = time.perf_counter() - started
    return report


def check(
    store: str, tract_id: str, appended: list[dict[str, Any]], expected: int, report: WriterReport
) -> None:
    report.agent_commits = len(appended)
    if len(appended) != expected:
        report.problems.append(f"agent logged {len(appended)} commits, expected {expected}")
    snap = snapshot(store, tract_id)
    main = snap.ancestors.get("main", frozenset())
    provenance = Provenance.of(snap.events)
    kinds: Counter[str] = Counter()
    for entry in appended:
        h = entry["hash"]
        if h not in snap.commits:
            report.problems.append(f"agent commit {h[:12]} (#{entry['i']}) is not in the store")
            kinds["lost"] += 1
            continue
        how = provenance.account(h, main)
        kinds[how or "lost"] += 1
        if how is None:
            report.problems.append(
                f"agent commit {h[:12]} (#{entry['i']}) is neither on main nor accounted for "
                "by an event"
            )
    report.accounted = dict(kinds)
    compresses = [e for e in snap.events.values() if e.event_type == "compress"]
    report.compress_events = len(compresses)
    for ev in compresses:
        missing = [h for h in (*ev.sources, *ev.results) if h not in snap.commits]
        if missing or not ev.results or not ev.sources:
            report.problems.append(f"compress event {ev.event_id[:12]} is incomplete")
    op = report.operator
    if op.get("forced_head_moved_applied", 0) < 1:
        report.problems.append(f"no compress was applied onto commits appended after it: {op}")
    if op.get("forced_revert_refused", 0) < 1:
        report.problems.append(f"no clean branch-moved revert refusal was seen: {op}")
    if op.get("compress_applied", 0) < 1:
        report.problems.append("the operator applied no compression")
    verified = verify_store(store)
    report.verify_rows = sum(verified.rows_checked.values())
    report.problems += [f"verify: {p.line()}" for p in verified.problems]
    _check_compiles(store, tract_id, report)


def _check_compiles(store: str, tract_id: str, report: WriterReport) -> None:
    with Tract.open(store, tract_id) as cold, Tract.open(store, tract_id) as warm:
        chain = [c.commit_hash for c in warm.log(limit=None)]
        for at in chain[::-97][:5]:  # warm the snapshot cache at older heads first
            warm.compile(at=at)
        a, b = cold.compile(), warm.compile()
        if (a.commit_hashes, a.messages, a.token_count) != (
            b.commit_hashes,
            b.messages,
            b.token_count,
        ):
            report.problems.append("a warm compile differs from a compile from scratch")
        for rec in cold.records():
            if not cold.reproduce(rec.record_id).matches:
                report.problems.append(f"compile record {rec.record_id[:12]} does not reproduce")
            else:
                report.records_reproduced += 1

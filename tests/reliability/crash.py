"""The crash harness: SIGKILL a process at random moments of compress, import, revert and
upgrade, and check the store after every kill (issue 5, item 3).

``run_campaign(provider, plan)``: for each operation, calibration runs (not killed) measure
how long the operation takes from "go" to done (the median) and check its result; then
``plan[op]`` kills follow, each on a fresh copy of the prepared store, at delays spread evenly
over [0, duration] (one seeded random delay in each of ``n`` equal slices), so kills land
before and inside the write transaction (a kill due after the write began counts from the
kill run's own BEGIN: ``aimed``). ``op@backup`` aims the kills at an upgrade's SQLite
backup instead, and ``op@commit`` at the window from the COMMIT to the operation's return.
The victims are forked by one server process (``victim.py``), so a kill costs milliseconds;
the markers a victim printed before it died say where it was. After each kill,
``crash_checks`` decides the outcome and lists any problem.

Providers (``crash_stores``) hand out prepared stores: ``SqliteProvider`` builds each kind once
and copies the file per kill; ``PostgresProvider`` builds each kill's store in a fresh schema.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.reliability.crash_checks import backups_of, check_operation, check_upgrade
from tests.reliability.crash_stores import V6_OPS, Prepared
from tests.reliability.writers import ROOT, worker_env

LINE_TIMEOUT_S = 60.0

# 15 + 15 + 10 + 4 + 8 + 4 + 3 + 3 = 62 kills on SQLite; a smaller set on PostgreSQL.
# "op@backup" / "op@commit" aim kills at the upgrade's backup / at the commit and after it.
SQLITE_PLAN = {
    "compress": 15,
    "import": 15,
    "revert": 10,
    "upgrade-v5": 4,
    "upgrade-big-v3": 8,
    "upgrade-big-v3@backup": 4,
    "compress@commit": 3,
    "import@commit": 3,
}
POSTGRES_PLAN = {"compress": 4, "import": 3, "revert": 3, "upgrade-v5": 3, "compress@commit": 2}


# --- the victim server ------------------------------------------------------------------------


@dataclass
class Run:
    pid: int | None = None
    markers: list[tuple[str, float]] = field(default_factory=list)
    exit_code: int | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def seconds(self) -> float:
        return next((t for tag, t in self.markers if tag == "DONE"), 0.0)

    @property
    def phase(self) -> str:
        """Where the victim was when it died: the last marker it printed."""
        tags = [tag for tag, _ in self.markers]
        if "DONE" in tags:
            return "after done"
        last = tags[-1] if tags else "READY"
        return {
            "READY": "before go",
            "GO": "before writing",
            "BACKUP-START": "in backup",
            "BACKUP-END": "after backup",
            "BEGIN": "in write transaction",
            "COMMIT": "committing",
        }.get(last, last)


class VictimServer:
    def __init__(self, log: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.victim"],
            cwd=ROOT,
            env=worker_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self._next()
        if not first.startswith("SERVER READY"):
            raise RuntimeError(f"victim server did not start: {first!r}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("")

    def _next(self) -> str:
        try:
            line = self.lines.get(timeout=LINE_TIMEOUT_S)
        except queue.Empty:
            raise RuntimeError(f"victim server silent for {LINE_TIMEOUT_S} s") from None
        if line == "" and self.proc.poll() is not None:
            code = self.proc.returncode
            raise RuntimeError(f"victim server exited ({code}); see {self.log.name}")
        return line

    def run(self, command: dict[str, Any], delay: float | None, anchor: str = "GO") -> Run:
        """Fork a victim for ``command``; "go", then SIGKILL ``delay`` seconds after it printed
        ``anchor`` (None: once it finished). Returns its markers and exit code."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        run = Run()
        while True:
            tag, *rest = self._next().split(" ", 3)
            if tag == "EXIT":
                run.exit_code = int(rest[1])
                return run
            pid, elapsed = int(rest[0]), float(rest[1])
            extra = rest[2] if len(rest) > 2 else ""
            if tag == "READY":
                run.pid = pid
                os.kill(pid, signal.SIGUSR1)
                continue
            run.markers.append((tag, elapsed))
            if tag == anchor and delay is not None:
                _sleep(delay)
                os.kill(pid, signal.SIGKILL)
            if tag == "ERROR":
                run.error = json.loads(extra)
            if tag == "DONE":
                run.result = json.loads(extra)
            if tag in ("DONE", "ERROR") and delay is None:
                os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _sleep(seconds: float) -> None:
    """Sleep precisely (the last millisecond spins): kills must land where they were aimed."""
    end = time.perf_counter() + seconds
    if seconds > 0.002:
        time.sleep(seconds - 0.002)
    while time.perf_counter() < end:
        pass


# --- the campaign -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Kill:
    op: str
    index: int
    delay: float
    phase: str
    outcome: str
    problems: tuple[str, ...]
    check_s: float
    partial_backups: int = 0  # leftovers of a backup the kill interrupted


@dataclass
class CampaignReport:
    backend: str
    durations: dict[str, float] = field(default_factory=dict)  # op → calibrated seconds
    kills: list[Kill] = field(default_factory=list)
    setup_problems: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def problems(self) -> list[str]:
        out = list(self.setup_problems)
        for k in self.kills:
            out += [f"{k.op} #{k.index} (killed {k.phase}): {p}" for p in k.problems]
        return out

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for op, seconds in self.durations.items():
            kills = [k for k in self.kills if k.op == op]
            out.append(
                {
                    "backend": self.backend,
                    "operation": op,
                    "op ms": round(seconds * 1000, 1),
                    "kills": len(kills),
                    "where it died": dict(Counter(k.phase for k in kills)),
                    "store after": dict(Counter(k.outcome for k in kills)),
                    "partial backups left": sum(k.partial_backups for k in kills),
                    "problems": sum(len(k.problems) for k in kills),
                }
            )
        return out


Provider = Any  # SqliteProvider or PostgresProvider (same methods)


def window(run: Run, aim: str) -> tuple[str, float]:
    """(marker the delay counts from, length of the window to spread kills over)."""
    at = dict(run.markers)
    if aim == "backup":  # the SQLite backup before an upgrade
        return "BACKUP-START", at["BACKUP-END"] - at["BACKUP-START"]
    if aim == "commit":  # from the COMMIT of the write transaction to the operation's return
        return "COMMIT", at["DONE"] - at["COMMIT"]
    return "GO", run.seconds


def aimed(run: Run, anchor: str, delay: float) -> tuple[str, float]:
    """A kill due ``delay`` after ``anchor`` in the calibrated ``run``, as (the marker to count
    from, the delay after it). Over a whole operation, a kill due after the calibrated run's
    BEGIN counts from the kill run's own BEGIN: a victim slower before its write (a busy or
    slower-clocked machine; timings here fall at two levels ~40% apart) still dies in the part
    of the operation it was aimed at, instead of every kill landing before the write."""
    begin = dict(run.markers).get("BEGIN")
    if anchor != "GO" or begin is None or delay < begin:
        return anchor, delay
    return "BEGIN", delay - begin


def run_campaign(
    provider: Provider,
    plan: dict[str, int],
    *,
    seed: int = 20260305,
    log: Callable[[str], None] | None = None,
) -> CampaignReport:
    """``plan``: kills per operation; ``"op@backup"`` aims them at the upgrade's backup."""
    started = time.perf_counter()
    rng = random.Random(seed)
    report = CampaignReport(provider.backend)
    server = VictimServer(provider.workdir / "victim-server.log")
    calibrated: dict[str, Run | None] = {}
    try:
        for entry, count in plan.items():
            op, _, aim = entry.partition("@")
            if op not in calibrated:
                calibrated[op] = _calibrate(server, provider, op, report)
            run = calibrated[op]
            if run is None:
                continue
            anchor, duration = window(run, aim)
            report.durations[entry] = duration
            for k in range(count):
                delay = (k + rng.random()) / count * duration
                marker, after = aimed(run, anchor, delay)
                kill = _kill(server, provider, op, k, after, marker)
                report.kills.append(replace(kill, op=entry))
                if log is not None:
                    log(f"{entry} #{k} at {delay * 1000:.1f} ms: {kill.phase} → {kill.outcome}")
    finally:
        server.close()
    report.elapsed_s = time.perf_counter() - started
    return report


def _check(provider: Provider, op: str, prepared: Prepared) -> tuple[str, list[str]]:
    if op in V6_OPS:
        assert prepared.pre is not None and prepared.expect is not None
        return check_operation(prepared.target, prepared.tract_id, prepared.pre, prepared.expect)
    return check_upgrade(prepared.target, provider.upgrade_facts(op))


def _calibrate(
    server: VictimServer, provider: Provider, op: str, report: CampaignReport
) -> Run | None:
    """Uninterrupted runs (``provider.calibration_runs``): that the result is sound, and how
    long the operation takes — the median run, so one slow (cold) run does not stretch the
    window the kills are spread over."""
    runs: list[Run] = []
    for _ in range(provider.calibration_runs):
        prepared = provider.prepare(op)
        run = server.run(prepared.command, None)
        if run.result is None:
            report.setup_problems.append(f"{op}: the uninterrupted run failed: {run.error}")
            return None
        provider.calibrated(op, prepared)
        outcome, problems = _check(provider, op, prepared)
        want = "complete" if op in V6_OPS else "new"
        if outcome != want or problems:
            report.setup_problems.append(f"{op}: uninterrupted run gave {outcome}: {problems}")
        provider.discard(prepared)
        runs.append(run)
    runs.sort(key=lambda r: r.seconds)
    return runs[(len(runs) - 1) // 2]


def _kill(
    server: VictimServer, provider: Provider, op: str, index: int, delay: float, anchor: str
) -> Kill:
    prepared = provider.prepare(op)
    run = server.run(prepared.command, delay, anchor)
    t0 = time.perf_counter()
    problems: list[str] = []
    if run.error is not None:
        problems.append(f"the victim failed instead of being killed: {run.error}")
    if run.exit_code != -signal.SIGKILL:
        problems.append(f"victim exit code {run.exit_code}, expected SIGKILL")
    # Leftovers of an interrupted backup, counted before the check opens (and upgrades) it.
    partial = 0 if "://" in prepared.target else len(backups_of(Path(prepared.target))[1])
    outcome, found = _check(provider, op, prepared)
    problems += found
    if run.phase == "after done" and outcome not in ("complete", "new"):
        problems.append(f"killed after the operation returned, yet the store is {outcome}")
    if run.phase in ("before writing", "in backup", "after backup") and outcome in (
        "complete",
        "new",
    ):
        problems.append(f"killed before writing, yet the store is {outcome}")
    kill = Kill(
        op, index, delay, run.phase, outcome, tuple(problems), time.perf_counter() - t0, partial
    )
    if not problems:
        provider.discard(prepared)
    return kill

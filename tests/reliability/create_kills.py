"""Kill ``tract-tui import FILE --store NEW --create`` while it creates the store (issue 9 §4).

    python -m tests.reliability.create_kills [--kills 30] [--seed 9] [--keep DIR]

Each kill runs the real command in a fresh directory and sends SIGKILL: half of the kills at a
seeded random moment of the whole run (timed uninterrupted first), half aimed at the creation
itself (shortly after the hidden file of an unfinished store appears). Then:

- the target is either absent or a store that opens and verifies clean — never a file that
  does not open (before: 7 of 30 kills left "SQLite database with no tables");
- the same command run again succeeds, and no hidden file of the killed creation is left.

Prints a Markdown row; exits 1 if any kill left an unusable store or a leftover.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.operations.verify import verify_store
from core.storage.store import Store
from tests.reliability.report import markdown
from tests.reliability.writers import worker_env, write_transcript

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class KillReport:
    kills: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # absent / complete / unusable
    aimed: int = 0
    leftovers: int = 0
    rerun_failures: int = 0
    uninterrupted_s: float = 0.0
    problems: list[str] = field(default_factory=list)

    def row(self) -> dict[str, object]:
        return {
            "kills": self.kills,
            "aimed at the creation": self.aimed,
            "store absent": self.outcomes.get("absent", 0),
            "store complete": self.outcomes.get("complete", 0),
            "unusable file left": self.outcomes.get("unusable", 0),
            "leftovers after a re-run": self.leftovers,
            "re-run failed": self.rerun_failures,
            "one run, uninterrupted": f"{self.uninterrupted_s:.2f} s",
        }


def command(transcript: Path, store: Path) -> list[str]:
    return [sys.executable, "-m", "tract_tui.cli", "import", str(transcript), "--store",
            str(store), "--create"]  # fmt: skip


def run_once(transcript: Path, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(transcript, store), cwd=ROOT, env=worker_env(), capture_output=True, text=True
    )


def creating(folder: Path) -> bool:
    return any(p.name.startswith(".") and ".creating-" in p.name for p in folder.iterdir())


def kill_one(transcript: Path, folder: Path, delay: float | None, rng: random.Random) -> None:
    """Start the import; kill it after ``delay`` s, or (None) soon after creation starts."""
    store = folder / "new.db"
    proc = subprocess.Popen(
        command(transcript, store),
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if delay is not None:
        time.sleep(delay)
    else:
        deadline = time.monotonic() + 30
        while proc.poll() is None and not creating(folder) and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.03))
    with_signal = proc.poll() is None
    if with_signal:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def outcome(store: Path) -> str:
    if not store.exists():
        return "absent"
    try:
        with Store.open(store):
            pass
        return "complete" if verify_store(store).ok else "unusable"
    except Exception:
        return "unusable"


def run(kills: int, seed: int, workdir: Path) -> KillReport:
    report = KillReport()
    rng = random.Random(seed)
    transcript = write_transcript(workdir / "small.jsonl")
    timing = workdir / "timing"
    timing.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    done = run_once(transcript, timing / "new.db")
    report.uninterrupted_s = time.perf_counter() - started
    if done.returncode != 0:
        report.problems.append(f"an uninterrupted import failed: {done.stderr.strip()}")
        return report
    for n in range(kills):
        folder = workdir / f"kill-{n:02d}"
        folder.mkdir()
        aimed = n % 2 == 1
        report.aimed += aimed
        kill_one(transcript, folder, None if aimed else rng.uniform(0, report.uninterrupted_s), rng)
        report.kills += 1
        store = folder / "new.db"
        what = outcome(store)
        report.outcomes[what] += 1
        if what == "unusable":
            report.problems.append(f"kill {n}: {store} is left and does not open")
        again = run_once(transcript, store)
        if again.returncode != 0:
            report.rerun_failures += 1
            report.problems.append(f"kill {n}: the re-run failed: {again.stderr.strip()}")
        left = [p.name for p in folder.iterdir() if ".creating-" in p.name]
        if left:
            report.leftovers += 1
            report.problems.append(f"kill {n}: left behind {left}")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--keep", type=Path, help="keep the stores here")
    args = ap.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="create-kills-"))
    report = run(args.kills, args.seed, workdir)
    print(markdown([report.row()]))
    for problem in report.problems:
        print(f"PROBLEM {problem}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The TUI beside a live writer: lag until the graph shows a commit, selection, key latency.

``measure_live_writer(workdir)`` opens the real app (Textual's Pilot, headless) on a store,
selects a commit, then starts the ``agent`` worker as a real subprocess appending every
``sleep`` seconds. While it writes, the app is sampled every ~10 ms:

- **lag**: from the agent's commit (the wall-clock time it logs once the commit returned) to
  the first sample in which the graph holds that commit;
- **selection**: in every sample the selected commit is the one chosen (new rows arrive above
  it) or, once keys are pressed, the one the last key moved to — a key is never undone by a
  reload, and the cursor never names another commit while the rows shift;
- **key-to-frame**: ``j`` and ``k`` alternately (from a third of the commits on), sent as the
  terminal driver sends keys; from the key to the first frame composed after the cursor got
  there (``App._display`` is timed; headless, it still receives every frame).

Used by ``tests/tui/test_live_writer.py`` and ``python -m tests.reliability.report``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual import events
from textual.pilot import Pilot

from core import Tract
from tests.reliability.agent import read_log
from tests.reliability.writers import ROOT, prepare, worker_env
from tract_tui.app import TractApp
from tract_tui.widgets.graph_view import GraphView

SAMPLE_S = 0.01


@dataclass
class LiveReport:
    commits: int = 0
    lags: list[float] = field(default_factory=list)
    keys: list[float] = field(default_factory=list)
    reloads: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def max_lag(self) -> float:
        return max(self.lags, default=0.0)

    @property
    def median_lag(self) -> float:
        return statistics.median(self.lags) if self.lags else 0.0

    @property
    def key_median(self) -> float:
        return statistics.median(self.keys) if self.keys else 0.0

    @property
    def key_max(self) -> float:
        return max(self.keys, default=0.0)

    def row(self) -> dict[str, object]:
        return {
            "agent commits": self.commits,
            "seen": len(self.lags),
            "lag median ms": round(self.median_lag * 1000),
            "lag max ms": round(self.max_lag * 1000),
            "keys": len(self.keys),
            "key median ms": round(self.key_median * 1000, 1),
            "key max ms": round(self.key_max * 1000, 1),
            "graph reloads": self.reloads,
            "problems": len(self.problems),
        }


async def _until(pilot: Pilot[None], condition: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(SAMPLE_S)


async def measure_live_writer(
    workdir: Path, *, commits: int = 60, sleep: float = 0.05, keys: int = 24
) -> LiveReport:
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "live.db"
    log = workdir / "live-agent.jsonl"
    tract_id = prepare(str(store), history=40)
    report = LiveReport()
    tract = Tract.open(str(store), tract_id)
    app = TractApp(tract)
    try:
        async with app.run_test(size=(120, 34)) as pilot:
            frames = FrameClock(app)
            await _until(pilot, lambda: isinstance(app.screen.focused, GraphView), 10)
            view = app.screen.query_one(GraphView)
            await _until(pilot, lambda: view.model.complete and len(view.model) > 40, 10)
            keep = view.model.hashes[6]
            view.select_hash(keep)
            await pilot.pause(0.7)  # the poller has its baseline
            scans = _count_scans(view)
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.reliability.agent",
                *("--store", str(store), "--tract", tract_id, "--count", str(commits)),
                *("--sleep", str(sleep), "--log", str(log)),
                cwd=ROOT,
                env=worker_env(),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            await _follow(pilot, app, frames, view, proc, log, keep, commits, keys, report)
            _, err = await proc.communicate()
            if proc.returncode != 0:
                report.problems.append(f"agent exited {proc.returncode}: {err.decode()[-500:]}")
            report.reloads = scans()
    finally:
        tract.close()
    return report


def _count_scans(view: GraphView) -> Callable[[], int]:
    """Graph reloads since now (each reload starts a new scan generation)."""
    start = view._generation

    def count() -> int:
        return view._generation - start

    return count


async def _follow(
    pilot: Pilot[None],
    app: TractApp,
    frames: FrameClock,
    view: GraphView,
    proc: asyncio.subprocess.Process,
    log: Path,
    keep: str,
    commits: int,
    keys: int,
    report: LiveReport,
) -> None:
    logged: dict[str, float] = {}
    seen: dict[str, float] = {}
    presses = 0
    next_key = 0.0
    expected = keep  # what must be selected now: the chosen commit, or where a key moved to
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(seen) < commits:
        for entry in read_log(log):
            logged.setdefault(entry["hash"], entry["t"])
        now = time.time()
        for h, t in logged.items():
            if h not in seen and view.model.index_of(h) is not None:
                seen[h] = now
                report.lags.append(now - t)
        if view.selected_hash != expected:
            report.problems.append(
                f"selection is {str(view.selected_hash)[:8]}, expected {expected[:8]} "
                f"(after {presses} keys, {len(logged)} agent commits)"
            )
            view.select_hash(expected)  # carry on from where it should be
        # Keys once a third of the commits are in: before that, the selection must hold alone.
        if len(logged) >= commits // 3 and presses < keys and time.monotonic() >= next_key:
            key = "j" if presses % 2 == 0 else "k"
            expected = await _press(app, frames, view, key, keep, report)
            presses += 1
            next_key = time.monotonic() + 0.08
        await pilot.pause(SAMPLE_S)
    report.commits = len(logged)
    if len(seen) < len(logged):
        report.problems.append(f"{len(logged) - len(seen)} commits never appeared in the graph")


class FrameClock:
    """Timestamps every frame the app composes (headless: ``App._display`` still gets each
    compositor update; it just writes nothing)."""

    def __init__(self, app: TractApp) -> None:
        self.frames: list[float] = []
        display = app._display

        def timed(screen: object, renderable: object) -> None:
            if renderable is not None:
                self.frames.append(time.perf_counter())
            display(screen, renderable)  # type: ignore[arg-type]

        app._display = timed  # type: ignore[method-assign]

    def first_after(self, t: float) -> float | None:
        return next((f for f in self.frames if f >= t), None)


async def _press(
    app: TractApp, frames: FrameClock, view: GraphView, key: str, keep: str, report: LiveReport
) -> str:
    """One key, delivered as the terminal driver delivers it; ``j`` selects the commit below
    ``keep``, ``k`` ``keep`` again. Times the key to the first frame composed after the cursor
    got there. Returns what must now stay selected."""
    index = view.model.index_of(keep)
    assert index is not None and app._driver is not None
    want = keep if key == "k" else view.model.hashes[index + 1]
    t0 = time.perf_counter()
    app._driver.send_message(events.Key(key, key))
    moved: float | None = None
    frame: float | None = None
    while frame is None and time.perf_counter() - t0 < 2.0:
        await asyncio.sleep(0.001)
        if moved is None and view.selected_hash == want:
            moved = time.perf_counter()
        if moved is not None:
            frame = frames.first_after(moved)
    if frame is None:
        report.problems.append(f"key {key} was not answered with a frame within 2 s")
        frame = time.perf_counter()
    report.keys.append(frame - t0)
    return want

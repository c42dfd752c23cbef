"""Figures for the TUI on big stores: ``python bench/bench_tui.py [--sizes 1000 100000]``.

For each store size (cached under ``bench/.cache/``, built once with ``write_commit`` in one
transaction: a random DAG with branches and ~5% merges), the real app runs in a child process
on a pseudo-terminal (120×40), as a person would run it, ``--repeat`` times:

- **first paint**: from ``App.run`` to the first frame written to the terminal that shows real
  graph rows (hashes and lanes), and to the first that also shows their messages; with the
  UI thread's CPU time until then, which a busy machine barely changes (wall time it does);
- **RSS** after that first paint and after the scan has read every row;
- **full scan**: from ``App.run`` until the graph holds every row;
- **key-to-frame**: ``j`` at the top and ``k`` at the bottom (after ``G``) of the graph, once
  the scan is done: from the key's action to the next frame that redrew the graph (in the
  child; with its UI-thread CPU), and from the byte sent to that frame being reported (in the
  parent, pty included).

The child is instrumented by wrapping a few methods (GraphView.render_line, the actions and
LinuxDriver.write); the app is otherwise untouched. Prints a table; asserts nothing. Targets
(issue): first paint ≤ 0.5 s and RSS ≤ 150 MB at 100k; a key costs the same at both ends.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Any

T_PROCESS = time.perf_counter()  # before the heavy imports, for "from process start"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / ".cache"
STORE_VERSION = 1  # bump when the generated history changes
COLS, ROWS = 120, 40
KEYS = 40  # presses per measured run (each end)
CHILD_SCRIPT: str | None = None  # a wrapper script may stand in for this file (profiling)


# -- the stores ---------------------------------------------------------------------------


def store_path(n: int) -> Path:
    return CACHE / f"tui-{n}-v{STORE_VERSION}.db"


def build_store(n: int, path: Path) -> float:
    """n commits, newest first from ``bench_lanes.random_history``, written oldest first."""
    from datetime import UTC, datetime, timedelta

    from bench.bench_lanes import random_history
    from core import Tract
    from core.engine.clock import FrozenClock
    from core.operations.commit import write_commit
    from core.operations.context import HEAD, branch_ref
    from core.storage.store import Store

    start = time.perf_counter()
    rows = random_history(n)
    referenced = {p for _, parents in rows for p in parents}
    second_parents = [parents[1] for _, parents in rows if len(parents) > 1]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building.db")
    tmp.unlink(missing_ok=True)
    clock = FrozenClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC), timedelta(milliseconds=20))
    with Store.open(tmp, create=True) as store:
        tract = Tract(store, "b" * 32, clock=clock)
        ctx = tract.ctx
        ids: dict[str, str] = {}
        with store.write() as uow:
            for i, (cid, parents) in enumerate(reversed(rows)):
                real = [ids[p] for p in parents]
                info = write_commit(
                    uow,
                    ctx,
                    ctx.registry.validate(_payload(i)),
                    parent=real[0] if real else None,
                    merge_parents=real if len(real) > 1 else None,
                )
                ids[cid] = info.commit_hash
            tips = [cid for cid, _ in rows if cid not in referenced]
            uow.refs.set_direct(ctx.tract_id, branch_ref("main"), ids[tips[0]])
            for k, cid in enumerate(tips[1:]):
                uow.refs.set_direct(ctx.tract_id, branch_ref(f"line-{k}"), ids[cid])
            for k, cid in enumerate(second_parents[:: max(1, len(second_parents) // 20)]):
                uow.refs.set_direct(ctx.tract_id, branch_ref(f"feature/{k}"), ids[cid])
            uow.refs.set_symbolic(ctx.tract_id, HEAD, branch_ref("main"))
    tmp.replace(path)
    return time.perf_counter() - start


def _payload(i: int) -> dict[str, Any]:
    from core.models import content as c

    kind = i % 4
    if kind == 0:
        return c.dialogue("user", f"Step {i}: run the test suite and report what failed.")
    if kind == 1:
        return c.dialogue("assistant", f"Step {i}: 3 failures in test_parser.py, fixing them.")
    if kind == 2:
        return c.tool_io("bash", "call", {"command": f"pytest -x tests/test_{i % 97}.py"})
    return c.tool_io("bash", "result", {"output": f"{i % 13} passed, 1 failed"}, "success")


# -- the child: the real app, instrumented --------------------------------------------------


def child(store: str, report_fd: int) -> None:
    from textual.drivers import linux_driver

    from core import Tract
    from core.storage.store import Store
    from tract_tui.app import TractApp
    from tract_tui.widgets.graph_view import GraphView

    out = os.fdopen(report_fd, "w", buffering=1)

    def emit(kind: str, **data: Any) -> None:
        out.write(json.dumps({"kind": kind, **data}) + "\n")

    state: dict[str, Any] = {"rows": False, "full": False, "pending": None, "paint": None}
    render_line = GraphView.render_line

    def cpu() -> dict[str, float]:
        """CPU seconds since App.run: the whole process, and the UI thread alone (we are
        called on it). Unlike wall time, these barely move when the machine is busy."""
        return {"cpu": time.process_time() - cpu_run, "ui": time.thread_time() - ui_run}

    def timed_render_line(self: GraphView, y: int) -> Any:
        strip = render_line(self, y)
        row = self.scroll_offset.y + y
        if row < len(self.model):
            state["rows"] = True
            if self.model.hashes[row] in self.details:
                state["full"] = True
        return strip

    write = linux_driver.LinuxDriver.write

    def timed_write(self: Any, data: str) -> None:
        write(self, data)
        now = time.perf_counter()
        if "frame0" not in state and len(data) > COLS * ROWS // 2:  # the first full screen
            state["frame0"] = now
            emit("frame0", t=now - t_run, **cpu())
        if not state["rows"]:
            return
        if state["paint"] is None:
            state["paint"] = now
            emit("paint", t=now - t_run, since_start=now - T_PROCESS, rss=_rss_mb(), **cpu())
        if state["full"] and "paint_full" not in state:
            state["paint_full"] = now
            emit("paint_full", t=now - t_run, rss=_rss_mb(), **cpu())
        if state["pending"] is not None:
            emit("frame", dt=now - state["pending"], ui=time.thread_time() - state["pending_ui"])
            state["pending"] = None
        state["rows"] = state["full"] = False

    def timed(name: str) -> None:
        action = getattr(GraphView, name)

        def run(self: GraphView) -> None:
            state["pending"], state["pending_ui"] = time.perf_counter(), time.thread_time()
            state["rows"] = False
            action(self)

        setattr(GraphView, name, run)

    on_rows = GraphView.on_graph_view__rows

    def timed_rows(self: GraphView, message: Any) -> None:
        on_rows(self, message)
        if message.complete and message.generation == self._generation:
            emit("scanned", t=time.perf_counter() - t_run, rss=_rss_mb(), rows=len(self.model))

    GraphView.render_line = timed_render_line  # type: ignore[method-assign]
    GraphView.on_graph_view__rows = timed_rows  # type: ignore[method-assign]
    linux_driver.LinuxDriver.write = timed_write  # type: ignore[method-assign]
    for name in ("action_cursor_down", "action_cursor_up", "action_last"):
        timed(name)

    t_open = time.perf_counter()
    st = Store.open(store, lean=True)  # as tract_tui.commands.open_app opens it
    app = TractApp(Tract.open(st), store=st)
    emit("opened", t=time.perf_counter() - t_open)
    t_run, cpu_run, ui_run = time.perf_counter(), time.process_time(), time.thread_time()
    app.run()
    st.close()
    emit("exit", rss=_rss_mb())


def _rss_mb() -> dict[str, float]:
    """Resident memory: total, anonymous (our heap) and file-backed (libraries, mmapped store)."""
    keys = {"VmRSS:": "total", "RssAnon:": "anon", "RssFile:": "file"}
    out: dict[str, float] = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            name = line.split(None, 1)[0]
            if name in keys:
                out[keys[name]] = int(line.split()[1]) / 1024
    return out


# -- the parent: a pty, keys, and the child's reports ---------------------------------------


class Run:
    def __init__(self, store: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        report_r, report_w = os.pipe()
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                CHILD_SCRIPT or __file__,
                "--child",
                str(store),
                "--report-fd",
                str(report_w),
            ],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            pass_fds=(report_w,),
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        os.close(report_w)
        self.master = master
        self.reports = os.fdopen(report_r, "r", buffering=1)
        self.events: list[dict[str, Any]] = []
        self._stop = False
        self._drain = threading.Thread(target=self._drain_output, daemon=True)
        self._drain.start()

    def _drain_output(self) -> None:  # the terminal must be read or the app blocks writing
        while not self._stop:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    if not os.read(self.master, 65536):
                        return
                except OSError:
                    return

    def wait(self, kind: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event["kind"] == kind:
                return event
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.reports], [], [], deadline - time.monotonic())
            if not ready:
                break
            line = self.reports.readline()
            if not line:
                break
            event = json.loads(line)
            self.events.append(event)
            if event["kind"] == kind:
                return event
        raise TimeoutError(f"no {kind!r} report from the app within {timeout:.0f}s")

    def key(self, data: bytes, timeout: float = 5.0) -> tuple[float, float, float]:
        """(child action→frame, its UI-thread CPU, parent byte→frame report) for one key."""
        self.events = [e for e in self.events if e["kind"] != "frame"]
        sent = time.perf_counter()
        os.write(self.master, data)
        frame = self.wait("frame", timeout)
        return frame["dt"], frame["ui"], time.perf_counter() - sent

    def keys(self, data: bytes) -> list[tuple[float, float, float]]:
        out = []
        for _ in range(KEYS):
            time.sleep(0.03)  # a brisk typist, not key repeat: each press is measured alone
            out.append(self.key(data))
        return out

    def close(self) -> None:
        try:
            os.write(self.master, b"q")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self._stop = True
        self._drain.join(timeout=1)
        os.close(self.master)
        self.reports.close()


def measure(store: Path) -> dict[str, float]:
    run = Run(store)
    try:
        opened = run.wait("opened")
        paint = run.wait("paint")
        full = run.wait("paint_full")
        scanned = run.wait("scanned", timeout=300)
        time.sleep(0.5)  # the last details and the first poll settle
        top = run.keys(b"j")
        run.key(b"G")
        time.sleep(0.5)  # details of the last screen arrive
        bottom = run.keys(b"k")
    finally:
        run.close()
    out = {
        "open": opened["t"],
        "paint": paint["t"],
        "paint_ui": paint["ui"],
        "paint_since_start": paint["since_start"],
        "paint_full": full["t"],
        "paint_full_ui": full["ui"],
        "scan": scanned["t"],
        "rows": scanned["rows"],
    }
    for when, event in (("paint", paint), ("scan", scanned)):
        for kind, mb in event["rss"].items():
            out[f"rss_{kind}_{when}"] = mb
    for end, samples in (("top", top), ("bottom", bottom)):
        out[f"{end}_app"] = statistics.median(s[0] for s in samples)
        out[f"{end}_ui"] = statistics.median(s[1] for s in samples)
        out[f"{end}_pty"] = statistics.median(s[2] for s in samples)
    return out


def report(n: int, runs: list[dict[str, float]]) -> None:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    ms = lambda key: f"{med[key] * 1000:.0f} ms"  # noqa: E731
    ms1 = lambda key: f"{med[key] * 1000:.1f} ms"  # noqa: E731
    print(f"\n{n:,} commits ({med['rows']:,.0f} rows in the graph), median of {len(runs)} runs")
    _line("open the store (before App.run)", ms("open"))
    _line("first paint with rows, wall", ms("paint"), "≤ 500 ms")
    _line("  … UI-thread CPU until then", ms("paint_ui"))
    _line("first paint with rows + messages, wall", ms("paint_full"))
    _line("  … UI-thread CPU until then", ms("paint_full_ui"))
    _line("first paint from process start (imports)", ms("paint_since_start"))
    for when, label in (("paint", "after first paint"), ("scan", "after the full scan")):
        rss = f"{med[f'rss_total_{when}']:.0f} MB"
        split = f"(anon {med[f'rss_anon_{when}']:.0f}, file {med[f'rss_file_{when}']:.0f})"
        _line(f"RSS {label}", rss, f"≤ 150 MB  {split}")
    _line("full scan (every row in the graph)", f"{med['scan']:.2f} s")
    for end, key in (("top", "j"), ("bottom", "k")):
        _line(f"key→frame at the {end} ({key}), app", ms1(f"{end}_app"))
        _line("  … UI-thread CPU", ms1(f"{end}_ui"))
        _line("  … byte sent → frame reported (pty)", ms1(f"{end}_pty"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--report-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.report_fd)
        return

    load = os.getloadavg()[0]
    print(f"tract-tui benchmark: {COLS}×{ROWS} pty; {os.cpu_count()} CPUs, load {load:.1f}")
    for n in args.sizes:
        path = store_path(n)
        if not path.exists():
            print(f"  building a {n:,}-commit store …", flush=True)
            print(f"    built in {build_store(n, path):.1f} s → {path}")
        report(n, [measure(path) for _ in range(args.repeat)])


def _line(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<40} {value:>12}   {target}")


if __name__ == "__main__":
    main()

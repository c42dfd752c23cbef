"""Scale figures (issue 14): every row of its table, measured now, with the target beside it.

    nice python bench/bench_scale.py                  # 1k / 10k / 100k stores
    nice python bench/bench_scale.py --million        # also 1M (built once: ~5 min, ~1 GB)
    nice python bench/bench_scale.py --only turn json # some sections (see --help)

The stores are bench_tui's random DAGs (branches, ~5% merges), built once and cached in
``bench/.cache`` (``--cache DIR`` elsewhere); a run never writes to them (the live-reload run
appends to a copy). The agent turn runs tract-ai b226678 beside ours when its reference source
is there (the virtualenv ``tests/tract_ai_reference.py`` builds; ``--no-tract-ai`` skips it).
Prints a table; asserts nothing. Wall-clock figures move with the machine's load: run it with
``nice`` on a machine that is otherwise quiet, and read the ratios of a run together.
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import json
import os
import pty
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bench_tui  # noqa: E402

SECTIONS = ("turn", "compile", "json", "open", "graph", "start", "app", "live")
RESULTS: list[tuple[str, str, str, str]] = []  # measure, today (issue), now, target


def result(measure: str, today: str, now: str, target: str) -> None:
    RESULTS.append((measure, today, now, target))
    print(f"  {measure:<52} {now:>16}   target {target}", flush=True)


def store(n: int) -> Path:
    path = bench_tui.store_path(n)
    if not path.exists():
        print(f"  building the {n:,}-commit store (once) …", flush=True)
        built = bench_tui.build_store(n, path)
        print(f"    built in {built:.1f} s → {path}", flush=True)
    return path


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


# -- child processes: wall time and peak RSS ------------------------------------------------


# A child's peak RSS as wait4 reports it includes the memory of the process that forked it:
# Linux carries a forked copy's high-water mark across exec. This benchmark holds stores and
# compiles (hundreds of MB), so its children would all seem that big. A small launcher (no
# site, stdlib only) forks each measured command instead and reports its wall time and RSS.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
err = proc.stderr.read().decode(errors="replace")
print(json.dumps({"wall": wall, "rss_kb": usage.ru_maxrss,
                  "rc": os.waitstatus_to_exitcode(status), "err": err[-300:]}), file=sys.stderr)
"""


def run_child(cmd: list[str], stdout: Any = subprocess.DEVNULL) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit status of one child process (forked by
    :data:`LAUNCHER`, so neither figure includes this process)."""
    proc = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *cmd], stdout=stdout, stderr=subprocess.PIPE
    )
    report = json.loads(proc.stderr.decode(errors="replace").strip().splitlines()[-1])
    if report["rc"]:
        print(f"    {' '.join(cmd[-4:])} failed: {report['err'].strip()}")
    return report["wall"], report["rss_kb"] / 1024, report["rc"]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "tract_tui", *args]


def best(fn: Callable[[], tuple[float, float, int]], repeat: int) -> tuple[float, float]:
    """Median wall and the largest peak RSS over ``repeat`` runs."""
    runs = [fn() for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def interpreter_start(repeat: int = 5) -> float:
    return best(lambda: run_child([sys.executable, "-c", "pass"]), repeat)[0]


# -- agent turn ------------------------------------------------------------------------------

TURN_OURS = """
import json, sys, tempfile, time
from pathlib import Path
from core import create_tract
turns = int(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    t = create_tract(Path(d) / "turns.db")
    t.system("You are a coding agent. Keep answers short.")
    samples = []
    dicts = None
    for i in range(turns):
        start = time.perf_counter()
        t.user(f"Step {i}: run the tests and tell me what failed.")
        t.assistant(f"Turn {i}: 3 tests failed in test_parser.py; fixing the off-by-one.")
        compiled = t.compile()
        dicts = compiled.to_dicts()
        samples.append(time.perf_counter() - start)
    # to_dicts() again on the last compile, and the first after a cold compile
    n = len(dicts)
    start = time.perf_counter()
    for _ in range(20):
        compiled.to_dicts()
    repeat = (time.perf_counter() - start) / 20 / n
    t.user("one more")
    compiled = t.compile()
    start = time.perf_counter()
    compiled.to_dicts()
    first_incremental = time.perf_counter() - start
    t.close()
    from core import Tract
    cold = Tract.open(Path(d) / "turns.db")
    compiled = cold.compile()
    start = time.perf_counter()
    compiled.to_dicts()
    first_cold = (time.perf_counter() - start) / len(compiled.messages)
    cold.close()
print(json.dumps({"samples": samples, "repeat": repeat, "first_incremental": first_incremental,
                  "first_cold": first_cold, "messages": n}))
"""

TURN_TRACT_AI = """
import json, sys, tempfile, time
from pathlib import Path
from tract import Tract, TractConfig
turns = int(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    t = Tract.open(str(Path(d) / "turns.db"), config=TractConfig(tokenizer_encoding="cl100k_base"))
    t.system("You are a coding agent. Keep answers short.")
    samples = []
    for i in range(turns):
        start = time.perf_counter()
        t.user(f"Step {i}: run the tests and tell me what failed.")
        t.assistant(f"Turn {i}: 3 tests failed in test_parser.py; fixing the off-by-one.")
        compiled = t.compile()
        dicts = compiled.to_dicts()
        samples.append(time.perf_counter() - start)
    n = len(dicts)
    start = time.perf_counter()
    for _ in range(20):
        compiled.to_dicts()
    repeat = (time.perf_counter() - start) / 20 / n
    t.close()
print(json.dumps({"samples": samples, "repeat": repeat, "messages": n}))
"""


def turns_run(python: str, script: str, turns: int, env: dict[str, str] | None = None) -> Any:
    proc = subprocess.run(
        [python, "-c", script, str(turns)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir() if env is not None else ROOT,
        check=False,
    )
    if proc.returncode != 0:
        print(f"    failed: {proc.stderr.strip()[-400:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def tract_ai_python() -> tuple[str, dict[str, str]] | None:
    try:
        from tests.tract_ai_reference import reference_python, tiktoken_cache

        python = str(reference_python("b226678"))
        env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tiktoken_cache())}
    except BaseException as exc:  # pytest.skip raises an exception outside BaseException's
        print(f"    tract-ai b226678 not available: {exc}")  # usual tree
        return None
    env.pop("PYTHONPATH", None)
    return python, env


def section_turn(args: argparse.Namespace) -> None:
    print("agent turn: append user + append assistant + compile + to_dicts()", flush=True)
    ours_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    side = 2000
    ours = turns_run(sys.executable, TURN_OURS, side, ours_env)
    theirs = None
    if not args.no_tract_ai:
        found = tract_ai_python()
        if found is not None:
            theirs = turns_run(found[0], TURN_TRACT_AI, side, found[1])
    if ours is None:
        return
    ours_ms = statistics.median(ours["samples"]) * 1000
    print(f"    ours at {side} turns: {ours_ms:.3f} ms median per turn")
    if theirs is not None:
        theirs_ms = statistics.median(theirs["samples"]) * 1000
        print(f"    tract-ai b226678 at {side} turns: {theirs_ms:.3f} ms median per turn")
        result(
            f"agent turn incl. to_dicts() vs tract-ai, {side} turns",
            "1.8×",
            f"{theirs_ms / ours_ms:.1f}× ({ours_ms:.2f} vs {theirs_ms:.2f} ms)",
            "≥ 10×",
        )
        print(f"    tract-ai repeated to_dicts(): {theirs['repeat'] * 1e6:.2f} µs/message")
    big = turns_run(sys.executable, TURN_OURS, args.turns, ours_env)
    if big is None:
        return
    last = big["samples"][-max(1, args.turns // 10) :]
    result(
        f"agent turn incl. to_dicts() at {args.turns // 1000}k turns (last 10%)",
        "~6 ms",
        f"{statistics.median(last) * 1000:.3f} ms",
        "≤ 0.8 ms",
    )
    # The median hides SQLite's automatic WAL checkpoint, which runs inside about one
    # commit in fifty and costs milliseconds.
    tail = sorted(last)[int(len(last) * 0.99)]
    print(
        f"    the same turns: mean {statistics.mean(last) * 1000:.3f} ms, "
        f"99th percentile {tail * 1000:.2f} ms"
    )
    result(
        "repeated to_dicts() per message",
        "0.9 µs",
        f"{big['repeat'] * 1e6:.3f} µs",
        "≤ 0.3 µs",
    )
    result(
        f"first to_dicts() after an append (+1 message, {big['messages'] + 1} in all)",
        "10 µs/message",
        f"{big['first_incremental'] * 1e6:.0f} µs",
        "O(new messages)",
    )
    print(f"    first to_dicts() after a cold compile: {big['first_cold'] * 1e6:.2f} µs/message")


# -- cold compile ---------------------------------------------------------------------------

COLD = """
import json, sys, time
from core import Tract
from core.storage.store import Store
with Store.open(sys.argv[1], readonly=True) as st:
    t = Tract.open(st)
    start = time.perf_counter()
    compiled = t.compile()
    print(json.dumps({"s": time.perf_counter() - start, "messages": len(compiled.messages)}))
"""


def section_compile(args: argparse.Namespace) -> None:
    print("cold compile of HEAD (a new process each time)", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    figures: dict[int, float] = {}
    for n in args.sizes:
        times = []
        messages = 0
        for _ in range(args.repeat if n <= 100_000 else 1):
            proc = subprocess.run(
                [sys.executable, "-c", COLD, str(store(n))],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            out = json.loads(proc.stdout)
            times.append(out["s"])
            messages = out["messages"]
        figures[n] = statistics.median(times)
        print(f"    {label(n)}: {figures[n]:.3f} s ({messages:,} messages)")
    if 100_000 in figures:
        result(
            "cold compile, 100k DAG with 5% merges", "9.7 s", f"{figures[100_000]:.2f} s", "≤ 1.5 s"
        )
    if 10_000 in figures and 100_000 in figures:
        growth = figures[100_000] / figures[10_000]
        result("  growth 10k → 100k", "16×", f"{growth:.1f}×", "≤ 12×")


# -- compile --json -----------------------------------------------------------------------


def section_json(args: argparse.Namespace) -> None:
    print("compile --json STORE > /dev/null", flush=True)
    for n in args.sizes:
        if n < 100_000:
            continue
        path = str(store(n))
        wall, rss = best(lambda p=path: run_child(cli("compile", "--json", p)), 1)
        today, target = (
            ("15 s", "≤ 2 s, RSS ≤ 1 GB")
            if n < 1_000_000
            else (
                "227 s, 2.9 GB",
                "≤ 20 s, RSS ≤ 1 GB",
            )
        )
        result(f"compile --json at {label(n)}", today, f"{wall:.2f} s, {rss:.0f} MB", target)


# -- store open, log ----------------------------------------------------------------------


def section_open(args: argparse.Namespace) -> None:
    print("log --limit 20 (a new process; interpreter start subtracted)", flush=True)
    base = interpreter_start()
    print(f"    interpreter start: {base * 1000:.0f} ms")
    for n in args.sizes:
        path = str(store(n))
        wall, rss = best(lambda p=path: run_child(cli("log", "--limit", "20", p)), args.repeat)
        today = "O(N), 332 MB at 1M" if n >= 1_000_000 else ""
        result(
            f"store open + log --limit 20 at {label(n)}",
            today,
            f"{wall - base:.3f} s, {rss:.0f} MB",
            "≤ 0.3 s, ≤ 100 MB",
        )


def section_graph(args: argparse.Namespace) -> None:
    print("log --graph --limit N (a new process; interpreter start subtracted)", flush=True)
    base = interpreter_start()
    for n in args.sizes:
        path = str(store(n))
        for limit in (20, 2000):
            wall, rss = best(
                lambda p=path, k=limit: run_child(cli("log", "--graph", "--limit", str(k), p)),
                args.repeat,
            )
            result(
                f"log --graph --limit {limit} at {label(n)}",
                "O(all)",
                f"{wall - base:.3f} s, {rss:.0f} MB",
                "O(N): flat across store sizes",
            )


# -- the app -------------------------------------------------------------------------------


def _graph_row(path: Path, index: int) -> str:
    """The short hash the app's graph shows on row ``index`` (from ``log --graph``)."""
    out = subprocess.run(
        [*cli("log", "--graph", "--json", "--limit", str(index + 1), str(path))],
        capture_output=True,
        text=True,
        check=True,
    )
    return str(json.loads(out.stdout)["commits"][index]["hash"])[:8]


def first_frame(path: Path, marker: bytes, timeout: float = 30.0) -> float:
    """Seconds from spawning the installed ``tract-tui STORE`` on a pty to the first bytes that
    draw ``marker`` (a graph row's hash): what a person sees, nothing instrumented."""
    script = Path(sys.executable).with_name("tract-tui")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(script), str(path)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    elapsed = None
    try:
        deadline = start + timeout
        while elapsed is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                seen = seen[-len(marker) :] + os.read(master, 65536)
                if marker in seen:
                    elapsed = time.perf_counter() - start
        os.write(master, b"q")
        drain_until = time.perf_counter() + 10
        while proc.poll() is None and time.perf_counter() < drain_until:
            if select.select([master], [], [], 0.05)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    if elapsed is None:
        raise TimeoutError(f"the app drew no row {marker.decode()} within {timeout:.0f} s")
    return elapsed


def section_start(args: argparse.Namespace) -> None:
    print("process start to the first frame with rows (tract-tui on a pty)", flush=True)
    n = min(args.sizes)
    path = store(n)
    # The second row: the first row's hash is also in the header and the detail pane.
    marker = _graph_row(path, 1).encode()
    samples = [first_frame(path, marker) for _ in range(args.repeat)]
    result(
        f"process start to first frame ({label(n)} store)",
        "1.1–2.3 s",
        f"{statistics.median(samples):.2f} s (best {min(samples):.2f})",
        "≤ 0.6 s",
    )


def section_app(args: argparse.Namespace) -> None:
    print("the app on the biggest store: first paint, key→frame, RSS after the scan", flush=True)
    n = max(args.sizes)
    figures = bench_tui.measure(store(n))
    result(
        f"first paint at {label(n)} / key to frame",
        "0.29 s / 16 ms at 1M",
        f"{figures['paint']:.2f} s / {figures['bottom_app'] * 1000:.1f} ms",
        "≤ 0.5 s / ≤ 16 ms",
    )
    result(
        f"app RSS after scanning {label(n)}",
        "446 MB at 1M",
        f"{figures['rss_total_scan']:.0f} MB",
        "≤ 200 MB",
    )


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def section_live(args: argparse.Namespace) -> None:
    n = 100_000 if 100_000 in args.sizes else max(args.sizes)
    seconds = args.live_seconds
    print(f"the app at {label(n)} while an agent appends 1 commit/s for {seconds} s", flush=True)
    from core import Tract

    with tempfile.TemporaryDirectory(prefix="tract-bench-live-") as d:
        path = Path(d) / "live.db"
        shutil.copyfile(store(n), path)
        run = bench_tui.Run(path)
        try:
            run.wait("scanned", timeout=600)
            time.sleep(2)  # the last details settle
            idle_start = _cpu_seconds(run.proc.pid)
            time.sleep(5)
            idle = (_cpu_seconds(run.proc.pid) - idle_start) / 5
            agent = Tract.open(path)
            start_cpu, start = _cpu_seconds(run.proc.pid), time.perf_counter()
            for i in range(seconds):
                agent.user(f"live append {i}: the agent keeps working")
                time.sleep(max(0.0, start + i + 1 - time.perf_counter()))
            busy = (_cpu_seconds(run.proc.pid) - start_cpu) / (time.perf_counter() - start)
            agent.close()
        finally:
            run.close()
    print(f"    idle (no appends): {idle:.1%} of a core")
    result(
        f"app CPU, agent appending 1 commit/s at {label(n)}",
        "63% of a core",
        f"{busy:.1%} of a core",
        "≤ 5%",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="also the 1M store")
    parser.add_argument("--only", nargs="*", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--turns", type=int, default=10_000, help="agent turns (default 10k)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per small figure")
    parser.add_argument("--live-seconds", type=int, default=20)
    parser.add_argument("--cache", type=Path, help="where the stores are kept")
    parser.add_argument("--no-tract-ai", action="store_true")
    args = parser.parse_args()
    if args.cache is not None:
        bench_tui.CACHE = args.cache
    if args.million and 1_000_000 not in args.sizes:
        args.sizes.append(1_000_000)
    args.sizes.sort()
    # Start-up figures are a user's: an installed package has its bytecode (pip compiles it),
    # while a checkout run with PYTHONDONTWRITEBYTECODE=1 compiles ~130 modules from source at
    # every start (~0.15 s here). Compile them once, so each start reads bytecode.
    for package in ("core", "tract_tui"):
        compileall.compile_dir(ROOT / package, quiet=1)
    load = os.getloadavg()[0]
    print(f"scale benchmark: {os.cpu_count()} CPUs, load {load:.1f}; sizes {args.sizes}")
    sections: dict[str, Callable[[argparse.Namespace], None]] = {
        "turn": section_turn,
        "compile": section_compile,
        "json": section_json,
        "open": section_open,
        "graph": section_graph,
        "start": section_start,
        "app": section_app,
        "live": section_live,
    }
    for name in SECTIONS:
        if name in args.only:
            sections[name](args)
    print("\n| measure | issue 14 | now | target |\n|---|---|---|---|")
    for measure, today, now, target in RESULTS:
        print(f"| {measure.strip()} | {today} | {now} | {target} |")


if __name__ == "__main__":
    main()

"""Worker: an agent appending commits in a loop, as a real process.

    python -m tests.reliability.agent --store STORE --tract ID --count 400 --sleep 0.03 \\
        --log agent.jsonl [--seconds 30 --label agent-2]

Cycles user → assistant → tool call → tool result; after each commit returns (committed) it
appends ``{"i", "hash", "t"}`` (``t``: wall-clock seconds) to ``--log`` and flushes, so another
process can follow its progress. Prints one JSON summary line at the end; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core import Tract
from core.models import content as c


def payload(i: int, label: str = "agent") -> Mapping[str, Any]:
    kind = i % 4
    if kind == 0:
        return c.dialogue("user", f"{label} step {i}: run the tests and tell me what failed")
    if kind == 1:
        return c.dialogue("assistant", f"{label} step {i}: two failures in parser, looking now")
    if kind == 2:
        return c.tool_io("bash", "call", {"command": f"pytest -x tests/test_{i}.py"})
    return c.tool_io("bash", "result", {"output": f"{i % 7} passed, 1 failed"}, "success")


def run(
    store: str,
    tract_id: str,
    count: int,
    sleep: float,
    log: Path,
    seconds: float | None = None,
    label: str = "agent",
) -> dict[str, Any]:
    """Append ``count`` commits, or as many as fit in ``seconds`` when that is given."""
    started = time.perf_counter()
    latencies: list[float] = []
    with Tract.open(store, tract_id) as tract, log.open("a", encoding="utf-8") as out:
        i = 0
        while (i < count) if seconds is None else (time.perf_counter() - started < seconds):
            t0 = time.perf_counter()
            info = tract.commit(payload(i, label))
            latencies.append(time.perf_counter() - t0)
            out.write(json.dumps({"i": i, "hash": info.commit_hash, "t": time.time()}) + "\n")
            out.flush()
            i += 1
            if sleep:
                time.sleep(sleep)
    return {
        "worker": "agent",
        "appended": i,
        "elapsed_s": round(time.perf_counter() - started, 3),
        "commit_ms_median": round(statistics.median(latencies) * 1000, 2) if latencies else 0,
        "commit_ms_max": round(max(latencies) * 1000, 2) if latencies else 0,
    }


def read_log(path: Path) -> list[dict[str, Any]]:
    """The entries written so far (a torn last line, still being written, is left out)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            break
    return out


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return fh.read().count(b"\n")
    except FileNotFoundError:
        return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--store", required=True)
    ap.add_argument("--tract", required=True)
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--sleep", type=float, default=0.03)
    ap.add_argument("--log", type=Path, required=True)
    ap.add_argument("--seconds", type=float, help="append for this long instead of --count")
    ap.add_argument("--label", default="agent", help="names the agent in its messages")
    args = ap.parse_args(argv)
    try:
        summary = run(
            args.store, args.tract, args.count, args.sleep, args.log, args.seconds, args.label
        )
    except Exception as exc:
        print(json.dumps({"worker": "agent", "error": repr(exc), "tb": traceback.format_exc()}))
        return 1
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

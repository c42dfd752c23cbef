"""How soon new turns of a growing Claude Code session show in the running app (target ≤ 1 s):
``python bench/bench_live_session.py [--rounds 5]``. Prints, asserts nothing.

The real binary runs in tmux on the sample session cut after its first answer; lines 21–41 (a
reply, two turns and a rewind) are appended in one write, and the screen is read every 20 ms
until the new turns are on it. tests/sessions/test_live_tmux.py checks that they show at all.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import row, temp_dir
from tests.conftest import shared_root
from tests.tui.tmux_driver import TmuxApp, tmux_available, tract_tui_binary

SESSION = "03eb5929-52b3-4b13-ada3-b93ae35806b8"
REAL = f"claude-code/handgemacht-ai__claude-code-log__{SESSION}.jsonl"
NEW_TURNS = ("fork-5270777a", "I actually don't like much this idea")


def one_round(lines: list[bytes], work: Path) -> float | None:
    """Seconds from the append to the new turns on screen (None: not within 10 s)."""
    path = work / f"{SESSION}.jsonl"
    path.write_bytes(b"".join(lines[:20]))
    env = {"TRACT_TUI_CACHE_DIR": str(work / "cache")}
    with TmuxApp([tract_tui_binary(), str(path)], work, env=env) as app:
        app.wait_for("(HEAD → main)", "The user wants me to articulate", timeout=30)
        with path.open("ab") as fh:
            fh.write(b"".join(lines[20:41]))
        appended = time.monotonic()
        while time.monotonic() - appended < 10:
            screen = app.screen()
            if all(text in screen for text in NEW_TURNS):
                return time.monotonic() - appended
            time.sleep(0.02)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    sample = shared_root() / "fixtures" / "sessions" / REAL
    if not sample.is_file() or not tmux_available():
        sys.exit(f"needs tmux and the session sample at {sample} (set TRACT_TUI_SHARED)")
    lines = sample.read_bytes().splitlines(keepends=True)
    print("a growing Claude Code session in the app (tmux, real binary)")
    seen: list[float] = []
    missed = 0
    for i in range(rounds):
        with temp_dir() as work:
            took = one_round(lines, work)
        if took is None:
            missed += 1
        else:
            seen.append(took)
        print(f"  round {i + 1}: " + (f"{took:.2f} s" if took is not None else "not in 10 s"))
    if seen:
        row(
            "append → new turns on screen",
            f"{statistics.median(seen):.2f} s",
            f"≤ 1 s  (median of {len(seen)}; max {max(seen):.2f} s; {missed} missed)",
        )


if __name__ == "__main__":
    main()

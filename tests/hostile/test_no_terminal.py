"""``tract-tui STORE </dev/null > file`` (issue 9 §7): the app refuses in one line and exits 2
instead of spinning at full CPU drawing escape sequences into the pipe. A real process, with
stdin from /dev/null and stdout to a file, as a script or cron job would start it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core import create_tract
from tests.reliability.writers import ROOT, worker_env


def test_the_app_without_a_terminal_refuses_at_once(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    with create_tract(store) as t:
        t.user("hello")
    before = store.read_bytes()
    out = tmp_path / "out.txt"
    with open(out, "wb") as sink, open("/dev/null", "rb") as nothing:
        done = subprocess.run(
            [sys.executable, "-m", "tract_tui.cli", str(store)],
            cwd=ROOT,
            env=worker_env(),
            stdin=nothing,
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,  # before the fix: never returned
        )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "needs a terminal" in done.stderr
    assert out.read_bytes() == b""  # not one escape sequence
    assert store.read_bytes() == before
    # A command still works the same way (scripts are what the refusal points to).
    with open("/dev/null", "rb") as nothing:
        log = subprocess.run(
            [sys.executable, "-m", "tract_tui.cli", "log", str(store)],
            cwd=ROOT,
            env=worker_env(),
            stdin=nothing,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert log.returncode == 0 and "hello" in log.stdout

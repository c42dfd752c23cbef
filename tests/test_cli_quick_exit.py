"""A command that asks to skip Python's teardown (``tract_tui.quick_exit``) still ends with
all its output written and its exit code; only the process's own entry point skips it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import create_tract
from tract_tui import cli, quick_exit


def store_with(path: Path, n: int) -> Path:
    t = create_tract(path)
    with t.batch():
        for i in range(n):
            t.user(f"message {i}")
    t.close()
    return path


def test_text_output_is_flushed_whole_before_the_quick_exit(tmp_path: Path) -> None:
    store = store_with(tmp_path / "s.db", 300)
    proc = subprocess.run(
        [sys.executable, "-m", "tract_tui", "compile", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.rstrip("\n").endswith("message 299")
    assert proc.stdout.count("\n[") == 300


def test_an_in_process_caller_keeps_its_interpreter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = store_with(tmp_path / "s.db", 3)
    assert cli.main(["compile", "--json", str(store)]) == 0  # returned: not exited
    assert '"commit_count": 3' in capsys.readouterr().out
    assert not quick_exit._kept  # asked, but only main(None), the process's entry, leaves
    assert cli.main(["compile", "--json", str(store)]) == 0


def test_nothing_asked_nothing_done() -> None:
    quick_exit.reset()
    assert quick_exit.leave_if_asked(0, 1) is None

"""The console script pauses the cyclic collector for its imports and gives it back: the app
and every command run with it on (a long command must not pile up cyclic garbage), and a
caller of ``cli.main(argv)`` keeps its collector as it was."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core import create_tract
from tract_tui import cli

# Run as the console script runs: main() with no argv; report the collector as each command
# found it once its store was open, and after main returned.
PROBE = """
import gc, json, sys
from tract_tui import cli
from tract_tui.commands import _scripting, COMMANDS_BY_NAME
seen = {}
real_open = _scripting.open_tract.__wrapped__
import contextlib
@contextlib.contextmanager
def probe(args, **options):
    with contextlib.contextmanager(real_open)(args, **options) as tract:
        seen["at_open"] = gc.isenabled()
        yield tract
_scripting.open_tract = probe
for name in ("log", "compile", "events", "records", "why", "export", "reproduce"):
    module = sys.modules[COMMANDS_BY_NAME[name].run.__module__]
    if hasattr(module, "open_tract"):
        module.open_tract = probe
from tract_tui import quick_exit
def leave(code, broken_pipe_code):  # a quick exit would end the process before the report
    seen["quick_exit"] = quick_exit._asked
quick_exit.leave_if_asked = leave
sys.argv = ["tract-tui", *sys.argv[1:]]
code = cli.main()
seen["after"] = gc.isenabled()
seen["code"] = code
sys.stderr.write(json.dumps(seen) + "\\n")
"""


def _store(tmp_path: Path) -> str:
    t = create_tract(tmp_path / "s.db")
    t.user("hello")
    t.assistant("hi")
    t.close()
    return str(tmp_path / "s.db")


@pytest.mark.parametrize(
    "command", [["log", "--limit", "5"], ["compile"], ["events"], ["summary"], ["verify"]]
)
def test_commands_run_with_the_collector_on(command: list[str], tmp_path: Path) -> None:
    store = _store(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *command, store], capture_output=True, text=True
    )
    seen = json.loads(proc.stderr.strip().splitlines()[-1])
    assert seen["code"] == 0, proc.stderr
    assert seen["after"] is True
    if "at_open" in seen:  # the commands that resume it as the store opens
        assert seen["at_open"] is True
    assert seen["quick_exit"] is (command[0] == "compile")  # it ends at once after that


def test_a_caller_of_main_keeps_its_collector(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert gc.isenabled()
    assert cli.main(["log", "--limit", "1", store]) == 0
    assert gc.isenabled()
    gc.disable()
    try:
        assert cli.main(["log", "--limit", "1", store]) == 0
        assert not gc.isenabled()  # not ours to turn on
    finally:
        gc.enable()

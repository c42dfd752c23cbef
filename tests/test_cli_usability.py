"""The command line as a new user meets it (issue 13, item 12): a typo'd command is named, a bad
flag shows that command's usage, ids are taken as the 8-character prefixes the CLI prints, a
PostgreSQL URL without its driver says what to install, ``summary``/``verify`` take ``--tract``
and plain ``events`` is one readable line per event."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from tract_tui.cli import main

T0 = datetime(2026, 4, 1, 8, 0, 0)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def compressed(tmp_path: Path) -> tuple[str, str]:
    """A store with one compress event made by us (its heads recorded, so it reverts)."""
    path = str(tmp_path / "s.db")
    with create_tract(path, clock=FrozenClock(T0, timedelta(seconds=1))) as t:
        t.system("sys")
        for i in range(4):
            t.user(f"question {i}")
            t.assistant(f"answer {i}")
        event_id = t.compress(from_ref="HEAD~6", to_ref="HEAD~2", content="a summary").event_id
    return path, event_id


def test_a_typo_d_command_names_the_nearest_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "lgo", str(tmp_path / "demo.db"))
    assert code == 2 and out == ""
    assert (
        err.strip()
        == "tract-tui: unknown command 'lgo'; did you mean 'tract-tui log'? (see tract-tui -h)"
    )
    # A store path is never taken for a typo, even one that looks like a command.
    code, _, err = run(capsys, "sumary.db", "--tract", "x")
    assert code == 2 and "did you mean" not in err


def test_a_bad_flag_prints_the_subcommands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "log", "--bogus", "x.db")
    assert code == 2
    assert err.startswith("usage: tract-tui log ")
    assert "tract-tui log: error: unrecognized arguments: --bogus" in err


def test_revert_takes_the_printed_prefix(
    capsys: pytest.CaptureFixture[str], compressed: tuple[str, str]
) -> None:
    path, event_id = compressed
    code, out, _ = run(capsys, "events", path)
    assert code == 0 and out.startswith(event_id[:8])  # the prefix the CLI prints
    code, out, err = run(capsys, "revert", path, event_id[:8])
    assert code == 0, err
    assert out.startswith(f"reverted {event_id}: main is back at ")


def test_an_ambiguous_or_unknown_prefix_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], compressed: tuple[str, str]
) -> None:
    path, event_id = compressed
    with Tract.open(path) as t, t.store.write() as uow:
        event = uow.events.get(event_id)
        assert event is not None
        for twin in ("abcd" + "1" * 28, "abcd" + "2" * 28):
            uow.events.add(replace(event, event_id=twin))
    before = Path(path).read_bytes()
    code, out, err = run(capsys, "revert", path, "abcd")
    assert code == 2 and out == ""
    assert err.strip() == "tract-tui: ambiguous ref 'abcd': matches abcd11111111, abcd22222222"
    code, _, err = run(capsys, "revert", path, "0123abcd")
    assert code == 2 and err.strip() == "tract-tui: no operation event '0123abcd' in this tract"
    assert Path(path).read_bytes() == before


def test_postgresql_without_its_driver_says_what_to_install(tmp_path: Path) -> None:
    """An install without the ``postgres`` extra: psycopg cannot be imported."""
    script = (
        "import sys; sys.modules['psycopg'] = None\n"  # as if the extra were not installed
        "from tract_tui.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    url = "postgresql://u:secret@127.0.0.1:9/agents"
    for argv in (["summary", url], ["log", url], ["verify", url]):
        done = subprocess.run(
            [sys.executable, "-c", script, *argv],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "TRACT_TUI_DEBUG": ""},
        )
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.strip() == (
            "tract-tui: postgresql+psycopg://u:***@127.0.0.1:9/agents: the PostgreSQL driver "
            "(psycopg) is not installed; install it with: pip install 'tract-tui[postgres]'"
        )


def test_summary_and_verify_take_tract(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = str(tmp_path / "two.db")
    with create_tract(path) as first:
        first.user("in the first tract")
        first_id = first.tract_id
    with create_tract(path) as second:
        second.user("in the second tract")
        second_id = second.tract_id
    code, out, err = run(capsys, "summary", path, "--tract", first_id[:8])
    assert code == 0, err
    assert f"tract {first_id}" in out and second_id not in out
    code, out, err = run(capsys, "verify", path, "--tract", second_id[:8])
    assert code == 0, err
    assert "the checks cover the whole store" in out
    code, _, err = run(capsys, "verify", path, "--tract", "ffffffff")
    assert code == 2 and "ffffffff" in err


def test_plain_events_is_one_line_per_event(
    capsys: pytest.CaptureFixture[str], compressed: tuple[str, str]
) -> None:
    path, event_id = compressed
    code, out, _ = run(capsys, "events", path)
    assert code == 0
    (line,) = out.strip().splitlines()
    assert line.startswith(f"{event_id[:8]}  2026-04-01 08:00:")
    assert "compress on main  5 → 1 commits  15 → 2 tokens  manual" in line and " tokens" in line
    assert "{" not in line  # the params JSON is in --json only

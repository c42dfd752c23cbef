"""Reading never writes: every read command, on every tract-ai layout, leaves the store's
directory exactly as it was (same bytes, no backup, no ``-wal``/``-shm``); ``--readonly`` on
every subcommand shows any store and refuses any write; ``upgrade --to``; a store locked by
another process; read-only files and directories."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core._tract_ai_layouts import BY_NAME, LAYOUT_NAMES
from tract_tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


def state(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def build(name: str, tmp_path: Path) -> Path:
    (tmp_path / "stores").mkdir(exist_ok=True)
    return BY_NAME[name].build(tmp_path / "stores" / f"{name}.db")


def _read_commands(path: Path, tract: str | None, record: str | None) -> list[list[str]]:
    store = str(path)
    sel = ["--tract", tract] if tract else []
    commands = [
        ["log", store, *sel],
        ["log", store, "--graph", "--json", *sel],
        ["compile", store, "--json", *sel],
        ["events", store, "--json", *sel],
        ["records", store, *sel],
        ["summary", store],
        ["verify", store],
    ]
    if record:
        commands.append(["reproduce", store, record, *sel])
    return commands


def _a_record(path: Path) -> str | None:
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        if "compile_records" not in tables:
            return None
        row = con.execute("SELECT record_id FROM compile_records LIMIT 1").fetchone()
        return row[0] if row else None
    finally:
        con.close()


@pytest.mark.parametrize("readonly", [False, True], ids=["default", "readonly"])
@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_every_read_command_leaves_the_store_byte_identical(
    name: str, readonly: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = build(name, tmp_path)
    before = state(path.parent)
    layout = BY_NAME[name]
    for argv in _read_commands(path, layout.tract_id, _a_record(path)):
        if readonly:
            argv = [*argv, "--readonly"]
        code, _out, err = cli(capsys, *argv)
        assert code in (0, 1), (argv, err)  # reproduce: 1 when the record differs
        assert "Traceback" not in err and "internal error" not in err, (argv, err)
        assert state(path.parent) == before, argv


@pytest.mark.parametrize("name", ["v3", "v6", "v13", "touched"])
def test_readonly_refuses_every_write(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = build(name, tmp_path)
    before = state(path.parent)
    store = str(path)
    sel = ["--tract", BY_NAME[name].tract_id] if BY_NAME[name].tract_id else []
    transcript = tmp_path / "t.jsonl"
    transcript.write_text('{"role": "user", "content": "hi"}\n')
    writes = [
        ["compile", store, "--record", "--readonly", *sel],
        ["compress", store, "--from", "HEAD~3", "--to", "HEAD", "--yes", "--readonly", *sel],
        ["import", str(transcript), "--store", store, "--readonly", *sel],
        ["revert", store, "0" * 32, "--readonly", *sel],
    ]
    for argv in writes:
        code, _, err = cli(capsys, *argv)
        assert code == 2, (argv, err)
        assert err.count("\n") == 1 and "Traceback" not in err, err
    assert state(path.parent) == before


def test_first_write_prepares_the_store_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = build("v13", tmp_path)
    code, out, err = cli(
        capsys, "compile", str(path), "--record", "--tract", BY_NAME["v13"].tract_id or ""
    )
    assert code == 0, err
    assert "backup:" in err and "record:" in out
    backups = [p for p in path.parent.iterdir() if ".backup-v13-" in p.name]
    assert len(backups) == 1


@pytest.mark.parametrize("to", ["8", "13"])
def test_upgrade_to(to: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = build("v6", tmp_path)
    code, out, err = cli(capsys, "upgrade", str(path), "--to", to)
    assert code == 0, err
    assert f"tract-ai schema v{to}" in out and "backup:" in out
    code, out, _ = cli(capsys, "upgrade", str(path), "--to", to)
    assert code == 0 and "nothing to do" in out
    code, _, err = cli(capsys, "upgrade", str(path), "--to", "6")
    assert code == 2 and "never moved back" in err


def test_upgrade_without_to_keeps_tract_ais_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = build("v6", tmp_path)
    code, out, err = cli(capsys, "upgrade", str(path))
    assert code == 0, err
    assert "to tract-ai schema v6 + tract-tui" in out


# --- locks, read-only files and directories --------------------------------------------------


def test_a_store_locked_by_another_process_is_refused_after_a_bounded_wait(
    tmp_path: Path,
) -> None:
    """A rollback-journal store under BEGIN EXCLUSIVE: a message, a bounded wait, then one
    line, exit 2 (not "not a usable SQLite database")."""
    path = build("v6", tmp_path)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("BEGIN EXCLUSIVE")
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "tract_tui", "log", str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        elapsed = time.monotonic() - started
    finally:
        con.execute("ROLLBACK")
        con.close()
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "waiting up to" in lines[0]
    assert lines[-1].endswith("store is locked by another process")
    assert "not a usable" not in proc.stderr and "Traceback" not in proc.stderr
    assert elapsed < 60


def test_a_lock_released_while_waiting_lets_the_read_go_on(tmp_path: Path) -> None:
    path = build("v6", tmp_path)
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("BEGIN EXCLUSIVE")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # The lock goes only once the reader has said it waits: a timer would race a slow start.
    proc = subprocess.Popen(
        [sys.executable, "-m", "tract_tui", "log", str(path), "--limit", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        con.execute("ROLLBACK")
        con.close()
        out, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "waiting up to" in first, first + rest
    assert proc.returncode == 0, first + rest
    assert out.strip(), "the read went on and printed the commit"


def _unprivileged(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI where file modes apply (root drops its capabilities with setpriv)."""
    cmd = [sys.executable, "-m", "tract_tui", *argv]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file modes do not apply")
        cmd = [setpriv, "--bounding-set=-all", "--inh-caps=-all", "--", *cmd]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    if proc.returncode != 0 and proc.stderr.startswith("setpriv"):
        pytest.skip(f"cannot drop capabilities: {proc.stderr.strip()}")
    return proc


@pytest.mark.parametrize("where", ["file", "directory"])
@pytest.mark.parametrize("name", ["v5", "v13"])
def test_read_only_file_or_directory_leaves_no_side_files(
    where: str, name: str, tmp_path: Path
) -> None:
    path = build(name, tmp_path)
    before = state(path.parent)
    target = path if where == "file" else path.parent
    mode = target.stat().st_mode
    target.chmod(0o444 if where == "file" else 0o555)
    try:
        for argv in (["log", str(path)], ["compile", str(path), "--json"], ["verify", str(path)]):
            if BY_NAME[name].tract_id:
                argv += [] if argv[0] == "verify" else ["--tract", BY_NAME[name].tract_id]
            proc = _unprivileged(argv)
            assert proc.returncode == 0, (argv, proc.stderr)
    finally:
        target.chmod(mode)
    assert state(path.parent) == before


def test_opening_the_app_and_quitting_writes_nothing(tmp_path: Path) -> None:
    """The app on a WAL store (c2f26dd's v13), started and quit through Pilot."""
    import asyncio

    from textual.widgets import TabbedContent

    from core import Tract
    from tests.pilot_helpers import wait_for
    from tract_tui.app import TractApp
    from tract_tui.widgets.events_panel import EventsPanel
    from tract_tui.widgets.graph_view import GraphView
    from tract_tui.widgets.records_panel import RecordsPanel

    path = build("v13", tmp_path)
    before = state(path.parent)

    async def run() -> None:
        tract = Tract.open(path, BY_NAME["v13"].tract_id)
        app = TractApp(tract, store=tract.store, tracts=[])
        async with app.run_test(size=(120, 40)) as pilot:
            # Each view has read its first page before the next key (reads, not writes).
            await wait_for(pilot, lambda: app.main is not None)
            graph = app.screen.query_one(GraphView)
            await wait_for(pilot, lambda: graph.model.complete and graph.details)
            await pilot.press("2")
            events = app.screen.query_one(EventsPanel).event_list
            await wait_for(pilot, lambda: events.total is not None)
            await pilot.press("3")
            records = app.screen.query_one(RecordsPanel).record_list
            await wait_for(pilot, lambda: records.total is not None)
            await pilot.press("1")
            await wait_for(pilot, lambda: app.screen.query_one(TabbedContent).active == "graph")
            await pilot.press("q")
        tract.store.close()

    asyncio.run(run())
    assert state(path.parent) == before

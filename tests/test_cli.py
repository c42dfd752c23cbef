"""The ``tract-tui`` command line: dispatch, exit codes, output, and one-line errors.

Most tests call ``main(argv)`` in-process; a few run the installed console script through a
subprocess to prove what a user sees (exit code, stderr, no traceback).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from core.storage.store import upgrade_store
from tract_tui import cli
from tract_tui.cli import command_name, main, store_parser
from tract_tui.commands._output import plain

SCRIPT = Path(sys.executable).with_name("tract-tui")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_script(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    if not SCRIPT.exists():
        pytest.skip(f"console script not installed at {SCRIPT} (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k != cli.DEBUG_ENV}
    return subprocess.run(
        [str(SCRIPT), *argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def damage_a_blob(path: Path) -> str:
    with sqlite3.connect(path) as con:
        blob, text = con.execute(
            "SELECT content_hash, payload_json FROM blobs "
            "WHERE payload_json LIKE '%You are%' LIMIT 1"
        ).fetchone()
        con.execute(
            "UPDATE blobs SET payload_json = ? WHERE content_hash = ?",
            (text.replace("You are", "You arf", 1), blob),
        )
    return blob


@pytest.fixture
def head_store(fixture_store: Callable[..., Path]) -> Path:
    path = fixture_store("upstream_v5.db")
    upgrade_store(path, backup=False)
    return path


# --- dispatch -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["verify", "x.db"], "verify"),
        (["upgrade", "x.db"], "upgrade"),
        (["x.db"], None),
        (["--create", "verify"], "verify"),
        (["./verify"], None),
        (["--", "verify"], None),
        ([], None),
    ],
)
def test_command_name(argv: list[str], expected: str | None) -> None:
    assert command_name(argv, store_parser()) == expected


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0 and "verify" in out and "upgrade" in out and "COMMAND" in out
    code, out, _ = run_cli(capsys, "verify", "-h")
    assert code == 0 and "--json" in out
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out.startswith("tract-tui ")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys)[0] == 2
    assert run_cli(capsys, "verify")[0] == 2  # STORE missing
    assert run_cli(capsys, "x.db", "--no-such-flag")[0] == 2


def test_store_named_like_a_command(tmp_path: Path, capsys, monkeypatch) -> None:
    """``tract-tui -- verify`` and ``tract-tui ./verify`` open a store named "verify"."""
    from tract_tui.app import TractApp

    opened: list[str] = []
    monkeypatch.setattr(TractApp, "run", lambda self, **_: opened.append(self.store.display))
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "--create", "--", "verify")[0] == 0
    assert run_cli(capsys, "./verify")[0] == 0
    assert opened == ["verify", "verify"] and (tmp_path / "verify").is_file()


# --- verify -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["upstream_v3.db", "upstream_v5.db"])
def test_verify_shipped_stores(fixture_store, capsys, name: str) -> None:
    path = fixture_store(name)
    code, out, err = run_cli(capsys, "verify", str(path))
    assert (code, err) == (0, "")
    assert "verified an upgraded copy" in out and out.rstrip().endswith("no problems")
    upgrade_store(path, backup=False)
    code, out, _ = run_cli(capsys, "verify", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and not report["verified_copy"]


def test_verify_problems_exit_1(head_store: Path, capsys) -> None:
    blob = damage_a_blob(head_store)
    code, out, _ = run_cli(capsys, "verify", str(head_store))
    assert code == 1
    assert f"blobs {blob[:8]}…: hash mismatch (stored {blob[:8]}…" in out
    code, out, _ = run_cli(capsys, "verify", "--json", str(head_store))
    assert code == 1 and json.loads(out)["problems"][0]["row_key"] == [blob]


def test_verify_cannot_open_exit_2(tmp_path: Path, capsys) -> None:
    code, out, err = run_cli(capsys, "verify", str(tmp_path / "absent.db"))
    assert (code, out) == (2, "")
    assert err == f"tract-tui: {tmp_path / 'absent.db'}: no such store\n"
    (tmp_path / "junk.db").write_bytes(b"junk")
    code, _, err = run_cli(capsys, "verify", str(tmp_path / "junk.db"))
    assert code == 2 and "not an SQLite database" in err and err.count("\n") == 1


# --- upgrade ------------------------------------------------------------------------------


def test_upgrade_prints_backup_and_counts(fixture_store, capsys) -> None:
    path = fixture_store("upstream_v3.db")
    code, out, _ = run_cli(capsys, "upgrade", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"upgraded {path} from tract-ai schema v3 to tract-ai schema v6")
    backup = Path(lines[1].removeprefix("backup: "))
    assert backup.is_file() and backup.parent == path.parent
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:]}
    assert rows["commits"] == ["223", "223"]
    assert rows["compressions"] == ["2", "-"]  # migrated into operation events
    assert rows["operation_commits"] == ["-", "47"]
    code, out, _ = run_cli(capsys, "upgrade", str(path))
    assert code == 0 and "already at" in out and "nothing to do" in out


# --- the store summary --------------------------------------------------------------------


def test_summary(head_store: Path, capsys) -> None:
    with sqlite3.connect(head_store) as con:
        tract, tip = con.execute(
            "SELECT tract_id, commit_hash FROM refs WHERE ref_name = 'refs/heads/main'"
        ).fetchone()
    code, out, _ = run_cli(capsys, "summary", str(head_store))
    assert code == 0
    assert f"tract {tract}: 223 commits, 2 operation events, 0 compile records" in out
    assert f"HEAD -> main ({tip[:8]})" in out
    assert any(line.startswith("  * main") and tip[:8] in line for line in out.splitlines())
    assert "alt-investigation" in out and "swe-agent-demo" in out


def test_summary_prints_stored_text_plainly(head_store: Path, capsys) -> None:
    hostile = "\x1b[31m[bold red]boom[/bold red]\x1b]0;title\x07 \u202eevil"
    with sqlite3.connect(head_store) as con:
        con.execute(
            "UPDATE commits SET message = ? WHERE commit_hash = (SELECT commit_hash "
            "FROM refs WHERE ref_name = 'refs/heads/main')",
            (hostile,),
        )
    code, out, _ = run_cli(capsys, "summary", str(head_store))
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[31m[bold red]boom[/bold red]" in out  # markup shown verbatim, not rendered
    assert plain("a\nb\tc\u2028") == "a\\nb c\\u2028"


def test_summary_create_and_missing(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "summary", str(tmp_path / "new.db"))
    assert code == 2 and "--create" in err
    code, out, _ = run_cli(capsys, "summary", "--create", str(tmp_path / "new.db"))
    assert code == 0 and "0 tract(s) (empty store)" in out


def test_summary_of_old_store_reads_it_as_it_is(fixture_store, capsys) -> None:
    path = fixture_store("upstream_v5.db")
    files = sorted(path.parent.iterdir())
    code, out, err = run_cli(capsys, "summary", str(path))
    assert code == 0 and "1 tract(s)" in out
    assert err == "" and sorted(path.parent.iterdir()) == files  # no backup, no upgrade


# --- errors -------------------------------------------------------------------------------


def test_unexpected_error_is_one_line(monkeypatch, capsys, tmp_path: Path) -> None:
    import core

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(core, "verify_store", boom)  # what the CLI calls: core's public name
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    code, _, err = run_cli(capsys, "verify", str(tmp_path / "x.db"))
    assert (code, err) == (2, "tract-tui: internal error: RuntimeError: kaput\n")
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    with pytest.raises(RuntimeError, match="kaput"):
        main(["verify", str(tmp_path / "x.db")])


def test_console_script(fixture_store, tmp_path: Path) -> None:
    path = fixture_store("upstream_v3.db")
    before = path.read_bytes()
    ok = run_script("verify", str(path))
    assert ok.returncode == 0, ok.stderr
    assert "no problems" in ok.stdout and path.read_bytes() == before
    missing = run_script("verify", str(tmp_path / "absent.db"))
    assert missing.returncode == 2
    assert missing.stderr == f"tract-tui: {tmp_path / 'absent.db'}: no such store\n"
    (tmp_path / "text.db").write_text("hello")
    bad = run_script(str(tmp_path / "text.db"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1
    upgrade_store(path, backup=False)
    damage_a_blob(path)
    found = run_script("verify", str(path))
    assert found.returncode == 1 and "hash mismatch" in found.stdout


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tract_tui", "verify", str(tmp_path / "no.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.startswith("tract-tui: ")


@pytest.mark.postgres
def test_postgres_store(pg_url: str, capsys) -> None:
    from sqlalchemy.engine import make_url

    code, _, err = run_cli(capsys, "verify", pg_url)
    assert code == 2 and err.endswith(": database holds no tract store\n")
    password = make_url(pg_url).password
    assert not password or f":{password}@" not in err  # the URL is shown with ***
    assert run_cli(capsys, "summary", "--create", pg_url)[0] == 0  # not the TUI: it would wait
    code, out, _ = run_cli(capsys, "verify", pg_url)
    assert code == 0 and out.rstrip().endswith("no problems")
    code, out, _ = run_cli(capsys, "upgrade", pg_url)
    assert code == 0 and "nothing to do" in out

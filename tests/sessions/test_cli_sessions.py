"""``tract-tui import`` on sessions and ``tract-tui sessions``: output, errors, nothing written
when nothing should be."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.sessions._helpers import sample, samples_dir
from tract_tui.cli import main

REAL = "claude-code/handgemacht-ai__claude-code-log__03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


def test_import_reports_tracts_skips_and_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sample(REAL, tmp_path / "in")
    store = tmp_path / "s.db"
    code, out, err = run(capsys, "import", str(path), "--store", str(store), "--create")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("read 1 file (claude-code), 61 lines, in ")
    assert lines[1] == (
        "tract 03eb5929-52b3-4b13-ada3-b93ae35806b8: +34 commits, 9 compile records; "
        "branches main, fork-5270777a"
    )
    assert lines[2] == (
        "skipped 11 progress records, 9 file-history-snapshot records, "
        "7 system:stop_hook_summary records"
    )
    assert lines[-1] == f"store: {store}"
    code, out, _ = run(capsys, "import", str(path), "--store", str(store))
    assert code == 0 and "nothing new: every record was imported before" in out


def test_bad_input_is_one_line_and_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.db"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "user", "uuid": "u", "parentUuid": null}\nnot json\n')
    code, out, err = run(capsys, "import", str(bad), "--store", str(store), "--create", "--strict")
    assert code == 2 and out == ""
    assert err == f"tract-tui: {bad}:2: invalid JSON (unexpected character)\n" or (
        err.startswith(f"tract-tui: {bad}:2: invalid JSON") and err.count("\n") == 1
    )
    assert not store.exists()
    code, _, err = run(
        capsys, "import", str(tmp_path / "nope.jsonl"), "--store", str(store), "--create"
    )
    assert code == 2 and err.count("\n") == 1 and not store.exists()


def test_session_options_are_refused_where_they_do_not_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sample(REAL, tmp_path / "in")
    code, _, err = run(
        capsys, "import", str(path), "--store", str(tmp_path / "s.db"), "--create", "--branch", "x"
    )
    assert code == 2 and "--branch is for chat transcripts" in err
    assert not (tmp_path / "s.db").exists()


def test_format_forces_the_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A Claude Code file read as Codex: nothing in it is a Codex item, all kept as unknown.
    path = sample(REAL, tmp_path / "in")
    code, out, _ = run(
        capsys,
        "import",
        str(path),
        "--store",
        str(tmp_path / "s.db"),
        "--create",
        "--format",
        "codex",
    )
    assert code == 0
    assert "(codex)" in out.splitlines()[0]


def test_chat_transcripts_still_import_onto_a_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat = tmp_path / "chat.jsonl"
    chat.write_text('{"role": "user", "content": "hi"}\n{"role": "assistant", "content": "yo"}\n')
    code, out, _ = run(
        capsys,
        "import",
        str(chat),
        "--store",
        str(tmp_path / "s.db"),
        "--create",
        "--branch",
        "main",
    )
    assert code == 0 and out.startswith("imported 2 messages from chat.jsonl (jsonl)")


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p).encode())
        if p.is_file():
            h.update(p.read_bytes())
            h.update(str(p.stat().st_mtime_ns).encode())
    return h.hexdigest()


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    claude = tmp_path / "claude" / "projects" / "-home-me-proj"
    claude.mkdir(parents=True)
    src = samples_dir() / REAL
    shutil.copyfile(src, claude / "03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl")
    shutil.copyfile(
        samples_dir() / "claude-code/daaain__claude-code-log__dag_compact_after_rewind.jsonl",
        claude / "compact.jsonl",
    )
    codex = tmp_path / "codex" / "sessions" / "2025" / "12" / "28"
    codex.mkdir(parents=True)
    shutil.copyfile(
        samples_dir() / "codex/simonw__claude-code-transcripts__sample_codex_session@871966d.jsonl",
        codex / "rollout-2025-12-28T12-18-30-019b64e5.jsonl",
    )
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex"))
    return tmp_path


def test_sessions_lists_both_agents_and_writes_nothing(
    homes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree_digest(homes)
    code, out, _ = run(capsys, "sessions", "--json")
    assert code == 0
    rows = {Path(r["path"]).name: r for r in json.loads(out)}
    real = rows["03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl"]
    # 13 user and 21 assistant records; started at its first timestamp; cwd as project.
    assert (real["format"], real["project"], real["messages"], real["compactions"]) == (
        "claude-code",
        "/home/user/project",
        34,
        0,
    )
    assert real["started"].startswith("2026-02-16T18:46:55")
    assert rows["compact.jsonl"]["compactions"] == 1
    assert rows["compact.jsonl"]["messages"] == 11  # 12 lines, one a system record
    codex = rows["rollout-2025-12-28T12-18-30-019b64e5.jsonl"]
    assert (codex["format"], codex["messages"], codex["session_id"]) == (
        "codex",
        3,
        "019b64e5-57fa-7463-b644-fba7e456f905",
    )
    code, out, _ = run(capsys, "sessions")
    assert code == 0
    header = out.splitlines()[0].split()
    assert header[:2] == ["project", "started"] and "compactions" in header
    assert _tree_digest(homes) == before


def test_import_follow_prints_each_increment(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    script = Path(sys.executable).with_name("tract-tui")
    if not script.exists():
        pytest.skip("console script not installed")
    lines = (samples_dir() / REAL).read_bytes().splitlines(keepends=True)
    path = tmp_path / "03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl"
    path.write_bytes(b"".join(lines[:20]))
    proc = subprocess.Popen(
        [
            str(script),
            "import",
            str(path),
            "--store",
            str(tmp_path / "s.db"),
            "--create",
            "--follow",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # faulthandler: if ctrl+c ever fails to stop it, SIGABRT makes it print every thread's
        # stack, which the failure then shows.
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"},
        # ctrl+c as a terminal sends it: a suite started in the background by a
        # non-interactive shell inherits SIGINT ignored, and Python then leaves it ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        while not any(line.startswith("following ") for line in seen):
            seen.append(proc.stdout.readline().rstrip("\n"))
        assert "tract 03eb5929-52b3-4b13-ada3-b93ae35806b8: +12 commits" in "\n".join(seen)
        with path.open("ab") as fh:
            fh.write(b"".join(lines[20:41]))
        # the responses that start on lines 26, 33 and 39 (line 19's was recorded already)
        line = proc.stdout.readline().rstrip("\n")
        assert line == (
            "tract 03eb5929-52b3-4b13-ada3-b93ae35806b8: +11 commits, 3 compile records; "
            "branches main, fork-5270777a"
        )
    finally:
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.send_signal(signal.SIGABRT)
            proc.wait(10)
    stderr = proc.stderr.read() if proc.stderr is not None else ""
    assert proc.returncode == 0, stderr[-3000:]

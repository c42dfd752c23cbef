"""The real binary in tmux: ``tract-tui SESSION.jsonl`` while the session grows.

The session file gets lines appended as Claude Code would write them; the graph must show the
new turns within a second (the follower imports them, the app's live refresh shows them).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.sessions._helpers import samples_dir
from tests.tui.tmux_driver import TmuxApp, tmux_available, tract_tui_binary

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(not tmux_available(), reason="tmux is not installed"),
]

REAL = "claude-code/handgemacht-ai__claude-code-log__03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl"
SESSION = "03eb5929-52b3-4b13-ada3-b93ae35806b8"


def test_open_a_session_file_and_watch_it_grow(tmp_path: Path) -> None:
    lines = (samples_dir() / REAL).read_bytes().splitlines(keepends=True)
    path = tmp_path / f"{SESSION}.jsonl"
    path.write_bytes(b"".join(lines[:20]))  # up to the first answer after the tool calls
    cache = tmp_path / "cache"
    argv = [tract_tui_binary(), str(path)]
    with TmuxApp(argv, tmp_path, env={"TRACT_TUI_CACHE_DIR": str(cache)}) as app:
        # 12 commits so far; the newest is the thinking block of line 20 ("articulate").
        app.wait_for("(HEAD → main)", "The user wants me to articulate", timeout=20)
        assert "fork-" not in app.screen()
        # Claude Code writes the rest of that reply, two more turns, then the user rewinds
        # to an earlier reply and asks again (lines 21–41).
        with path.open("ab") as fh:
            fh.write(b"".join(lines[20:41]))
        appended = time.monotonic()
        seen = None
        while time.monotonic() - appended < 10:
            screen = app.screen()
            if "fork-5270777a" in screen and "I actually don't like much this idea" in screen:
                seen = time.monotonic() - appended
                break
            time.sleep(0.02)
        assert seen is not None, app.screen()
        print(f"new turns on screen {seen:.2f} s after the append")
        assert seen <= 1.0, f"the new turns showed after {seen:.2f} s"
        # The rewound line is a branch; main follows the newest line.
        screen = app.screen()
        assert "(HEAD → main)" in screen
        # Another turn on the new line: main moves up again.
        with path.open("ab") as fh:
            fh.write(b"".join(lines[41:48]))
        app.wait_for("Ok, so, to be fair, maybe also list 5", timeout=5)
        app.press("q")
        assert app.wait_exit() == 0
    assert len(list((cache / "sessions").glob("*.db"))) == 1

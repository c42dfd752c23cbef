"""The real binary in tmux: ``tract-tui SESSION.jsonl`` while the session grows.

The session file gets lines appended as Claude Code would write them; the graph must show the
new turns (the follower imports them, the app's live refresh shows them). How soon (≤ 1 s) is
bench/bench_live_session.py's figure, not a timed assert.
"""

from __future__ import annotations

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
        app.wait_for("fork-5270777a", "I actually don't like much this idea", timeout=10)
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

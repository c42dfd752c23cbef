"""End to end in tmux, the real binary: tract-ai v13's tags and store info written and read
from keys, and ``tract-tui`` with no argument picking one of this machine's sessions.

Skipped when tmux is missing. Each test runs its own tmux server (see ``tmux_driver``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core import Tract
from tests.core._tract_ai_layouts import TRACT_ID, unpack
from tests.sessions._helpers import samples_dir
from tests.tui.tmux_driver import TmuxApp, tmux_available, tract_tui_binary

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(not tmux_available(), reason="tmux is not installed"),
]
IMPORTANT = "2b5df57f"  # the v13 story's IMPORTANT commit
OUTPUT = "0b8f15fa"  # its output commit, untagged
ROLLOUT = "rollout-2025-12-28T12-18-30-019b64e5.jsonl"


def test_v13_tag_from_keys_and_store_info(tmp_path: Path) -> None:
    store = unpack("head_story", tmp_path / "story.db")
    with TmuxApp([tract_tui_binary(), "story.db"], tmp_path, width=140, height=45) as app:
        app.wait_for(f"★◌ {IMPORTANT}", "#bugfix #decision", "1/39 commits")
        app.press("g")  # go to the output commit by its hash prefix
        app.wait_for("branch, hash prefix, HEAD")
        app.press(*OUTPUT, "Enter")

        def detail_shows_output(screen: str) -> bool:
            pane = [line.split("▊", 1)[-1].strip() for line in screen.splitlines()]
            return any(part.startswith(OUTPUT) for part in pane)

        app.wait_until(detail_shows_output, f"the detail pane showing {OUTPUT}")
        app.press("t")
        app.wait_for("registered tags:")
        app.press("s", "u", "m", "m", "a", "r", "y", "Enter")
        app.wait_for("#summary ## Fixed")
        app.press("I")
        app.wait_for("Store info (read-only)", "tag registry (9)", "behavioral_specs (0)")
        app.press("Escape")
        app.wait_gone("Store info (read-only)")
        app.press("q")
        assert app.wait_exit() == 0
    with Tract.open(store, TRACT_ID, readonly=True) as tract:
        tagged = [
            c.commit_hash for c in tract.log(limit=None) if "summary" in tract.tags(c.commit_hash)
        ]
    assert [h[:8] for h in tagged] == [OUTPUT]


def test_no_argument_picks_a_session_and_opens_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    claude = home / "claude" / "projects" / "-home-me-proj"
    claude.mkdir(parents=True)
    older = claude / "compact.jsonl"
    shutil.copyfile(
        samples_dir() / "claude-code/daaain__claude-code-log__dag_compact_after_rewind.jsonl", older
    )
    codex = home / "codex" / "sessions" / "2025" / "12" / "28"
    codex.mkdir(parents=True)
    newer = codex / ROLLOUT
    shutil.copyfile(
        samples_dir() / "codex/simonw__claude-code-transcripts__sample_codex_session@871966d.jsonl",
        newer,
    )
    os.utime(older, (1_700_000_000, 1_700_000_000))  # the Codex session is the most recent
    env = {
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / "claude"),
        "CODEX_HOME": str(home / "codex"),
        "TRACT_TUI_CACHE_DIR": str(tmp_path / "cache"),
    }
    with TmuxApp([tract_tui_binary()], tmp_path, env=env, width=140, height=30) as app:
        app.wait_for("2 sessions (Claude Code, Codex): enter opens one", "homelab-migration")
        app.press("Enter")  # the first: the most recent, the Codex one
        app.wait_for("(HEAD → main)", "can you analyse the MD files", "1/4 commits", timeout=20)
        app.press("q")
        assert app.wait_exit() == 0
    assert list((tmp_path / "cache" / "sessions").glob("rollout-*.db"))

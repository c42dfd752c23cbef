"""End to end: the real ``tract-tui`` binary in tmux, read off the screen like a person would.

Skipped when tmux is missing. Each test runs its own tmux server (see ``tmux_driver``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.tui.conftest import demo_transcript
from tests.tui.tmux_driver import TmuxApp, TmuxTimeout, tmux_available, tract_tui_binary
from tract_tui.demo import TRANSCRIPT_ENV

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(not tmux_available(), reason="tmux is not installed"),
]

# upstream_v5.db (tract-ai 0.1, schema v5): HEAD → main at 3605affc, a second branch
# swe-agent-demo, and two legacy compressions that the upgrade turns into compress events.
V5_HEAD = "3605affc"
V5_SECOND = "538de243"
V5_BRANCH_TIP = "aae987e0"
# (event id, tokens before → after) of the two migrated compressions, newest first.
V5_EVENTS = (("4a12d789", "3257 → 100 (3%)"), ("0c53d2c4", "1727 → 90 (5%)"))
V5_COMMITS = 177


def _help_screen_open(app: TmuxApp) -> bool:
    """Whether ``?`` opened the help screen (it lists every key with its binding id)."""
    try:
        app.wait_for("[app.quit]", "Leave tract-tui", timeout=3)
    except TmuxTimeout:
        return False
    return True


def test_v5_store_graph_events_help_quit_writes_nothing(
    tmp_path: Path, fixture_store: Callable[..., Path]
) -> None:
    store = fixture_store("upstream_v5.db", "store.db")
    before = [p.name for p in store.parent.iterdir()]
    with TmuxApp([tract_tui_binary(), "store.db"], store.parent) as app:
        # The graph: HEAD → main on its tip, the other branch labelled on its own tip.
        app.wait_for(
            f"{V5_HEAD} (HEAD → main)",
            f"{V5_BRANCH_TIP} (swe-agent-demo)",
            f"on main {V5_HEAD}",  # the status bar
            f"1/{V5_COMMITS} commits",
        )

        # j: the cursor moves to the second row; the detail pane (loaded by its own worker,
        # after the status bar) shows that commit.
        app.press("j")
        app.wait_for(f"2/{V5_COMMITS} commits")

        def detail_shows_second(screen: str) -> bool:
            detail = [line.split("▊", 1)[-1] for line in screen.splitlines()]
            return any(part.strip().startswith(V5_SECOND) for part in detail)

        app.wait_until(detail_shows_second, f"the detail pane showing {V5_SECOND}")

        # 2: the Events tab lists both compress events migrated from the legacy tables; the
        # detail pane names the selected one, and j selects the other.
        (first, first_tokens), (second, second_tokens) = V5_EVENTS
        app.press("2")
        screen = app.wait_for(f"compress {first}", first_tokens, second_tokens)
        assert len(re.findall(r"^ compress ", screen, re.MULTILINE)) == 2, screen
        app.press("j")
        app.wait_for(f"compress {second}")

        # ?: the help screen, once it exists; escape closes it.
        app.press("?")
        if _help_screen_open(app):
            app.press("Escape")
            app.wait_gone("[app.quit]")

        app.press("q")
        assert app.wait_exit() == 0
        # Browsing wrote nothing: no upgrade, no backup (the first write would make both).
        screen = app.screen()
        assert "upgraded" not in screen and "backup:" not in screen, screen
    assert not list(store.parent.glob("store.backup-*"))
    after = [p.name for p in store.parent.iterdir() if not p.name.endswith(".rc")]  # tmux's
    assert sorted(after) == sorted(before), before


def test_demo_builds_in_the_data_dir_and_opens(tmp_path: Path) -> None:
    data = tmp_path / "xdg-data"
    env = {"XDG_DATA_HOME": str(data)}
    demo = data / "tract-tui" / "demo.db"
    # Nine commits per compression with the real SWE-agent run (when the reference material is
    # here); six with the built-in sample the demo imports otherwise.
    transcript = demo_transcript()
    if transcript is not None:
        env[TRANSCRIPT_ENV] = str(transcript)
    compressed = "Compressed 9 commits" if transcript else "Compressed 6 commits"
    with TmuxApp([tract_tui_binary(), "--demo"], tmp_path, env=env) as app:
        app.wait_for(
            "(HEAD → main)",
            "(regression-test)",
            "(changelog)",
            "(experiment/float-seconds)",
            compressed,
            timeout=30,
        )
        app.press("q")
        assert app.wait_exit() == 0
        screen = app.wait_for("demo: building", "demo: ready")
        assert str(demo) in screen.replace("\n", "")
    assert demo.is_file()
    assert not list(demo.parent.glob(".demo.db.*")), "a temporary build file was left behind"

    # A second run opens the demo it built instead of building it again.
    built = demo.stat().st_ino  # a rebuild renames a new file into place
    with TmuxApp([tract_tui_binary(), "--demo"], tmp_path, env=env) as app:
        app.wait_for("(HEAD → main)", timeout=15)
        app.press("q")
        assert app.wait_exit() == 0
        screen = app.wait_for("demo: opening")
        assert "demo: building" not in screen
    assert demo.stat().st_ino == built
    shutil.rmtree(data)

"""Issue 11: ``tract-tui`` with no argument picks one of this machine's sessions and opens it.

The homes (``CLAUDE_CONFIG_DIR``, ``CODEX_HOME``, ``HOME``) and the cache directory point into
the test's tmp dir, holding copies of the shared samples. The picker is driven with Pilot; the
path it returns is opened by ``open_app.open_target`` — what ``run`` does with it — and the
opened app is driven with Pilot too.

Expected from reading the Codex sample: its ``session_meta`` instructions become a system
commit and its three ``response_item`` user messages three user commits (the ``event_msg``
repeating the last one is not counted twice): four commits on ``main``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import OptionList

import core
from tests.pilot_helpers import rendered, wait_for
from tests.sessions._helpers import samples_dir
from tract_tui.commands.open_app import open_target
from tract_tui.session_picker import SessionPicker
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.anyio
CODEX = "codex/simonw__claude-code-transcripts__sample_codex_session@871966d.jsonl"
CLAUDE = "claude-code/daaain__claude-code-log__dag_compact_after_rewind.jsonl"
ROLLOUT = "rollout-2025-12-28T12-18-30-019b64e5.jsonl"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    claude = tmp_path / "home" / "claude" / "projects" / "-home-me-proj"
    claude.mkdir(parents=True)
    shutil.copyfile(samples_dir() / CLAUDE, claude / "compact.jsonl")
    codex = tmp_path / "home" / "codex" / "sessions" / "2025" / "12" / "28"
    codex.mkdir(parents=True)
    shutil.copyfile(samples_dir() / CODEX, codex / ROLLOUT)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "home" / "claude"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "home" / "codex"))
    monkeypatch.setenv("TRACT_TUI_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


async def test_pick_a_session_and_it_opens(homes: Path) -> None:
    picker = SessionPicker(core.list_sessions())
    async with picker.run_test(size=(140, 30)) as pilot:
        options = picker.query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count == 2)
        shown = rendered(options)
        assert "codex" in shown and "claude-code" in shown
        assert "1 compactions" in shown  # the Claude Code sample compacts once
        index = next(i for i, s in enumerate(picker.sessions) if s.path.name == ROLLOUT)
        options.focus()
        options.highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: picker.return_value is not None)
    picked = Path(str(picker.return_value))
    assert picked.name == ROLLOUT and picked.is_file()

    opened = open_target(str(picked), None)
    try:
        assert Path(opened.store.display).is_relative_to(homes / "cache")  # the cache store
        app = opened.app
        async with app.run_test(size=(140, 30)) as pilot:
            await wait_for(pilot, lambda: app.main is not None)
            graph = app.screen.query_one(GraphView)
            await wait_for(pilot, lambda: graph.model.complete and len(graph.model) == 4)
            await wait_for(pilot, lambda: all(h in graph.details for h in graph.model.hashes))
            assert "can you analyse the MD files" in rendered(graph)
            status = app.screen.query_one(StatusBar)
            await wait_for(pilot, lambda: status.branch == "main")
    finally:
        opened.store.close()


async def test_escape_leaves_the_picker_without_opening(homes: Path) -> None:
    picker = SessionPicker(core.list_sessions())
    async with picker.run_test(size=(140, 30)) as pilot:
        await wait_for(pilot, lambda: picker.query_one(OptionList).option_count == 2)
        await pilot.press("escape")
    assert picker.return_value is None
    assert not (homes / "cache").exists()  # nothing was imported

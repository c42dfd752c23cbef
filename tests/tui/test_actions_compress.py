"""Compress from keys: mark a range, preview, choose the summarizer, confirm; cancel; failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Button, Static, TextArea

from core import Priority, Tract
from tests.core._llm_server import Step, completion, llm_server
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import Probe, build_store, make_app, ready, select
from tract_tui.screens.compress import CompressScreen
from tract_tui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _open_preview(pilot, start: str, end: str) -> CompressScreen:  # type: ignore[no-untyped-def]
    view = await ready(pilot)
    await select(pilot, view, start)
    await pilot.press("space")
    await select(pilot, view, end)
    await pilot.press("z")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, CompressScreen))
    screen = app.screen
    assert isinstance(screen, CompressScreen)
    await wait_for(pilot, lambda: screen.preview is not None)
    return screen


async def test_compress_manual_from_keys(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot, Probe(built.path) as probe:
        # Marked end first, cursor on the older commit: either order works.
        screen = await _open_preview(pilot, built.hashes[8], built.hashes[1])
        assert screen.preview is not None
        assert screen.preview.plan.selected[0].commit_hash == built.hashes[1]
        preview = str(screen.query_one("#preview", Static).render())
        assert "Groups to summarise: 1" in preview and "Tokens:" in preview
        await pilot.press("right", "right", "enter")  # the RadioSet has focus: Manual
        assert screen.summarizer == "manual"
        area = screen.query_one("#summary-0", TextArea)
        assert area.text == screen.preview.drafts[0]  # prefilled with the extractive draft
        area.load_text("Rounds 0-1: the files hold lines 0 and 1.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompressScreen))
        view = await ready(pilot)
        await wait_for(pilot, lambda: view.selected_hash is not None and probe.events() == 1)
        summary = view.selected_hash
        assert summary is not None
        assert probe.text(summary) == "Rounds 0-1: the files hold lines 0 and 1."
        assert view.mark is None


async def test_compress_extractive_cursor_to_head(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot, Probe(built.path) as probe:
        view = await ready(pilot)
        await select(pilot, view, built.hashes[-8])
        await pilot.press("z")  # nothing marked: cursor..HEAD
        await wait_for(pilot, lambda: isinstance(app.screen, CompressScreen))
        screen = app.screen
        assert isinstance(screen, CompressScreen)
        await wait_for(pilot, lambda: screen.preview is not None)
        screen.select_summarizer("extractive")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompressScreen))
        await wait_for(pilot, lambda: probe.events() == 1)
        view = await ready(pilot)
        with Tract.open(str(built.path)) as t:
            event = t.events().rows[0]
        # Exactly cursor..HEAD (two whole user / tool call / tool result / assistant rounds:
        # nothing to widen), in chain order; one summary.
        assert event.sources == tuple(built.hashes[-8:])
        assert (event.params or {})["head_before"] == built.hashes[-1]
        assert len(event.results) == 1
        await wait_for(pilot, lambda: view.selected_hash == event.results[0])


async def test_compress_cancel_writes_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    built = build_store(tmp_path / "s.db")
    with llm_server() as endpoint:
        endpoint.default = Step(200, completion("slow summary"), delay=1.0)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", endpoint.base_url)
        monkeypatch.delenv("TRACT_OPENAI_API_KEY", raising=False)
        monkeypatch.delenv("TRACT_OPENAI_BASE_URL", raising=False)
        probe = Probe(built.path)
        head = probe.head()
        app = make_app(built.path)
        async with app.run_test(size=(120, 34)) as pilot:
            screen = await _open_preview(pilot, built.hashes[1], built.hashes[12])
            screen.select_summarizer("llm")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen.cancel_event is not None)
            await wait_for(pilot, lambda: "compressing" in app.main.query_one(StatusBar).activity)
            await pilot.press("escape")  # cancel while the LLM call runs
            await wait_for(pilot, lambda: screen.cancel_event is None, timeout=10)
            status = str(screen.query_one("#status", Static).render())
            assert "nothing was written" in status
            assert isinstance(app.screen, CompressScreen)  # still open
            await pilot.press("escape")  # now it closes
            await wait_for(pilot, lambda: not isinstance(app.screen, CompressScreen))
        assert probe.events() == 0
        assert probe.head() == head
        probe.close()
        assert len(endpoint.requests) == 1
        assert os.environ["OPENAI_API_KEY"] == "sk-test"


async def test_compress_applies_onto_commits_appended_after_the_preview(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot, Probe(built.path) as probe:
        screen = await _open_preview(pilot, built.hashes[1], built.hashes[8])
        with Tract.open(str(built.path)) as other:  # another process appends meanwhile
            other.user("appended after the preview")
        screen.select_summarizer("extractive")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompressScreen))
        await wait_for(pilot, lambda: probe.events() == 1)
        assert probe.text(str(probe.head())) == "appended after the preview"  # replayed on top


async def test_compress_shows_the_new_preview_when_the_range_changed(tmp_path: Path) -> None:
    """A pin on a commit of the range after the preview changes the groups: nothing is
    written, the new preview replaces the old one, and confirming it applies."""
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot, Probe(built.path) as probe:
        screen = await _open_preview(pilot, built.hashes[1], built.hashes[8])
        assert screen.preview is not None and len(screen.preview.plan.groups) == 1
        with Tract.open(str(built.path)) as other:  # another process pins a range commit
            other.annotate(built.hashes[4], Priority.PINNED)
        screen.select_summarizer("extractive")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.query_one("#status").has_class("error"))
        status = str(screen.query_one("#status", Static).render())
        assert "annotated" in status and "differs from the preview" in status
        assert isinstance(app.screen, CompressScreen) and probe.events() == 0
        assert screen.preview is not None and len(screen.preview.plan.groups) == 2
        assert built.hashes[4] in screen.preview.plan.by_role("kept")
        assert "Groups to summarise: 2" in str(screen.query_one("#preview", Static).render())
        assert not screen.query_one("#confirm", Button).disabled
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompressScreen))
        await wait_for(pilot, lambda: probe.events() == 1)


@pytest.mark.parametrize("size", [(80, 24)])
async def test_compress_modal_fits_small_terminal(tmp_path: Path, size: tuple[int, int]) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=size) as pilot, Probe(built.path) as probe:
        screen = await _open_preview(pilot, built.hashes[1], built.hashes[8])
        confirm = screen.query_one("#confirm", Button)
        assert confirm.region.bottom <= size[1] and confirm.region.width > 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CompressScreen))
        assert probe.events() == 0

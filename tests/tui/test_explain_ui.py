"""``w`` (why) and the record lens in the app, on the deterministic demo store (two
compressions, a replayed-then-skipped commit, an edit, an unmerged branch)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core import Store, Tract
from tests.pilot_helpers import rendered, wait_for
from tests.tui.conftest import settle
from tract_tui.app import TractApp
from tract_tui.screens.main import MainScreen
from tract_tui.screens.why import WhyScreen
from tract_tui.widgets.events_panel import EventsPanel
from tract_tui.widgets.graph_lens import LensBar
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.records_panel import RecordsPanel

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _facts(path: Path) -> tuple[str, dict[str, object]]:
    """The latest record and every commit's explanation relative to it (from the core)."""
    store = Store.open(str(path))
    try:
        tract = Tract.open(store)
        latest = tract.lens().subject.record_id
        assert latest is not None
        return latest, dict(tract.explain_all())
    finally:
        store.close()


def _first(explained: dict[str, object], verdict: str, hops: int = 1) -> str:
    for h, e in explained.items():
        if e.verdict == verdict and len(e.chain) > hops:  # type: ignore[attr-defined]
            return h
    raise AssertionError(f"no {verdict} commit with more than {hops} steps")


async def _select(pilot, graph: GraphView, commit_hash: str) -> None:
    graph.goto_hash(commit_hash)
    await wait_for(pilot, lambda: graph.selected_hash == commit_hash)


async def test_why_shows_the_verdict_and_the_chain_and_its_links_jump(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    latest, explained = _facts(demo_store)
    compressed = _first(explained, "compressed")
    why = explained[compressed]
    app = tract_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        graph = app.screen.query_one(GraphView)
        await _select(pilot, graph, compressed)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WhyScreen))
        modal = app.screen
        assert isinstance(modal, WhyScreen)
        await wait_for(pilot, lambda: modal.why is not None)
        text = "\n".join(rendered(w) for w in modal.query("Static, OptionList"))
        assert f"relative to record {latest[:8]} (the latest record)" in text
        assert "COMPRESSED" in text and why.brief in text  # type: ignore[attr-defined]
        summary = why.into  # type: ignore[attr-defined]
        event_id = why.event_id  # type: ignore[attr-defined]
        assert f"→ commit {summary[:12]}" in text and f"→ event compress {event_id[:12]}" in text
        # The first link (the summary) is under the cursor: enter selects its graph row.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_for(pilot, lambda: graph.selected_hash == summary)
        assert app.focused is graph
        # Again, and follow the event: the events view opens with it selected.
        await _select(pilot, graph, compressed)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WhyScreen))
        modal = app.screen
        assert isinstance(modal, WhyScreen)
        await wait_for(pilot, lambda: modal.why is not None)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        panel = app.screen.query_one(EventsPanel)
        await wait_for(
            pilot,
            lambda: (
                panel.event_list.selected is not None
                and panel.event_list.selected.event_id == event_id
            ),
        )
        assert app.focused is panel.event_list


async def test_why_explains_a_replayed_then_skipped_commit(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    _, explained = _facts(demo_store)
    skipped = _first(explained, "skipped", hops=2)  # replayed → replayed → skipped
    app = tract_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        graph = app.screen.query_one(GraphView)
        await _select(pilot, graph, skipped)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WhyScreen))
        await wait_for(pilot, lambda: getattr(app.screen, "why", None) is not None)
        text = "\n".join(rendered(w) for w in app.screen.query("Static, OptionList"))
        assert "SKIPPED" in text and "replayed → replayed → skipped: noisy" in text
        assert text.count("replayed as") == 2
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_the_lens_marks_rows_and_escape_leaves_it_before_the_search(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    latest, explained = _facts(demo_store)
    app = tract_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        graph = app.screen.query_one(GraphView)
        bar = app.screen.query_one(LensBar)
        assert not bar.display
        await pilot.press("l")
        await wait_for(pilot, lambda: graph.lens is not None)
        assert graph.lens is not None and graph.lens.subject.record_id == latest
        legend = rendered(bar)
        assert f"lens record {latest[:8]} (the latest record)" in legend
        assert "● used 32" in legend and "⊘ skipped 4" in legend and "✎ edited 1" in legend
        # Every visible row carries the glyph of its verdict relative to the record.
        glyph = {"used": "●", "edited": "✎", "skipped": "⊘", "not_on_branch": "·"}
        for y in range(graph.size.height):
            index = graph.scroll_offset.y + y
            if index >= len(graph.model):
                break
            h = graph.model.hashes[index]
            verdict = explained[h].verdict  # type: ignore[attr-defined]
            if verdict in glyph:
                assert glyph[verdict] in graph.render_line(y).text[:12], (h, verdict)
        # A search, then escape: the lens goes first, the search second.
        await pilot.press("slash")
        await pilot.press(*"timedelta", "enter")
        await wait_for(pilot, lambda: bool(graph.matches))
        assert app.focused is graph
        await pilot.press("escape")
        await wait_for(pilot, lambda: graph.lens is None)
        assert not bar.display and graph.matches
        await pilot.press("escape")
        await wait_for(pilot, lambda: not graph.matches)


async def test_enter_on_a_record_opens_its_lens(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    app = tract_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        panel = app.screen.query_one(RecordsPanel)
        records = panel.record_list
        await wait_for(pilot, lambda: records.total is not None and records.total > 2)
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: records.cursor == 2 and records.selected is not None)
        chosen = records.selected
        assert chosen is not None
        await pilot.press("enter")
        graph = app.screen.query_one(GraphView)
        await wait_for(pilot, lambda: graph.lens is not None)
        assert graph.lens is not None and graph.lens.subject.record_id == chosen.record_id
        assert app.focused is graph
        assert f"record {chosen.record_id[:8]}" in rendered(app.screen.query_one(LensBar))
        # w now answers relative to the lens's record, and says so.
        await pilot.press("w")
        await wait_for(pilot, lambda: getattr(app.screen, "why", None) is not None)
        text = "\n".join(rendered(w) for w in app.screen.query("Static"))
        assert f"relative to record {chosen.record_id[:8]} (the lens's record)" in text

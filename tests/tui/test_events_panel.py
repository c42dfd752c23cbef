"""The operation-event panel from keys: list, detail, graph highlights, jumps, revert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.read import StoreReader
from tests.pilot_helpers import rendered, wait_for
from tract_tui.app import TractApp
from tract_tui.screens.confirm import ConfirmScreen
from tract_tui.widgets.event_legend import EventLegend
from tract_tui.widgets.events_panel import EventsPanel
from tract_tui.widgets.graph_style import marks_for
from tract_tui.widgets.graph_view import GraphView

pytestmark = pytest.mark.anyio
T0 = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=2)
HOSTILE = "Question 1: [bold]not bold[/] and \x1b[31mnot red"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Store:
    path: Path
    user_hashes: list[str]
    event_id: str
    sources: tuple[str, ...]
    results: tuple[str, ...]
    head_before: str
    head_after: str | None


def build(path: Path, *, commit_after: bool = False) -> Store:
    """A system prompt, four exchanges (one with hostile text), then the first three
    compressed into one summary with the core API; nothing after it unless asked."""
    t = create_tract(path, clock=FrozenClock(T0, timedelta(seconds=5)))
    t.system("You are terse.")
    users = []
    for i in range(4):
        users.append(t.user(HOSTILE if i == 1 else f"Question {i}").commit_hash)
        t.assistant(f"Answer {i}")
    before = t.head
    assert before is not None
    result = t.compress(from_ref=users[0], to_ref=users[2], content="Summary of 0-2.")
    if commit_after:
        t.user("one more")
    row = t.events().rows[0]
    t.close()
    return Store(path, users, result.event_id, row.sources, row.results, before, result.new_head)


def app_for(path: Path) -> TractApp:
    return TractApp(Tract.open(str(path)), clock=FrozenClock(NOW, timedelta(microseconds=1)))


def store_state(path: Path) -> tuple[str | None, list[str]]:
    """(main's head, event types newest first), read afresh from the file."""
    with Tract.open(str(path)) as t:
        return t.head, [r.event_type for r in t.events().rows]


async def open_events(pilot: Pilot) -> EventsPanel:
    await pilot.press("2")
    panel = pilot.app.screen.query_one(EventsPanel)
    await wait_for(pilot, lambda: panel.event_list.selected is not None)
    await wait_for(pilot, lambda: panel.detail.loaded is not None)
    await wait_for(pilot, lambda: panel.event_list.size.height > 2)  # laid out: lines readable
    row = panel.event_list.selected
    assert row is not None
    await wait_for(pilot, lambda: row.event_type in panel.event_list.render_line(1).text)
    return panel


async def test_list_detail_and_graph_highlights(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        panel = await open_events(pilot)
        assert pilot.app.focused is panel.event_list  # switching tabs hands it the keys
        line = panel.event_list.render_line(1).text
        assert "compress" in line and "1h ago" in line and "01-02 10:01" in line
        assert "main" in line and "manual" in line and " → " in line and "%)" in line
        graph = pilot.app.screen.query_one(GraphView)
        assert graph.highlight_sources == frozenset(built.sources)
        assert graph.highlight_results == frozenset(built.results)
        sources = rendered(panel.detail.sources)
        assert f"Sources ({len(built.sources)})" in sources
        assert all(h[:8] in sources for h in built.sources)
        assert built.results[0][:8] in rendered(panel.detail.results)
        params = rendered(panel.detail.params)
        assert f"{built.head_before[:8]} → {str(built.head_after)[:8]}" in params
        # Stored text is data: markup and escapes show as written, nothing is interpreted.
        panel.detail.styles.width = 200  # room for the whole first line
        shown = "[bold]not bold[/] and \\x1b[31mnot red"
        await wait_for(pilot, lambda: shown in rendered(panel.detail.sources))
        assert "\x1b" not in rendered(panel.detail.sources)


async def test_enter_jumps_to_result_and_o_to_source(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        await open_events(pilot)
        graph = pilot.app.screen.query_one(GraphView)
        await pilot.press("enter")
        await wait_for(pilot, lambda: graph.selected_hash == built.results[0])
        assert pilot.app.focused is graph and not graph.mode.show_unreachable
        await open_events(pilot)
        await pilot.press("o")  # sources are unreachable: the graph shows those first
        await wait_for(pilot, lambda: graph.selected_hash == built.sources[0])
        assert graph.mode.show_unreachable


async def test_revert_from_keys_moves_the_branch_back(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        panel = await open_events(pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.title_text == f"Revert compress {built.event_id[:8]}… on main?"
        assert f"moves back to {built.head_before[:8]}" in confirm.body
        await pilot.press("y")
        await wait_for(pilot, lambda: store_state(built.path)[1][0] == "revert")
        assert store_state(built.path) == (built.head_before, ["revert", "compress"])
        # The list reloads with the revert on top, and the graph follows the branch.
        await wait_for(pilot, lambda: panel.event_list.total == 2)
        graph = pilot.app.screen.query_one(GraphView)
        await wait_for(
            pilot, lambda: graph.refs is not None and graph.refs.head == built.head_before
        )


async def test_cancelling_the_confirmation_changes_nothing(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    before = store_state(built.path)
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        await open_events(pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.pause()  # no delay: lets the dialog's answer be handled
        assert not [w for w in pilot.app.workers if w.group == "event-revert"]
    assert store_state(built.path) == before == (built.head_after, ["compress"])


async def test_a_refused_revert_says_why_without_asking(tmp_path: Path) -> None:
    """Decided before asking: the branch moved since, so ``r`` says so and asks nothing, and
    the event's detail says it too."""
    built = build(tmp_path / "s.db", commit_after=True)
    before = store_state(built.path)
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        panel = await open_events(pilot)
        moved = f"cannot be reverted: branch main moved since this compress (now at {before[0]:.8}"
        await wait_for(pilot, lambda: moved in " ".join(rendered(panel.detail.params).split()))
        await pilot.press("r")
        app = pilot.app
        await wait_for(pilot, lambda: any("moved since" in n.message for n in app._notifications))
        note = next(n for n in app._notifications if "moved since" in n.message)
        assert note.message.startswith("Cannot revert: branch main moved since this compress")
        assert note.severity == "warning"
        assert not isinstance(app.screen, ConfirmScreen)
        assert not [w for w in app.workers if w.group == "event-revert"]
    assert store_state(built.path) == before


async def test_a_revertible_event_says_so_in_its_detail(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        panel = await open_events(pilot)
        await wait_for(pilot, lambda: "r reverts it" in rendered(panel.detail.params))
        assert "cannot be reverted" not in rendered(panel.detail.params)


async def test_tract_ai_event_refuses_without_a_prompt(fixture_store) -> None:  # type: ignore[no-untyped-def]
    path = fixture_store("upstream_v5.db")
    async with app_for(path).run_test(size=(120, 34)) as pilot:
        panel = await open_events(pilot)
        assert "written by tract-ai" in rendered(panel.detail.params)
        assert panel.event_list.render_line(1).text.split()[0] == "compress"
        refused = "cannot be reverted: event"
        await wait_for(pilot, lambda: refused in " ".join(rendered(panel.detail.params).split()))
        await pilot.press("r")  # nothing to confirm: the core refuses and says why
        app = pilot.app
        await wait_for(pilot, lambda: any("tract-ai" in n.message for n in app._notifications))
        assert not isinstance(app.screen, ConfirmScreen)
    with Tract.open(str(path)) as t:
        assert [r.event_type for r in t.events().rows] == ["compress", "compress"]


async def test_highlights_clear_on_leaving_and_show_a_legend_after_a_jump(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        await open_events(pilot)
        graph = pilot.app.screen.query_one(GraphView)
        legend = pilot.app.screen.query_one(EventLegend)
        assert graph.highlight_sources == frozenset(built.sources)
        await pilot.press("1")  # leaving the events view: nothing stays highlighted
        await wait_for(pilot, lambda: not graph.highlight_sources and not graph.highlight_results)
        assert not legend.display
        await open_events(pilot)
        await pilot.press("enter")  # a jump keeps them, and says what they are
        await wait_for(pilot, lambda: graph.selected_hash == built.results[0])
        assert graph.highlight_sources == frozenset(built.sources)
        await wait_for(pilot, lambda: legend.display)
        n, m = len(built.sources), len(built.results)
        assert rendered(legend).strip() == (
            f"event compress {built.event_id[:8]}:   {n} sources  (◌ consumed originals)   "
            f"{m} results   escape clears"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not graph.highlight_sources and not legend.display)


def test_after_a_revert_the_originals_are_not_marked_consumed(tmp_path: Path) -> None:
    """``◌`` marks a consumed original; once reverted they are live again. ``Σ`` stays on the
    (now unreachable) summary; a reorganize's copies are ``≈``, not ``Σ``."""
    built = build(tmp_path / "s.db")
    with Tract.open(str(built.path)) as t:
        reader = StoreReader(t)
        marks = {h: marks_for(i) for h, i in reader.row_details(list(built.sources)).items()}
        assert {m[1] for m in marks.values()} == {"◌"}
        t.revert(built.event_id)
        infos = reader.row_details([*built.sources, *built.results])
        assert {marks_for(infos[h])[1] for h in built.sources} == {" "}
        assert {marks_for(infos[h])[1] for h in built.results} == {"Σ"}
        t.branch("side")
        t.user("on the side")
        t.switch("main")
        t.user("on main")
        t.switch("side")
        rebased = t.rebase("main")
        assert rebased.event_id is not None
        copies = t.events().rows[0].results
        infos = reader.row_details(list(copies))
        assert {marks_for(infos[h])[1] for h in copies} == {"≈"}

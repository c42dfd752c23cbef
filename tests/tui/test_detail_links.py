"""The detail pane's links are jumps: edit target, parents, events and compile records."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import Tract
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import build_store, make_app
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.detail_links import DetailLinks
from tract_tui.widgets.graph_view import GraphView

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _open_links(pilot, app, commit_hash: str) -> DetailLinks:
    graph = app.screen.query_one(GraphView)
    await wait_for(pilot, lambda: graph.model.complete and graph.select_hash(commit_hash))
    detail = app.screen.query_one("#graph-detail", DetailPane)
    await wait_for(pilot, lambda: detail.links.option_count > 0)
    await pilot.press("enter")
    links = app.screen.query_one(DetailLinks)
    await wait_for(pilot, lambda: app.focused is links)
    return links


async def test_jump_to_parent_and_edit_target(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    tract = Tract.open(str(built.path))
    target = built.hashes[1]
    edit = tract.edit(target, {"content_type": "dialogue", "role": "user", "text": "changed"})
    tract.close()
    app = make_app(built.path)
    async with app.run_test(size=(120, 40)) as pilot:
        links = await _open_links(pilot, app, edit.commit_hash)
        kinds = [(link.kind, link.target) for link in links.links]
        assert kinds[0] == ("commit", target)  # "edits" comes first
        await pilot.press("enter")
        graph = app.screen.query_one(GraphView)
        await wait_for(pilot, lambda: graph.selected_hash == target)
        assert app.focused is graph


async def test_jump_to_event_and_record(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    tract = Tract.open(str(built.path))
    record = tract.compile(record=True, reason="test")
    result = tract.compress(from_ref=built.hashes[1], to_ref=built.hashes[4], content="S")
    tract.close()
    app = make_app(built.path)
    async with app.run_test(size=(120, 40)) as pilot:
        links = await _open_links(pilot, app, result.summaries[0])
        kinds = [link.kind for link in links.links]
        assert "event" in kinds
        links.highlighted = kinds.index("event")
        await pilot.press("enter")
        panel = app.screen.query_one("#events-panel")
        await wait_for(
            pilot,
            lambda: (
                (row := panel.event_list.selected) is not None and row.event_id == result.event_id
            ),
        )
        # back to the graph: an unchanged commit of the record links to it
        await pilot.press("1")
        links = await _open_links(pilot, app, built.hashes[0])
        kinds = [link.kind for link in links.links]
        assert "record" in kinds
        links.highlighted = kinds.index("record")
        await pilot.press("enter")
        records = app.screen.query_one("#records-panel")
        await wait_for(
            pilot,
            lambda: (
                (row := records.record_list.selected) is not None
                and row.record_id == record.record_id
            ),
        )

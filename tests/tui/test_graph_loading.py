"""How the graph loads: the first screen is read before the first frame, the rest streams
in pages from a worker, and a failing read is shown (never a traceback, never silence)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import build_store, graph, make_app
from tract_tui.widgets import graph_view
from tract_tui.widgets.graph_view import GraphView

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_first_frame_has_rows_and_the_rest_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_store(tmp_path / "s.db", rounds=20)  # 83 commits on main + 2 on feature
    monkeypatch.setattr(graph_view, "FIRST_PAGE", 10)
    monkeypatch.setattr(graph_view, "PAGE", 25)
    app = make_app(built.path)
    assert app.session is not None
    pages: list[int] = []
    real_page = app.session.reader.graph_page

    def counted(after: Any, limit: int) -> Any:
        pages.append(limit)
        return real_page(after, limit)

    app.session.reader.graph_page = counted  # type: ignore[method-assign]
    rows_at_first_render: list[int] = []
    render_line = GraphView.render_line

    def first_render(self: GraphView, y: int) -> Any:
        if not rows_at_first_render:
            rows_at_first_render.append(len(self.model))
        return render_line(self, y)

    monkeypatch.setattr(GraphView, "render_line", first_render)
    async with app.run_test(size=(100, 30)) as pilot:
        view = graph(app)
        await wait_for(pilot, lambda: view.model.complete)
        # The very first line drawn already had the first page behind it.
        assert rows_at_first_render == [10]
        assert pages == [10, 25, 25, 25]  # 83 rows: 10 + 73, the last page short
        assert len(view.model) == len(built.hashes) + 2
        assert view.selected_hash == built.hashes[-1]  # HEAD, at the top


async def test_a_failing_scan_is_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = build_store(tmp_path / "s.db", rounds=20)
    monkeypatch.setattr(graph_view, "FIRST_PAGE", 10)
    app = make_app(built.path)
    assert app.session is not None
    real_page = app.session.reader.graph_page

    def failing(after: Any, limit: int) -> Any:
        if after is not None:  # the first page reads; the next one fails
            raise RuntimeError("disk I/O error [x]")
        return real_page(after, limit)

    app.session.reader.graph_page = failing  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        view = graph(app)

        def toast() -> str:
            return " ".join(n.message for n in app._notifications)

        await wait_for(pilot, lambda: "Could not read the graph" in toast())
        assert "disk I/O error [x]" in toast()  # the message as text, not markup
        assert len(view.model) == 10 and not view.model.complete  # what was read stays

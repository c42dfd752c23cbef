"""Fixtures of the TUI suites: a deterministic demo store, an app factory, and helpers to let
the app settle and to read its screen as text.

- ``demo_store``: a writable copy (in the test's ``tmp_path``) of the demo store, built once per
  session with a ``FrozenClock`` starting at ``DEMO_START`` and seeded ids, so hashes, ids and
  times are the same on every run.
- ``tract_app``: ``tract_app(path)`` opens a store and returns a ``TractApp`` whose "now" is
  frozen at ``DEMO_NOW`` (relative times read "2h ago" forever); stores are closed afterwards.
  A relative ``path`` keeps the status bar free of the per-run ``tmp_path``.
- ``settle(pilot)``: wait until workers are done and the graph and its details are loaded.
- ``screen_text(app)``: the current screen as plain text (what the snapshot shows, minus colour).
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.worker import Worker

from core import Tract
from core.engine.clock import FrozenClock
from core.storage.store import Store
from tests.conftest import copy_sqlite_store, shared_file, shared_root
from tract_tui.app import TractApp
from tract_tui.demo import ensure_demo_store

DEMO_TRANSCRIPT = "swe_agent_marshmallow_1867.jsonl"
DEMO_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEMO_STEP = timedelta(seconds=23)
DEMO_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def demo_clock() -> FrozenClock:
    return FrozenClock(DEMO_START, DEMO_STEP)


def now_clock() -> FrozenClock:
    """Frozen "now" for the app; a tiny step keeps the clock strictly increasing for writes."""
    return FrozenClock(DEMO_NOW, timedelta(microseconds=1))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo built from a real SWE-agent run (the reference material's transcript).
    Snapshots show it, so they are skipped (not failed) where that material is absent."""
    transcript = demo_transcript()
    if transcript is None:
        pytest.skip(f"the SWE-agent transcript is not in {shared_root()} (set TRACT_TUI_SHARED)")
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    return ensure_demo_store(path=path, clock=demo_clock(), transcript=transcript)


def demo_transcript() -> Path | None:
    """The real agent run the test demo imports, when the reference material is here."""
    return shared_file("fixtures", "transcripts", DEMO_TRANSCRIPT)


@pytest.fixture
def demo_store(tmp_path: Path, demo_template: Path) -> Path:
    """A writable copy of the deterministic demo store, ``tmp_path/demo.db``."""
    return copy_sqlite_store(demo_template, tmp_path / "demo.db")


@pytest.fixture
def tract_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., TractApp]]:
    stores: list[Store] = []

    def make(path: Path, *, relative: bool = True, **kwargs: object) -> TractApp:
        path = Path(path)
        if relative:  # the status bar shows the path as given: keep it the same on every run
            monkeypatch.chdir(path.parent)
            path = Path(path.name)
        store = Store.open(os.fspath(path))
        stores.append(store)
        tract = Tract.open(store, clock=now_clock())
        return TractApp(tract, store=store, clock=now_clock(), **kwargs)  # type: ignore[arg-type]

    yield make
    for store in stores:
        store.close()


LONG_LIVED = frozenset({"live"})  # worker groups that run for the app's lifetime


def _short_workers(app: App[object]) -> list[Worker[object]]:
    return [w for w in app.workers if w.group not in LONG_LIVED]


def _busy(app: App[object]) -> bool:
    from tract_tui.widgets.detail import DetailPane

    settling = any(d.settling for d in app.screen.query(DetailPane))
    return settling or any(w.is_running for w in _short_workers(app))


def _graph_loaded(app: App[object]) -> bool:
    from tract_tui.widgets.graph_view import GraphView

    try:
        graph = app.screen.query_one(GraphView)
    except NoMatches:
        return True  # another screen, without a graph: nothing to wait for
    if not graph.model.complete:
        return False
    top = graph.scroll_offset.y
    visible = graph.model.hashes[top : top + graph.size.height]
    return all(h in graph.details for h in visible)


async def settle(pilot: Pilot[object], timeout: float = 10.0) -> None:
    """Let workers finish and messages drain until the screen stops changing."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while loop.time() < deadline:
        short = _short_workers(app)
        if short:  # an empty list would mean "every worker", the live poll included
            await app.workers.wait_for_complete(short)
        await pilot.pause(0.05)
        if not _busy(app) and _graph_loaded(app):
            quiet += 1
            if quiet >= 3:
                return
        else:
            quiet = 0
    raise AssertionError("the app did not settle within the timeout")


def screen_text(app: App[object]) -> str:
    """The current screen as plain text, one line per terminal row."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def no_blink(app: App[object]) -> None:
    """Input cursors must not blink in a snapshot (the blink timer is 0.5 s)."""
    from textual.widgets import Input, TextArea

    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False

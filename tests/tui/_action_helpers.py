"""Shared pieces of the action tests: a small real store, and waiting for the UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.models import content as c
from tests.pilot_helpers import wait_for
from tract_tui.app import TractApp
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.graph_view import GraphView

T0 = datetime(2025, 1, 1, 9, 0, 0)


@dataclass
class Built:
    path: Path
    tract_id: str
    hashes: list[str]  # main's commits, oldest first
    feature_tip: str


def build_store(path: Path, rounds: int = 6) -> Built:
    """main: an instruction, then user / tool call / tool result / assistant rounds; a branch
    ``feature`` forked after round 2 with two commits. Deterministic times (FrozenClock)."""
    t = create_tract(path, clock=FrozenClock(T0, timedelta(seconds=1)))
    hashes = [t.system("You are terse.").commit_hash]
    feature_tip = ""
    for i in range(rounds):
        hashes.append(t.user(f"question {i}: what is in file_{i}?").commit_hash)
        hashes.append(t.commit(c.tool_io("cat", "call", {"path": f"file_{i}"})).commit_hash)
        hashes.append(
            t.commit(c.tool_io("cat", "result", {"out": f"line {i}"}, status="success")).commit_hash
        )
        hashes.append(t.assistant(f"answer {i}: it holds line {i}.").commit_hash)
        if i == 2:
            t.branch("feature")
            t.user("feature question")
            feature_tip = t.assistant("feature answer").commit_hash
            t.switch("main")
    tract_id = t.tract_id
    t.close()
    return Built(path, tract_id, hashes, feature_tip)


def make_app(path: Path, **kwargs: object) -> TractApp:
    return TractApp(Tract.open(str(path)), **kwargs)  # type: ignore[arg-type]


def graph(app: TractApp) -> GraphView:
    return app.main.query_one(GraphView) if app.main is not None else None  # type: ignore[return-value]


async def ready(pilot: Pilot) -> GraphView:
    """Wait for the main screen's graph to finish its first scan."""
    app = pilot.app
    await wait_for(pilot, lambda: app.main is not None)
    assert app.main is not None
    view = app.main.query_one(GraphView)
    await wait_for(pilot, lambda: view.model.complete and len(view.model) > 0)
    await wait_for(pilot, lambda: view.selected_hash is not None)
    return view


async def select(pilot: Pilot, view: GraphView, commit_hash: str) -> None:
    await wait_for(pilot, lambda: view.model.index_of(commit_hash) is not None)
    assert view.select_hash(commit_hash)
    assert view.selected_hash == commit_hash
    # The screen has handled the selection once the detail pane follows it.
    detail = view.screen.query_one("#graph-detail", DetailPane)
    await wait_for(pilot, lambda: detail.commit_hash == commit_hash)


class Probe:
    """Reads the store as the tests' "other process" would, through one open Tract (opening
    a store on every poll would dominate the test time)."""

    def __init__(self, path: Path) -> None:
        self.tract = Tract.open(str(path))

    def close(self) -> None:
        self.tract.close()

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Probe:  # usable beside ``app.run_test()`` in one ``async with``
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def events(self) -> int:
        with self.tract.store.read() as uow:
            return uow.events.count(self.tract.tract_id)

    def head(self) -> str | None:
        return self.tract.head

    def branch(self) -> str | None:
        return self.tract.current_branch

    def records(self) -> list[dict[str, object]]:
        with self.tract.store.read() as uow:
            return [
                dict(r.params or {}) | {"head": r.head_hash}
                for r in uow.records.list(self.tract.tract_id)
            ]

    def text(self, commit_hash: str) -> str:
        with self.tract.store.read() as uow:
            commit = uow.commits.get(commit_hash)
            assert commit is not None
            blob = uow.blobs.get(commit.content_hash)
            assert blob is not None
            return str(blob.payload["text"])

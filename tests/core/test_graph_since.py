"""``StoreReader.graph_since``: what was written above a graph's newest commit, on SQLite and
PostgreSQL, read with the refs in one transaction (the app's live reload)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.models import content as c
from core.models.enums import Priority
from core.read import StoreReader
from core.views.graph import GraphMode, GraphModel, ScanRow

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def fresh(reader: StoreReader) -> GraphModel:
    return reader.graph(GraphMode())[1]


def test_graph_since_returns_what_was_written_above_the_watermark(store_target: str) -> None:
    agent = create_tract(store_target, clock=FrozenClock(T0, timedelta(seconds=1)))
    base = [agent.user(f"turn {i}").commit_hash for i in range(5)]
    viewer = Tract.open(store_target, tract_id=agent.tract_id)
    reader = StoreReader(viewer)
    first = reader.graph_page(None, 300)
    watermark = (first[0].created_at, first[0].commit_hash)
    assert first[0].commit_hash == base[-1]
    assert reader.graph_since(watermark, 100).rows == []

    agent.branch("side")
    side = agent.user("on the side").commit_hash
    agent.switch("main")
    mainline = agent.assistant("on main").commit_hash
    merged = agent.merge("side", no_ff=True).merge_commit_hash
    assert merged is not None
    annotated = reader.fingerprint().annotations
    agent.annotate(base[1], Priority.PINNED)

    delta = reader.graph_since(watermark, 100)
    assert [r.commit_hash for r in delta.rows] == [merged, mainline, side]
    assert delta.rows[0] == ScanRow(merged, (mainline, side), delta.rows[0].created_at)
    assert delta.rows[2].parents == (base[-1],)
    assert delta.complete and delta.watermark_kept
    assert delta.refs.head == merged and set(delta.refs.branches) == {"main", "side"}
    assert delta.refs.labels[side] == ["side"]

    # The model that took the delta on top is the one a fresh scan builds.
    model = GraphModel({base[-1]: ["HEAD → main"]}, GraphMode())
    model.feed(first, last=True)
    assert model.prepend(delta.rows, delta.refs.labels) == 3
    again = fresh(reader)
    assert model.hashes == again.hashes and model.parents == again.parents
    assert model.layouts(0, len(model)) == again.layouts(0, len(again))

    # The older rows whose details changed: an EDIT's target, an annotation's.
    assert reader.graph_since(watermark, 100).touched == frozenset()
    assert reader.graph_since(watermark, 100, annotations_after=annotated).touched == {base[1]}
    agent.edit(base[2], c.dialogue("user", "turn 2, asked better"))
    assert reader.graph_since(watermark, 100).touched == {base[2]}

    # More than the limit: the caller rescans instead.
    assert not reader.graph_since(watermark, 2).complete
    # A watermark commit that is gone (a GC removed it): rescan too.
    assert not reader.graph_since((first[0].created_at, "0" * 64), 100).watermark_kept
    viewer.close()
    agent.close()

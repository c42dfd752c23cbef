"""Big inputs: a 10 MB message, a long single branch (20k commits here, 100k marked slow), and
deep and wide merges. Correctness only: no wall-clock assert here (a busy machine made them
flaky and they measured nothing precisely); the figures are bench/bench_big_inputs.py's and
bench/bench_tui.py's.

The detail pane shows a huge content a chunk at a time (64 KB or 1,000 lines; ``m`` shows one
more chunk) with a note saying how much is left: laying out text costs ~2 s per MB on the UI
thread, so showing 10 MB at once froze the app for ~20 s.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.models import content as c
from core.operations.commit import write_commit
from core.operations.context import branch_ref
from core.operations.verify import verify_store
from core.views.graph import GraphModel, ScanRow
from tests.conftest import copy_sqlite_store
from tests.hostile._big import TRACT, build_linear, reference_order
from tests.hostile.conftest import squeeze
from tests.pilot_helpers import rendered_all, wait_for
from tract_tui.app import TractApp
from tract_tui.widgets import graph_view
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.graph_view import GraphView

T0 = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
TEN_MB = 10 * 1024 * 1024


def big_text() -> str:
    line = "The quick brown fox jumps over the lazy dog, 0123456789. " * 2
    text = "\n".join(f"{i:06d} {line}" for i in range(TEN_MB // len(line) + 1))
    assert len(text) > TEN_MB
    return text


# -- a 10 MB message --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ten_mb_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("ten-mb") / "big.db"
    with create_tract(path, clock=FrozenClock(T0, timedelta(seconds=1))) as t:
        t.system("You are terse.")
        t.user("Here is the log:")
        big = t.user(big_text()).commit_hash
        t.assistant("The log shows nothing unusual.")
    return path, big


@pytest.fixture
def ten_mb(ten_mb_template: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    return copy_sqlite_store(ten_mb_template[0], tmp_path / "big.db"), ten_mb_template[1]


def test_ten_megabyte_message_commits_compiles_verifies_compresses(
    ten_mb: tuple[Path, str],
) -> None:
    path, big = ten_mb
    with Tract.open(str(path)) as t:
        compiled = t.compile()
        assert compiled.commit_count == 4 and compiled.messages[2].content == big_text()
        assert verify_store(path).ok
        start = t.log(limit=None)[-2].commit_hash  # "Here is the log:"
        t.compress(from_ref=start, summarizer="extractive")  # its time: bench_big_inputs.py
        assert big in t.events().rows[0].sources
        after = t.compile()
        # The extractive summarizer keeps about a quarter of the text when no target is given.
        assert after.commit_count == 2 and len(after.messages[1].content) < 0.3 * TEN_MB
    assert verify_store(path).ok


@pytest.mark.anyio
async def test_detail_pane_shows_ten_megabytes_a_chunk_at_a_time(
    ten_mb: tuple[Path, str],
) -> None:
    path, big = ten_mb
    app = TractApp(Tract.open(str(path)))
    async with app.run_test(size=(120, 34)) as pilot:
        graph = app.screen.query_one(GraphView)
        detail = app.screen.query_one("#graph-detail", DetailPane)
        await wait_for(pilot, lambda: graph.model.complete and len(graph.model) == 4)
        graph.select_hash(big)
        await wait_for(pilot, lambda: detail._rendered == big)
        await pilot.pause(0.01)  # the next frame: the UI thread is free again
        text = rendered_all(detail)
        assert "000000 The quick brown fox" in text
        assert squeeze("MB more (") in squeeze(text)
        assert squeeze("not shown: m shows more, M all") in squeeze(text)
        assert detail.body.size.height < 5_000  # a chunk, not 90,000 lines
        first = detail.body.size.height
        detail.focus()
        await pilot.press("m")
        await wait_for(pilot, lambda: detail.steps == 2 and detail.body.size.height > first)
        assert squeeze("MB more (") in squeeze(rendered_all(detail))
        graph.focus()
        await pilot.press("up")  # another commit: back to one chunk
        await wait_for(pilot, lambda: detail._rendered != big and detail.steps == 1)


# -- a long single branch ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def linear_20k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("linear") / "20k.db"
    return path, build_linear(path, 20_000)


async def open_long_branch(path: Path, hashes: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """First rows paint from the first page alone; ``end`` reaches the root; a recorded
    compile (``C``) lists every commit. (How fast: bench/bench_tui.py, not a test.)"""
    pages: list[int] = []
    at_paint: list[int] = []
    app = TractApp(Tract.open(str(path)))
    assert app.session is not None
    reader = app.session.reader
    real_page = reader.graph_page

    def counted(after: object, limit: int) -> Any:
        pages.append(limit)
        return real_page(after, limit)  # type: ignore[arg-type]

    reader.graph_page = counted  # type: ignore[method-assign]
    install = GraphView._install

    def installing(self: GraphView, *args: Any) -> None:  # the scan worker waits for it
        at_paint.append(len(pages))
        install(self, *args)

    monkeypatch.setattr(GraphView, "_install", installing)
    async with app.run_test(size=(120, 34)) as pilot:
        graph = app.screen.query_one(GraphView)
        await wait_for(pilot, lambda: len(graph.model) > 0 and graph.details)
        await wait_for(pilot, lambda: hashes[-1][:8] in graph.render_line(0).text)
        assert at_paint == [1] and pages[0] == graph_view.FIRST_PAGE
        await wait_for(pilot, lambda: graph.model.complete, timeout=60)
        assert len(graph.model) == len(hashes)
        await pilot.press("end")
        assert graph.cursor == len(hashes) - 1 and graph.selected_hash == hashes[0]
        await wait_for(pilot, lambda: hashes[0] in graph.details)
        # The row is drawn once the scroll to the end has landed.
        await wait_for(
            pilot,
            lambda: hashes[0][:8] in graph.render_line(graph.cursor - graph.scroll_offset.y).text,
        )
        await pilot.press("C")
        await wait_for(
            pilot,
            lambda: any(f"{len(hashes)} commits" in n.message for n in app._notifications),
            timeout=60,
        )


@pytest.mark.anyio
async def test_twenty_thousand_commits_in_the_tui(
    linear_20k: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, hashes = linear_20k
    await open_long_branch(path, hashes, monkeypatch)


def test_twenty_thousand_commits_compile_and_verify(linear_20k: tuple[Path, list[str]]) -> None:
    path, hashes = linear_20k
    with Tract.open(str(path)) as t:
        assert list(t.compile().commit_hashes) == hashes
        t.user("one more")  # how fast appending stays: bench/bench_big_inputs.py
        assert t.compile().commit_count == len(hashes) + 1


@pytest.mark.slow
@pytest.mark.anyio
async def test_hundred_thousand_commits_in_the_tui(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "100k.db"
    hashes = build_linear(path, 100_000)
    await open_long_branch(path, hashes, monkeypatch)
    with Tract.open(str(path)) as t:
        assert t.compile().commit_count == 100_000


# -- deep and wide merges ---------------------------------------------------------------------


def sequential_merges(t: Tract, depth: int) -> None:
    """branch, commit, commit on main, merge back — ``depth`` times."""
    for i in range(depth):
        t.branch(f"s{i}")
        t.user(f"side {i}")
        t.switch("main")
        t.user(f"main {i}")
        t.merge(f"s{i}")


def nested_merges(t: Tract, depth: int) -> None:
    """Each branch forks from the previous one; merged back innermost first."""
    for i in range(depth):
        t.branch(f"n{i}")
        t.user(f"nest {i}")
    for i in reversed(range(depth)):
        t.switch(f"n{i - 1}" if i else "main")
        t.user(f"back {i}")
        t.merge(f"n{i}")


def parallel_merges(t: Tract, width: int) -> None:
    """``width`` branches from one base, two commits each, merged one after another."""
    for i in range(width):
        t.branch(f"p{i}", switch=True)
        t.user(f"parallel {i} a")
        t.assistant(f"parallel {i} b")
        t.switch("main")
    for i in range(width):
        t.merge(f"p{i}", no_ff=True)


def octopus(t: Tract, arms: int) -> None:
    """One merge commit with ``arms`` parents, written with the core's low-level write."""
    tips = []
    for i in range(arms - 1):
        t.branch(f"o{i}")
        t.user(f"arm {i}")
        tips.append(t.head)
        t.switch("main")
    t.user("main arm")
    with t.store.write() as uow:
        head = t.head
        assert head is not None
        merge = write_commit(
            uow,
            t.ctx,
            c.freeform({"message": f"octopus of {arms}"}),
            parent=head,
            merge_parents=[head, *tips],
        )
        uow.refs.set_direct(t.tract_id, branch_ref("main"), merge.commit_hash)
    t.compiler.clear()
    t.user("after the octopus")


SHAPES: dict[str, tuple[Callable[[Tract, int], None], int, int]] = {
    # name: (builder, size, the widest the lanes may get)
    "sequential_200": (sequential_merges, 200, 4),
    "nested_200": (nested_merges, 200, 202),
    "parallel_50": (parallel_merges, 50, 52),
    "octopus_10": (octopus, 10, 11),
}


def dag(path: Path, tract_id: str) -> dict[str, tuple[str, ...]]:
    """Every commit's parents, first parent first (straight from the tables)."""
    with sqlite3.connect(path) as con:
        out = {
            h: ((p,) if p else ())
            for h, p in con.execute(
                "SELECT commit_hash, parent_hash FROM commits WHERE tract_id = ?", (tract_id,)
            )
        }
        merges: dict[str, list[str]] = {}
        for h, p in con.execute(
            "SELECT commit_hash, parent_hash FROM commit_parents ORDER BY commit_hash, position"
        ):
            merges.setdefault(h, []).append(p)
    con.close()
    return out | {h: tuple(ps) for h, ps in merges.items()}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_deep_and_wide_merges(tmp_path: Path, shape: str) -> None:
    builder, size, widest = SHAPES[shape]
    path = tmp_path / f"{shape}.db"
    with create_tract(path, clock=FrozenClock(T0, timedelta(milliseconds=5))) as t:
        t.system("You are terse.")
        t.user("base")
        builder(t, size)
        tract_id, head = t.tract_id, t.head
        assert head is not None
        compiled = t.compile()
        skipped = {h for h in dag(path, tract_id) if t.priority(h).name == "SKIP"}
    parents = dag(path, tract_id)
    expected = [h for h in reference_order(head, parents) if h not in skipped]
    hashes = list(compiled.commit_hashes)
    assert len(hashes) == len(set(hashes))  # every commit exactly once
    assert hashes == expected
    assert set(expected) | skipped == set(parents)  # and every commit of the tract
    # The graph lays out every row, and the lanes stay within what is really open at once.
    model = GraphModel({head: ["HEAD → main"]})
    with Tract.open(str(path)) as t, t.store.read() as uow:
        rows = uow.commits.graph_page(tract_id, after=None, limit=len(parents) + 1)
        # Small pages give the same rows: a page holds ``limit`` commits, and a merge's
        # parents never split across pages (an octopus once cut the scan short).
        paged, after = [], None
        while page := uow.commits.graph_page(tract_id, after=after, limit=4):
            assert len(page) == 4 or len(paged) + len(page) == len(parents)
            paged += page
            after = (page[-1][2], page[-1][0])
    assert paged == rows and len(rows) == len(parents)
    assert all(tuple(parents[h]) == ps for h, ps, _ in rows)
    model.feed([ScanRow(*r) for r in rows], last=True)
    assert len(model) == len(parents)
    layouts = model.layouts(0, len(model))
    assert max(layout.width for layout in layouts) <= widest
    assert verify_store(path).ok


def test_reference_order_itself() -> None:
    """The brute-force reference on a small known shape (base, a, side b, merge m, c)."""
    parents = {"base": (), "a": ("base",), "b": ("base",), "m": ("a", "b"), "c": ("m",)}
    assert reference_order("c", parents) == ["base", "a", "b", "m", "c"]
    assert TRACT  # the linear builder's tract id is fixed

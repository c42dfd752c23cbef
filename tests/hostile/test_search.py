"""Search text with SQL metacharacters matches literally and never errors: ``"``, ``;--``,
``) OR 1=1 --``, ``%_``, quotes in filters — in core and in the TUI's ``/`` bar.
(``%``, ``_``, ``'``, ``\\`` and "DROP TABLE" are in tests/core/test_search.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.views.search import parse_query, search_commits
from tests.pilot_helpers import wait_for
from tract_tui.app import TractApp
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.search_bar import SearchBar

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
TEXTS = {
    "dquote": 'she said "hi" twice',
    "dquote_decoy": "she said hi twice",
    "comment": "a;--b",
    "comment_decoy": "a; b",
    "or": "x) OR 1=1 -- y",
    "or_decoy": "x OR 1 y",
    "pct_under": "save 50%_off",
    "pct_under_decoy": "save 50xyoff",
    "json_escape": 'path "C:\\new" and \\" both',
    "union": "1' UNION SELECT commit_hash FROM commits --",
}
NEEDLES = [
    ('"', {"dquote", "json_escape"}),
    ('"hi"', {"dquote"}),
    (";--", {"comment"}),
    (") OR 1=1 --", {"or"}),
    ("%_", {"pct_under"}),
    ("50%_off", {"pct_under"}),
    ('\\"', {"json_escape"}),
    ('"C:\\new"', {"json_escape"}),
    ("' UNION SELECT", {"union"}),
    ("'; DROP TABLE commits; --", set()),
    ("%' OR '1'='1", set()),
    ("type:%", set()),  # a filter value is literal too
    ("role:' OR 1=1", set()),
]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    path = tmp_path_factory.mktemp("search") / "s.db"
    t = create_tract(path, clock=FrozenClock(T0, timedelta(seconds=1)))
    hashes = {key: t.user(text).commit_hash for key, text in TEXTS.items()}
    t.close()
    yield path, hashes


@pytest.mark.parametrize(("needle", "expected"), NEEDLES, ids=[n for n, _ in NEEDLES])
def test_metacharacters_match_literally(
    made: tuple[Path, dict[str, str]], needle: str, expected: set[str]
) -> None:
    path, hashes = made
    with Tract.open(str(path)) as t:
        with t.store.read() as uow:
            found = set(search_commits(uow, t.ctx, parse_query(needle)))
        assert found == {hashes[k] for k in expected}
        assert len(t.log(limit=None)) == len(TEXTS)  # and nothing was harmed


@pytest.mark.anyio
async def test_search_bar_with_sql_metacharacters(made: tuple[Path, dict[str, str]]) -> None:
    path, hashes = made
    app = TractApp(Tract.open(str(path)))
    async with app.run_test(size=(120, 34)) as pilot:
        graph = app.screen.query_one(GraphView)
        await wait_for(pilot, lambda: graph.model.complete and len(graph.model) == len(TEXTS))
        await pilot.press("slash")
        bar = app.screen.query_one(SearchBar)
        await wait_for(pilot, lambda: bar.has_class("open"))
        await pilot.press(*") OR 1=1 --")
        await wait_for(pilot, lambda: graph.matches == frozenset({hashes["or"]}))
        await pilot.press("enter")
        await wait_for(pilot, lambda: graph.selected_hash == hashes["or"])
        assert not [n for n in app._notifications if n.severity == "error"]

"""Commit search in the store: literal matching (LIKE metacharacters escaped), filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.models import content as c
from core.views.search import parse_query, role_types, search_commits
from tests.conftest import BACKENDS

TEXTS = {
    "pct": "progress is 100% done",
    "pct_decoy": "progress is 1000 done",
    "under": "call fetch_all now",
    "under_decoy": "call fetchXall now",
    "quote": "it's fine; DROP TABLE commits; --",
    "quote_decoy": "its fine",
    "backslash": r"path C:\temp\new",
    "backslash_decoy": "path C:/temp/new",
    "unicode": "café au lait",
}


@pytest.fixture(scope="module", params=BACKENDS)
def tract(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Tract, dict[str, str]]]:
    """Read-only for every test: built once per backend."""
    if request.param == "sqlite":
        target = str(tmp_path_factory.mktemp("search") / "s.db")
    else:
        target = request.getfixturevalue("pg_module_url")
    t = create_tract(target, clock=FrozenClock(datetime(2025, 1, 1), timedelta(seconds=1)))
    made = {"system": t.system("You are terse.").commit_hash}
    for key, text in TEXTS.items():
        made[key] = t.user(text).commit_hash
    made["tool"] = t.commit(c.tool_io("grep", "call", {"pattern": "100%"})).commit_hash
    made["reply"] = t.assistant("user asked; the answer is 42").commit_hash
    yield t, made
    t.close()


def find(t: Tract, raw: str) -> set[str]:
    with t.store.read() as uow:
        return set(search_commits(uow, t.ctx, parse_query(raw)))


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("100%", {"pct", "tool"}),
        ("%", {"pct", "tool"}),
        ("_", {"under"}),
        ("fetch_all", {"under"}),
        ("it's", {"quote"}),
        ("'", {"quote"}),
        ("DROP TABLE commits", {"quote"}),
        ("\\", {"backslash"}),
        (r"C:\temp", {"backslash"}),
        ("CAFÉ", set()),  # SQLite's LIKE folds ASCII only: the accent must match as typed
        ("café", {"unicode"}),
    ],
)
def test_metacharacters_match_literally(tract, needle: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    t, made = tract
    if needle == "CAFÉ" and not t.store.location.is_sqlite:
        expected = {"unicode"}  # PostgreSQL's ILIKE folds every letter
    got = find(t, needle)
    assert got == {made[k] for k in expected}


def test_filters_and_keys_are_not_text(tract) -> None:  # type: ignore[no-untyped-def]
    t, made = tract
    # "user" is the role of most commits, but only one commit's text says it.
    assert find(t, "user") == {made["reply"]}
    assert find(t, "dialogue") == set()  # the content type is a filter, not text
    assert find(t, "type:tool_io") == {made["tool"]}
    assert find(t, "type:tool_io 100%") == {made["tool"]}
    assert find(t, "role:user 100%") == {made["pct"]}
    assert find(t, "role:system") == {made["system"]}  # instruction → system
    assert find(t, "role:tool") == {made["tool"]}
    assert find(t, "role:assistant") == {made["reply"]}
    assert find(t, "PROGRESS IS") == {made["pct"], made["pct_decoy"]}  # case-insensitive


def test_parse_query_and_limit(tract) -> None:  # type: ignore[no-untyped-def]
    t, made = tract
    q = parse_query("  type:dialogue  some text role:user ")
    assert (q.text, q.content_type, q.role) == ("some text", "dialogue", "user")
    assert parse_query("").empty and parse_query("type:").empty
    assert "instruction" in role_types(t.ctx.registry, "system")
    with t.store.read() as uow:
        newest = uow.commits.search(t.tract_id, content_type="dialogue", limit=2)
    assert newest == [made["reply"], made["unicode"]]  # newest first

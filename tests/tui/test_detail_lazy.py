"""A commit with thousands of metadata keys shows its first screen at once: the rest of a long
block waits for ``m`` (more) or ``M`` (all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import create_tract
from core.engine.clock import FrozenClock
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import T0, make_app, ready, select
from tract_tui.widgets.detail import DetailPane, json_head

pytestmark = pytest.mark.anyio

KEYS = 300
METADATA = {f"key_{i:04}": "x" * 1000 for i in range(KEYS)}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_json_head_dumps_only_what_it_shows() -> None:
    head, note = json_head(METADATA, 1)
    assert '"key_0000": "xxx' in head and "key_0299" not in head
    assert len(head) < 6_000
    assert note.startswith(f"… {KEYS - head.count('key_'):,} more keys")
    more, _ = json_head(METADATA, 2)
    assert more.count("key_") > head.count("key_")
    whole, rest = json_head(METADATA, None)
    assert '"key_0299"' in whole and rest == ""
    small, none = json_head({"b": 1, "a": [1, 2]}, 1)
    assert small == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}' and none == ""


async def test_big_metadata_first_screen_then_more_then_all(tmp_path: Path) -> None:
    t = create_tract(tmp_path / "s.db", clock=FrozenClock(T0))
    t.user("a question")
    heavy = t.assistant("noted", metadata=METADATA).commit_hash
    t.close()
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(120, 40)) as pilot:
        graph = await ready(pilot)
        await select(pilot, graph, heavy)
        detail = app.screen.query_one("#graph-detail", DetailPane)
        await wait_for(pilot, lambda: detail._rendered == heavy)
        text = str(detail.body.render())
        assert "more keys not shown: m shows more, M all" in text
        assert "key_0000" in text and "key_0299" not in text
        first = detail.body.size.height
        detail.focus()
        await pilot.press("m")
        await wait_for(pilot, lambda: detail.steps == 2 and detail.body.size.height > first)
        await pilot.press("M")
        await wait_for(
            pilot, lambda: detail.steps is None and "key_0299" in str(detail.body.render())
        )
        assert "more keys" not in str(detail.body.render())

"""Themes: every cell takes its colours from the theme (a bare cell would be the terminal's
default: black stripes under a light theme), text colours are readable on a light theme, and
the theme chosen is remembered across runs (settings.json in the user config directory)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import build_store, make_app, ready
from tract_tui.settings import load_settings, save_setting, settings_path
from tract_tui.widgets.graph_style import LANE_COLOURS_LIGHT

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _contrast(a: Color, b: Color) -> float:
    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            x = v / 255
            return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _bare_cells(strips: list[Strip]) -> list[str]:
    """Text of the segments with no background of their own."""
    return [
        s.text for strip in strips for s in strip if s.text and not (s.style and s.style.bgcolor)
    ]


def _colour(style: Style) -> Color:
    assert style.color is not None
    triplet = style.color.get_truecolor()
    return Color(triplet.red, triplet.green, triplet.blue)


async def test_every_cell_has_the_themes_background(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    with_event = make_app(built.path)
    async with with_event.run_test(size=(120, 30)) as pilot:
        graph = await ready(pilot)
        pilot.app.theme = "textual-light"
        await wait_for(pilot, lambda: all(h in graph.details for h in graph.model.hashes[:20]))
        strips = [graph.render_line(y) for y in range(graph.size.height)]
        assert not _bare_cells(strips)
        await pilot.press("3")  # a list of another kind: the records (header, rows, blanks)
        await pilot.pause()
        lists = [w for w in pilot.app.screen.query("VirtualList") if w.display and w.size.height]
        for vlist in lists:
            assert not _bare_cells([vlist.render_line(y) for y in range(vlist.size.height)])


async def test_hashes_and_lanes_are_readable_on_a_light_theme(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 30)) as pilot:
        graph = await ready(pilot)
        for theme in ("textual-light", "solarized-light", "catppuccin-latte"):
            pilot.app.theme = theme
            await pilot.pause()
            surface = Color.parse(str(pilot.app.current_theme.surface or "#ffffff"))
            background = graph.rich_style.bgcolor
            if background is not None:
                t = background.get_truecolor()
                surface = Color(t.red, t.green, t.blue)
            for part in ("graph--hash", "graph--label", "graph--badge", "graph--mark"):
                colour = _colour(graph.get_component_rich_style(part))
                assert _contrast(colour, surface) >= 3.0, (theme, part, colour.hex)
            for lane in LANE_COLOURS_LIGHT:
                assert _contrast(Color.parse(lane), surface) >= 3.0, (theme, lane)


async def test_the_theme_chosen_is_remembered(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    first = make_app(built.path)
    async with first.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert pilot.app.theme == "textual-dark"
        pilot.app.theme = "textual-light"
        await wait_for(pilot, lambda: load_settings().get("theme") == "textual-light")
    assert json.loads(settings_path().read_text()) == {"theme": "textual-light"}
    second = make_app(built.path)
    assert second.theme == "textual-light"  # before the first styling, not restyled once mounted
    async with second.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert pilot.app.theme == "textual-light"


async def test_a_broken_or_unknown_setting_is_ignored(tmp_path: Path) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    built = build_store(tmp_path / "s.db")
    for text in ("{not json", '["a list"]', '{"theme": "no-such-theme"}'):
        path.write_text(text)
        app = make_app(built.path)
        async with app.run_test(size=(100, 30)) as pilot:
            await ready(pilot)
            assert pilot.app.theme == "textual-dark"


def test_a_settings_write_that_fails_is_said_in_words(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    problem = save_setting("theme", "textual-light", blocker / "settings.json")
    assert problem is not None and problem.startswith("Cannot remember the theme in ")
    assert save_setting("theme", "x", tmp_path / "ok" / "settings.json") is None
    assert load_settings(tmp_path / "ok" / "settings.json") == {"theme": "x"}

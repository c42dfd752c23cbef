"""Helpers shared by every Pilot test: wait for the app, and read what a widget draws."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (workers post back asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met in {timeout:.0f} s: {condition}")
        await pilot.pause(0.02)


def rendered(widget: Widget) -> str:
    """What ``widget`` draws now, one line per row (its strips, not its source text)."""
    width, height = widget.size
    return "\n".join(s.text for s in widget.render_lines(Region(0, 0, width, height)))


def rendered_all(widget: Widget) -> str:
    """What every leaf widget inside ``widget`` draws (a container draws only its background)."""
    leaves = [w for w in widget.query("*") if not w.children and w.display] or [widget]
    return "\n".join(rendered(w) for w in leaves)

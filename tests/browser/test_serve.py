"""``tract-tui serve STORE``: the same app in a web browser. A headless Chromium (Debian's
``chromium``) loads the page; the test waits for the app's first bytes, takes screenshots
until the app has drawn, and reads the colours in it. Skipped, saying why, without Chromium.
Every wait is bounded; the server and the browser are ended by their process ids."""

from __future__ import annotations

import asyncio
import collections
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import create_tract
from core.engine.clock import FrozenClock
from tests.browser.cdp import Browser, chromium_binary, png_pixels
from tests.tui._action_helpers import T0

CHROMIUM = chromium_binary()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's package)"
)

# textual-dark, the default theme: the screen's background and the lists' surface.
BACKGROUND = (18, 18, 18)
SURFACE = (30, 30, 30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_listening(port: int, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with status {server.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port} within {timeout:.0f} s")


def _store(path: Path) -> None:
    t = create_tract(path, clock=FrozenClock(T0))
    t.system("You are terse.")
    for i in range(5):
        t.user(f"question {i}")
        t.assistant(f"answer {i}")
    t.close()


async def _drive(port: int, folder: Path) -> collections.Counter[tuple[int, int, int]]:
    assert CHROMIUM is not None
    browser = Browser(CHROMIUM, folder / "profile", width=1000, height=600)
    try:
        await browser.connect()
        await browser.call("Page.enable")
        await browser.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 40
        first_byte = "document.body && document.body.classList.contains('-first-byte')"
        while not await browser.evaluate(first_byte):
            assert loop.time() < deadline, "the app never sent its first bytes to the page"
            await asyncio.sleep(0.25)
        # Screenshots until the app's own colours cover the page (it draws a few frames).
        while True:
            png = await browser.screenshot()
            colours = collections.Counter(png_pixels(png, step=8))
            drawn = colours[BACKGROUND] + colours[SURFACE]
            if drawn > 0.5 * sum(colours.values()) and len(colours) >= 6:
                (folder / "serve.png").write_bytes(png)
                return colours
            assert loop.time() < deadline, f"the app was never drawn: {colours.most_common(5)}"
            await asyncio.sleep(0.5)
    finally:
        await browser.close()


def test_serve_runs_the_app_in_a_browser(tmp_path: Path) -> None:
    _store(tmp_path / "s.db")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tract_tui", "serve", "s.db", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port, server, timeout=20)
        colours = asyncio.run(_drive(port, tmp_path))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    # Text was drawn in more than the background's colours (hashes, badges, the footer).
    assert len(colours) >= 6
    # Every cell on the theme's colours: cells left at the terminal's default show black.
    assert colours[(0, 0, 0)] < 0.01 * sum(colours.values()), colours.most_common(6)


def test_serve_refuses_a_missing_store_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tract_tui", "serve", "missing.db", "--port", str(free_port())],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "tract-tui: missing.db: no such store (pass --create to make one)"
    ]

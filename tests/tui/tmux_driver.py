"""Drive the real ``tract-tui`` binary in a detached tmux session, as a person would.

Each driver runs its own tmux *server* (``-L`` with a unique socket name), so it can neither
see nor disturb anybody else's sessions, and ``close()`` kills exactly that server. The command
runs under ``sh``; when it ends, its exit status is written to a file the test reads, and the
pane stays open a little so the final screen (the restored terminal with anything printed on
stderr) can still be captured.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

WIDTH, HEIGHT = 120, 40


def tract_tui_binary() -> str:
    """The console script of the running interpreter's environment (the venv's), else PATH."""
    beside = Path(sys.executable).with_name("tract-tui")
    if beside.exists():
        return str(beside)
    found = shutil.which("tract-tui")
    if found is None:
        raise FileNotFoundError("the tract-tui console script is not installed")
    return found


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


# How long a wait gives the screen: generous, because CI runs this beside other suites on two
# cores (a passing wait returns as soon as the screen shows it).
WAIT = 20.0


class TmuxTimeout(AssertionError):
    """The expected text never showed; the message carries the last screen."""


class TmuxApp:
    def __init__(
        self,
        argv: Sequence[str],
        workdir: Path,
        *,
        env: Mapping[str, str] | None = None,
        width: int = WIDTH,
        height: int = HEIGHT,
    ) -> None:
        self.name = f"tract-tui-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.workdir = Path(workdir)
        self.rc_file = self.workdir / f"{self.name}.rc"
        assignments = [f"{k}={v}" for k, v in (env or {}).items()]
        # COLUMNS/LINES (pytest sets them) would override the pane size inside Textual.
        command = shlex.join(["env", "-u", "COLUMNS", "-u", "LINES", *assignments, *argv])
        # The app's exit status goes to a file; the pane then lingers so it can be read.
        script = (
            f"cd {shlex.quote(str(self.workdir))} && {command}; "
            f"echo $? > {shlex.quote(str(self.rc_file))}; sleep 60"
        )
        self._tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), script
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.name, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def close(self) -> None:
        """Kill this driver's tmux server (and with it the app, if still running)."""
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True, timeout=10)

    def __enter__(self) -> TmuxApp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- what a person does -----------------------------------------------------------------

    def press(self, *keys: str) -> None:
        """tmux key names: ``j``, ``Enter``, ``Escape``, ``?``, ``C-c`` …"""
        for key in keys:
            self._tmux("send-keys", "-t", self.name, key)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def tmux(self, *args: str) -> str:
        """Any other tmux command against this driver's own server (options, buffers)."""
        return self._tmux(*args)

    def wait_for(self, *texts: str, timeout: float = WAIT) -> str:
        """The screen once it shows every one of ``texts``; raises with the screen otherwise."""
        deadline = time.monotonic() + timeout
        screen = ""
        seen: list[str] = []  # what passed by (a toast gone by the timeout says why)
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            if not seen or seen[-1] != screen:
                seen.append(screen)
            time.sleep(0.1)
        missing = [t for t in texts if t not in screen]
        earlier = "".join(f"\n--- an earlier screen ---\n{s}" for s in seen[-4:-1])
        raise TmuxTimeout(f"not on screen after {timeout:.0f}s: {missing!r}\n{screen}{earlier}")

    def wait_until(self, condition: Callable[[str], bool], what: str, timeout: float = WAIT) -> str:
        """The screen once ``condition(screen)`` holds; raises naming ``what`` otherwise."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.1)
        raise TmuxTimeout(f"{what}: not seen after {timeout:.0f}s\n{screen}")

    def wait_gone(self, text: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text not in screen:
                return screen
            time.sleep(0.1)
        raise TmuxTimeout(f"still on screen after {timeout:.0f}s: {text!r}\n{screen}")

    def wait_exit(self, timeout: float = 10.0) -> int:
        """The app's exit status, once it has ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.rc_file.exists():
                text = self.rc_file.read_text().strip()
                if text:
                    return int(text)
            time.sleep(0.1)
        raise TmuxTimeout(f"the app did not exit within {timeout:.0f}s\n{self.screen()}")

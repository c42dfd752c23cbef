"""Live updates: another process (an agent) writing to the store shows up within a second.

One long-lived thread worker polls ``StoreReader.fingerprint()`` (a handful of cheap
aggregate queries) every ``interval`` seconds and, only when it changed, hands the old and new
fingerprints to the UI thread. One worker in an exclusive group: polls never pile up, and
nothing is reloaded (no flicker, no jump) while the store is unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from core.read import Fingerprint, StoreReader

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

OnChange = Callable[[Fingerprint, Fingerprint], None]


class LiveUpdater:
    def __init__(
        self, app: App[object], reader: StoreReader, interval: float, on_change: OnChange
    ) -> None:
        self.app = app
        self.reader = reader
        self.interval = interval
        self.on_change = on_change
        self.baseline = threading.Event()  # set once the first fingerprint is read
        self._stop = threading.Event()

    def start(self, owner: DOMNode) -> None:
        """Start polling in a worker owned by ``owner`` (it ends with the owner)."""
        owner.run_worker(
            self._poll,
            thread=True,
            exclusive=True,
            group="live",
            name="live-updates",
            exit_on_error=False,
        )

    def stop(self) -> None:
        self._stop.set()

    def _poll(self) -> None:
        worker = get_current_worker()
        last: Fingerprint | None = None
        while not worker.is_cancelled and not self._stop.is_set():
            try:
                current = self.reader.fingerprint()
            except Exception:  # the store is busy or briefly unreachable: try next tick
                current = None
            if current is not None:
                if last is not None and current != last and not worker.is_cancelled:
                    try:
                        self.app.call_from_thread(self.on_change, last, current)
                    except RuntimeError:  # the app is shutting down
                        return
                last = current
                self.baseline.set()
            self._stop.wait(self.interval)

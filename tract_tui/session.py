"""What a screen holds: the open tract, its reader, and the lock that orders the app's writes.

Widgets read through ``reader`` (``core.read.StoreReader``); screens write through ``write``,
which runs a ``Tract`` method while holding the lock, so two actions started from the keyboard
never write at once (reads run in parallel with them and with each other).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from core import Tract
from core.read import StoreReader

T = TypeVar("T")


class Session:
    def __init__(self, tract: Tract) -> None:
        self.tract = tract
        self.reader = StoreReader(tract)
        self._writing = threading.Lock()

    def write(self, job: Callable[[Tract], T]) -> T:
        """Run ``job(tract)`` (one ``Tract`` write method) as the app's only writer."""
        with self._writing:
            return job(self.tract)

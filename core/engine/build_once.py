"""Values built once for the threads that ask for them at the same time.

The records panel's record view and reproduction both compile a record's head as of its
time, in two threads at once; the second waits for the first instead of building the same
~100 MB snapshot again. Its workers also read a record's effective commits at once, the
first time it is selected. A value is kept only while it is being built: afterwards each
caller builds anew (or finds it in a cache of its own), so nothing big is held for later.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class _Flight(Generic[V]):
    """A value being built: its waiters take ``value`` once ``done`` is set (None: the build
    failed, and each waiter builds its own, meeting the same error)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: V | None = None


class BuiltOnce(Generic[V]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight[V]] = {}

    def __len__(self) -> int:
        """How many values are being built now."""
        return len(self._flights)

    def get(self, key: Hashable, build: Callable[[], V], usable: Callable[[V], bool]) -> V:
        """``build()``, or what another thread is building for ``key`` right now if
        ``usable`` says it is also this caller's (say, its own read sees the same state)."""
        with self._lock:
            flight = self._flights.get(key)
            building = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not building:
            flight.done.wait()
            value = flight.value
            return value if value is not None and usable(value) else build()
        try:
            flight.value = build()
            return flight.value
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

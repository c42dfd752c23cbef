"""Compile records' own effective commits, kept for the next read of the same record.

Selecting a record in the app reads its effective commits from up to five places at once (its
view, its reproduction, the cache breaks, the token chart, the records list): at 100k commits
each read costs about a second. A record's rows never change once written (a compile makes
a fresh id; an importer re-writing a turn writes the same commits), so the list read once, or
written by this process, serves the rest.

A kept list is only used while the store holds as many rows for that record as it has (one
indexed count, milliseconds at 100k): a record deleted, or written and rolled back, is read
again. Lists are kept up to ``MAX_HASHES`` hashes in all, least recently used dropped first;
one longer than that is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from core.engine.build_once import BuiltOnce

MAX_HASHES = 250_000  # ~30 MB of hash strings


class EffectivesCache:
    def __init__(self, max_hashes: int = MAX_HASHES) -> None:
        self.max_hashes = max_hashes
        self._lock = threading.Lock()
        self._lists: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._size = 0
        # One record's list read once for the workers that ask for it at the same time.
        self.reading: BuiltOnce[dict[str, tuple[str, ...]]] = BuiltOnce()

    def get(self, record_id: str, stored_rows: int) -> tuple[str, ...] | None:
        """The kept list, if the store holds ``stored_rows`` rows for the record as it has."""
        with self._lock:
            kept = self._lists.get(record_id)
            if kept is None:
                return None
            if len(kept) != stored_rows:
                self._drop(record_id)
                return None
            self._lists.move_to_end(record_id)
            return kept

    def put(self, record_id: str, hashes: tuple[str, ...]) -> None:
        if not hashes or len(hashes) > self.max_hashes:
            return
        with self._lock:
            self._drop(record_id)
            self._lists[record_id] = hashes
            self._size += len(hashes)
            while self._size > self.max_hashes:
                oldest = next(iter(self._lists))
                self._drop(oldest)

    def drop(self, record_ids: Iterable[str]) -> None:
        with self._lock:
            for record_id in record_ids:
                self._drop(record_id)

    def _drop(self, record_id: str) -> None:
        gone = self._lists.pop(record_id, None)
        if gone is not None:
            self._size -= len(gone)

    def __len__(self) -> int:
        return len(self._lists)

"""The graph rows' details (badge, marks, tokens, message), cached by commit hash.

Details are fetched for the window on screen plus a margin, and kept for the most recently
fetched few thousand rows. After a reload the previous scan's details stay visible until the
new ones arrive, so a live update never flashes placeholders over every row.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from core.views.graph_rows import RowInfo

CAPACITY = 4000


class RowDetails:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._rows: OrderedDict[str, RowInfo] = OrderedDict()
        self._pending: set[str] = set()  # asked for, not arrived yet
        self._stale: dict[str, RowInfo] = {}  # the previous scan's, until refetched

    def __contains__(self, commit_hash: object) -> bool:
        return commit_hash in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, commit_hash: str) -> RowInfo:
        return self._rows[commit_hash]

    def shown(self, commit_hash: str) -> RowInfo | None:
        """What to draw for a row: its details, or the previous scan's, or None (pending)."""
        return self._rows.get(commit_hash) or self._stale.get(commit_hash)

    def restart(self, first: Mapping[str, RowInfo]) -> None:
        """A new scan: its first details in, the old ones kept only for drawing."""
        self._stale = dict(self._rows)
        self._rows.clear()
        self._rows.update(first)
        self._pending.clear()

    def wanted(self, hashes: Iterable[str]) -> list[str]:
        """The hashes neither cached nor asked for yet; they count as asked from now on."""
        missing = [h for h in hashes if h not in self._rows and h not in self._pending]
        self._pending.update(missing)
        return missing

    def arrived(self, details: Mapping[str, RowInfo]) -> None:
        self._pending.difference_update(details)
        self._rows.update(details)
        while len(self._rows) > self.capacity:
            self._rows.popitem(last=False)

    def failed(self, hashes: Iterable[str]) -> None:
        """A fetch failed: these may be asked for again (when the rows are next shown)."""
        self._pending.difference_update(hashes)

    def forget(self, hashes: Iterable[str]) -> None:
        """Drop cached details (after a pin or skip) so they are fetched again."""
        for h in hashes:
            self._rows.pop(h, None)

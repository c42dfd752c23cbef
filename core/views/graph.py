"""The commit graph as display rows: a streaming scan, filtered and laid out on demand.

Rows come newest first (``created_at`` descending; our writers keep a child strictly after its
parents, so this is a topological order). The scan is keyset-paged, so the first screen needs
only the first page; a worker feeds the rest in batches while the user already scrolls.

Which rows show is decided in the same single pass: a commit is *reachable* when a ref points at
it or a shown reachable commit has it as a parent (children always come first). Unreachable
commits (compression sources, orphans of a reset) are hidden, or shown and marked when asked.
First-parent mode follows only first parents. Lanes are computed by ``core.views.lanes`` from a
checkpoint every 500 rows, so any screen costs the same at row 1 and at row 100,000.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.models.records import RefInfo
from core.models.refs import branch_short, is_branch
from core.models.times import stored_time, unreadable_time
from core.views.lanes import LaneCheckpoint, LaneState, RowLayout

CHECKPOINT_EVERY = 500
LAYOUT_CACHE_WINDOWS = 8


@dataclass(frozen=True, slots=True)
class ScanRow:
    commit_hash: str
    parents: tuple[str, ...]  # first parent first, then merge parents by position
    created_at: Any  # as stored; the key of the next page


@dataclass(frozen=True)
class GraphMode:
    show_unreachable: bool = False
    first_parent: bool = False


class GraphModel:
    """Display rows of one tract's graph. Thread-safe: a worker feeds, the UI reads."""

    def __init__(self, ref_targets: Mapping[str, Sequence[str]], mode: GraphMode = GraphMode()):
        self.mode = mode
        self.labels: dict[str, tuple[str, ...]] = {h: tuple(v) for h, v in ref_targets.items()}
        # Hashes a shown reachable commit (or a ref) points at, not scanned yet: the frontier.
        # Maps each hash to one shared string object, so a commit and every child's parent
        # tuple hold the same string (at 100k commits that halves the memory of the hashes).
        self._wanted: dict[str, str] = {h: h for h in ref_targets}
        self._seen: set[str] = set()
        self.hashes: list[str] = []
        self.parents: list[tuple[str, ...]] = []
        self.unreachable: list[bool] = []
        self._checkpoints: list[LaneCheckpoint] = []  # one per CHECKPOINT_EVERY rows
        self._lanes = LaneState()
        self._layouts: OrderedDict[int, list[RowLayout]] = OrderedDict()
        self._index: dict[str, int] = {}
        self._lock = threading.Lock()
        self.complete = False
        self.scanned = 0  # commits read, shown or not
        self._held: dict[str, ScanRow] = {}  # rows whose time is unreadable, not wanted yet

    def __len__(self) -> int:
        return len(self.hashes)

    def feed(self, rows: Sequence[ScanRow], *, last: bool = False) -> int:
        """Add the next page of the scan; returns how many rows became visible."""
        added = 0
        with self._lock:
            pending = deque(rows)
            flushing = False
            while pending or (last and self._held):
                if not pending:  # the scan is over: what is still held shows as it is
                    pending.extend(self._held.values())
                    self._held.clear()
                    flushing = True
                row = pending.popleft()
                h = row.commit_hash
                if h in self._seen:
                    continue
                if not flushing and h not in self._wanted and _out_of_order(row):
                    # A time that is not a time sorts anywhere (text 'not a date' first):
                    # wait for a child to point at it, so it shows below its children.
                    self._held[h] = row
                    continue
                self._held.pop(h, None)
                self.scanned += 1
                wanted = self._wanted.pop(h, None)  # each commit is scanned once
                reachable = wanted is not None
                h = wanted or h
                self._seen.add(h)
                if not reachable and not self.mode.show_unreachable:
                    continue
                parents = row.parents[:1] if self.mode.first_parent else row.parents
                if reachable:
                    parents = tuple(self._wanted.setdefault(p, p) for p in parents)
                    pending.extendleft(self._held.pop(p) for p in parents if p in self._held)
                index = len(self.hashes)
                if index % CHECKPOINT_EVERY == 0:
                    self._checkpoints.append(self._lanes.snapshot())
                self._lanes.step(h, parents)
                self.hashes.append(h)
                self.parents.append(parents)
                self.unreachable.append(not reachable)
                self._index[h] = index
                added += 1
            if last:
                self.complete = True
        return added

    def index_of(self, commit_hash: str) -> int | None:
        return self._index.get(commit_hash)

    def layouts(self, start: int, stop: int) -> list[RowLayout]:
        """Lane layouts of rows [start, stop), recomputed from the nearest checkpoint."""
        with self._lock:
            stop = min(stop, len(self.hashes))
            if start >= stop:
                return []
            out: list[RowLayout] = []
            window = start // CHECKPOINT_EVERY
            while len(out) < stop - start:
                rows = self._window(window)
                base = window * CHECKPOINT_EVERY
                lo = max(start, base) - base
                hi = min(stop, base + len(rows)) - base
                out.extend(rows[lo:hi])
                window += 1
                if hi <= lo:
                    break
            return out

    def _window(self, window: int) -> list[RowLayout]:
        cached = self._layouts.get(window)
        base = window * CHECKPOINT_EVERY
        end = min(base + CHECKPOINT_EVERY, len(self.hashes))
        if cached is not None and len(cached) == end - base:
            self._layouts.move_to_end(window)
            return cached
        state = LaneState.from_snapshot(self._checkpoints[window])
        rows = [state.step(self.hashes[i], self.parents[i]) for i in range(base, end)]
        self._layouts[window] = rows
        while len(self._layouts) > LAYOUT_CACHE_WINDOWS:
            self._layouts.popitem(last=False)
        return rows


def _out_of_order(row: ScanRow) -> bool:
    return unreadable_time(stored_time(row.created_at))


def ref_labels(
    refs: Sequence[RefInfo],
    head_branch: str | None,
    head_commit: str | None,
    detached: bool,
    *,
    arrow: str = "→",
) -> dict[str, list[str]]:
    """Commit → labels (``HEAD → main``, ``main``, ``HEAD``) from a tract's refs.

    HEAD's labels come first, then the branches by name. The CLI passes ``arrow="->"`` (its
    output is plain ASCII around the stored names)."""
    out: dict[str, list[str]] = {}
    for ref in refs:
        if not ref.commit_hash or not is_branch(ref.ref_name):
            continue
        short = branch_short(ref.ref_name)
        label = f"HEAD {arrow} {short}" if short == head_branch and not detached else short
        out.setdefault(ref.commit_hash, []).append(label)
    if detached and head_commit:
        out.setdefault(head_commit, []).insert(0, "HEAD")
    for labels in out.values():
        labels.sort(key=lambda s: (not s.startswith("HEAD"), s))
    return out

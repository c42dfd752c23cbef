"""The commit graph as display rows: a streaming scan, filtered and laid out on demand.

Rows come newest first (``created_at`` descending; our writers keep a child strictly after its
parents, so this is a topological order). The scan is keyset-paged, so the first screen needs
only the first page; a worker feeds the rest in batches while the user already scrolls.

Which rows show is decided in the same single pass: a commit is *reachable* when a ref points at
it or a shown reachable commit has it as a parent (children always come first). Unreachable
commits (compression sources, orphans of a reset) are hidden, or shown and marked when asked.
First-parent mode follows only first parents. Lanes are computed by ``core.views.lanes`` from a
checkpoint every 500 rows, so any screen costs the same at row 1 and at row 100,000.

Live updates: :meth:`GraphModel.prepend` puts what was written since (the commits sorting above
the newest one scanned) on top, and refuses when the result would differ from a fresh scan's.
Rows are keyed by a number that never changes once given (rows put on top get smaller ones), so
a prepend moves no index entry. Their lanes are laid out again from the new top, lazily, down
to the first checkpoint that comes out the same as before; below it nothing changed.
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
from core.views.lanes import DEFAULT_PALETTE_SIZE, LaneCheckpoint, LaneState, RowLayout
from core.views.row_columns import RowHashes, RowParents, RowUnreachable, columns
from core.views.row_store import RowStore

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
        self._wanted: set[str] = set(ref_targets)
        self._hidden: set[str] = set()  # scanned and not shown (the shown are in _rows)
        self._roots = frozenset(ref_targets)  # where reachability starts (the ref targets)
        # The shown rows, with no Python object per row (core.views.row_store); row i has the
        # key ``_rows.top + i``. Its index hash → row key is also the lanes' "first row" index.
        self._rows = RowStore()
        self.hashes: RowHashes
        self.parents: RowParents
        self.unreachable: RowUnreachable
        self.hashes, self.parents, self.unreachable = columns(self._rows)
        # Windows of CHECKPOINT_EVERY keys each have a checkpoint, the lanes before their
        # first row (the top window's: before row 0).
        self._checkpoints: dict[int, LaneCheckpoint] = {}
        self._lanes = LaneState(emitted=self._rows)  # the lanes after the last row
        # Lane passes a prepend started and that have not met the old checkpoints yet, oldest
        # first; each stands for the rows above its position (see _catch_up).
        self._passes: list[LaneState] = []
        self._layouts: OrderedDict[int, list[RowLayout]] = OrderedDict()
        self._lock = threading.Lock()
        self.complete = False
        self.scanned = 0  # commits read, shown or not
        self._held: dict[str, ScanRow] = {}  # rows whose time is unreadable, not wanted yet
        # The key (created_at as stored, hash) of the newest commit scanned, shown or not:
        # everything sorting above it was written after the scan read its first page.
        self.newest: tuple[Any, str] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def _top(self) -> int:
        """The key of row 0 (rows put on top get smaller keys)."""
        return self._rows.top

    def feed(self, rows: Sequence[ScanRow], *, last: bool = False) -> int:
        """Add the next page of the scan; returns how many rows became visible."""
        added = 0
        with self._lock:
            if self.newest is None and rows:
                self.newest = (rows[0].created_at, rows[0].commit_hash)
            self._catch_up(None)  # the lanes after the last row are needed
            pending = deque(rows)
            flushing = False
            while pending or (last and self._held):
                if not pending:  # the scan is over: what is still held shows as it is
                    pending.extend(self._held.values())
                    self._held.clear()
                    flushing = True
                row = pending.popleft()
                h = row.commit_hash
                if h in self._hidden or self._rows.key_of(h) is not None:
                    continue
                if not flushing and h not in self._wanted and _out_of_order(row):
                    # A time that is not a time sorts anywhere (text 'not a date' first):
                    # wait for a child to point at it, so it shows below its children.
                    self._held[h] = row
                    continue
                self._held.pop(h, None)
                self.scanned += 1
                reachable = h in self._wanted
                self._wanted.discard(h)  # each commit is scanned once
                if not reachable and not self.mode.show_unreachable:
                    self._hidden.add(h)
                    continue
                parents = row.parents[:1] if self.mode.first_parent else row.parents
                if reachable:
                    self._wanted.update(parents)
                    pending.extendleft(self._held.pop(p) for p in parents if p in self._held)
                key = self._rows.append(h, parents, not reachable)  # the lanes look it up
                if key % CHECKPOINT_EVERY == 0 or key == self._rows.top:
                    self._checkpoints[key // CHECKPOINT_EVERY] = self._lanes.snapshot()
                self._lanes.step(h, parents)
                added += 1
            if last:
                self.complete = True
        return added

    def index_of(self, commit_hash: str) -> int | None:
        key = self._rows.key_of(commit_hash)  # no lock: the UI reads while the scan feeds
        return None if key is None else key - self._rows.top

    def prepend(
        self, rows: Sequence[ScanRow], ref_targets: Mapping[str, Sequence[str]]
    ) -> int | None:
        """Put ``rows`` — every commit sorting above :attr:`newest`, newest first — on top,
        with the refs as they are now (``ref_targets``: commit → labels). Returns how many rows
        became visible, or None, changing nothing, when the model would then differ from a
        fresh scan's: a ref moved off the history shown (reset, compress, revert), a new ref
        or parent names a commit not shown as reachable (hidden, not scanned yet, sorting
        below the newest, or missing), a time is unreadable, or a row was already scanned.
        The caller rescans then."""
        with self._lock:
            plan = self._plan_prepend(rows, ref_targets)
            if plan is None:
                return None
            shown, scanned = plan
            self.labels = {h: tuple(v) for h, v in ref_targets.items()}
            self._roots = frozenset(ref_targets)
            self._hidden.update(scanned.difference(h for h, _, _ in shown))
            self.scanned += len(scanned)
            if rows:
                self.newest = (rows[0].created_at, rows[0].commit_hash)
            if not shown:
                return 0
            self._rows.prepend(shown)
            top = self._rows.top
            # A new lane pass from the new top; the lanes below are laid out again only as far
            # as they differ (_catch_up), and only when they are drawn or fed.
            fresh = LaneCheckpoint(top, (), (), (0,) * DEFAULT_PALETTE_SIZE, -1, self._rows)
            self._checkpoints[top // CHECKPOINT_EVERY] = fresh
            self._layouts.pop(top // CHECKPOINT_EVERY, None)
            self._layouts.pop((top + len(shown)) // CHECKPOINT_EVERY, None)
            self._passes.append(LaneState.from_snapshot(fresh))
            return len(shown)

    def _plan_prepend(
        self, rows: Sequence[ScanRow], ref_targets: Mapping[str, Sequence[str]]
    ) -> tuple[list[tuple[str, tuple[str, ...], bool]], set[str]] | None:
        """The scan over ``rows`` a fresh model would make: (rows shown, hashes scanned), or
        None when the rows below would not come out as they are."""
        wanted = set(ref_targets)
        shown: list[tuple[str, tuple[str, ...], bool]] = []
        scanned: set[str] = set()
        for row in rows:
            h = row.commit_hash
            seen = h in self._hidden or h in self._held or self._rows.key_of(h) is not None
            if seen or h in scanned or _out_of_order(row):
                return None
            scanned.add(h)
            reachable = h in wanted
            wanted.discard(h)
            if not reachable and not self.mode.show_unreachable:
                continue
            parents = row.parents[:1] if self.mode.first_parent else row.parents
            if reachable:
                wanted.update(parents)
            shown.append((h, parents, not reachable))
        # What the scan of the old rows would start from now. The same set gives the same
        # rows; a superset does too when the extra commits were shown reachable anyway. An
        # extra commit not shown may be hidden, not scanned yet, or a commit that sorts below
        # the newest one (an old time): only a scan tells.
        frontier = set(wanted)
        if not self._roots <= frontier:
            return None
        for extra in frontier - self._roots:
            key = self._rows.key_of(extra)
            if key is None or self._rows.unreachable_at(key - self._top):
                return None
        return shown, scanned

    def layouts(self, start: int, stop: int) -> list[RowLayout]:
        """Lane layouts of rows [start, stop), recomputed from the nearest checkpoint."""
        with self._lock:
            stop = min(stop, len(self._rows))
            if start >= stop:
                return []
            top = self._top
            first, last = start + top, stop + top  # as keys
            out: list[RowLayout] = []
            window = first // CHECKPOINT_EVERY
            while len(out) < stop - start:
                rows = self._window(window)
                base = max(window * CHECKPOINT_EVERY, top)
                lo = max(first, base) - base
                hi = min(last, base + len(rows)) - base
                out.extend(rows[lo:hi])
                window += 1
                if hi <= lo:
                    break
            return out

    def _window(self, window: int) -> list[RowLayout]:
        top = self._top
        base = max(window * CHECKPOINT_EVERY, top)
        end = min((window + 1) * CHECKPOINT_EVERY, top + len(self._rows))
        self._catch_up(base)
        cached = self._layouts.get(window)
        if cached is not None and len(cached) == end - base:
            self._layouts.move_to_end(window)
            return cached
        state = LaneState.from_snapshot(self._checkpoints[window])
        at, parents_at = self._rows.hash_at, self._rows.parents_at
        rows = [state.step(at(k - top), parents_at(k - top)) for k in range(base, end)]
        self._layouts[window] = rows
        while len(self._layouts) > LAYOUT_CACHE_WINDOWS:
            self._layouts.popitem(last=False)
        return rows

    def _catch_up(self, key: int | None) -> None:
        """Carry the lane passes prepends started down to row key ``key`` (a window's first
        row; None: to the last row), so the checkpoints above it are right.

        A pass writes each window's checkpoint as it reaches it. Where the one stored there
        (by the scan, or an older pass) holds the same lanes, every row below lays out as
        before and the pass ends: appending to the branch on top ends within one window. A
        pass that reaches the last row becomes the lanes the scan goes on from."""
        passes = self._passes
        end = self._top + len(self._rows)
        while passes:
            state = passes[-1]
            while len(passes) > 1 and passes[-2].row <= state.row:
                del passes[-2]  # overtaken: its checkpoints are rewritten by this one
            at = state.row
            if key is not None and at > key:
                return
            if at >= end:
                self._lanes = state
                passes.clear()
                return
            window = at // CHECKPOINT_EVERY
            if at % CHECKPOINT_EVERY == 0 and at != self._top:
                old = self._checkpoints.get(window)
                snap = state.snapshot()
                if old is not None and old.row == at and _same_lanes(old, snap):
                    passes.pop()  # below here the stored checkpoints (or an older pass) hold
                    continue
                self._checkpoints[window] = snap
                self._layouts.pop(window, None)
            state.step(self._rows.hash_at(at - self._top), self._rows.parents_at(at - self._top))


def _same_lanes(a: LaneCheckpoint, b: LaneCheckpoint) -> bool:
    return (a.waits_for, a.colours, a.usage, a.avoid_column) == (
        b.waits_for,
        b.colours,
        b.usage,
        b.avoid_column,
    )


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

"""``GraphModel.prepend`` (the app's live reload) against a fresh scan, over random histories.

A history grows by steps: commits on branches (some merges, some new branches, a few resets that
move a branch back). After every step the model that took the new commits on top — or, when it
refused, a fresh scan, as the app does — must equal a fresh scan of the whole history: the same
rows, parents, reachability, labels and lane layouts, whatever was drawn in between.
"""

from __future__ import annotations

import hashlib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from core.views.graph import GraphMode, GraphModel, ScanRow

Refs = dict[str, list[str]]


class History:
    """Commits newest first, with branch heads; times are the commit number."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.rows: list[ScanRow] = []  # oldest first
        self.branches: dict[str, str] = {}
        self.count = 0

    def commit(self, parents: tuple[str, ...]) -> str:
        # Mostly hex ids (stored as digests), some odd ones (kept as strings): both kinds of row.
        h = f"c{self.count:05d}"
        if self.count % 4:
            h = hashlib.sha256(h.encode()).hexdigest()
        self.count += 1
        self.rows.append(ScanRow(h, parents, f"2026-01-01T{self.count:08d}"))
        return h

    def step(self, size: int) -> None:
        rnd = self.rnd
        for _ in range(size):
            roll = rnd.random()
            if not self.branches:
                self.branches["main"] = self.commit(())
            elif roll < 0.06 and self.rows:  # a new branch at an older commit
                self.branches[f"b{self.count}"] = rnd.choice(self.rows[-40:]).commit_hash
            elif roll < 0.09 and len(self.branches) > 1:  # a merge
                a, b = rnd.sample(sorted(self.branches), 2)
                self.branches[a] = self.commit((self.branches[a], self.branches[b]))
            elif roll < 0.10:  # a reset: history rewritten
                name = rnd.choice(sorted(self.branches))
                self.branches[name] = rnd.choice(self.rows).commit_hash
            elif roll < 0.12:  # an orphan (a compression's summary before a ref moves)
                self.commit(())
            else:
                weights = [8 if n == "main" else 1 for n in sorted(self.branches)]
                name = rnd.choices(sorted(self.branches), weights)[0]
                self.branches[name] = self.commit((self.branches[name],))

    def refs(self) -> Refs:
        out: Refs = {}
        for name, h in sorted(self.branches.items()):
            out.setdefault(h, []).append(name)
        return out

    def newest_first(self) -> list[ScanRow]:
        return self.rows[::-1]


def scan(rows: list[ScanRow], refs: Refs, mode: GraphMode, page: int) -> GraphModel:
    model = GraphModel(refs, mode)
    for i in range(0, len(rows), page):
        model.feed(rows[i : i + page], last=i + page >= len(rows))
    if not rows:
        model.feed([], last=True)
    return model


def same(a: GraphModel, b: GraphModel) -> None:
    assert a.hashes == b.hashes
    assert a.parents == b.parents
    assert a.unreachable == b.unreachable
    assert a.labels == b.labels
    assert a.newest == b.newest
    assert [a.index_of(h) for h in b.hashes] == list(range(len(b.hashes)))
    assert a.layouts(0, len(a)) == b.layouts(0, len(b))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    mode=st.sampled_from([GraphMode(), GraphMode(True, False), GraphMode(False, True)]),
    page=st.sampled_from([7, 300]),
)
def test_prepend_equals_a_fresh_scan(seed: int, mode: GraphMode, page: int) -> None:
    history = History(seed)
    history.step(900)  # more than one checkpoint window
    model = scan(history.newest_first(), history.refs(), mode, page)
    rnd = random.Random(seed)
    accepted = 0
    for _ in range(12):
        history.step(rnd.choice([1, 1, 2, 5, 40]))
        rows = history.newest_first()
        assert model.newest is not None
        newer = [r for r in rows if (r.created_at, r.commit_hash) > model.newest]
        if rnd.random() < 0.5:  # draw somewhere first: passes left half done must still hold
            start = rnd.randrange(len(model))
            model.layouts(start, start + 40)
        added = model.prepend(newer, history.refs())
        fresh = scan(rows, history.refs(), mode, page)
        if added is None:
            model = fresh
            continue
        accepted += 1
        same(model, fresh)
    assert accepted or not history.rows  # appends on top are taken incrementally


def test_appending_on_top_is_taken_and_ends_its_lane_pass_at_once() -> None:
    history = History(1)
    history.step(3000)
    history.branches["main"] = history.commit((history.branches["main"],))  # main on top
    model = scan(history.newest_first(), history.refs(), GraphMode(), 300)
    for _ in range(5):
        head = history.branches["main"]
        history.branches["main"] = history.commit((head,))
        assert model.newest is not None
        newer = history.newest_first()[:1]
        assert model.prepend(newer, history.refs()) == 1
        model.layouts(0, 600)  # across the first window's end
        assert model._passes == []  # the pass met the old checkpoints there: nothing below moved
    same(model, scan(history.newest_first(), history.refs(), GraphMode(), 300))


def test_a_ref_moved_off_the_shown_history_is_refused() -> None:
    history = History(2)
    history.step(200)
    model = scan(history.newest_first(), history.refs(), GraphMode(), 300)
    old_head = history.branches["main"]
    history.branches["main"] = history.commit(())  # a compress: main now starts a new chain
    newer = history.newest_first()[:1]
    before, where = list(model.hashes), model.index_of(old_head)
    assert model.prepend(newer, history.refs()) is None
    assert model.hashes == before and model.index_of(old_head) == where is not None


def test_a_new_ref_to_a_commit_below_the_newest_is_refused() -> None:
    """A commit written with an old time sorts below the watermark: only a scan finds it."""
    history = History(3)
    history.step(100)
    model = scan(history.newest_first(), history.refs(), GraphMode(), 300)
    old = history.rows[10]
    late = ScanRow("late", (old.commit_hash,), old.created_at + "5")  # sorts below the newest
    history.rows.insert(11, late)
    history.branches["imported"] = "late"
    assert model.prepend([], history.refs()) is None

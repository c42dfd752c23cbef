"""``quick_log``: the first lines of a tract's log without loading the storage layer.

What ``tract-tui log --limit N`` prints (the refs' labels and the first-parent chain from
HEAD) read through ``core.storage.sqlite_quick`` when the store allows it: a SQLite file at
tract-ai's v6 layout (the one we write), holding one tract. None otherwise, and the caller
reads it through :class:`~core.read.StoreReader`; both give the same answer
(``tests/core/test_quick_log.py``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from core.models.records import CommitInfo, HeadState
from core.storage.sqlite_quick import QuickStore
from core.views.graph import ref_labels


@dataclass(frozen=True)
class QuickLog:
    tract_id: str
    labels: dict[str, list[str]]  # commit → its ref labels, as ``StoreReader.refs`` gives
    commits: list[CommitInfo]  # newest first along first parents from HEAD


def quick_log(target: str, limit: int, *, head_arrow: str = "→") -> QuickLog | None:
    """The log of the store's only tract, at most ``limit`` commits; None: read it in full."""
    store = QuickStore.open(target)
    if store is None:
        return None
    with store:
        try:
            ids = store.tract_ids()
            if len(ids) != 1:  # none (a new tract) or a choice to make: the full open's
                return None
            tract_id = ids[0]
            state = HeadState(*store.head_state(tract_id))
            labels = ref_labels(
                store.refs(tract_id), state.branch, state.commit, state.detached, arrow=head_arrow
            )
            commits: list[CommitInfo] = []
            if state.commit:
                hashes = store.chain(state.commit, limit)
                rows = store.commits(hashes)
                commits = [rows[h] for h in hashes if h in rows]
        except sqlite3.Error:  # a lock that came late, a damaged page: the full read says
            return None
    return QuickLog(tract_id, labels, commits)

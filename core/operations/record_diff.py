"""The difference between two compile records: rebuilt on the explanation service.

Kept for the operation layout (one module per operation); the model and its construction live
in ``core.explain.diff``, where every commit of either record lands in exactly one section.
"""

from __future__ import annotations

from core.explain.diff import (
    ChangedMessage,
    CommitChange,
    DiffCounts,
    RecordDiff,
    Recreated,
    diff_records,
)

__all__ = [
    "ChangedMessage",
    "CommitChange",
    "DiffCounts",
    "RecordDiff",
    "Recreated",
    "diff_records",
]

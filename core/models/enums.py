"""Enumerations stored in the tract schema.

The database stores the enum *names* in upper case (``APPEND``, ``PINNED``); the lower-case
*values* only appear inside the commit hash (SCHEMA.md §1, §6).
"""

from __future__ import annotations

import enum


class CommitOperation(enum.Enum):
    APPEND = "append"
    EDIT = "edit"


class Priority(enum.Enum):
    """IMPORTANT exists from tract-ai schema v7 on: it compiles like NORMAL, and compression
    keeps what its retention rules ask for."""

    SKIP = "skip"
    NORMAL = "normal"
    IMPORTANT = "important"
    PINNED = "pinned"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.SKIP: 0, Priority.NORMAL: 1, Priority.IMPORTANT: 2, Priority.PINNED: 3}

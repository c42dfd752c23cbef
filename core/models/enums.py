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
    SKIP = "skip"
    NORMAL = "normal"
    PINNED = "pinned"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.SKIP: 0, Priority.NORMAL: 1, Priority.PINNED: 2}

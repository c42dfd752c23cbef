"""Enumerations stored in the tract schema.

The database stores the enum *names* in upper case (``APPEND``, ``PINNED``); the lower-case
*values* only appear inside the commit hash (docs/store-format.md §1, §6). Also the fixed name
sets the engine accepts (summarizers, message roles), so the CLI and the app offer the same.
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


# Summarizers a compression can use; "auto" picks the LLM endpoint when one is configured.
SUMMARIZER_NAMES = ("auto", "manual", "extractive", "llm")

# The roles of compiled messages (what a model receives), as dialogue content stores them.
MESSAGE_ROLES = ("system", "user", "assistant")

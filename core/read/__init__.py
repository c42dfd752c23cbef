"""The read API: what the app and the CLI show, as plain immutable data.

``StoreReader(tract)`` reads one tract (refs, graph pages, details, events, records, search,
health); the functions read a whole store (its tracts, an overview, a setting); ``quick_log``
reads a log's first lines without the storage layer (``core.read.quick_log``). Nothing here
writes: writes are ``Tract`` methods. Together with ``core`` (top-level names), ``core.errors``,
``core.models`` and ``core.views`` this is the public API (docs/ARCHITECTURE.md).

The names load on first use, as ``core``'s do: ``quick_log`` must not pull in SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.read.quick_log import QuickLog, quick_log
    from core.read.reader import (
        Fingerprint,
        FirstScreen,
        GraphDelta,
        PageKey,
        RefsState,
        StoreReader,
    )
    from core.read.stores import (
        BranchTip,
        TractOverview,
        find_tract,
        overview,
        store_setting,
        tracts,
    )

_LAZY = {
    "Fingerprint": "core.read.reader",
    "FirstScreen": "core.read.reader",
    "GraphDelta": "core.read.reader",
    "PageKey": "core.read.reader",
    "RefsState": "core.read.reader",
    "StoreReader": "core.read.reader",
    "BranchTip": "core.read.stores",
    "TractOverview": "core.read.stores",
    "find_tract": "core.read.stores",
    "overview": "core.read.stores",
    "store_setting": "core.read.stores",
    "tracts": "core.read.stores",
    "QuickLog": "core.read.quick_log",
    "quick_log": "core.read.quick_log",
}

__all__ = [
    "BranchTip",
    "Fingerprint",
    "FirstScreen",
    "GraphDelta",
    "PageKey",
    "QuickLog",
    "RefsState",
    "StoreReader",
    "TractOverview",
    "find_tract",
    "overview",
    "quick_log",
    "store_setting",
    "tracts",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core.read' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

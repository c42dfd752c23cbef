"""The read API: what the app and the CLI show, as plain immutable data.

``StoreReader(tract)`` reads one tract (refs, graph pages, details, events, records, search,
health); the functions read a whole store (its tracts, an overview, a setting). Nothing here
writes: writes are ``Tract`` methods. Together with ``core`` (top-level names), ``core.errors``,
``core.models`` and ``core.views`` this is the public API (docs/ARCHITECTURE.md).
"""

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

__all__ = [
    "BranchTip",
    "Fingerprint",
    "FirstScreen",
    "GraphDelta",
    "PageKey",
    "RefsState",
    "StoreReader",
    "TractOverview",
    "find_tract",
    "overview",
    "store_setting",
    "tracts",
]

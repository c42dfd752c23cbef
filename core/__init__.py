"""tract-tui's engine: stores, history operations, compiles and views. Never imports Textual.

The names below load on first use, so importing a small module (``core.views.text``) does not
pull in SQLAlchemy and the storage layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.errors import TractError
    from core.explain.blame import Blame
    from core.explain.cache_breaks import CacheBreak
    from core.explain.diff import ChangedMessage, CommitChange, DiffCounts, RecordDiff, Recreated
    from core.explain.export import FORMATS as EXPORT_FORMATS
    from core.explain.identifiers import Identifier
    from core.explain.lost import CompactionLoss
    from core.explain.models import LENS_LEGEND, VERDICTS, Explanation, Lens, Step
    from core.explain.textdiff import word_spans
    from core.explain.timeline import TimelineMark, TimelinePoint, TokenTimeline, sparkline
    from core.models.enums import CommitOperation, Priority
    from core.tract import Tract, TractSelectionError, create_tract

_LAZY = {
    "TractError": "core.errors",
    "CommitOperation": "core.models.enums",
    "Priority": "core.models.enums",
    "Tract": "core.tract",
    "TractSelectionError": "core.tract",
    "create_tract": "core.tract",
    # Explanations: plain values and pure helpers (core.explain).
    "Explanation": "core.explain.models",
    "Step": "core.explain.models",
    "Lens": "core.explain.models",
    "LENS_LEGEND": "core.explain.models",
    "VERDICTS": "core.explain.models",
    "RecordDiff": "core.explain.diff",
    "CommitChange": "core.explain.diff",
    "ChangedMessage": "core.explain.diff",
    "Recreated": "core.explain.diff",
    "DiffCounts": "core.explain.diff",
    "Blame": "core.explain.blame",
    "CacheBreak": "core.explain.cache_breaks",
    "CompactionLoss": "core.explain.lost",
    "Identifier": "core.explain.identifiers",
    "TokenTimeline": "core.explain.timeline",
    "TimelinePoint": "core.explain.timeline",
    "TimelineMark": "core.explain.timeline",
    "sparkline": "core.explain.timeline",
    "word_spans": "core.explain.textdiff",
    "EXPORT_FORMATS": "core.explain.export",
}

__all__ = [  # noqa: RUF022 - the public names, in _LAZY's order
    "TractError",
    "CommitOperation",
    "Priority",
    "Tract",
    "TractSelectionError",
    "create_tract",
    "Explanation",
    "Step",
    "Lens",
    "LENS_LEGEND",
    "VERDICTS",
    "RecordDiff",
    "CommitChange",
    "ChangedMessage",
    "Recreated",
    "DiffCounts",
    "Blame",
    "CacheBreak",
    "CompactionLoss",
    "Identifier",
    "TokenTimeline",
    "TimelinePoint",
    "TimelineMark",
    "sparkline",
    "word_spans",
    "EXPORT_FORMATS",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    import importlib

    attr = "FORMATS" if name == "EXPORT_FORMATS" else name
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value

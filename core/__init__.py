"""tract-tui's engine: stores, history operations, compiles and views. Never imports Textual.

The public API (docs/ARCHITECTURE.md): the names below, ``core.errors``, ``core.models``,
``core.views`` and ``core.read``. The app and the CLI import nothing else from ``core``
(import-linter checks it). The names load on first use, so importing a small module
(``core.views.text``) does not pull in SQLAlchemy and the storage layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.engine.clock import Clock, FrozenClock
    from core.errors import StoreLockedError, TractError
    from core.explain.blame import Blame
    from core.explain.cache_breaks import CacheBreak
    from core.explain.diff import ChangedMessage, CommitChange, DiffCounts, RecordDiff, Recreated
    from core.explain.export import FORMATS as EXPORT_FORMATS
    from core.explain.identifiers import Identifier
    from core.explain.lost import CompactionLoss
    from core.explain.models import LENS_LEGEND, VERDICTS, Explanation, Lens, Step
    from core.explain.stream import CompileStream, StreamedMessage
    from core.explain.textdiff import word_spans
    from core.explain.timeline import TimelineMark, TimelinePoint, TokenTimeline, sparkline
    from core.facade.compress import CompressPreview
    from core.facade.tract_ai_features import (
        ContentTypeInfo,
        NeedsNewerLayoutError,
        TagNotRegisteredError,
    )
    from core.importers import detect_format, import_sessions, list_sessions
    from core.importers.catalog import SessionInfo
    from core.importers.follow import SessionFollower, cache_store_path
    from core.importers.openai_chat import read_transcript
    from core.importers.openai_chat_parse import Transcript, parse_transcript
    from core.importers.run import ImportSession, ImportSummary
    from core.llm.config import config_path, endpoint_configured, load_config_file
    from core.models.enums import SUMMARIZER_NAMES, CommitOperation, Priority
    from core.models.records import HeadState, Retention, StoreInfo
    from core.operations.compress import CompressResult, Progress, RevertResult
    from core.operations.compress_plan import DROPPED, KEPT, CompressPlan
    from core.operations.records import Breakdown, Group, Reproduction
    from core.operations.tracts import TractSummary
    from core.operations.verify import VerifyReport, verify_store
    from core.storage.store import Store
    from core.storage.upgrade import UpgradeReport
    from core.tract import (
        Tract,
        TractSelectionError,
        create_tract,
        set_store_setting,
        upgrade_store,
    )

_LAZY = {
    # the tract and its store
    "Tract": "core.tract",
    "TractSelectionError": "core.tract",
    "create_tract": "core.tract",
    "set_store_setting": "core.tract",
    "Store": "core.storage.store",
    "UpgradeReport": "core.storage.upgrade",
    "upgrade_store": "core.tract",
    "verify_store": "core.operations.verify",
    "VerifyReport": "core.operations.verify",
    "TractSummary": "core.operations.tracts",
    "HeadState": "core.models.records",
    "Clock": "core.engine.clock",
    "FrozenClock": "core.engine.clock",
    "TractError": "core.errors",
    "StoreLockedError": "core.errors",
    "CommitOperation": "core.models.enums",
    "Priority": "core.models.enums",
    # what tract-ai v7–v13 add (docs/tract-ai-versions.md)
    "Retention": "core.models.records",
    "StoreInfo": "core.models.records",
    "ContentTypeInfo": "core.facade.tract_ai_features",
    "NeedsNewerLayoutError": "core.facade.tract_ai_features",
    "TagNotRegisteredError": "core.facade.tract_ai_features",
    # compression: preview, plan, result, revert
    "SUMMARIZER_NAMES": "core.models.enums",
    "CompressPreview": "core.facade.compress",
    "CompressPlan": "core.operations.compress_plan",
    "KEPT": "core.operations.compress_plan",
    "DROPPED": "core.operations.compress_plan",
    "CompressResult": "core.operations.compress",
    "RevertResult": "core.operations.compress",
    "Progress": "core.operations.compress",
    # compile records
    "Reproduction": "core.operations.records",
    "Breakdown": "core.operations.records",
    "Group": "core.operations.records",
    # importing transcripts and agent sessions (docs/sessions.md)
    "Transcript": "core.importers.openai_chat_parse",
    "parse_transcript": "core.importers.openai_chat_parse",
    "read_transcript": "core.importers.openai_chat",
    "ImportSession": "core.importers.run",
    "ImportSummary": "core.importers.run",
    "SessionFollower": "core.importers.follow",
    "SessionInfo": "core.importers.catalog",
    "cache_store_path": "core.importers.follow",
    "detect_format": "core.importers",
    "import_sessions": "core.importers",
    "list_sessions": "core.importers",
    # the LLM endpoint's configuration
    "config_path": "core.llm.config",
    "load_config_file": "core.llm.config",
    "endpoint_configured": "core.llm.config",
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
    "CompileStream": "core.explain.stream",
    "StreamedMessage": "core.explain.stream",
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
    "Tract",
    "TractSelectionError",
    "create_tract",
    "set_store_setting",
    "Store",
    "UpgradeReport",
    "upgrade_store",
    "verify_store",
    "VerifyReport",
    "TractSummary",
    "HeadState",
    "Clock",
    "FrozenClock",
    "TractError",
    "StoreLockedError",
    "CommitOperation",
    "Priority",
    "Retention",
    "StoreInfo",
    "ContentTypeInfo",
    "NeedsNewerLayoutError",
    "TagNotRegisteredError",
    "SUMMARIZER_NAMES",
    "CompressPreview",
    "CompressPlan",
    "KEPT",
    "DROPPED",
    "CompressResult",
    "RevertResult",
    "Progress",
    "Reproduction",
    "Breakdown",
    "Group",
    "Transcript",
    "parse_transcript",
    "read_transcript",
    "ImportSession",
    "ImportSummary",
    "SessionFollower",
    "SessionInfo",
    "cache_store_path",
    "detect_format",
    "import_sessions",
    "list_sessions",
    "config_path",
    "load_config_file",
    "endpoint_configured",
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
    "CompileStream",
    "StreamedMessage",
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

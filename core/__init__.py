"""tract-tui's engine: stores, history operations, compiles and views. Never imports Textual.

The names below load on first use, so importing a small module (``core.views.text``) does not
pull in SQLAlchemy and the storage layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.errors import TractError
    from core.importers import detect_format, import_sessions, list_sessions
    from core.importers.catalog import SessionInfo
    from core.importers.follow import SessionFollower, cache_store_path
    from core.importers.openai_chat_parse import parse_transcript
    from core.importers.run import ImportSession, ImportSummary
    from core.models.enums import CommitOperation, Priority
    from core.tract import Tract, TractSelectionError, create_tract

_LAZY = {
    "TractError": "core.errors",
    "CommitOperation": "core.models.enums",
    "Priority": "core.models.enums",
    "Tract": "core.tract",
    "TractSelectionError": "core.tract",
    "create_tract": "core.tract",
    # Importing sessions (docs/sessions.md)
    "ImportSession": "core.importers.run",
    "ImportSummary": "core.importers.run",
    "SessionFollower": "core.importers.follow",
    "SessionInfo": "core.importers.catalog",
    "cache_store_path": "core.importers.follow",
    "detect_format": "core.importers",
    "import_sessions": "core.importers",
    "list_sessions": "core.importers",
    "parse_transcript": "core.importers.openai_chat_parse",
}

__all__ = [  # noqa: RUF022 - the public names, in _LAZY's order
    "TractError",
    "CommitOperation",
    "Priority",
    "Tract",
    "TractSelectionError",
    "create_tract",
    "ImportSession",
    "ImportSummary",
    "SessionFollower",
    "SessionInfo",
    "cache_store_path",
    "detect_format",
    "import_sessions",
    "list_sessions",
    "parse_transcript",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

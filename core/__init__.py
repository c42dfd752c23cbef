"""tract-tui's engine: stores, history operations, compiles and views. Never imports Textual.

The names below load on first use, so importing a small module (``core.views.text``) does not
pull in SQLAlchemy and the storage layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.errors import TractError
    from core.models.enums import CommitOperation, Priority
    from core.operations.transcript import read_transcript
    from core.tract import Tract, TractSelectionError, create_tract

_LAZY = {
    "TractError": "core.errors",
    "CommitOperation": "core.models.enums",
    "Priority": "core.models.enums",
    "Tract": "core.tract",
    "TractSelectionError": "core.tract",
    "create_tract": "core.tract",
    "read_transcript": "core.operations.transcript",
}

__all__ = [  # noqa: RUF022 - the public names, in _LAZY's order
    "TractError",
    "CommitOperation",
    "Priority",
    "Tract",
    "TractSelectionError",
    "create_tract",
    "read_transcript",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

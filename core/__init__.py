"""tract-tui's engine: stores, history operations, compiles and views. Never imports Textual.

The names below load on first use, so importing a small module (``core.views.text``) does not
pull in SQLAlchemy and the storage layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.errors import StoreLockedError, TractError
    from core.facade.tract_ai_features import (
        ContentTypeInfo,
        NeedsNewerLayoutError,
        TagNotRegisteredError,
    )
    from core.models.enums import CommitOperation, Priority
    from core.models.records import Retention, StoreInfo
    from core.storage.upgrade import UpgradeReport
    from core.tract import Tract, TractSelectionError, create_tract, upgrade_store

_LAZY = {
    "TractError": "core.errors",
    "StoreLockedError": "core.errors",
    "CommitOperation": "core.models.enums",
    "Priority": "core.models.enums",
    "Retention": "core.models.records",
    "StoreInfo": "core.models.records",
    "ContentTypeInfo": "core.facade.tract_ai_features",
    "NeedsNewerLayoutError": "core.facade.tract_ai_features",
    "TagNotRegisteredError": "core.facade.tract_ai_features",
    "UpgradeReport": "core.storage.upgrade",
    "Tract": "core.tract",
    "TractSelectionError": "core.tract",
    "create_tract": "core.tract",
    "upgrade_store": "core.tract",
}

__all__ = [  # noqa: RUF022 - the public names, in _LAZY's order
    "TractError",
    "StoreLockedError",
    "CommitOperation",
    "Priority",
    "Retention",
    "StoreInfo",
    "ContentTypeInfo",
    "NeedsNewerLayoutError",
    "TagNotRegisteredError",
    "UpgradeReport",
    "Tract",
    "TractSelectionError",
    "create_tract",
    "upgrade_store",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

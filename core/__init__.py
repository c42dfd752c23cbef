"""tract-tui's engine: stores, history operations, compiles and views. Never imports Textual."""

from core.errors import TractError
from core.models.enums import CommitOperation, Priority
from core.tract import Tract, TractSelectionError, create_tract

__all__ = [
    "CommitOperation",
    "Priority",
    "Tract",
    "TractError",
    "TractSelectionError",
    "create_tract",
]

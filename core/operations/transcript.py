"""Moved to :mod:`core.importers.openai_chat` (one module per import format); kept so older
imports of this path keep working."""

from core.importers.openai_chat import *  # noqa: F403
from core.importers.openai_chat import __all__  # noqa: F401

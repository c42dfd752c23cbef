"""Moved to :mod:`core.importers.openai_chat_parse`; kept so older imports keep working."""

from core.importers.openai_chat_parse import *  # noqa: F403
from core.importers.openai_chat_parse import (  # noqa: F401
    ROLES,
    ToolCall,
    Transcript,
    TranscriptMessage,
    parse_transcript,
)

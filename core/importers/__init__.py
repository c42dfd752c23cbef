"""Importing what agents already wrote: one module per format behind one interface.

- ``openai_chat`` (+ ``openai_chat_parse``): an OpenAI chat transcript onto a branch.
- ``claude_code``, ``codex``, ``otel``: session formats, parsed into plans (``model``) by
  ``sources`` and written by ``writer`` — idempotent, incremental, one transaction.
- ``catalog``: the sessions on this machine; ``follow``: cache stores and live following.

See docs/sessions.md for the mapping of each format.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.importers.detect import FORMATS, OPENAI_CHAT, SESSION_FORMATS

if TYPE_CHECKING:
    from core.importers.catalog import SessionInfo
    from core.importers.run import ImportSummary, ProgressFn

__all__ = [
    "FORMATS",
    "OPENAI_CHAT",
    "SESSION_FORMATS",
    "detect_format",
    "import_sessions",
]


def detect_format(path: str | os.PathLike[str]) -> str:
    """``openai-chat``, ``claude-code``, ``codex`` or ``otel`` (a folder: ``folder``)."""
    from core.importers.detect import detect

    p = Path(path).expanduser()
    return "folder" if p.is_dir() else detect(p)


def import_sessions(
    path: str | os.PathLike[str],
    store: Any,
    *,
    format: str | None = None,
    strict: bool = False,
    create: bool = False,
    progress: ProgressFn | None = None,
) -> ImportSummary:
    """Import a session file or folder into ``store`` (path, URL or open store): read and
    check everything first, then write it in one transaction."""
    from core.importers.run import ImportSession

    return ImportSession(Path(path), fmt=format, strict=strict).run(
        store, create=create, progress=progress
    )


def list_sessions() -> list[SessionInfo]:
    from core.importers.catalog import list_sessions as listing

    return listing()

"""Which format a file is in, from its first records (never from its name alone)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from core.errors import SessionImportError
from core.importers.otel import is_flat_map

OPENAI_CHAT, CLAUDE_CODE, CODEX, OTEL = "openai-chat", "claude-code", "codex", "otel"
FORMATS = (OPENAI_CHAT, CLAUDE_CODE, CODEX, OTEL)
SESSION_FORMATS = (CLAUDE_CODE, CODEX, OTEL)

_CLAUDE_TYPES = frozenset(
    {
        "user",
        "assistant",
        "system",
        "summary",
        "attachment",
        "progress",
        "file-history-snapshot",
        "queue-operation",
        "permission-mode",
        "last-prompt",
    }
)
# Record types only Claude Code writes: one of them is enough to know the file (a session
# that has just started may hold nothing else yet).
_CLAUDE_ONLY = frozenset(
    {"file-history-snapshot", "queue-operation", "custom-title", "ai-title", "last-prompt"}
)
_CODEX_TYPES = frozenset(
    {"session_meta", "response_item", "compacted", "turn_context", "event_msg"}
)
_SNIFF = 256 * 1024


def _vote(obj: Any) -> str | None:
    if not isinstance(obj, Mapping):
        return None
    kind = obj.get("type")
    kind = kind if isinstance(kind, str) else None  # a list or object here names no type
    if "resourceSpans" in obj or is_flat_map(obj):
        return OTEL
    if kind in _CODEX_TYPES and "payload" in obj:
        return CODEX
    if "parentUuid" in obj or "sessionId" in obj or "leafUuid" in obj or kind in _CLAUDE_ONLY:
        return CLAUDE_CODE
    if isinstance(kind, str) and kind in _CLAUDE_TYPES and "message" in obj and "uuid" in obj:
        return CLAUDE_CODE
    if "created_at" in obj or kind in ("function_call", "function_result"):
        return CODEX  # a rollout from before the {type, payload} wrapper
    if "role" in obj:
        return OPENAI_CHAT
    return None


def detect(path: Path) -> str:
    """The format of ``path``; one-line errors when it is none we read."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF)
    except FileNotFoundError:
        raise SessionImportError(f"{path}: no such file") from None
    except OSError as exc:
        raise SessionImportError(f"{path}: cannot read ({exc.strerror})") from None
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise SessionImportError(f"{path}: is empty")
    votes: dict[str, int] = {}
    first_line = text.split(b"\n", 1)[0]
    if len(head) >= _SNIFF and b"\n" not in text:
        # The first line alone is longer than the sniff (a pasted image in the first prompt):
        # read it whole rather than take a cut-off record for a JSON document.
        first_line = _first_line(path)
    try:
        first = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        first = None
    if isinstance(first, Mapping):
        vote = _vote(first)
        if vote:
            votes[vote] = 1
        for raw in text.split(b"\n")[1:64]:
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            vote = _vote(obj)
            if vote:
                votes[vote] = votes.get(vote, 0) + 1
    else:
        doc = _document(path, text, head)
        items = doc if isinstance(doc, list) else [doc]
        for obj in items[:64]:
            vote = _vote(obj)
            if vote:
                votes[vote] = votes.get(vote, 0) + 1
    if not votes:
        raise SessionImportError(
            f"{path}: not a format we read (OpenAI chat JSON/JSONL, Claude Code, Codex, "
            "OpenTelemetry)"
        )
    # Session formats outvote chat: their records also carry "role" deep inside.
    for fmt in (CLAUDE_CODE, CODEX, OTEL):
        if votes.get(fmt):
            return fmt
    return OPENAI_CHAT


def _document(path: Path, text: bytes, head: bytes) -> Any:
    if len(head) >= _SNIFF:  # a big JSON document: read it whole to see its elements
        text = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        if text[:1] == b"[":
            return [{"role": "?"}]  # a chat array the chat reader will report precisely
        return None


def _first_line(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.readline().removeprefix(b"\xef\xbb\xbf").strip()


def is_jsonl(path: Path) -> bool:
    """A JSON-lines file (else one JSON document)."""
    first = _first_line(path)  # whole: a first record may be megabytes long
    try:
        return isinstance(orjson.loads(first), Mapping) if first else False
    except orjson.JSONDecodeError:
        return False

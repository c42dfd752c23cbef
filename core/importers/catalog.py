"""The agent sessions on this machine: where they are and a line of facts about each.

Claude Code keeps sessions in ``~/.claude/projects/<project>/<session>.jsonl`` (the folder
moves with ``CLAUDE_CONFIG_DIR``), Codex in ``~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl``
(``CODEX_HOME``). Listing reads each file once as bytes and counts record markers, without
parsing JSON: a list of a few hundred sessions stays quick. The counts are what the file
holds; an import says more exactly what became commits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from core.importers import agent_files
from core.importers.detect import CLAUDE_CODE, CODEX
from core.importers.reader import parse_time

_CWD = re.compile(rb'"cwd":\s*"((?:[^"\\]|\\.)*)"')
# Claude Code and Codex write compact JSON; a file written with spaces after the colons
# (by another tool, or by hand) is counted with these slower patterns instead.
_SPACED = b'"type": "'
_CLAUDE_MESSAGE = re.compile(rb'"type":\s*"(?:user|assistant)"')
_BOUNDARY = re.compile(rb'"subtype":\s*"compact_boundary"')
_CODEX_ITEM = re.compile(rb'"type":\s*"response_item"')
_CODEX_MESSAGE = re.compile(rb'"type":\s*"message"')
_CODEX_COMPACTED = re.compile(rb'"type":\s*"compacted"')
_CODEX_ID = re.compile(rb'"id":\s*"([^"]+)"')


@dataclass(frozen=True)
class SessionInfo:
    path: Path
    format: str
    project: str
    session_id: str
    started: datetime | None
    last_activity: datetime
    size: int
    messages: int
    compactions: int


def default_roots(env: dict[str, str] | None = None) -> dict[str, Path]:
    env = dict(os.environ) if env is None else env
    home = Path(env.get("HOME") or Path.home())
    claude = Path(env["CLAUDE_CONFIG_DIR"]) if env.get("CLAUDE_CONFIG_DIR") else home / ".claude"
    codex = Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home / ".codex"
    return {CLAUDE_CODE: claude / "projects", CODEX: codex / "sessions"}


def list_sessions(roots: dict[str, Path] | None = None) -> list[SessionInfo]:
    """Every session under the default locations, most recently active first."""
    roots = default_roots() if roots is None else roots
    found: list[SessionInfo] = []
    for fmt, root in roots.items():
        for path in _files(fmt, root):
            info = session_info(path, fmt)
            if info is not None:
                found.append(info)
    found.sort(key=lambda s: (s.last_activity, str(s.path)), reverse=True)
    return found


def _files(fmt: str, root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    if fmt == CLAUDE_CODE:
        for project in sorted(p for p in root.iterdir() if p.is_dir()):
            for path in sorted(project.glob("*.jsonl")):
                if not agent_files.belongs_to_a_session(path):  # a subagent, not a session
                    yield path
    else:
        yield from sorted(root.rglob("rollout-*.jsonl"))


def session_info(path: Path, fmt: str) -> SessionInfo | None:
    try:
        st = path.stat()
        data = path.read_bytes()
    except OSError:
        return None
    data = data.removeprefix(b"\xef\xbb\xbf")  # a BOM would hide the first record
    head = data[: 1 << 16]
    started = _first_time(data)
    cwd = _CWD.search(head)
    project = _unescape(cwd.group(1)) if cwd else path.parent.name
    spaced = _SPACED in head
    if fmt == CLAUDE_CODE:
        if spaced:
            messages = len(_CLAUDE_MESSAGE.findall(data))
            compactions = len(_BOUNDARY.findall(data))
        else:
            messages = data.count(b'"type":"user"') + data.count(b'"type":"assistant"')
            compactions = data.count(b'"subtype":"compact_boundary"')
        session_id = path.stem
    else:
        if spaced:
            messages = sum(
                1
                for line in data.split(b"\n")
                if _CODEX_ITEM.search(line) and _CODEX_MESSAGE.search(line)
            )
            compactions = len(_CODEX_COMPACTED.findall(data))
        else:
            messages = sum(
                1
                for line in data.split(b"\n")
                if b'"type":"response_item"' in line and b'"type":"message"' in line
            )
            compactions = data.count(b'"type":"compacted"')
        m = _CODEX_ID.search(head)
        session_id = m.group(1).decode("utf-8", "replace") if m else path.stem
    return SessionInfo(
        path=path,
        format=fmt,
        project=project,
        session_id=session_id,
        started=started,
        last_activity=datetime.fromtimestamp(st.st_mtime, UTC),
        size=st.st_size,
        messages=messages,
        compactions=compactions,
    )


def _first_time(data: bytes) -> datetime | None:
    """The first record's own ``timestamp`` (not one nested inside a record), from whole
    lines: a first record can be longer than any head we would cut (a pasted image)."""
    start = 0
    for _ in range(200):
        end = data.find(b"\n", start)
        raw = data[start:] if end == -1 else data[start:end]
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            record = None
        if isinstance(record, dict):
            when = parse_time(record.get("timestamp"))
            if when is not None:
                return when
        if end == -1:
            break
        start = end + 1
    return None


def _unescape(raw: bytes) -> str:
    try:
        value = orjson.loads(b'"' + raw + b'"')
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")
    return value if isinstance(value, str) else str(value)

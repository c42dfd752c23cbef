"""Claude Code 2.0's subagent files: ``agent-<id>.jsonl`` *beside* the session files.

Claude Code 2.0 wrote each subagent's transcript next to the sessions of its project, naming
its parent in every record's ``sessionId``; 2.1 moved them to ``<session>/subagents/``. A
session reads the agent files beside it that name it, and a folder import leaves those files
to their session instead of making each a session of its own.
"""

from __future__ import annotations

from pathlib import Path

import orjson

_HEAD_LINES = 20  # the first records that may carry a sessionId (snapshots come first)
# path → (size when read, sessionId or None): a file's owner never changes once written.
_owners: dict[Path, tuple[int, str | None]] = {}
# folder → (mtime_ns, its agent-*.jsonl files): a new file changes the folder's mtime.
_listings: dict[Path, tuple[int, list[Path]]] = {}


def owner(path: Path) -> str | None:
    """The ``sessionId`` the first records of ``path`` name (None: none yet)."""
    try:
        size = path.stat().st_size
    except OSError:
        return None
    known = _owners.get(path)
    if known is not None and (known[1] is not None or known[0] == size):
        return known[1]
    found: str | None = None
    try:
        with path.open("rb") as fh:
            for _ in range(_HEAD_LINES):
                raw = fh.readline()
                if not raw:
                    break
                try:
                    record = orjson.loads(raw.removeprefix(b"\xef\xbb\xbf"))
                except orjson.JSONDecodeError:
                    continue
                sid = record.get("sessionId") if isinstance(record, dict) else None
                if isinstance(sid, str) and sid:
                    found = sid
                    break
    except OSError:
        return None
    _owners[path] = (size, found)
    return found


def _agent_files(folder: Path) -> list[Path]:
    try:
        mtime = folder.stat().st_mtime_ns
    except OSError:
        return []
    known = _listings.get(folder)
    if known is None or known[0] != mtime:
        known = (mtime, sorted(folder.glob("agent-*.jsonl")))
        _listings[folder] = known
    return known[1]


def siblings(session_file: Path) -> list[Path]:
    """The agent files beside ``session_file`` that name its session."""
    names = {session_file.stem}
    inside = owner(session_file)
    if inside is not None:
        names.add(inside)
    return [p for p in _agent_files(session_file.parent) if owner(p) in names]


def belongs_to_a_session(path: Path) -> bool:
    """An ``agent-*.jsonl`` beside the session file it names (read with that session)."""
    if not path.name.startswith("agent-") or path.parent.name == "subagents":
        return False
    parent = owner(path)
    return parent is not None and (path.parent / f"{parent}.jsonl").is_file()

"""``tract-tui PATH`` on a session file or folder: import it into its cache store, then open
that store, with a follower importing what the session appends while the app runs.

The cache store lives in the user cache directory, one per path (``core.cache_store_path``),
so opening the same session again imports only what is new.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tract_tui.commands._import_output import Progress
from tract_tui.commands._output import plain

_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class OpenedSession:
    store: str
    tract: str | None
    follower: Any  # core.SessionFollower, started by the caller once the app opens


def is_session_path(target: str) -> bool:
    """A file or folder that is not a SQLite store (a URL or a store file is a store)."""
    if "://" in target:
        return False
    path = Path(target).expanduser()
    if path.is_dir():
        return True
    if not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError:
        return False
    return head != _SQLITE_MAGIC and len(head) > 0


def prepare(target: str, tract: str | None) -> OpenedSession:
    import core

    path = Path(target).expanduser()
    if path.is_file() and core.detect_format(path) == "openai-chat":
        raise SystemExit(
            f"tract-tui: {plain(str(path))} is a chat transcript; import it into a store with "
            "tract-tui import FILE --store STORE --create"
        )
    cache = core.cache_store_path(path)
    cache.parent.mkdir(parents=True, exist_ok=True)
    session = core.ImportSession(path)
    progress = Progress.for_stderr()
    summary = session.run(str(cache), create=True, progress=progress, final=False)
    progress.done()
    new = summary.commits
    print(
        plain(
            f"tract-tui: {path}: {new:,} new commits imported into {cache}"
            if new
            else f"tract-tui: {path}: up to date in {cache}"
        ),
        file=sys.stderr,
    )
    if tract is None and path.is_file():
        tract = session.main_tracts.get(path)
    follower = core.SessionFollower(session, str(cache))
    return OpenedSession(str(cache), tract, follower)

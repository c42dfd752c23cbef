"""Creating a SQLite store atomically: built beside the target, moved into place when complete.

A process killed while it creates a store (an agent started with ``--create`` and stopped, a
``kill -9``) must not leave a file at the target that is neither a store nor absent: every
later open — ``--create`` included — would refuse it. So the schema is written to a hidden
file in the same directory (``.NAME.creating-PID-RANDOM``), checkpointed into that one file,
synced, and linked into place in one step; a file at the target is therefore always a
complete store. The hidden file is removed afterwards, and hidden files of a creation whose
process is gone are removed by the next creation in that directory.

If another process creates the store first (two agents starting at once), ours is dropped and
theirs is opened.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from core.storage.connection import StoreLocation, parse_location

PARTIAL = ".{name}.creating-"
COMPANIONS = ("", "-wal", "-shm", "-journal")


def create_sqlite_file(location: StoreLocation, build: Callable[[StoreLocation], None]) -> None:
    """Make the store at ``location.path`` with ``build`` (which writes the schema into the
    location it is given and closes every connection); no-op if one appears meanwhile."""
    path = location.path
    assert path is not None
    remove_abandoned(path)
    # os.urandom, not uuid4: ids stay reproducible where a test or the demo seeds uuid4.
    tag = os.urandom(4).hex()
    partial = path.with_name(f"{PARTIAL.format(name=path.name)}{os.getpid()}-{tag}")
    try:
        build(parse_location(partial))
        _require_single_file(partial)
        _fsync(partial)
        try:
            os.link(partial, path)  # atomic, and never replaces a store made meanwhile
        except FileExistsError:
            pass  # another process created it first: the caller opens theirs
        except OSError:
            # A filesystem without hard links: rename (also atomic) unless a store appeared.
            if not path.exists():
                os.rename(partial, path)
        _fsync_dir(path.parent)
    finally:
        _remove(partial)


def remove_abandoned(path: Path) -> list[Path]:
    """Hidden files of an interrupted creation of ``path`` whose process is gone."""
    prefix = PARTIAL.format(name=path.name)
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in path.parent.iterdir():
            name = entry.name
            if not name.startswith(prefix):
                continue
            pid = name[len(prefix) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                base = entry.with_name(name.split("-wal")[0].split("-shm")[0].split("-journal")[0])
                _remove(base)
                removed.append(base)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: leave its files alone
    return True


def _require_single_file(path: Path) -> None:
    for suffix in ("-wal", "-journal"):
        side = Path(f"{path}{suffix}")
        if side.exists() and side.stat().st_size > 0:
            raise OSError(f"{path}: {suffix[1:]} left after creation; not moving it into place")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(path: Path) -> None:
    for suffix in COMPANIONS:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")

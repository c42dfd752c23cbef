"""WAL checkpoints off the writer's thread (core/storage/wal_checkpoints.py), on real files."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from core import Tract, create_tract
from core.storage.wal_checkpoints import (
    EVERY_COMMITS,
    WRITER_AUTOCHECKPOINT_FRAMES,
    BackgroundCheckpointer,
)

PAGE_FRAME = 4096 + 24  # a WAL frame of a 4 KiB page


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tract-wal-checkpoint"]


def _commits_of_a_whole_store(path: Path) -> dict[str, int]:
    """Commits per tract, read by a plain connection after SQLite's integrity check."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return dict(conn.execute("SELECT tract_id, count(*) FROM commits GROUP BY tract_id"))
    finally:
        conn.close()


def _wait_for(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_writing_store_checkpoints_on_its_own_thread(tmp_path: Path) -> None:
    t = create_tract(tmp_path / "s.db")
    try:
        for i in range(EVERY_COMMITS * 3):
            t.user(f"message {i}")
        checkpoints = t.store._checkpoints
        assert checkpoints is not None
        _wait_for(lambda: checkpoints.runs >= 1)
        assert checkpoints.failure is None
        assert checkpoints.last is not None and checkpoints.last[2] > 0  # frames copied back
        with t.store.write() as uow:
            frames = uow.conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert frames == WRITER_AUTOCHECKPOINT_FRAMES
    finally:
        t.close()


def test_the_wal_starts_over_under_a_busy_writer(tmp_path: Path) -> None:
    # ~16 frames an append: 800 appends would be ~50 MB of WAL if it never started over.
    path = tmp_path / "s.db"
    t = create_tract(path)
    try:
        for i in range(800):
            t.user(f"message {i}")
        wal = Path(f"{path}-wal").stat().st_size
        assert wal <= (WRITER_AUTOCHECKPOINT_FRAMES + 200) * PAGE_FRAME
    finally:
        t.close()


def test_close_stops_the_thread_and_leaves_a_whole_store(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    t = create_tract(path)
    for i in range(EVERY_COMMITS * 4):
        t.assistant(f"reply {i}")
    checkpoints = t.store._checkpoints
    assert checkpoints is not None and checkpoints._thread is not None
    t.close()
    assert not checkpoints._thread.is_alive()
    assert not Path(f"{path}-wal").exists()  # the last connection closed checkpointed
    assert _commits_of_a_whole_store(path) == {t.tract_id: EVERY_COMMITS * 4}


def test_reading_starts_no_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    t = create_tract(path)
    for i in range(EVERY_COMMITS * 2):
        t.user(f"message {i}")
    t.close()
    before = path.read_bytes()
    threads = len(_checkpoint_threads())  # an earlier test's unclosed store may keep one
    reader = Tract.open(path, readonly=True)
    try:
        for _ in range(EVERY_COMMITS * 2):
            reader.compile()
        assert reader.store._checkpoints is None
        assert len(_checkpoint_threads()) == threads
    finally:
        reader.close()
    assert path.read_bytes() == before


def test_a_removed_store_file_is_not_made_again(tmp_path: Path) -> None:
    missing = tmp_path / "gone.db"
    checkpoints = BackgroundCheckpointer(missing)
    try:
        checkpoints.request()
        _wait_for(lambda: checkpoints.failure is not None)
        assert checkpoints.runs == 0
        assert not missing.exists()
    finally:
        checkpoints.close()
    assert checkpoints._thread is not None and not checkpoints._thread.is_alive()


def test_a_checkpoint_is_not_a_change_to_the_store(tmp_path: Path) -> None:
    # The quiet-HEAD append and the incremental compile trust the store's change token: a
    # checkpoint moves pages between files and must not look like another writer's commit.
    t = create_tract(tmp_path / "s.db")
    try:
        for i in range(10):
            t.user(f"message {i}")
        checkpoints = t.store._checkpoints
        assert checkpoints is not None
        token = t.store.change_token()
        assert token is not None
        checkpoints.request()
        _wait_for(lambda: checkpoints.runs >= 1)
        assert checkpoints.last is not None and checkpoints.last[2] > 0
        assert t.store.change_token() == token
    finally:
        t.close()


_WRITER = """
import sys
from core import create_tract
t = create_tract(sys.argv[1])
for i in range(int(sys.argv[2])):
    t.user(f"{t.tract_id[:6]} message {i}")
    t.assistant(f"{t.tract_id[:6]} reply {i}")
checkpoints = t.store._checkpoints
print(t.tract_id, checkpoints.runs)
t.close()
"""


def test_two_writing_processes_checkpointing_lose_nothing(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    path = tmp_path / "s.db"
    create_tract(path).close()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), "150"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    runs = {out.split()[0]: int(out.split()[1]) for out, _ in outputs}
    assert len(runs) == 2 and all(n >= 1 for n in runs.values())
    assert _commits_of_a_whole_store(path) == {tract: 300 for tract in runs}

"""SQLite WAL checkpoints off the writer's thread.

SQLite copies the WAL back into the database file (a checkpoint) inside the commit that takes
the WAL past ``wal_autocheckpoint`` frames. By default that is 1,000 frames: an agent appending
two commits a turn pays for a checkpoint about every 30 turns, ~10 ms each, and the turns after
it run slower while the caches refill. A store that writes on a SQLite file therefore raises
its writers' threshold to ``WRITER_AUTOCHECKPOINT_FRAMES`` and has a thread of its own run a
PASSIVE checkpoint every ``EVERY_COMMITS`` commits. PASSIVE never waits for, and never blocks,
a reader or a writer.

The writer's own checkpoint still runs at the raised threshold, and it matters: SQLite starts
the WAL over from its beginning only when a write finds every frame copied back, which a
background checkpoint racing a busy writer seldom leaves. It then finds little left to copy.
A checkpoint only moves committed pages from one file to the other, so nothing here can lose
or change data: if one fails (the store busy or gone), the next one, or the writer's, catches
up.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

# ~16 MB of WAL at 4 KiB pages; one wal-index segment (4,062 frames) still covers it all.
WRITER_AUTOCHECKPOINT_FRAMES = 4000
EVERY_COMMITS = 32  # an append writes ~16 frames: ~500 frames a checkpoint


class BackgroundCheckpointer:
    """One daemon thread per writing store, started by the first checkpoint it is asked for."""

    def __init__(self, path: Path) -> None:
        # mode=rw: a store file removed while open must not be made again, empty, by us.
        self._uri = f"file:{quote(str(path.resolve()))}?mode=rw"
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = False
        self.runs = 0  # checkpoints finished (for tests and benchmarks)
        self.last: tuple[int, int, int] | None = None  # (busy, WAL frames, frames copied)
        self.failure: sqlite3.Error | None = None  # the last error, kept only to be looked at

    def committed(self, commits: int) -> None:
        """After the store's ``commits``-th commit: every ``EVERY_COMMITS``-th wakes the thread."""
        if commits % EVERY_COMMITS == 0:
            self.request()

    def request(self) -> None:
        with self._lock:
            if self._closing:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="tract-wal-checkpoint", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop the thread, letting a checkpoint under way finish (it takes milliseconds)."""
        with self._lock:
            self._closing = True
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            try:
                self.last = self._checkpoint()
                self.runs += 1
            except sqlite3.Error as exc:
                self.failure = exc

    def _checkpoint(self) -> tuple[int, int, int]:
        # A connection of its own for each checkpoint (~0.1 ms every 32 commits): an idle
        # thread holds nothing open, so a store left unclosed is as it was without it. No
        # busy wait: PASSIVE waits for nobody, and a store held by, say, a recovering opener
        # is caught up with next time.
        conn = sqlite3.connect(self._uri, uri=True, isolation_level=None, timeout=0)
        try:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()
        return int(row[0]), int(row[1]), int(row[2])

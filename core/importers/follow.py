"""Opening a session path directly: its cache store, and a follower that keeps importing.

``tract-tui PATH`` imports a session file or folder into a store in the user cache directory
(one per path, so a second open re-imports only what is new) and opens that store. A
:class:`SessionFollower` thread then polls the files (size and modification time: a stat
call every tenth of a second) and imports what was appended, one transaction each time; the
app's own live refresh, which polls the store, shows the new turns.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.importers.run import ImportSession, ImportSummary
from core.storage.store import Store

POLL_SECONDS = 0.1
REDISCOVER_SECONDS = 2.0


def cache_store_path(path: str | os.PathLike[str]) -> Path:
    """The cache store for a session path: ``<cache>/tract-tui/sessions/<name>-<digest>.db``
    (``TRACT_TUI_CACHE_DIR`` overrides the cache directory)."""
    import platformdirs

    resolved = Path(path).expanduser().resolve()
    base = os.environ.get("TRACT_TUI_CACHE_DIR") or platformdirs.user_cache_dir("tract-tui")
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", resolved.name)[:40] or "session"
    return Path(base) / "sessions" / f"{name}-{digest}.db"


class SessionFollower(threading.Thread):
    """Imports what is appended to a session's files until :meth:`stop`."""

    def __init__(
        self,
        session: ImportSession,
        store_target: str | os.PathLike[str],
        *,
        interval: float = POLL_SECONDS,
        on_import: Callable[[ImportSummary], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(name="session-follower", daemon=True)
        self.session = session
        self.store_target = str(store_target)
        self.interval = interval
        self.on_import = on_import
        self.on_error = on_error
        self.last_error: str | None = None
        self.imports = 0
        self._halt = threading.Event()

    def stop(self, timeout: float = 5.0) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        store = Store.open(self.store_target)
        try:
            last_discover = time.monotonic()
            while not self._halt.wait(self.interval):
                try:
                    changed = any(s.changed() for s in self.session.sources.values())
                    if not changed and time.monotonic() - last_discover > REDISCOVER_SECONDS:
                        last_discover = time.monotonic()
                        before = len(self.session.sources)
                        self.session.discover()
                        changed = len(self.session.sources) > before
                    if not changed:
                        continue
                    summary = self.session.run(store, only_changed=True, final=False)
                    self.imports += 1
                    self.last_error = None
                    if self.on_import is not None:
                        self.on_import(summary)
                except Exception as exc:  # keep following; say what went wrong once
                    message = f"following {self.session.root}: {exc}"
                    if message != self.last_error:
                        self.last_error = message
                        if self.on_error is not None:
                            self.on_error(message)
        finally:
            store.close()

"""Victim processes for the crash harness: a fork server and the operations it runs.

    python -m tests.reliability.victim      # serves; one JSON command per stdin line

The server imports everything once (SQLAlchemy, Alembic, the tokenizer...) and then forks one
child per command, so a kill lands in the operation and not in Python's start-up, and a kill
costs milliseconds instead of a second. A child opens its store, prints ``READY``, waits for
SIGUSR1 ("go"), runs the operation and prints ``DONE``; then it waits to be killed (so its pid
is never reused while the harness may still signal it). The harness sends SIGKILL at a random
moment. Every line a child prints names its pid; the server prints ``EXIT <pid> <code>`` when
it has reaped the child.

Markers, written unbuffered as the child passes them (so after a kill they tell how far it
got): ``GO``, ``BACKUP-START``/``BACKUP-END`` (the SQLite backup before an upgrade),
``BEGIN`` (a write transaction starts), ``COMMIT`` (it commits), ``DONE <seconds> <json>``.
Each carries the seconds since ``GO``.

Commands: ``{"op": "compress", "store", "tract", "from", "to"}``, ``{"op": "import", "store",
"tract", "transcript"}``, ``{"op": "revert", "store", "tract", "event"}``,
``{"op": "upgrade", "store"}``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, event

import core.storage.connection as connection_module
import core.storage.upgrade as store_module
from core import Tract
from core.engine.tokens import default_counter
from core.storage.connection import WRITE_OPTION
from core.storage.migrate import script_revisions
from core.storage.store import upgrade_store

CHILD_LIFETIME_S = 120
_t0: float | None = None


def mark(tag: str, extra: str = "") -> None:
    elapsed = time.perf_counter() - _t0 if _t0 is not None else 0.0
    line = f"{tag} {os.getpid()} {elapsed:.6f}{' ' + extra if extra else ''}\n"
    os.write(1, line.encode())


def _on_begin(conn: Connection) -> None:
    if conn.dialect.name != "sqlite" and conn.get_execution_options().get(WRITE_OPTION):
        mark("BEGIN")


def _on_commit(conn: Connection) -> None:
    if conn.get_execution_options().get(WRITE_OPTION):  # not set on the kept SQLite connection
        mark("COMMIT")


def _instrument() -> None:
    """Markers on every engine the child creates (the upgrade makes its own). A SQLite write
    begins through ``connection._on_driver`` (on the kept connection, and from the begin hook
    on a pooled one) and commits there on the kept connection; everything else goes through
    SQLAlchemy's events."""
    event.listen(Engine, "begin", _on_begin)
    event.listen(Engine, "commit", _on_commit)
    on_driver = connection_module._on_driver

    def marked_on_driver(dbapi: Any, sql: str) -> None:
        if sql == "BEGIN IMMEDIATE":
            mark("BEGIN")
        elif sql == "COMMIT":
            mark("COMMIT")
        on_driver(dbapi, sql)

    connection_module._on_driver = marked_on_driver  # type: ignore[assignment]
    backup = store_module.backup_sqlite

    def marked_backup(*args: Any, **kwargs: Any) -> Any:
        mark("BACKUP-START")
        out = backup(*args, **kwargs)
        mark("BACKUP-END")
        return out

    store_module.backup_sqlite = marked_backup  # type: ignore[assignment]


def prepare(cmd: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """Open what the operation needs; return the operation itself (run after "go")."""
    op = cmd["op"]
    if op == "upgrade":
        return lambda: {"to": upgrade_store(cmd["store"]).to_label}
    tract = Tract.open(cmd["store"], cmd["tract"])
    tract.head_state()  # connect now, not after "go"
    if op == "compress":
        return lambda: {
            "event": tract.compress(
                from_ref=cmd["from"], to_ref=cmd["to"], summarizer="extractive"
            ).event_id
        }
    if op == "import":
        return lambda: {"event": tract.import_transcript(cmd["transcript"]).event_id}
    if op == "revert":
        return lambda: {"event": tract.revert(cmd["event"]).event_id}
    raise ValueError(f"unknown op {op!r}")


def child(cmd: dict[str, Any]) -> None:
    """Never returns."""
    global _t0
    signal.alarm(CHILD_LIFETIME_S)  # never outlive a harness that died before killing us
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        _instrument()
        run = prepare(cmd)
        mark("READY")
        signal.sigwait({signal.SIGUSR1})
        _t0 = time.perf_counter()
        mark("GO")
        result = run()
        mark("DONE", json.dumps(result))
    except BaseException as exc:
        mark("ERROR", json.dumps(f"{exc!r} {traceback.format_exc()}"))
        os._exit(1)
    signal.sigwait({signal.SIGUSR1})  # the harness kills us; a pid is never reused meanwhile
    os._exit(0)


def serve() -> None:
    default_counter().count_text("warm up the tokenizer before forking")
    script_revisions()  # loads Alembic and the migration scripts once
    print("SERVER READY", os.getpid(), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(cmd)
        _, status = os.waitpid(pid, 0)
        print("EXIT", pid, os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    serve()

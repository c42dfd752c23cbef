"""What starting is spared: a `log` and the app's first screen never import the ORM, httpx,
the explain engine, the importers, compression or the postgresql dialect (a SQLite store).
Checked in a fresh interpreter by listing ``sys.modules``; the time itself is a benchmark's
(bench/bench_scale.py --only start open)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from core import create_tract

NEVER_AT_START = (
    "sqlalchemy.orm",
    "sqlalchemy.dialects.postgresql",
    "httpx",
    "core.explain",
    "core.importers",
    "core.llm.client",
    "core.operations.compress",
    "core.operations.summarizers",
    "core.operations.merge",
)

LOG = """
import json, runpy, sys
sys.argv = ["tract-tui", "log", "--limit", "20", *sys.argv[1:]]
try:
    runpy.run_module("tract_tui", run_name="__main__")
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(sys.modules)))
"""


def _store(tmp_path: Path) -> str:
    path = tmp_path / "s.db"
    t = create_tract(path)
    t.system("Be brief.")
    t.user("hello")
    t.assistant("hi")
    t.close()
    return str(path)


def _loaded(script: str, *args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def _spared(loaded: set[str]) -> list[str]:
    return [
        m
        for m in loaded
        if m.startswith(NEVER_AT_START) and m.split(".")[0] in ("core", "sqlalchemy", "httpx")
    ]


def test_log_imports_only_what_it_reads(tmp_path: Path) -> None:
    # A store at our layout: read through the standard library, no SQLAlchemy at all.
    loaded = _loaded(LOG, _store(tmp_path))
    assert "core.read.quick_log" in loaded  # it did run
    assert [m for m in loaded if m.split(".")[0] == "sqlalchemy"] == []
    assert _spared(loaded) == []


def test_log_read_in_full_loads_no_more(tmp_path: Path) -> None:
    # --tract (like another layout, several tracts or --graph) takes the full read.
    path = _store(tmp_path)
    with sqlite3.connect(path) as db:
        (tract_id,) = db.execute("SELECT DISTINCT tract_id FROM commits").fetchone()
    loaded = _loaded(LOG, "--tract", tract_id, path)
    assert "core.read.reader" in loaded and "sqlalchemy" in loaded  # it did run
    assert _spared(loaded) == []
    # Nor the reads it does not make.
    views = (
        "core.views.records",
        "core.views.record_view",
        "core.views.search",
        "core.views.events",
    )
    assert [m for m in views if m in loaded] == []


# The app as `tract-tui STORE` builds it before its first frame: every module of the app,
# the store open and the tract chosen. (After the first frame, background workers load what
# the other views show, e.g. the records view's token timeline, which imports core.explain.)
APP = """
import json, sys
from tract_tui.commands.open_app import open_target
opened = open_target(sys.argv[1], None)
opened.store.close()
sys.stderr.write(json.dumps(sorted(sys.modules)))
"""


def test_the_app_is_built_without_them(tmp_path: Path) -> None:
    loaded = _loaded(APP, _store(tmp_path))
    assert "textual" in loaded and "core.read" in loaded and "tract_tui.app" in loaded
    assert _spared(loaded) == []

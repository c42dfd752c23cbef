"""The refusal matrix: every file we must not (or cannot) use is refused with a one-line error
that names the path, and NOTHING is written: the file keeps its bytes, size and mtime, and no
``-wal``/``-shm``/``-journal`` or backup file appears beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from core.errors import (
    NotATractStoreError,
    StoreError,
    StoreNeedsUpgradeError,
    StoreNotFoundError,
    StoreReadOnlyError,
    StoreTooNewError,
)
from core.storage.our_names import ALEMBIC_VERSION_TABLE
from core.storage.store import Store, upgrade_store
from core.storage.versions import HEAD_REVISION
from tests.core._helpers import insert_root_instruction

ROOT = Path(__file__).resolve().parents[2]
Snapshot = dict[str, tuple[int, int, str]]


def snapshot(directory: Path) -> Snapshot:
    """Every entry of ``directory``: size, mtime (ns) and content hash."""
    out: Snapshot = {}
    for entry in sorted(directory.iterdir()):
        if entry.is_file():
            st = entry.stat()
            digest = hashlib.sha256(entry.read_bytes()).hexdigest()
            out[entry.name] = (st.st_size, st.st_mtime_ns, digest)
        else:
            out[entry.name + "/"] = (0, entry.stat().st_mtime_ns, "")
    return out


def assert_refused(
    call: Callable[[], object], error: type[StoreError], path: Path, *, exact: bool = True
) -> StoreError:
    """``call`` raises ``error`` (exactly), in one line naming ``path``, and writes nothing."""
    before = snapshot(path.parent)
    with pytest.raises(StoreError) as info:
        call()
    after = snapshot(path.parent)
    err = info.value
    if exact:
        assert type(err) is error, f"{type(err).__name__}: {err}"
    else:
        assert isinstance(err, error)
    message = str(err)
    assert message and "\n" not in message, repr(message)
    assert str(path) in message, message
    assert after == before, "the refusal wrote something"
    return err


def set_meta(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    try:
        con.execute(sql)
        con.commit()
    finally:
        con.close()
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists()  # the last connection cleans up


def head_store(path: Path) -> Path:
    """A store we created, at our head revision, in WAL mode, with one commit."""
    with Store.open(path, create=True) as store, store.write() as uow:
        h, _ = insert_root_instruction(uow)
        uow.refs.set_direct("t1", "refs/heads/main", h)
        uow.refs.set_symbolic("t1", "HEAD", "refs/heads/main")
    return path


# --- too new ------------------------------------------------------------------------------


def test_schema_version_newer_than_ours(fixture_store) -> None:
    path = fixture_store("upstream_v5.db", "future.db")
    set_meta(path, "UPDATE _trace_meta SET value = '14' WHERE \"key\" = 'schema_version'")
    err = assert_refused(lambda: Store.open(path), StoreTooNewError, path)
    assert "14" in str(err)
    assert_refused(lambda: Store.open(path, readonly=True), StoreTooNewError, path)
    assert_refused(lambda: upgrade_store(path), StoreTooNewError, path)


def test_private_revision_we_do_not_know(tmp_path: Path) -> None:
    path = head_store(tmp_path / "later.db")
    set_meta(path, f"UPDATE {ALEMBIC_VERSION_TABLE} SET version_num = 'tt_9999'")
    err = assert_refused(lambda: Store.open(path), StoreTooNewError, path)
    assert "tt_9999" in str(err)
    assert_refused(lambda: upgrade_store(path), StoreTooNewError, path)


# --- not a tract store --------------------------------------------------------------------


def test_unreadable_schema_version(fixture_store) -> None:
    path = fixture_store("upstream_v3.db", "garbled.db")
    set_meta(path, "UPDATE _trace_meta SET value = 'three' WHERE \"key\" = 'schema_version'")
    err = assert_refused(lambda: Store.open(path), NotATractStoreError, path)
    assert "'three'" in str(err)


def test_sqlite_file_of_another_application(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));"
        "INSERT INTO users (name) VALUES ('ada');"
    )
    con.close()
    err = assert_refused(lambda: Store.open(path), NotATractStoreError, path)
    assert "not a tract store" in str(err)
    assert_refused(lambda: Store.open(path, create=True), NotATractStoreError, path)
    assert_refused(lambda: upgrade_store(path), NotATractStoreError, path)


def test_sqlite_database_with_no_tables(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 3")  # writes the header page, creates no table
    con.close()
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    err = assert_refused(lambda: Store.open(path), NotATractStoreError, path)
    assert "no tables" in str(err)
    assert_refused(lambda: upgrade_store(path), NotATractStoreError, path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    err = assert_refused(lambda: Store.open(path), NotATractStoreError, path)
    assert "empty" in str(err)
    assert_refused(lambda: Store.open(path, create=True), NotATractStoreError, path)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.db"
    path.write_bytes(random.Random(20260220).randbytes(8192))
    err = assert_refused(lambda: Store.open(path), NotATractStoreError, path)
    assert "not an SQLite database" in str(err)
    assert_refused(lambda: upgrade_store(path), NotATractStoreError, path)


def test_sqlite_header_followed_by_garbage(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"SQLite format 3\x00" + random.Random(7).randbytes(8192))
    assert_refused(lambda: Store.open(path), NotATractStoreError, path)


def test_directory(tmp_path: Path) -> None:
    path = tmp_path / "a_directory.db"
    path.mkdir()
    err = assert_refused(lambda: Store.open(path), StoreError, path)
    assert "directory" in str(err)
    assert_refused(lambda: Store.open(path, create=True), StoreError, path)
    assert list(path.iterdir()) == []


def test_missing_path_without_create(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.db"
    err = assert_refused(lambda: Store.open(path), StoreNotFoundError, path)
    assert "--create" in str(err)
    assert not path.exists()
    assert_refused(lambda: upgrade_store(path), StoreNotFoundError, path)


def test_missing_path_with_create_makes_a_v6_store(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    with Store.open(path, create=True) as store:
        assert store.version.at_head and store.version.schema_version == 6
        assert not store.readonly
    con = sqlite3.connect(path)
    try:
        assert con.execute(
            "SELECT value FROM _trace_meta WHERE \"key\" = 'schema_version'"
        ).fetchone() == ("6",)
        assert con.execute(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}").fetchone() == (
            HEAD_REVISION,
        )
    finally:
        con.close()


def test_missing_directory_with_create(tmp_path: Path) -> None:
    path = tmp_path / "no_such_dir" / "fresh.db"
    with pytest.raises(StoreNotFoundError) as info:
        Store.open(path, create=True)
    assert "\n" not in str(info.value) and str(path.parent) in str(info.value)
    assert not path.parent.exists()


# --- read-only ----------------------------------------------------------------------------

_PROBE = r"""
import json, os, sys
from core.errors import StoreError
from core.storage.store import Store, upgrade_store

path, mode = sys.argv[1], sys.argv[2]
out = {"writable": os.access(path, os.W_OK) and os.access(os.path.dirname(path), os.W_OK)}
try:
    if mode == "upgrade":
        upgrade_store(path)
    else:
        store = Store.open(path, readonly={"default": None, "rw": False, "ro": True}[mode])
        out["readonly"] = store.readonly
        with store.read() as uow:
            out["commits"] = uow.commits.count("t1")
        try:
            with store.write() as uow:
                uow.meta.set("tract_tui.probe", "x")
        except StoreError as exc:
            out["write_error"] = type(exc).__name__
        store.close()
except StoreError as exc:
    out["error"] = type(exc).__name__
    out["message"] = str(exc)
print(json.dumps(out))
"""


def _probe_unprivileged(path: Path, mode: str) -> dict[str, object]:
    """Open ``path`` in a child process that file modes really apply to.

    Root ignores file modes, so as root the child runs with every capability dropped
    (``setpriv``): still uid 0, but without CAP_DAC_OVERRIDE a 0444 file is read-only.
    """
    cmd = [sys.executable, "-c", _PROBE, str(path), mode]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip(
                "running as root without setpriv: root ignores a 0444 mode, so a "
                "read-only file cannot be made here"
            )
        cmd = [setpriv, "--bounding-set=-all", "--inh-caps=-all", "--", *cmd]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False
    )
    if proc.returncode != 0 and proc.stderr.startswith("setpriv"):
        pytest.skip(f"running as root and cannot drop capabilities: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["writable"]:
        pytest.skip("the file is still writable for this user (root with capabilities)")
    return result


@pytest.fixture
def readonly_v5(fixture_store) -> Path:
    path = fixture_store("upstream_v5.db")
    path.chmod(0o444)
    return path


def test_readonly_file_of_an_old_store_opens_read_only(readonly_v5: Path) -> None:
    """An old layout on a read-only file is read (through a migrated copy), never written."""
    before = snapshot(readonly_v5.parent)
    result = _probe_unprivileged(readonly_v5, "default")
    assert snapshot(readonly_v5.parent) == before
    assert "error" not in result, result
    assert result["readonly"] is True
    assert result["write_error"] == "StoreReadOnlyError"


def test_readonly_file_opened_for_writing_is_refused(readonly_v5: Path) -> None:
    before = snapshot(readonly_v5.parent)
    result = _probe_unprivileged(readonly_v5, "rw")
    assert snapshot(readonly_v5.parent) == before
    assert result["error"] == "StoreReadOnlyError", result
    assert "\n" not in str(result["message"]) and str(readonly_v5) in str(result["message"])


def test_readonly_file_cannot_be_upgraded(readonly_v5: Path) -> None:
    before = snapshot(readonly_v5.parent)
    result = _probe_unprivileged(readonly_v5, "upgrade")
    assert snapshot(readonly_v5.parent) == before
    assert result["error"] == "StoreReadOnlyError", result
    assert "\n" not in str(result["message"]) and str(readonly_v5) in str(result["message"])


def test_readonly_file_at_head_opens_read_only(tmp_path: Path) -> None:
    path = head_store(tmp_path / "head.db")
    path.chmod(0o444)
    data = path.read_bytes()
    result = _probe_unprivileged(path, "default")
    assert path.read_bytes() == data
    assert result == {
        "writable": False,
        "readonly": True,
        "commits": 1,
        "write_error": "StoreReadOnlyError",
    }
    assert not list(tmp_path.glob("*.backup-*"))


def test_store_in_a_readonly_directory_opens_read_only(tmp_path: Path) -> None:
    """No -shm can be made beside it, so a plain mode=ro reader would fail on first read."""
    folder = tmp_path / "shared"
    folder.mkdir()
    path = head_store(folder / "head.db")
    before = snapshot(folder)
    folder.chmod(0o555)
    try:
        result = _probe_unprivileged(path, "default")
    finally:
        folder.chmod(0o755)
    assert snapshot(folder) == before
    assert result == {
        "writable": False,
        "readonly": True,
        "commits": 1,
        "write_error": "StoreReadOnlyError",
    }


# --- readonly=True, explicitly (works as root too) ----------------------------------------


def test_explicit_readonly_reads_a_wal_store_and_refuses_writes(tmp_path: Path) -> None:
    path = head_store(tmp_path / "head.db")
    data, st = path.read_bytes(), path.stat()
    with Store.open(path, readonly=True) as store:
        assert store.readonly
        with store.read() as uow:
            assert uow.commits.count("t1") == 1
            assert uow.refs.head_state("t1")[1] is not None
        with pytest.raises(StoreReadOnlyError) as info, store.write() as uow:
            uow.meta.set("tract_tui.probe", "x")
        assert "\n" not in str(info.value) and str(path) in str(info.value)
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == st.st_mtime_ns
    assert not list(tmp_path.glob("*.backup-*"))
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert con.execute("SELECT COUNT(*) FROM _trace_meta").fetchone() == (1,)
    finally:
        con.close()


def test_explicit_readonly_sees_commits_still_in_the_wal(tmp_path: Path) -> None:
    """A live writer (tract-ai) keeps its last transactions in -wal: a reader must see them."""
    path = head_store(tmp_path / "live.db")
    writer = sqlite3.connect(path)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("INSERT INTO _trace_meta (\"key\", value) VALUES ('policy_config', '{}')")
        writer.commit()
        assert Path(f"{path}-wal").stat().st_size > 0
        with Store.open(path, readonly=True) as store, store.read() as uow:
            assert uow.meta.get("policy_config") == "{}"
    finally:
        writer.close()


def test_explicit_readonly_of_an_old_store_reads_and_writes_nothing(fixture_store) -> None:
    path = fixture_store("upstream_v3.db")
    before = snapshot(path.parent)
    with Store.open(path, readonly=True) as store:
        with store.read() as uow:
            assert uow.commits.tract_ids()
            assert uow.events.list(uow.commits.tract_ids()[0])  # v3 compressions, as events
        with pytest.raises(StoreReadOnlyError), store.write():
            pass
    assert snapshot(path.parent) == before


def test_auto_upgrade_off_refuses_the_first_write_with_the_command(fixture_store) -> None:
    path = fixture_store("upstream_v3.db")
    before = snapshot(path.parent)
    with Store.open(path, auto_upgrade=False) as store:
        with store.read() as uow:
            assert uow.commits.tract_ids()
        with pytest.raises(StoreNeedsUpgradeError) as info, store.write():
            pass
    assert str(info.value).endswith(f"run: tract-tui upgrade '{path}'")
    assert snapshot(path.parent) == before


@pytest.mark.postgres
def test_postgres_readonly_open_reads_and_refuses_writes(pg_url: str) -> None:
    with Store.open(pg_url, create=True) as store, store.write() as uow:
        uow.meta.set("tract_tui.note", "x")
    with Store.open(pg_url, readonly=True) as store:
        assert store.readonly
        with store.read() as uow:
            assert uow.meta.get("tract_tui.note") == "x"
        with pytest.raises(StoreReadOnlyError), store.write():
            pass
        # The connections themselves are read-only transactions, not just our flag.
        with pytest.raises(DBAPIError), store.engine.begin() as conn:
            conn.execute(text("DELETE FROM _trace_meta"))
    with Store.open(pg_url) as store, store.read() as uow:
        assert uow.meta.get("schema_version") == "6"


@pytest.mark.postgres
def test_postgres_database_of_another_application(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT)"))
    finally:
        engine.dispose()
    for create in (False, True):
        with pytest.raises(NotATractStoreError) as info:
            Store.open(pg_url, create=create)
        assert "\n" not in str(info.value) and "not a tract store" in str(info.value)
    engine = create_engine(pg_url)
    try:
        from sqlalchemy import inspect

        assert inspect(engine).get_table_names() == ["users"]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_empty_database_without_create(pg_url: str) -> None:
    with pytest.raises(NotATractStoreError) as info:
        Store.open(pg_url)
    assert "--create" in str(info.value) and "\n" not in str(info.value)

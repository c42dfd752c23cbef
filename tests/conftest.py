"""Fixtures shared by every test suite.

- ``shared_dir`` / ``fixture_store``: reference material kept outside the repository (tract-ai's
  schema DDL, real tract-ai stores, an agent transcript), found through ``$TRACT_TUI_SHARED``
  (or the older ``$TRACT_TEST_SHARED_DIR``), else as ``shared`` beside the repository; tests that
  need it skip, with the reason, when it is absent. Shipped stores are read-only files and are
  never opened in place: ``fixture_store(name)`` copies one (with its ``-wal``/``-shm``) into the
  test's ``tmp_path`` and makes the copy writable.
- ``pg_url``: a PostgreSQL URL whose connections live in a fresh schema of their own, dropped
  after the test. Skips when ``TRACT_TEST_POSTGRES_URL`` is unset.
- ``backend`` / ``store_target`` / ``store_url`` / ``store_url_factory``: parametrised over the
  two backends, for suites that must behave the same on both. ``store_target``: a store to
  work in ("sqlite" → ``tmp_path/store.db``, "postgres" → one store reused by the session,
  emptied before each test: fast). ``store_url`` / ``store_url_factory``: new, empty locations
  (a path in ``tmp_path``, a fresh schema like ``pg_url``). ``sql_rows(target, sql)`` and
  ``store_bytes(target)`` read a store directly on either backend.

Mark PostgreSQL-only tests ``@pytest.mark.postgres``; ``backend`` marks its postgres half.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

POSTGRES_ENV = "TRACT_TEST_POSTGRES_URL"
SHARED_ENV = "TRACT_TUI_SHARED"
OLD_SHARED_ENV = "TRACT_TEST_SHARED_DIR"  # still honoured
REPO_ROOT = Path(__file__).resolve().parents[1]
SQLITE_SIDECARS = ("-wal", "-shm")


@pytest.fixture(autouse=True)
def _own_config_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The user config directory of every test (and of the processes it starts) is its own:
    the app remembers its theme there, and a developer's own choice must not reach a
    snapshot, nor a test's reach the developer."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _app_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that start the app through ``tract_tui.cli.main`` run it headless (its ``run``
    replaced by Pilot): they have no terminal and need none. The refusal itself is tested
    with a real process (tests/hostile/test_no_terminal.py)."""
    import tract_tui.cli

    monkeypatch.setattr(tract_tui.cli, "has_terminal", lambda: True)


def shared_root() -> Path:
    """Where the reference material is: the environment's choice, else beside the repository."""
    named = os.environ.get(SHARED_ENV) or os.environ.get(OLD_SHARED_ENV)
    return Path(named) if named else REPO_ROOT.parent / "shared"


def shared_file(*parts: str) -> Path | None:
    """A file of the reference material, or None when it is not there."""
    path = shared_root().joinpath(*parts)
    return path if path.is_file() else None


_shared_dir = shared_root


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference tree (``reference/schemas``, ``fixtures/tract-ai``)."""
    root = shared_root()
    if not (root / "reference" / "schemas").is_dir():
        pytest.skip(f"reference material not found at {root} (set {SHARED_ENV})")
    return root


def copy_sqlite_store(src: Path, dest: Path) -> Path:
    """Copy a SQLite file and its ``-wal``/``-shm`` companions; the copies are writable."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", *SQLITE_SIDECARS):
        part = Path(f"{src}{suffix}")
        if part.exists():
            target = Path(f"{dest}{suffix}")
            shutil.copyfile(part, target)
            target.chmod(target.stat().st_mode | stat.S_IWUSR | stat.S_IRUSR)
    return dest


@pytest.fixture
def fixture_store(tmp_path: Path) -> Callable[..., Path]:
    """``fixture_store("upstream_v5.db")`` → a writable copy of a shipped tract-ai store."""
    root = _shared_dir() / "fixtures" / "tract-ai"

    def copy(name: str, dest_name: str | None = None) -> Path:
        src = root / name
        if not src.is_file():
            pytest.skip(f"shipped store {src} not found (set {SHARED_ENV})")
        dest = tmp_path / "stores" / (dest_name or name)
        if dest.exists():
            raise FileExistsError(dest)
        return copy_sqlite_store(src, dest)

    return copy


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    """The database CI hands us (skips the test when unset)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    return url


@pytest.fixture(scope="session")
def pg_admin_engine(pg_base_url: str) -> Iterator[Any]:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(pg_base_url, poolclass=NullPool)
    yield engine
    engine.dispose()


def create_pg_schema(admin_engine: Any) -> str:
    """A new, empty schema with a unique name."""
    from sqlalchemy import text

    name = f"t_{uuid.uuid4().hex}"
    with admin_engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    return name


def drop_pg_schema(admin_engine: Any, name: str) -> None:
    from sqlalchemy import text

    with admin_engine.begin() as conn:
        # Never hang the suite on a connection a failed test left open.
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@pytest.fixture
def pg_schema_factory(pg_admin_engine: Any) -> Iterator[Callable[[], str]]:
    """Makes fresh, empty PostgreSQL schemas; all of them are dropped (CASCADE) after the test."""
    made: list[str] = []

    def make() -> str:
        made.append(create_pg_schema(pg_admin_engine))
        return made[-1]

    yield make
    for name in made:
        drop_pg_schema(pg_admin_engine, name)


@pytest.fixture
def pg_schema(pg_schema_factory: Callable[[], str]) -> str:
    """A fresh, empty PostgreSQL schema for this test only."""
    return pg_schema_factory()


def url_in_schema(base_url: str, schema: str) -> str:
    """``base_url`` with every connection's search_path set to ``schema``."""
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def pg_url(pg_base_url: str, pg_schema: str) -> str:
    """A PostgreSQL URL whose connections use a fresh schema of their own."""
    return url_in_schema(pg_base_url, pg_schema)


@pytest.fixture(scope="module")
def pg_module_url(pg_base_url: str, pg_admin_engine: Any) -> Iterator[str]:
    """Like ``pg_url``, one schema for a whole module (read-only data built once)."""
    name = create_pg_schema(pg_admin_engine)
    yield url_in_schema(pg_base_url, name)
    drop_pg_schema(pg_admin_engine, name)


@pytest.fixture
def pg_url_factory(pg_base_url: str, pg_schema_factory: Callable[[], str]) -> Callable[[], str]:
    """More URLs like ``pg_url``, each in a fresh schema (for tests that need several)."""
    return lambda: url_in_schema(pg_base_url, pg_schema_factory())


class ReusedPgStore:
    """One PostgreSQL store that every ``store_target`` test of the session gets, emptied.

    Creating a store costs ≈0.1 s on PostgreSQL (some 40 DDL statements and a few password-
    authenticated connections) and dropping its schema ≈0.03 s; deleting a test's rows costs a
    few milliseconds. Before each test every row is deleted (children first), the version rows
    are put back and the id sequences restarted. When that cannot be done (a leaked
    connection holds a lock) or the DDL no longer matches what was created (a test altered
    it), a new store in a new schema takes over.
    """

    _DDL = """
        SELECT (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = :s AND a.attnum > 0 AND NOT a.attisdropped),
               (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n
                ON n.oid = k.connamespace WHERE n.nspname = :s),
               (SELECT count(*) FROM pg_indexes WHERE schemaname = :s),
               (SELECT count(*) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
                JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = :s)
    """

    def __init__(self, base_url: str, admin_engine: Any) -> None:
        self.base_url = base_url
        self.admin = admin_engine
        self.schema: str | None = None
        self.made: list[str] = []
        self.ddl: tuple[Any, ...] = ()
        self.sequences: list[str] = []

    def checkout(self) -> str:
        """The store's URL, with no rows but its version markers."""
        if self.schema is None or not self._reset(self.schema):
            self._fresh()
        assert self.schema is not None
        return url_in_schema(self.base_url, self.schema)

    def _fresh(self) -> None:
        from sqlalchemy import text

        from core.storage.store import Store

        name = create_pg_schema(self.admin)
        self.made.append(name)
        Store.open(url_in_schema(self.base_url, name), create=True).close()
        with self.admin.connect() as conn:
            self.ddl = tuple(conn.execute(text(self._DDL), {"s": name}).one())
            self.sequences = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT sequence_name FROM information_schema.sequences "
                        "WHERE sequence_schema = :s"
                    ),
                    {"s": name},
                )
            ]
        self.schema = name

    def _reset(self, name: str) -> bool:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        from core.storage import schema as tables
        from core.storage.our_names import ALEMBIC_VERSION_TABLE
        from core.storage.versions import HEAD_REVISION

        try:
            with self.admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))
                if tuple(conn.execute(text(self._DDL), {"s": name}).one()) != self.ddl:
                    return False
                for table in reversed(tables.Base.metadata.sorted_tables):
                    conn.execute(text(f'DELETE FROM "{name}"."{table.name}"'))
                conn.execute(
                    text(f"INSERT INTO \"{name}\"._trace_meta VALUES ('schema_version', :v)"),
                    {"v": str(tables.TRACT_AI_SCHEMA_VERSION)},
                )
                version_table = f'"{name}".{ALEMBIC_VERSION_TABLE}'
                conn.execute(text(f"DELETE FROM {version_table}"))
                conn.execute(text(f"INSERT INTO {version_table} VALUES (:r)"), {"r": HEAD_REVISION})
                for seq in self.sequences:
                    conn.execute(text(f'ALTER SEQUENCE "{name}"."{seq}" RESTART'))
        except SQLAlchemyError:
            return False
        return True

    def close(self) -> None:
        for name in self.made:
            # A leaked connection may still hold one: the database is a throwaway anyway.
            with contextlib.suppress(Exception):
                drop_pg_schema(self.admin, name)


@pytest.fixture(scope="session")
def pg_reused_store(pg_base_url: str) -> Iterator[ReusedPgStore]:
    from sqlalchemy import create_engine

    # One pooled connection: a reset is then a few statements, not a new login each time.
    admin = create_engine(pg_base_url, pool_size=1, max_overflow=0)
    reused = ReusedPgStore(pg_base_url, admin)
    yield reused
    reused.close()
    admin.dispose()


# --- both backends ------------------------------------------------------------------------

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``: every test using it (or the fixtures below) runs twice."""
    return str(request.param)


@pytest.fixture
def store_url_factory(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[str], str]:
    """``new("name.db")`` → where to create another store on this test's backend.

    SQLite: a path in ``tmp_path`` named ``name``; PostgreSQL: a URL in a fresh schema (the
    name is ignored). Nothing is created until the store is opened with ``create``.
    """
    if backend == "sqlite":
        return lambda name="store.db": str(tmp_path / name)
    factory: Callable[[], str] = request.getfixturevalue("pg_url_factory")
    return lambda name="store.db": factory()


@pytest.fixture
def store_url(store_url_factory: Callable[[str], str]) -> str:
    """Where to create a store, with nothing there yet: ``tmp_path/store.db``, or a fresh
    PostgreSQL schema (for tests of creation, upgrades, or DDL)."""
    return store_url_factory("store.db")


@pytest.fixture
def store_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A store to work in, on each backend: ``tmp_path/store.db`` (created on first open), or
    the session's reused PostgreSQL store with every row deleted (see ``ReusedPgStore``).

    Open it with ``create_tract(target)`` / ``Store.open(target, create=True)``: both work
    whether or not the store exists yet. Tests must not change its DDL (use ``store_url``).
    """
    if backend == "sqlite":
        return str(tmp_path / "store.db")
    reused: ReusedPgStore = request.getfixturevalue("pg_reused_store")
    return reused.checkout()


def sql_rows(target: str | os.PathLike[str], sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run one SQL statement on a store (path or URL) through its own short-lived connection."""
    from sqlalchemy import text

    from core.storage.connection import make_engine, parse_location

    engine = make_engine(parse_location(target), pool=False)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def store_bytes(target: str | os.PathLike[str]) -> bytes:
    """Everything a store holds, to prove a secret never reached it.

    SQLite: the file's bytes and its ``-wal``'s (deleted rows may linger in free pages, so this
    is stricter than reading rows). PostgreSQL: every row of every table, as text.
    """
    from sqlalchemy import inspect, literal_column, select, table

    from core.storage.connection import make_engine, parse_location

    location = parse_location(target)
    if location.path is not None:
        parts = (location.path, Path(f"{location.path}-wal"))
        return b"".join(p.read_bytes() for p in parts if p.exists())
    engine = make_engine(location, pool=False)
    try:
        with engine.connect() as conn:
            lines = [
                repr(tuple(row))
                for name in inspect(conn).get_table_names()
                for row in conn.execute(select(literal_column("*")).select_from(table(name)))
            ]
    finally:
        engine.dispose()
    return "\n".join(lines).encode()

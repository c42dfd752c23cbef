"""Fixtures shared by every test suite.

- ``shared_dir`` / ``fixture_store``: the reference material that ships beside the project
  (tract-ai's schema DDL and real tract-ai stores). Shipped stores are read-only files and are
  never opened in place: ``fixture_store(name)`` copies one (with its ``-wal``/``-shm``) into the
  test's ``tmp_path`` and makes the copy writable.
- ``pg_url``: a PostgreSQL URL whose connections live in a fresh schema of their own, dropped
  after the test. Skips when ``TRACT_TEST_POSTGRES_URL`` is unset.
- ``store_url``: parametrised over the two backends ("sqlite" → a new file path in ``tmp_path``,
  "postgres" → ``pg_url``), for suites that must behave the same on both.

Mark PostgreSQL-only tests ``@pytest.mark.postgres``; ``store_url`` marks its postgres half.
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

POSTGRES_ENV = "TRACT_TEST_POSTGRES_URL"
SHARED_ENV = "TRACT_TEST_SHARED_DIR"
DEFAULT_SHARED_DIR = "/work/shared"
SQLITE_SIDECARS = ("-wal", "-shm")


def _shared_dir() -> Path:
    return Path(os.environ.get(SHARED_ENV, DEFAULT_SHARED_DIR))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference tree (``reference/schemas``, ``fixtures/tract-ai``)."""
    root = _shared_dir()
    if not (root / "reference" / "schemas").is_dir():
        pytest.skip(f"shared reference material not found at {root} (set {SHARED_ENV})")
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


@pytest.fixture
def pg_schema_factory(pg_admin_engine: Any) -> Iterator[Callable[[], str]]:
    """Makes fresh, empty PostgreSQL schemas; all of them are dropped (CASCADE) after the test."""
    from sqlalchemy import text

    made: list[str] = []

    def make() -> str:
        name = f"t_{uuid.uuid4().hex}"
        with pg_admin_engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        made.append(name)
        return name

    yield make
    for name in made:
        with pg_admin_engine.begin() as conn:
            # Never hang the suite on a connection a failed test left open.
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


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


@pytest.fixture
def pg_url_factory(pg_base_url: str, pg_schema_factory: Callable[[], str]) -> Callable[[], str]:
    """More URLs like ``pg_url``, each in a fresh schema (for tests that need several)."""
    return lambda: url_in_schema(pg_base_url, pg_schema_factory())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where to create a store: a new SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return request.getfixturevalue("pg_url")

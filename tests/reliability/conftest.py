"""Fixtures of the reliability suites.

- ``pg_fresh``: a callable that empties ``pg_url``'s schema (drop and create it again) and
  returns ``pg_url``, for campaigns that need a fresh PostgreSQL store for every run.
- ``shipped_stores``: the directory of tract-ai's own stores; skips when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.reliability.crash_stores import FIXTURES, UPGRADES


@pytest.fixture
def pg_fresh(pg_url: str) -> Iterator[Callable[[], str]]:
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()

    def fresh() -> str:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        return pg_url

    yield fresh
    engine.dispose()


@pytest.fixture
def shipped_stores() -> Path:
    missing = [name for name in UPGRADES.values() if not (FIXTURES / name).is_file()]
    if missing:
        pytest.skip(f"tract-ai stores {missing} not found in {FIXTURES}")
    return FIXTURES

"""The SQLAlchemy unit of work: every repository over one connection and transaction."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from core.storage.connection import advisory_xact_lock
from core.storage.effectives_cache import EffectivesCache
from core.storage.repositories import UnitOfWork
from core.storage.sqla.audit import SqlCompileRecordRepository, SqlOperationEventRepository
from core.storage.sqla.blobs import SqlBlobRepository
from core.storage.sqla.commits import SqlCommitRepository
from core.storage.sqla.head_tables import SqlHeadTablesRepository
from core.storage.sqla.lineage import SqlLineageRepository
from core.storage.sqla.parents import SqlCommitParentRepository
from core.storage.sqla.refs import SqlAnnotationRepository, SqlRefRepository
from core.storage.sqla.tracts import (
    SqlMetaRepository,
    SqlPolicyRepository,
    SqlSpawnPointerRepository,
)
from core.storage.versions import StoreVersion, detect


class SqlUnitOfWork(UnitOfWork):
    """Repositories are made when first used: an agent turn's transactions touch three or
    four of the twelve."""

    def __init__(
        self,
        conn: Connection,
        *,
        writable: bool,
        version: StoreVersion | None = None,
        kept: EffectivesCache | None = None,
    ) -> None:
        self.conn = conn
        self.writable = writable
        self.kept = kept  # the store's records' effective lists, shared by its units of work
        # The layout being read: which edit column, which of our additions, tract-ai's rules.
        self.version = version or detect(conn)
        self._locked: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        # Only for attributes not set yet: a repository, made once per unit of work.
        make = _REPOSITORIES.get(name)
        if make is None:
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
        repository = make(self)
        setattr(self, name, repository)
        return repository

    def lock_tract(self, tract_id: str) -> None:
        if tract_id not in self._locked:
            advisory_xact_lock(self.conn, f"tract:{tract_id}")
            self._locked.add(tract_id)

    def savepoint(self) -> AbstractContextManager[object]:
        return self.conn.begin_nested()


_REPOSITORIES: dict[str, Callable[[SqlUnitOfWork], Any]] = {
    "blobs": lambda u: SqlBlobRepository(u.conn, token_cache=u.version.has_token_cache),
    "commits": lambda u: SqlCommitRepository(u.conn, u.version),
    "head_tables": lambda u: SqlHeadTablesRepository(u.conn, u.version),
    "parents": lambda u: SqlCommitParentRepository(u.conn),
    "refs": lambda u: SqlRefRepository(u.conn),
    "annotations": lambda u: SqlAnnotationRepository(u.conn),
    "events": lambda u: SqlOperationEventRepository(u.conn),
    "records": lambda u: SqlCompileRecordRepository(u.conn, u.kept),
    "spawns": lambda u: SqlSpawnPointerRepository(u.conn),
    "policies": lambda u: SqlPolicyRepository(u.conn),
    "meta": lambda u: SqlMetaRepository(u.conn),
    "lineage": lambda u: SqlLineageRepository(u.conn, u.version),
}

"""The SQLAlchemy unit of work: every repository over one connection and transaction."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import Connection

from core.storage.connection import advisory_xact_lock
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
    def __init__(
        self, conn: Connection, *, writable: bool, version: StoreVersion | None = None
    ) -> None:
        self.conn = conn
        self.writable = writable
        # The layout being read: which edit column, which of our additions, tract-ai's rules.
        self.version = version or detect(conn)
        self.blobs = SqlBlobRepository(conn, token_cache=self.version.has_token_cache)
        self.commits = SqlCommitRepository(conn, self.version)
        self.head_tables = SqlHeadTablesRepository(conn, self.version)
        self.parents = SqlCommitParentRepository(conn)
        self.refs = SqlRefRepository(conn)
        self.annotations = SqlAnnotationRepository(conn)
        self.events = SqlOperationEventRepository(conn)
        self.records = SqlCompileRecordRepository(conn)
        self.spawns = SqlSpawnPointerRepository(conn)
        self.policies = SqlPolicyRepository(conn)
        self.meta = SqlMetaRepository(conn)
        self.lineage = SqlLineageRepository(conn, self.version)
        self._locked: set[str] = set()

    def lock_tract(self, tract_id: str) -> None:
        if tract_id not in self._locked:
            advisory_xact_lock(self.conn, f"tract:{tract_id}")
            self._locked.add(tract_id)

    def savepoint(self) -> AbstractContextManager[object]:
        return self.conn.begin_nested()

"""Alembic environment: runs on the connection (and transaction) the caller opened.

The configuration is built in code (``core.storage.migrate``); users need no alembic.ini.
"""

from __future__ import annotations

from alembic import context

from core.storage.our_names import ALEMBIC_VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    version_table=ALEMBIC_VERSION_TABLE,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()

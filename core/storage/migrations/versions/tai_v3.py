"""tract-ai v2 → v3: the legacy compression tables (turned into events at v6)."""

from sqlalchemy import MetaData

from core.storage.migrations import legacy, steps

revision = "tai_v3"
down_revision = "tai_v2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    md = MetaData()
    legacy.stub_commits(md)
    steps.create_missing(legacy.v3_tables(md))
    steps.set_schema_version(3)


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

"""tract-ai v1 → v2: commit_parents (branches and merges)."""

from sqlalchemy import MetaData

from core.storage.migrations import legacy, steps

revision = "tai_v2"
down_revision = "tai_v1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    md = MetaData()
    legacy.stub_commits(md)
    steps.create_missing(legacy.v2_tables(md))
    steps.set_schema_version(2)


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

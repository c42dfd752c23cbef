"""tract-ai early v1 layout (repo_id, reply_to): the base of the chain.

Real stores are stamped here when detected; from an empty database this builds that layout.
"""

from core.storage.migrations import legacy, steps

revision = "tai_v1early"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _md, early = legacy.early_v1_tables()
    steps.create_missing(early)
    if (
        not steps.conn()
        .exec_driver_sql("SELECT 1 FROM _trace_meta WHERE \"key\" = 'schema_version'")
        .first()
    ):
        steps.set_schema_version(1)


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

"""tract-ai v4 → v5: policy_proposals and policy_log."""

from core.storage import schema
from core.storage.migrations import steps

revision = "tai_v5"
down_revision = "tai_v4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.create_missing([schema.policy_proposals, schema.policy_log])
    steps.set_schema_version(5)


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

"""tract-ai v3 → v4: spawn_pointers."""

from core.storage import schema
from core.storage.migrations import steps

revision = "tai_v4"
down_revision = "tai_v3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    steps.create_missing([schema.spawn_pointers])
    steps.set_schema_version(4)


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

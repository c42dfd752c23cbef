"""tract-tui 0003: compile_effectives(record_id, position, commit_hash).

A compile record's list in order is read by the record lens and by every diff of records; with
only the (record_id, commit_hash) key each of tens of thousands of rows was a table lookup and
a sort. The covering index makes it one ordered index scan.
"""

from core.storage import schema
from core.storage.migrations import steps

revision = "tt_0003"
down_revision = "tt_0002"
branch_labels = None
depends_on = None

INDEX = "tract_tui_ix_compile_effectives_order"


def upgrade() -> None:
    for index in schema.PRIVATE_INDEXES:
        if index.name == INDEX and INDEX not in steps.indexes("compile_effectives"):
            index.create(steps.conn())


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

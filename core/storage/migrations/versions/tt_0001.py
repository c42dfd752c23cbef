"""tract-tui 0001: our private additions, on top of any tract-ai layout from v6 on.

Indexes tract-ai lacks (commits.parent_hash, commit_parents.parent_hash,
compile_effectives.commit_hash) and the per-blob message-token cache. Nothing here changes a
tract-ai column or ``schema_version``.
"""

from core.storage import schema
from core.storage.migrations import steps

# Frozen: later revisions add their own indexes.
TT_0001_INDEXES = frozenset(
    {
        "tract_tui_ix_commits_parent_hash",
        "tract_tui_ix_commit_parents_parent",
        "tract_tui_ix_compile_effectives_commit",
    }
)

revision = "tt_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    c = steps.conn()
    for index in schema.PRIVATE_INDEXES:
        table = index.table
        assert table is not None  # every index of the schema belongs to a table
        if index.name in TT_0001_INDEXES and index.name not in steps.indexes(table.name):
            index.create(c)
    steps.create_missing([schema.blob_message_tokens])


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

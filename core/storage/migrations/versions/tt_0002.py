"""tract-tui 0002: an index on commits(content_hash).

Answers "is this blob still used?" and serves the foreign-key check SQLite runs for each deleted
blob, which otherwise scans every commit (GC of many orphans went quadratic).
"""

from core.storage import schema
from core.storage.migrations import steps

revision = "tt_0002"
down_revision = "tt_0001"
branch_labels = None
depends_on = None

INDEX = "tract_tui_ix_commits_content_hash"


def upgrade() -> None:
    for index in schema.PRIVATE_INDEXES:
        if index.name == INDEX and INDEX not in steps.indexes("commits"):
            index.create(steps.conn())


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

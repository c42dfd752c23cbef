"""Normalise any v1 layout to tract-ai's final v1 (docs/store-format.md §7, "The early v1 layout").

Column-driven, because intermediate v1 stores carry only some of the differences: repo_id →
tract_id, reply_to → response_to, a nullable generation_config_json, the index names, and the
bare HEAD turned into ``refs/heads/main`` plus a symbolic HEAD. Hashes are never rewritten.
"""

from sqlalchemy import text

from core.storage.migrations import steps

revision = "tai_v1"
down_revision = "tai_v1early"
branch_labels = None
depends_on = None

_INDEX_RENAMES = {
    "commits": [
        ("ix_commits_repo_id", "ix_commits_tract_id", "tract_id"),
        ("ix_commits_repo_type", "ix_commits_tract_type", "tract_id, content_type"),
        ("ix_commits_repo_time", "ix_commits_tract_time", "tract_id, created_at"),
        ("ix_commits_reply_to", "ix_commits_response_to", "response_to"),
    ],
    "annotations": [("ix_annotations_repo_id", "ix_annotations_tract_id", "tract_id")],
}


def upgrade() -> None:
    c = steps.conn()
    for table in ("commits", "refs", "annotations"):
        if "repo_id" in steps.columns(table):
            c.exec_driver_sql(f"ALTER TABLE {table} RENAME COLUMN repo_id TO tract_id")
    cols = steps.columns("commits")
    if "reply_to" in cols:
        c.exec_driver_sql("ALTER TABLE commits RENAME COLUMN reply_to TO response_to")
    if "generation_config_json" not in cols:
        json_type = "JSON" if c.dialect.name in ("sqlite", "postgresql") else "TEXT"
        c.exec_driver_sql(f"ALTER TABLE commits ADD COLUMN generation_config_json {json_type}")
    for table, renames in _INDEX_RENAMES.items():
        present = steps.indexes(table)
        for old, new, cols_sql in renames:
            if old in present:
                c.exec_driver_sql(f"DROP INDEX {old}")
            if new not in present:
                c.exec_driver_sql(f"CREATE INDEX {new} ON {table} ({cols_sql})")
    # A bare HEAD (no branches in its tract) becomes refs/heads/main + symbolic HEAD.
    bare = c.execute(
        text(
            "SELECT h.tract_id, h.commit_hash FROM refs h WHERE h.ref_name = 'HEAD' "
            "AND h.commit_hash IS NOT NULL AND h.symbolic_target IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM refs b WHERE b.tract_id = h.tract_id "
            "AND b.ref_name LIKE 'refs/heads/%')"
        )
    ).all()
    for tract_id, commit_hash in bare:
        c.execute(
            text(
                "INSERT INTO refs (tract_id, ref_name, commit_hash, symbolic_target) "
                "VALUES (:t, 'refs/heads/main', :h, NULL)"
            ),
            {"t": tract_id, "h": commit_hash},
        )
        c.execute(
            text(
                "UPDATE refs SET commit_hash = NULL, symbolic_target = 'refs/heads/main' "
                "WHERE tract_id = :t AND ref_name = 'HEAD'"
            ),
            {"t": tract_id},
        )
    steps.set_schema_version(1)


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

"""tract-ai v5 → v6: operation events and compile records; compressions become events.

Each ``compressions`` row becomes an ``operation_events`` row of type ``compress`` with the same
id, tract, branch, time and token counts; ``target_tokens``/``instructions`` go into
``params_json`` (only the non-null keys; SQL NULL when both are null). Sources and results
become ``operation_commits`` rows with roles ``source``/``result`` and their positions. Then
the three legacy tables are dropped, children first (docs/store-format.md §7).
"""

import json

from sqlalchemy import text

from core.storage import schema
from core.storage.migrations import steps

revision = "tai_v6"
down_revision = "tai_v5"
branch_labels = None
depends_on = None

_LEGACY = ("compression_results", "compression_sources", "compressions")


def upgrade() -> None:
    steps.create_missing(
        [
            schema.operation_events,
            schema.operation_commits,
            schema.compile_records,
            schema.compile_effectives,
        ]
    )
    c = steps.conn()
    present = steps.tables()
    if "compressions" in present:
        # Copy columns verbatim in SQL (timestamps keep their exact stored text).
        c.exec_driver_sql(
            "INSERT INTO operation_events (event_id, tract_id, event_type, branch_name, "
            "created_at, original_tokens, compressed_tokens, params_json) "
            "SELECT compression_id, tract_id, 'compress', branch_name, created_at, "
            "original_tokens, compressed_tokens, NULL FROM compressions "
            "WHERE compression_id NOT IN (SELECT event_id FROM operation_events)"
        )
        rows = c.exec_driver_sql(
            "SELECT compression_id, target_tokens, instructions FROM compressions "
            "WHERE target_tokens IS NOT NULL OR instructions IS NOT NULL"
        ).all()
        for compression_id, target_tokens, instructions in rows:
            params: dict[str, object] = {}
            if target_tokens is not None:
                params["target_tokens"] = target_tokens
            if instructions is not None:
                params["instructions"] = instructions
            c.execute(
                text("UPDATE operation_events SET params_json = :p WHERE event_id = :e"),
                {"p": json.dumps(params), "e": compression_id},
            )
        for table, role in (("compression_sources", "source"), ("compression_results", "result")):
            if table in present:
                c.exec_driver_sql(
                    "INSERT INTO operation_commits (event_id, commit_hash, role, position) "
                    f"SELECT s.compression_id, s.commit_hash, '{role}', s.position FROM {table} s "
                    "WHERE NOT EXISTS (SELECT 1 FROM operation_commits o WHERE "
                    "o.event_id = s.compression_id AND o.commit_hash = s.commit_hash "
                    f"AND o.role = '{role}')"
                )
    for table in _LEGACY:
        if table in present:
            c.exec_driver_sql(f"DROP TABLE {table}")
    steps.set_schema_version(6)


def downgrade() -> None:
    raise NotImplementedError("tract stores are never downgraded")

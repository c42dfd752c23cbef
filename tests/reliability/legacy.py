"""A large tract-ai store at an old schema version, so an upgrade takes long enough to be hit.

``build_big_legacy(src, dest)`` copies a real tract-ai store (``upstream_v3.db``) and grows it
the way tract-ai writes, with plain ``sqlite3``: a branch ``bulk`` of ``commits`` dialogue
commits off ``main`` (correct blob and commit hashes, the fixed timestamp text, enum names,
JSON ``null``), and ``compressions`` legacy compressions over them (``compressions`` /
``compression_sources`` / ``compression_results``) — the rows the v5→v6 step turns into
events. The file is left checkpointed (no ``-wal``), ready to be copied.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from core.engine.hashing import commit_hash, content_hash, stored_payload_json
from core.engine.tokens import default_counter
from core.models.content import dialogue
from core.models.enums import CommitOperation
from tests.reliability.storefacts import copy_store


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def build_big_legacy(src: Path, dest: Path, commits: int = 10_000, compressions: int = 150) -> Path:
    copy_store(src, dest)
    counter = default_counter()
    con = sqlite3.connect(dest)
    try:
        tract_id, tip = con.execute(
            "SELECT tract_id, commit_hash FROM refs WHERE ref_name = 'refs/heads/main'"
        ).fetchone()
        (last,) = con.execute("SELECT MAX(created_at) FROM commits").fetchone()
        t = datetime.fromisoformat(last) + timedelta(seconds=1)
        texts = [f"bulk message {i}: the build on runner {i % 17} failed" for i in range(97)]
        tokens = {s: counter.count_text(s) for s in texts}
        blobs: dict[str, tuple[object, ...]] = {}
        rows: list[tuple[object, ...]] = []
        parent = tip
        for i in range(commits):
            text = texts[i % len(texts)]
            payload = dialogue("user" if i % 2 == 0 else "assistant", text)
            ch = content_hash(payload)
            stored = stored_payload_json(payload)
            when = t + timedelta(milliseconds=i)
            blobs.setdefault(ch, (ch, stored, len(stored.encode()), tokens[text], _ts(when)))
            h = commit_hash(
                content_hash=ch,
                parent_hash=parent,
                content_type="dialogue",
                operation=CommitOperation.APPEND,
                created_at=when,
            )
            message = f"dialogue: {text}"[:72]
            # metadata and config are the JSON text null, as tract-ai wrote them
            row = (h, tract_id, parent, ch, "dialogue", "APPEND", None, message, tokens[text])
            rows.append((*row, "null", "null", _ts(when)))
            parent = h
        con.executemany("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?, ?)", blobs.values())
        con.executemany(
            "INSERT INTO commits (commit_hash, tract_id, parent_hash, content_hash, content_type,"
            " operation, response_to, message, token_count, metadata_json,"
            " generation_config_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.execute(
            "INSERT INTO refs (tract_id, ref_name, commit_hash, symbolic_target) "
            "VALUES (?, 'refs/heads/bulk', ?, NULL)",
            (tract_id, parent),
        )
        step = max(4, commits // max(1, compressions))
        for k in range(compressions):
            cid = uuid.UUID(int=k + 1).hex
            base = k * step
            if base + 3 >= len(rows):
                break
            when = _ts(t + timedelta(milliseconds=base + 3))
            con.execute(
                "INSERT INTO compressions VALUES (?, ?, 'bulk', ?, 30, 10, ?, NULL)",
                (cid, tract_id, when, 100 if k % 2 else None),
            )
            con.executemany(
                "INSERT INTO compression_sources VALUES (?, ?, ?)",
                [(cid, rows[base + j][0], j) for j in range(3)],
            )
            con.execute(
                "INSERT INTO compression_results VALUES (?, ?, 0)", (cid, rows[base + 3][0])
            )
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return dest

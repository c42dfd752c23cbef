"""Big stores, built fast: rows with correct hashes written in one batch with ``executemany``
(a commit at a time through the facade costs ~0.4 ms, 40 s for 100k), and DAG shapes built
through the core's ``write_commit`` (merges with any number of parents)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from core.engine.hashing import commit_hash, content_hash, stored_payload_json
from core.models.enums import CommitOperation
from core.storage.store import Store

T0 = datetime(2025, 6, 1, 8, 0, 0)  # naive UTC, as stored
TRACT = "c" * 32


def ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def build_linear(path: Path, n: int) -> list[str]:
    """One branch ``main`` of ``n`` alternating user/assistant commits; hashes oldest first."""
    Store.open(path, create=True).close()  # the schema, as we create it
    blobs: list[tuple[object, ...]] = []
    commits: list[tuple[object, ...]] = []
    hashes: list[str] = []
    parent: str | None = None
    for i in range(n):
        role = "user" if i % 2 == 0 else "assistant"
        payload = {"content_type": "dialogue", "name": None, "role": role, "text": f"message {i}"}
        blob = content_hash(payload)
        stored = stored_payload_json(payload)
        at = T0 + timedelta(milliseconds=i)
        h = commit_hash(
            content_hash=blob,
            parent_hash=parent,
            content_type="dialogue",
            operation=CommitOperation.APPEND,
            created_at=at,
        )
        blobs.append((blob, stored, len(stored.encode()), 3, ts(at)))
        commits.append(
            (h, TRACT, parent, blob, "dialogue", "APPEND", None, f"dialogue: message {i}", 3,
             "null", "null", ts(at))
        )  # fmt: skip
        hashes.append(h)
        parent = h
    con = sqlite3.connect(path)
    with con:
        con.executemany("INSERT INTO blobs VALUES (?, ?, ?, ?, ?)", blobs)
        con.executemany(
            "INSERT INTO commits (commit_hash, tract_id, parent_hash, content_hash, content_type,"
            " operation, response_to, message, token_count, metadata_json,"
            " generation_config_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            commits,
        )
        con.execute("INSERT INTO refs VALUES (?, 'refs/heads/main', ?, NULL)", (TRACT, hashes[-1]))
        con.execute("INSERT INTO refs VALUES (?, 'HEAD', NULL, 'refs/heads/main')", (TRACT,))
    con.close()
    return hashes


def reference_order(head: str, parents: dict[str, tuple[str, ...]]) -> list[str]:
    """docs/behaviour.md §5.2 by brute force: the first-parent chain, root first; before each merge,
    the block of each other parent (in position order) in its own compile order, recursively,
    leaving out what is already listed. What is listed is closed under ancestry, so a chain
    walk may stop at the first listed commit."""
    out: list[str] = []
    listed: set[str] = set()

    def walk(tip: str) -> None:
        chain: list[str] = []
        current: str | None = tip
        while current is not None and current not in listed and current not in chain:
            chain.append(current)
            first = parents.get(current, ())
            current = first[0] if first else None
        for h in reversed(chain):
            for other in parents.get(h, ())[1:]:
                walk(other)
            out.append(h)
            listed.add(h)

    walk(head)
    return out

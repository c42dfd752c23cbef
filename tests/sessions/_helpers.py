"""Reading back an imported session in source terms: branches, contexts, events, records.

Every expectation in the session suites is written from reading the sample files by hand;
these helpers only translate commit hashes back to the source ids (``metadata.source_id``)
the samples use, so an assertion can name ``b2u`` instead of a hash.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from core import Tract
from tests.conftest import shared_root


def samples_dir() -> Path:
    root = shared_root() / "fixtures" / "sessions"
    if not root.is_dir():
        pytest.skip(f"session samples not found at {root} (set TRACT_TUI_SHARED)")
    return root


def sample(rel: str, dest: Path) -> Path:
    """A writable copy of a sample (file or folder) under ``dest``."""
    src = samples_dir() / rel
    target = dest / src.name
    if src.is_dir():
        shutil.copytree(src, target)
    else:
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    for p in [target, *target.rglob("*")] if target.is_dir() else [target]:
        p.chmod(p.stat().st_mode | 0o200)
    return target


class Imported:
    """One tract of an imported store, read through the public API."""

    def __init__(self, store: str, tract_id: str) -> None:
        self.tract = Tract.open(store, tract_id)

    def close(self) -> None:
        self.tract.close()

    def sid(self, commit_hash: str) -> str:
        info = self.tract.get_commit(commit_hash)
        assert info is not None, commit_hash
        return str((info.metadata or {}).get("source_id"))

    def branches(self) -> dict[str, str]:
        """Branch name → source id of its tip."""
        return {b.name: self.sid(b.tip) for b in self.tract.list_branches() if b.tip}

    def context(self, ref: str) -> list[tuple[str, str]]:
        """(role, content) of the compiled context at ``ref``."""
        return [(m.role, m.content) for m in self.tract.compile(at=ref).messages]

    def context_ids(self, ref: str) -> list[str]:
        return [self.sid(h) for h in self.tract.compile(at=ref).commit_hashes]

    def compressions(self) -> list[tuple[list[str], list[str], dict[str, Any]]]:

        out = []
        with self.tract.store.read() as uow:
            events = uow.events.list(self.tract.tract_id)
        for e in reversed(events):
            if e.event_type == "compress":
                out.append(
                    (
                        [self.sid(h) for h in e.sources],
                        [self.sid(h) for h in e.results],
                        {**(e.params or {}), "original_tokens": e.original_tokens},
                    )
                )
        return out

    def spawn_of(self, child: str):
        with self.tract.store.read() as uow:
            return uow.spawns.for_child(child)

    def records(self) -> list[tuple[str, list[str], int, str]]:
        """(head source id, context source ids, token count, token source), oldest first."""
        out = []
        for rec in sorted(self.tract.records(), key=lambda r: r.created_at):
            full = self.tract.get_record(rec.record_id)
            out.append(
                (
                    self.sid(full.head_hash),
                    [self.sid(h) for h in full.effectives],
                    full.token_count,
                    full.token_source,
                )
            )
        return out

"""What a store holds, read with plain SQL — independently of the repositories under test.

Works on every layout (tract-ai v1..v6 and ours) and both backends: branch tips and the full
ancestor set of each (both parent kinds, one recursive CTE per branch), operation events with
their linked commits, row counts per table, and the version markers of an upgrade.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from core.storage.our_names import ALEMBIC_VERSION_TABLE, PRIVATE_PREFIX

CACHE_TABLE = f"{PRIVATE_PREFIX}blob_message_tokens"  # a derived cache, filled by reads
BRANCH_PREFIX = "refs/heads/"

_ANCESTORS = text(
    "WITH RECURSIVE edges(child, parent) AS ("
    " SELECT commit_hash, parent_hash FROM commits WHERE parent_hash IS NOT NULL"
    " {merge_edges}),"
    " anc(h) AS (SELECT CAST(:tip AS VARCHAR(64))"
    " UNION SELECT e.parent FROM edges e JOIN anc ON e.child = anc.h)"
    " SELECT h FROM anc"
)


def is_url(target: str) -> bool:
    return "://" in target


def copy_store(src: Path, dest: Path) -> Path:
    """Copy a SQLite store with its ``-wal``/``-shm`` companions; the copies are writable."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{src}{suffix}")
        if part.exists():
            target = Path(f"{dest}{suffix}")
            shutil.copyfile(part, target)
            target.chmod(0o644)
    return dest


def make_facts_engine(target: str, readonly: bool = False) -> Engine:
    """A pool-less engine on a store path or URL (SQLite waits up to 10 s for a lock)."""
    if is_url(target):
        return create_engine(target, poolclass=NullPool)
    path = Path(target).resolve()
    url = f"sqlite:///file:{path}?mode=ro&uri=true" if readonly else f"sqlite:///{path}"
    return create_engine(url, poolclass=NullPool, connect_args={"timeout": 10})


@contextmanager
def connect(target: str, readonly: bool = False) -> Iterator[Connection]:
    engine = make_facts_engine(target, readonly)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@dataclass(frozen=True)
class EventFacts:
    event_id: str
    event_type: str
    branch: str | None
    params: dict[str, Any]
    sources: tuple[str, ...]
    results: tuple[str, ...]

    def mapped(self, key: str) -> dict[str, str]:
        """An old → new map kept in params (``replayed``, ``preserved``)."""
        value = self.params.get(key)
        return dict(value) if isinstance(value, dict) else {}

    def listed(self, key: str) -> list[str]:
        value = self.params.get(key)
        return list(value) if isinstance(value, list) else []


@dataclass(frozen=True)
class Snapshot:
    tract_id: str
    tips: dict[str, str | None]  # branch short name → tip
    ancestors: dict[str, frozenset[str]]  # branch → every commit reachable from its tip
    head: tuple[str | None, str | None]  # (symbolic target, direct commit)
    events: dict[str, EventFacts]
    counts: dict[str, int]  # rows per table
    commits: frozenset[str]  # every commit hash of the tract

    def counts_without_cache(self) -> dict[str, int]:
        return {k: v for k, v in self.counts.items() if k != CACHE_TABLE}


@dataclass(frozen=True)
class VersionFacts:
    """The markers an upgrade changes: never one without the other."""

    tables: frozenset[str]
    schema_version: str | None
    revision: str | None
    counts: dict[str, int]

    @property
    def key(self) -> tuple[frozenset[str], str | None, str | None]:
        return (self.tables, self.schema_version, self.revision)


def table_counts(conn: Connection) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    return {n: int(conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()) for n in names}


def version_facts(target: str, readonly: bool = False) -> VersionFacts:
    with connect(target, readonly) as conn:
        tables = frozenset(inspect(conn).get_table_names())
        schema_version = None
        if "_trace_meta" in tables:
            schema_version = conn.execute(
                text("SELECT value FROM _trace_meta WHERE \"key\" = 'schema_version'")
            ).scalar()
        revision = None
        if ALEMBIC_VERSION_TABLE in tables:
            revision = conn.execute(
                text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}")
            ).scalar()
        return VersionFacts(tables, schema_version, revision, table_counts(conn))


def _ancestors(conn: Connection, tip: str, has_merges: bool) -> frozenset[str]:
    merge_edges = "UNION SELECT commit_hash, parent_hash FROM commit_parents" if has_merges else ""
    stmt = text(_ANCESTORS.text.format(merge_edges=merge_edges))
    return frozenset(r[0] for r in conn.execute(stmt, {"tip": tip}))


def _events(conn: Connection, tract_id: str) -> dict[str, EventFacts]:
    rows = conn.execute(
        text(
            "SELECT event_id, event_type, branch_name, params_json FROM operation_events "
            "WHERE tract_id = :t"
        ),
        {"t": tract_id},
    ).all()
    links: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for event_id, commit_hash, role, position in conn.execute(
        text(
            "SELECT oc.event_id, oc.commit_hash, oc.role, oc.position FROM operation_commits oc "
            "JOIN operation_events e ON e.event_id = oc.event_id WHERE e.tract_id = :t"
        ),
        {"t": tract_id},
    ):
        links.setdefault(event_id, {}).setdefault(role, []).append((position, commit_hash))
    out: dict[str, EventFacts] = {}
    for event_id, event_type, branch, params in rows:
        if isinstance(params, str):
            params = json.loads(params)
        roles = links.get(event_id, {})
        out[event_id] = EventFacts(
            event_id,
            event_type,
            branch,
            params if isinstance(params, dict) else {},
            tuple(h for _, h in sorted(roles.get("source", []))),
            tuple(h for _, h in sorted(roles.get("result", []))),
        )
    return out


def snapshot(target: str, tract_id: str) -> Snapshot:
    """Everything the invariants compare, in one read transaction."""
    with connect(target) as conn, conn.begin():
        tables = set(inspect(conn).get_table_names())
        refs = conn.execute(
            text("SELECT ref_name, commit_hash, symbolic_target FROM refs WHERE tract_id = :t"),
            {"t": tract_id},
        ).all()
        tips = {
            name[len(BRANCH_PREFIX) :]: commit
            for name, commit, _ in refs
            if name.startswith(BRANCH_PREFIX)
        }
        head = next(((sym, commit) for name, commit, sym in refs if name == "HEAD"), (None, None))
        merges = "commit_parents" in tables
        ancestors = {
            b: (_ancestors(conn, tip, merges) if tip else frozenset()) for b, tip in tips.items()
        }
        events = _events(conn, tract_id) if "operation_events" in tables else {}
        commits = frozenset(
            r[0]
            for r in conn.execute(
                text("SELECT commit_hash FROM commits WHERE tract_id = :t"), {"t": tract_id}
            )
        )
        return Snapshot(tract_id, tips, ancestors, head, events, table_counts(conn), commits)


def only_tract(target: str) -> str:
    with connect(target) as conn:
        ids = [r[0] for r in conn.execute(text("SELECT DISTINCT tract_id FROM commits"))]
    if len(ids) != 1:
        raise AssertionError(f"{target}: expected one tract, found {len(ids)}")
    return ids[0]


@dataclass(frozen=True)
class Provenance:
    """Where each commit's content went: copies (replayed/preserved/rebased) and summaries
    (a compress source → that event's results). Reverts are not followed: they move a branch
    back to commits that are then on it again."""

    copies: dict[str, set[str]]
    summaries: dict[str, set[str]]

    @classmethod
    def of(cls, events: dict[str, EventFacts]) -> Provenance:
        copies: dict[str, set[str]] = {}
        summaries: dict[str, set[str]] = {}
        for ev in events.values():
            if ev.event_type not in ("compress", "reorganize"):
                continue
            for key in ("replayed", "preserved"):
                for old, new in ev.mapped(key).items():
                    copies.setdefault(old, set()).add(new)
            if ev.event_type == "reorganize":
                for old, new in zip(ev.sources, ev.results, strict=False):
                    copies.setdefault(old, set()).add(new)
            else:
                for src in ev.sources:
                    summaries.setdefault(src, set()).update(ev.results)
        return cls(copies, summaries)

    def account(self, commit: str, on_branch: frozenset[str]) -> str | None:
        """How ``commit`` is still on the branch: "branch" (itself), "replayed" (a copy of it),
        "summarised" (a summary of it or of a copy); None when nothing leads back to it."""
        if commit in on_branch:
            return "branch"
        seen = {commit}
        frontier = [(commit, False)]
        found: str | None = None
        while frontier:
            node, summarised = frontier.pop()
            edges = [(n, summarised) for n in self.copies.get(node, ())]
            edges += [(n, True) for n in self.summaries.get(node, ())]
            for nxt, via_summary in edges:
                if nxt in seen:
                    continue
                seen.add(nxt)
                if nxt in on_branch:
                    if not via_summary:
                        return "replayed"
                    found = "summarised"
                frontier.append((nxt, via_summary))
        return found

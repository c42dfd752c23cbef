"""Builders of tract-ai stores at every schema version, and ways to compare their structure.

A store is built the way tract-ai built it: the reference DDL of that version
(``reference/schemas/<version>.sql``) is executed verbatim into a new SQLite file (or, for
PostgreSQL, SQLAlchemy tables mirroring ``v5.sql`` are created), then realistic rows are
inserted in that version's conventions: blobs and commits with correct hashes
(``core.engine.hashing``), timestamps in the fixed ``YYYY-MM-DD HH:MM:SS.ffffff`` text, enum
names in upper case, JSON ``null`` text where tract-ai wrote ``None``, refs as that release kept
them (the early v1 layout only has a bare ``HEAD``), an EDIT, annotations, a merge (v2+),
legacy compressions (v3..v5), a spawn pointer (v4+) and policy rows (v5).

Everything the tests need to check afterwards is returned in a :class:`Built`.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)

from core.engine.hashing import commit_hash, commit_hash_candidates, content_hash
from core.models.enums import CommitOperation
from tests.conftest import shared_root

SHARED_DIR = shared_root()
SCHEMA_DIR = SHARED_DIR / "reference" / "schemas"

T0 = datetime(2026, 2, 20, 10, 15, 30, 4512)  # naive UTC, as stored
TRACT = "5f0c6d1e2a3b4c5d6e7f8091a2b3c4d5"
CHILD_TRACT = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
V6_TABLES = (
    "blobs",
    "commits",
    "refs",
    "annotations",
    "commit_parents",
    "operation_events",
    "operation_commits",
    "compile_records",
    "compile_effectives",
    "spawn_pointers",
    "policy_proposals",
    "policy_log",
    "_trace_meta",
)
LEGACY_TABLES = ("compressions", "compression_sources", "compression_results")


def ts_text(dt: datetime) -> str:
    """tract-ai's fixed SQLite text form of a naive-UTC timestamp."""
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def ro_uri(path: Path) -> str:
    """A read-only SQLite URI for ``path`` (quoted: '#', '?' and '%' are legal in paths)."""
    return f"{Path(path).resolve().as_uri()}?mode=ro"


def reference_ddl(version: str) -> str:
    path = SCHEMA_DIR / f"{version}.sql"
    if not path.is_file():
        pytest.skip(
            f"tract-ai's {version} DDL is not here ({path}): the shared reference is absent"
        )
    return path.read_text(encoding="utf-8")


# --- DDL text, parsed ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ddl:
    """CREATE statements parsed into comparable parts (whitespace-normalised)."""

    tables: dict[str, tuple[str, ...]]  # table -> its column/constraint lines, in order
    indexes: dict[str, str]  # index name -> "CREATE [UNIQUE ]INDEX name ON table (cols)"

    def index_tables(self) -> dict[str, str]:
        return {
            name: re.match(r"CREATE (?:UNIQUE )?INDEX \S+ ON (\S+)", stmt).group(1)  # type: ignore[union-attr]
            for name, stmt in self.indexes.items()
        }


_TABLE_RE = re.compile(r'^CREATE TABLE ("?[\w]+"?) \((.*)\)$', re.S)
_INDEX_RE = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (\S+) ?\((.*)\)$", re.S)


def _norm(s: str) -> str:
    return " ".join(s.split())


def parse_ddl(statements: Iterable[str]) -> Ddl:
    tables: dict[str, tuple[str, ...]] = {}
    indexes: dict[str, str] = {}
    for raw in statements:
        stmt = raw.strip().rstrip(";").strip()
        if not stmt:
            continue
        if m := _TABLE_RE.match(stmt):
            name = m.group(1).strip('"')
            lines = tuple(
                _norm(line).rstrip(",").strip() for line in m.group(2).splitlines() if line.strip()
            )
            tables[name] = lines
        elif m := _INDEX_RE.match(stmt):
            unique, name, table, cols = m.groups()
            cols = ", ".join(_norm(c) for c in cols.split(","))
            indexes[name] = f"CREATE {unique or ''}INDEX {name} ON {table} ({cols})"
        else:
            raise ValueError(f"unexpected DDL statement: {stmt[:80]!r}")
    return Ddl(tables, indexes)


def parse_reference_ddl(version: str) -> Ddl:
    return parse_ddl(reference_ddl(version).split(";"))


def parse_sqlite_ddl(path: Path) -> Ddl:
    con = sqlite3.connect(ro_uri(path), uri=True)
    try:
        rows = con.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index')"
        ).fetchall()
    finally:
        con.close()
    return parse_ddl(r[0] for r in rows)


# --- structure, through the SQLAlchemy inspector (both dialects) -------------------------


def structure(bind: Engine | Connection, tables: Iterable[str] | None = None) -> dict[str, Any]:
    """Per table: columns (name → type, nullable), primary key, foreign keys, indexes, uniques.

    Column order is left out on purpose: ``ALTER TABLE … ADD COLUMN`` appends.
    """
    insp = inspect(bind)
    names = sorted(tables) if tables is not None else sorted(insp.get_table_names())
    out: dict[str, Any] = {}
    for name in names:
        cols = {
            c["name"]: (_type_name(c["type"]), bool(c["nullable"])) for c in insp.get_columns(name)
        }
        pk = tuple(insp.get_pk_constraint(name)["constrained_columns"])
        fks = sorted(
            (
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                (fk.get("options") or {}).get("ondelete"),
            )
            for fk in insp.get_foreign_keys(name)
        )
        idx = {
            i["name"]: (tuple(i["column_names"]), bool(i["unique"]))
            for i in insp.get_indexes(name)
            if i.get("name") and not i["name"].startswith("sqlite_autoindex")
        }
        uniques = sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(name))
        out[name] = {"columns": cols, "pk": pk, "fks": fks, "indexes": idx, "uniques": uniques}
    return out


def _type_name(t: Any) -> str:
    name = type(t).__name__.upper()
    if name == "ENUM":  # PostgreSQL native enum: compare by its type name and labels
        return f"ENUM {t.name} {tuple(t.enums)}"
    return str(t).upper()


def columns(bind: Engine | Connection, table: str) -> list[str]:
    return [c["name"] for c in inspect(bind).get_columns(table)]


# --- layouts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """One tract-ai store layout: which DDL, and that release's conventions."""

    name: str
    ddl: str  # reference file executed verbatim
    schema_version: int
    tract_col: str = "tract_id"
    edit_col: str = "response_to"
    gen_config: bool = True
    bare_head: bool = False  # early refs: one direct HEAD row, no refs/heads/*
    alter: tuple[str, ...] = ()  # run after the DDL (intermediate v1 layouts)

    @property
    def early(self) -> bool:
        return (
            self.tract_col != "tract_id"
            or self.edit_col != "response_to"
            or not self.gen_config
            or self.bare_head
        )

    @property
    def merges(self) -> bool:
        return self.schema_version >= 2

    @property
    def compressions(self) -> bool:
        return 3 <= self.schema_version <= 5

    @property
    def spawns(self) -> bool:
        return self.schema_version >= 4

    @property
    def policies(self) -> bool:
        return self.schema_version >= 5

    @property
    def ascii_payloads(self) -> bool:
        return self.schema_version == 1  # v1 wrote json.dumps' default ASCII escaping


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout(
            "v1early",
            "v1early",
            1,
            tract_col="repo_id",
            edit_col="reply_to",
            gen_config=False,
            bare_head=True,
        ),
        # Intermediate v1 stores: only some of the early differences.
        Layout(
            "v1mid_tract_id",
            "v1early",
            1,
            edit_col="reply_to",
            gen_config=False,
            alter=tuple(
                f"ALTER TABLE {t} RENAME COLUMN repo_id TO tract_id"
                for t in ("commits", "refs", "annotations")
            ),
        ),
        Layout(
            "v1mid_bare_head",
            "v1",
            1,
            gen_config=False,
            bare_head=True,
            alter=("ALTER TABLE commits DROP COLUMN generation_config_json",),
        ),
        Layout("v1", "v1", 1),
        Layout("v2", "v2", 2),
        Layout("v3", "v3", 3),
        Layout("v4", "v4", 4),
        Layout("v5", "v5", 5),
        Layout("v6", "v6", 6),  # tract-ai's own v6: no private revision yet
    )
}


# --- the rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltCommit:
    name: str
    commit_hash: str
    parent_hash: str | None
    content_hash: str
    content_type: str
    operation: CommitOperation
    edit_target: str | None
    created_at: datetime
    merge_parents: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BuiltCompression:
    compression_id: str
    branch_name: str | None
    created_at: str  # the stored text
    original_tokens: int
    compressed_tokens: int
    target_tokens: int | None
    instructions: str | None
    sources: tuple[str, ...]
    results: tuple[str, ...]

    @property
    def expected_params(self) -> dict[str, Any] | None:
        params = {
            k: v
            for k, v in (("target_tokens", self.target_tokens), ("instructions", self.instructions))
            if v is not None
        }
        return params or None


@dataclass
class Built:
    layout: Layout
    tract_id: str
    commits: dict[str, BuiltCommit] = field(default_factory=dict)
    blobs: dict[str, str] = field(default_factory=dict)  # content_hash -> payload_json
    refs: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    annotations: int = 0
    compressions: list[BuiltCompression] = field(default_factory=list)
    spawns: int = 0
    policy_rows: tuple[int, int] = (0, 0)
    meta: dict[str, str] = field(default_factory=dict)
    v6_rows: dict[str, int] = field(default_factory=dict)  # native v6 events/records
    path: Path | None = None

    @property
    def head(self) -> str:
        return self.commits["head"].commit_hash

    def h(self, name: str) -> str:
        return self.commits[name].commit_hash

    def expected_counts(self) -> dict[str, int]:
        counts = {
            "blobs": len(self.blobs),
            "commits": len(self.commits),
            "refs": len(self.refs),
            "annotations": self.annotations,
            "_trace_meta": len(self.meta),
        }
        if self.layout.merges:
            counts["commit_parents"] = sum(
                len(c.merge_parents or ()) for c in self.commits.values()
            )
        if self.layout.compressions:
            counts["compressions"] = len(self.compressions)
            counts["compression_sources"] = sum(len(c.sources) for c in self.compressions)
            counts["compression_results"] = sum(len(c.results) for c in self.compressions)
        if self.layout.spawns:
            counts["spawn_pointers"] = self.spawns
        if self.layout.policies:
            counts["policy_proposals"], counts["policy_log"] = self.policy_rows
        if self.layout.schema_version >= 6:
            for table in (
                "operation_events",
                "operation_commits",
                "compile_records",
                "compile_effectives",
            ):
                counts[table] = self.v6_rows.get(table, 0)
        return counts


def _payloads() -> dict[str, dict[str, Any]]:
    return {
        "system": {
            "content_type": "instruction",
            "text": "You are a careful assistant. Answer in British English.",
        },
        "ask": {
            "content_type": "dialogue",
            "name": None,
            "role": "user",
            "text": "Summarise the notes from the café ☕ meeting, please.",
        },
        "answer": {
            "content_type": "dialogue",
            "name": None,
            "role": "assistant",
            "text": "The team agreed to ship on Friday.",
        },
        "call": {
            "content_type": "tool_io",
            "direction": "call",
            "payload": {"command": "grep -n 'ship' notes.md"},
            "status": None,
            "tool_name": "bash",
        },
        "result": {
            "content_type": "tool_io",
            "direction": "result",
            "payload": {"output": "12:ship on Friday after QA — Zoë"},
            "status": "success",
            "tool_name": "bash",
        },
        "answer_v2": {
            "content_type": "dialogue",
            "name": None,
            "role": "assistant",
            "text": "The team agreed to ship on Friday, after QA signs off.",
        },
        "ok": {"content_type": "dialogue", "name": "sam", "role": "user", "text": "ok"},
        "think": {"content_type": "reasoning", "text": "Check the release calendar first."},
        "out": {"content_type": "output", "format": "markdown", "text": "**Friday** it is."},
        "merge": {
            "content_type": "dialogue",
            "name": None,
            "role": "user",
            "text": "Bring the calendar findings back into the main thread.",
        },
        "summary": {
            "content_type": "dialogue",
            "name": None,
            "role": "assistant",
            "text": "Summary: ship Friday after QA.",
        },
        "summary2": {
            "content_type": "session",
            "decisions": ["ship Friday"],
            "failed_approaches": [],
            "next_steps": ["tell QA"],
            "session_type": "checkpoint",
            "summary": "Release agreed.",
        },
    }


def populate(
    conn: Connection,
    layout: Layout,
    tract_id: str = TRACT,
    *,
    t0: datetime = T0,
    known_blobs: set[str] | None = None,
) -> Built:
    """Insert a realistic tract-ai history in ``layout``'s conventions (plain SQL, both dialects).

    To put several tracts in one database, give each its own ``t0`` (commit hashes do not
    cover the tract) and share ``known_blobs`` (blobs are global).
    """
    built = Built(layout=layout, tract_id=tract_id)
    payloads = _payloads()
    clock = iter(range(10_000))
    known = known_blobs if known_blobs is not None else set()
    first = not known  # database-wide rows (meta) are written by the first tract only

    def at() -> datetime:
        step = next(clock)
        when = t0 + timedelta(milliseconds=37 * step, microseconds=11 * step)
        if step == 3:  # a whole second: isoformat() then omits the fraction in the hash
            when = when.replace(microsecond=0)
        return when

    def blob(key: str, when: datetime) -> str:
        payload = payloads[key]
        chash = content_hash(payload)
        if chash in built.blobs:
            return chash
        stored = json.dumps(payload, sort_keys=True, ensure_ascii=layout.ascii_payloads)
        built.blobs[chash] = stored
        if chash in known:
            return chash
        known.add(chash)
        words = len(json.dumps(payload).split())
        conn.execute(
            text(
                "INSERT INTO blobs (content_hash, payload_json, byte_size, token_count, "
                "created_at) VALUES (:h, :p, :b, :t, :c)"
            ),
            {
                "h": chash,
                "p": stored,
                "b": len(stored.encode("utf-8")),
                "t": words,
                "c": ts_text(when),
            },
        )
        return chash

    def commit(
        name: str,
        key: str,
        parent: str | None,
        *,
        edit: str | None = None,
        merge: tuple[str, ...] | None = None,
        message: str | None = None,
        metadata: dict[str, Any] | None = None,
        gen: dict[str, Any] | None = None,
    ) -> str:
        when = at()
        chash = blob(key, when)
        parent_hash = built.h(parent) if parent else None
        edit_hash = built.h(edit) if edit else None
        op = CommitOperation.EDIT if edit else CommitOperation.APPEND
        content_type = payloads[key]["content_type"]
        h = commit_hash(
            content_hash=chash,
            parent_hash=parent_hash,
            content_type=content_type,
            operation=op,
            created_at=when,
            response_to=edit_hash,
            edit_key=layout.edit_col,
        )  # tract-ai 0.1 merges were hashed without their other parents
        cols = [
            layout.tract_col,
            "commit_hash",
            "parent_hash",
            "content_hash",
            "content_type",
            "operation",
            layout.edit_col,
            "message",
            "token_count",
            "metadata_json",
            "created_at",
        ]
        values: dict[str, Any] = {
            layout.tract_col: tract_id,
            "commit_hash": h,
            "parent_hash": parent_hash,
            "content_hash": chash,
            "content_type": content_type,
            "operation": op.name,
            layout.edit_col: edit_hash,
            "message": message,
            "token_count": 7 + len(name),
            "metadata_json": json.dumps(metadata),
            "created_at": ts_text(when),
        }
        if layout.gen_config:
            cols.append("generation_config_json")
            values["generation_config_json"] = json.dumps(gen)
        conn.execute(
            text(
                f"INSERT INTO commits ({', '.join(cols)}) "
                f"VALUES ({', '.join(':' + c for c in cols)})"
            ),
            values,
        )
        merge_hashes = tuple(built.h(p) for p in merge) if merge else None
        for pos, p in enumerate(merge_hashes or ()):
            conn.execute(
                text(
                    "INSERT INTO commit_parents (commit_hash, parent_hash, position) "
                    "VALUES (:c, :p, :n)"
                ),
                {"c": h, "p": p, "n": pos},
            )
        built.commits[name] = BuiltCommit(
            name, h, parent_hash, chash, content_type, op, edit_hash, when, merge_hashes
        )
        return h

    def annotate(target: str, priority: str, reason: str | None, when: datetime) -> None:
        conn.execute(
            text(
                f"INSERT INTO annotations ({layout.tract_col}, target_hash, priority, reason, "
                "created_at) VALUES (:t, :h, :p, :r, :c)"
            ),
            {"t": tract_id, "h": built.h(target), "p": priority, "r": reason, "c": ts_text(when)},
        )
        built.annotations += 1

    def ref(name: str, commit_name: str | None, symbolic: str | None) -> None:
        target = built.h(commit_name) if commit_name else None
        conn.execute(
            text(
                f"INSERT INTO refs ({layout.tract_col}, ref_name, commit_hash, symbolic_target) "
                "VALUES (:t, :n, :c, :s)"
            ),
            {"t": tract_id, "n": name, "c": target, "s": symbolic},
        )
        built.refs[name] = (target, symbolic)

    def meta(key: str, value: str) -> None:
        if not first:
            return
        conn.execute(
            text('INSERT INTO _trace_meta ("key", value) VALUES (:k, :v)'), {"k": key, "v": value}
        )
        built.meta[key] = value

    meta("schema_version", str(layout.schema_version))
    meta("x-operator-note", "kept as is")  # an unknown key must survive

    gen = {"model": "gpt-4o-mini", "temperature": 0.2, "usage": {"prompt_tokens": 41}}
    commit("system", "system", None, message="system prompt", metadata={"source": "demo"})
    commit("ask", "ask", "system", message="")  # '' is kept as ''
    commit("answer", "answer", "ask", gen=gen)
    commit("call", "call", "answer")
    commit("result", "result", "call", metadata={"tool_call_id": "call_01"})
    commit("edit", "answer_v2", "result", edit="answer", message="clarify QA", gen=gen)
    commit("ok", "ok", "edit")
    if layout.merges:
        commit("think", "think", "result")
        commit("out", "out", "think", gen=gen)
        commit("merge", "merge", "ok", merge=("ok", "out"), message="Merge 'calendar' into main")
        commit("head", "ok", "merge")  # same payload again: one blob, two commits
    else:
        commit("head", "ok", "ok")
    if layout.compressions:
        commit("summary", "summary", "system", message="compressed")
        commit("summary2", "summary2", "system")

    pinned_at = built.commits["system"].created_at
    annotate("system", "PINNED", "Default priority for instruction", pinned_at)
    annotate("call", "SKIP", "noisy tool output", at())
    annotate("call", "NORMAL", None, at())
    annotate("answer", "PINNED", "the decision", at())

    if layout.bare_head:
        ref("HEAD", "head", None)
    else:
        ref("HEAD", None, "refs/heads/main")
        ref("refs/heads/main", "head", None)
        ref("ORIG_HEAD", "result", None)
        if layout.merges:
            ref("refs/heads/calendar", "out", None)
            ref("PREV_HEAD", "out", None)
            ref("PREV_BRANCH", None, "refs/heads/calendar")

    if layout.compressions:
        specs = [
            (1, "main", 500, "keep names", ("ask", "answer", "call"), ("summary",)),
            (2, "main", None, None, ("result", "edit", "ok", "call"), ("summary2", "summary")),
            (3, None, 200, None, ("think",), ()),
        ]
        for n, branch, target, instructions, sources, results in specs:
            cid = hashlib.md5(f"{tract_id}:{n}".encode()).hexdigest()  # uuid4().hex-shaped
            created = ts_text(at())
            conn.execute(
                text(
                    "INSERT INTO compressions (compression_id, tract_id, branch_name, "
                    "created_at, original_tokens, compressed_tokens, target_tokens, "
                    "instructions) VALUES (:i, :t, :b, :c, :o, :n, :tt, :ins)"
                ),
                {
                    "i": cid,
                    "t": tract_id,
                    "b": branch,
                    "c": created,
                    "o": 1727,
                    "n": 90 + len(sources),
                    "tt": target,
                    "ins": instructions,
                },
            )
            for table, names in (
                ("compression_sources", sources),
                ("compression_results", results),
            ):
                # Inserted in reverse so row order differs from position order.
                for pos, name in reversed(list(enumerate(names))):
                    conn.execute(
                        text(
                            f"INSERT INTO {table} (compression_id, commit_hash, position) "
                            "VALUES (:i, :h, :p)"
                        ),
                        {"i": cid, "h": built.h(name), "p": pos},
                    )
            built.compressions.append(
                BuiltCompression(
                    cid,
                    branch,
                    created,
                    1727,
                    90 + len(sources),
                    target,
                    instructions,
                    tuple(built.h(n) for n in sources),
                    tuple(built.h(n) for n in results),
                )
            )

    if layout.spawns:
        conn.execute(
            text(
                "INSERT INTO spawn_pointers (parent_tract_id, parent_commit_hash, "
                "child_tract_id, purpose, inheritance_mode, display_name, created_at) "
                "VALUES (:p, :h, :c, :u, 'head_snapshot', 'investigator', :t)"
            ),
            {
                "p": tract_id,
                "h": built.h("result"),
                "c": CHILD_TRACT if first else tract_id[::-1],
                "u": "investigate the failing release check",
                "t": ts_text(at()),
            },
        )
        built.spawns = 1

    if layout.policies:
        meta("policy_config", json.dumps({"compress": {"threshold": 0.9}}))
        conn.execute(
            text(
                "INSERT INTO policy_proposals (proposal_id, tract_id, policy_name, action_type, "
                "action_params_json, reason, status, created_at, resolved_at) VALUES "
                "(:i, :t, 'auto_compress', 'compress', :a, 'over budget', 'executed', :c, :r)"
            ),
            {
                "i": tract_id[::-1],
                "t": tract_id,
                "a": json.dumps({"target_tokens": 300}),
                "c": ts_text(at()),
                "r": ts_text(at()),
            },
        )
        conn.execute(
            text(
                'INSERT INTO policy_log (tract_id, policy_name, "trigger", action_type, reason, '
                "outcome, commit_hash, error_message, created_at) VALUES "
                "(:t, 'auto_compress', 'compile', 'compress', 'over budget', 'proposed', :h, "
                "NULL, :c)"
            ),
            {"t": tract_id, "h": built.h("head"), "c": ts_text(at())},
        )
        built.policy_rows = (1, 1)

    if layout.schema_version >= 6:  # what tract-ai v6 writes natively
        event_id = hashlib.md5(f"{tract_id}:event".encode()).hexdigest()
        conn.execute(
            text(
                "INSERT INTO operation_events (event_id, tract_id, event_type, branch_name, "
                "created_at, original_tokens, compressed_tokens, params_json) VALUES "
                "(:e, :t, 'compress', 'main', :c, 812, 64, :p)"
            ),
            {
                "e": event_id,
                "t": tract_id,
                "c": ts_text(at()),
                "p": json.dumps({"target_tokens": None, "instructions": "keep names"}),
            },
        )
        links = [("ask", "source", 0), ("answer", "source", 1), ("out", "result", 0)]
        for name, role, pos in links:
            conn.execute(
                text(
                    "INSERT INTO operation_commits (event_id, commit_hash, role, position) "
                    "VALUES (:e, :h, :r, :p)"
                ),
                {"e": event_id, "h": built.h(name), "r": role, "p": pos},
            )
        record_id = hashlib.md5(f"{tract_id}:record".encode()).hexdigest()
        conn.execute(
            text(
                "INSERT INTO compile_records (record_id, tract_id, head_hash, token_count, "
                "commit_count, token_source, params_json, created_at) VALUES "
                "(:r, :t, :h, 321, 3, 'tiktoken:cl100k_base', 'null', :c)"
            ),
            {"r": record_id, "t": tract_id, "h": built.head, "c": ts_text(at())},
        )
        for pos, name in enumerate(("system", "edit", "head")):
            conn.execute(
                text(
                    "INSERT INTO compile_effectives (record_id, commit_hash, position) "
                    "VALUES (:r, :h, :p)"
                ),
                {"r": record_id, "h": built.h(name), "p": pos},
            )
        built.v6_rows = {
            "operation_events": 1,
            "operation_commits": len(links),
            "compile_records": 1,
            "compile_effectives": 3,
        }
    return built


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fk(dbapi_conn, _rec) -> None:
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    return engine


def build_sqlite_store(
    path: Path, layout_name: str, tract_id: str = TRACT, *, more_tracts: Iterable[str] = ()
) -> Built:
    """A new SQLite file holding ``layout_name``'s DDL (verbatim) and a realistic history.

    ``more_tracts`` adds the same history (an hour later each) under other tract ids; the
    returned :class:`Built` describes the first tract only.
    """
    layout = LAYOUTS[layout_name]
    con = sqlite3.connect(path)
    try:
        con.executescript(reference_ddl(layout.ddl))
        for stmt in layout.alter:
            con.execute(stmt)
        con.execute("PRAGMA journal_mode=WAL")  # as tract-ai leaves its stores
        con.commit()
    finally:
        con.close()
    engine = _sqlite_engine(path)
    try:
        with engine.begin() as conn:
            known: set[str] = set()
            built = populate(conn, layout, tract_id, known_blobs=known)
            for n, other in enumerate(more_tracts, start=1):
                populate(conn, layout, other, t0=T0 + timedelta(hours=n), known_blobs=known)
    finally:
        engine.dispose()
    built.path = path
    return built


# --- a v5 layout as SQLAlchemy tables (for PostgreSQL), mirroring v5.sql -----------------


def v5_metadata() -> MetaData:
    """tract-ai v5's tables, as its create_all made them (native enums on PostgreSQL)."""
    md = MetaData()
    Table(
        "blobs",
        md,
        Column("content_hash", String(64), primary_key=True),
        Column("payload_json", Text, nullable=False),
        Column("byte_size", Integer, nullable=False),
        Column("token_count", Integer, nullable=False),
        Column("created_at", DateTime, nullable=False),
    )
    Table(
        "compressions",
        md,
        Column("compression_id", String(64), primary_key=True),
        Column("tract_id", String(64), nullable=False),
        Column("branch_name", String(255)),
        Column("created_at", DateTime, nullable=False),
        Column("original_tokens", Integer, nullable=False),
        Column("compressed_tokens", Integer, nullable=False),
        Column("target_tokens", Integer),
        Column("instructions", Text),
        Index("ix_compressions_tract_id", "tract_id"),
    )
    Table(
        "policy_proposals",
        md,
        Column("proposal_id", String(64), primary_key=True),
        Column("tract_id", String(64), nullable=False),
        Column("policy_name", String(100), nullable=False),
        Column("action_type", String(50), nullable=False),
        Column("action_params_json", JSON),
        Column("reason", Text),
        Column("status", String(20), nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("resolved_at", DateTime),
        Index("ix_policy_proposals_tract_status", "tract_id", "status"),
        Index("ix_policy_proposals_tract_id", "tract_id"),
    )
    Table(
        "policy_log",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("tract_id", String(64), nullable=False),
        Column("policy_name", String(100), nullable=False),
        Column("trigger", String(20), nullable=False),
        Column("action_type", String(50)),
        Column("reason", Text),
        Column("outcome", String(20), nullable=False),
        Column("commit_hash", String(64)),
        Column("error_message", Text),
        Column("created_at", DateTime, nullable=False),
        Index("ix_policy_log_tract_time", "tract_id", "created_at"),
        Index("ix_policy_log_tract_id", "tract_id"),
    )
    Table(
        "_trace_meta",
        md,
        Column("key", String(255), primary_key=True),
        Column("value", Text, nullable=False),
    )
    Table(
        "commits",
        md,
        Column("commit_hash", String(64), primary_key=True),
        Column("tract_id", String(64), nullable=False),
        Column("parent_hash", String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")),
        Column("content_hash", String(64), ForeignKey("blobs.content_hash"), nullable=False),
        Column("content_type", String(50), nullable=False),
        Column("operation", Enum("APPEND", "EDIT", name="commitoperation"), nullable=False),
        Column("response_to", String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")),
        Column("message", Text),
        Column("token_count", Integer, nullable=False),
        Column("metadata_json", JSON),
        Column("generation_config_json", JSON),
        Column("created_at", DateTime, nullable=False),
        Index("ix_commits_response_to", "response_to"),
        Index("ix_commits_tract_id", "tract_id"),
        Index("ix_commits_tract_type", "tract_id", "content_type"),
        Index("ix_commits_tract_time", "tract_id", "created_at"),
    )
    Table(
        "refs",
        md,
        Column("tract_id", String(64), primary_key=True),
        Column("ref_name", String(255), primary_key=True),
        Column("commit_hash", String(64), ForeignKey("commits.commit_hash")),
        Column("symbolic_target", String(255)),
    )
    Table(
        "annotations",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("tract_id", String(64), nullable=False),
        Column("target_hash", String(64), ForeignKey("commits.commit_hash"), nullable=False),
        Column("priority", Enum("SKIP", "NORMAL", "PINNED", name="priority"), nullable=False),
        Column("reason", Text),
        Column("created_at", DateTime, nullable=False),
        Index("ix_annotations_tract_id", "tract_id"),
        Index("ix_annotations_target_time", "target_hash", "created_at"),
    )
    Table(
        "commit_parents",
        md,
        Column("commit_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
        Column("parent_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
        Column("position", Integer, nullable=False),
        Index("ix_commit_parents_commit", "commit_hash"),
    )
    for name in ("compression_sources", "compression_results"):
        Table(
            name,
            md,
            Column(
                "compression_id",
                String(64),
                ForeignKey("compressions.compression_id"),
                primary_key=True,
            ),
            Column("commit_hash", String(64), ForeignKey("commits.commit_hash"), primary_key=True),
            Column("position", Integer, nullable=False),
        )
    Table(
        "spawn_pointers",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("parent_tract_id", String(64), nullable=False),
        Column(
            "parent_commit_hash", String(64), ForeignKey("commits.commit_hash", ondelete="SET NULL")
        ),
        Column("child_tract_id", String(64), nullable=False, unique=True),
        Column("purpose", Text, nullable=False),
        Column("inheritance_mode", String(20), nullable=False),
        Column("display_name", String(255)),
        Column("created_at", DateTime, nullable=False),
        Index("ix_spawn_parent_tract", "parent_tract_id"),
        Index("ix_spawn_child_tract", "child_tract_id"),
    )
    return md


def build_v5_with_sqlalchemy(bind: Engine, tract_id: str = TRACT) -> Built:
    """tract-ai v5 through SQLAlchemy's create_all (how tract-ai made PostgreSQL stores)."""
    with bind.begin() as conn:
        v5_metadata().create_all(conn)
        return populate(conn, LAYOUTS["v5"], tract_id)


# --- reading back -------------------------------------------------------------------------


def count_rows(bind: Engine | Connection) -> dict[str, int]:
    insp = inspect(bind)
    names = insp.get_table_names()

    def run(conn: Connection) -> dict[str, int]:
        return {
            n: int(conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()) for n in names
        }

    if isinstance(bind, Connection):
        return run(bind)
    with bind.connect() as conn:
        return run(conn)


def sqlite_counts(path: Path) -> dict[str, int]:
    """Row count of every table, read with the sqlite3 module (read-only)."""
    con = sqlite3.connect(ro_uri(path), uri=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def unverified_commits(conn: Connection) -> list[str]:
    """Commits whose hash no genuine tract-ai hash form reproduces (should be empty)."""
    parents: dict[str, list[tuple[int, str]]] = {}
    if inspect(conn).has_table("commit_parents"):
        for c, p, pos in conn.execute(
            text("SELECT commit_hash, parent_hash, position FROM commit_parents")
        ):
            parents.setdefault(c, []).append((pos, p))
    bad = []
    rows = conn.execute(
        text(
            "SELECT commit_hash, parent_hash, content_hash, content_type, operation, response_to, "
            "created_at FROM commits"
        )
    )
    for h, parent, chash, ctype, op, edit, created in rows:
        when = datetime.fromisoformat(created) if isinstance(created, str) else created
        merge = [p for _, p in sorted(parents[h])] if h in parents else None
        candidates = commit_hash_candidates(
            content_hash=chash,
            parent_hash=parent,
            content_type=ctype,
            operation=CommitOperation[str(op)],
            created_at=when,
            response_to=edit,
            merge_parents=merge,
        )
        if h not in candidates:
            bad.append(h)
    return bad


def unverified_blobs(conn: Connection) -> list[str]:
    """Blobs whose parsed, re-canonicalised payload does not hash to their key."""
    rows = conn.execute(text("SELECT content_hash, payload_json FROM blobs"))
    return [h for h, payload in rows if content_hash(json.loads(payload)) != h]

"""What tract-ai's schema v7–v13 add: tools linked to commits, tags, retention rules and the
store-info tables (``docs/tract-ai-versions.md``).

Every read checks that the layout has the table or column first, so the same calls work on a
v6 store (they find nothing there). Writes go only where the layout has the table: the
operations refuse earlier, with the version the feature needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.sql.elements import ColumnClause

from core.engine.clock import from_storage, to_storage
from core.models.records import (
    BehavioralSpec,
    ConfigChange,
    OperationConfig,
    RegisteredTag,
    Retention,
)
from core.storage import schema as s
from core.storage import schema_head as h
from core.storage.row_decode import parse_json
from core.storage.schema_head import commits_table
from core.storage.sqla._common import chunks, raw_text, unique
from core.storage.versions import StoreVersion


class SqlHeadTablesRepository:
    def __init__(self, conn: Connection, version: StoreVersion) -> None:
        self.conn = conn
        self.version = version

    def has(self, table: str, column: str | None = None) -> bool:
        return self.version.has(table, column)

    # -- tools (v8) -------------------------------------------------------------------------

    def tools_for_head(self, head: str) -> tuple[dict[str, Any], ...]:
        """The tools of the nearest first-parent ancestor of ``head`` (itself included) that
        has tools linked, in their order; () when none has."""
        if not self.has("commit_tools"):
            return ()
        c = s.commits.c
        anchor = (
            select(
                c.commit_hash.label("h"), c.parent_hash.label("p"), literal_column("0").label("d")
            )
            .where(c.commit_hash == bindparam("head"))
            .cte("walk", recursive=True)
        )
        p = s.commits.alias("p")
        step = (
            select(p.c.commit_hash, p.c.parent_hash, (anchor.c.d + 1).label("d"))
            .select_from(p.join(anchor, p.c.commit_hash == anchor.c.p))
            .where(anchor.c.d + 1 < bindparam("limit"))
        )
        walk = anchor.union_all(step)
        ct = h.commit_tools.c
        nearest = self.conn.execute(
            select(walk.c.h)
            .where(select(ct.commit_hash).where(ct.commit_hash == walk.c.h).exists())
            .order_by(walk.c.d)
            .limit(1),
            {"head": head, "limit": self._depth_bound()},
        ).scalar()
        if nearest is None:
            return ()
        return self.tools_of([nearest]).get(nearest, ())

    def _depth_bound(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(s.commits)).scalar_one()) + 1

    def tools_of(self, hashes: Iterable[str]) -> dict[str, tuple[dict[str, Any], ...]]:
        """Per commit, the tool schemas linked to it, in position order."""
        out: dict[str, list[dict[str, Any]]] = {}
        if not self.has("commit_tools"):
            return {}
        ct, td = h.commit_tools.c, h.tool_definitions.c
        for batch in chunks(unique(hashes)):
            rows = self.conn.execute(
                select(ct.commit_hash, raw_text(td.schema_json).label("schema"))
                .select_from(
                    h.commit_tools.join(h.tool_definitions, td.content_hash == ct.tool_hash)
                )
                .where(ct.commit_hash.in_(batch))
                .order_by(ct.commit_hash, ct.position)
            )
            for commit_hash, schema in rows:
                value = parse_json(schema)
                if isinstance(value, dict):
                    out.setdefault(commit_hash, []).append(value)
        return {k: tuple(v) for k, v in out.items()}

    # -- tags (v10) -------------------------------------------------------------------------

    def tags_of(self, hashes: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Per commit: its commit-time tags (``tags_json``) then the tags added later, once."""
        wanted = unique(hashes)
        out: dict[str, list[str]] = {}
        if self.has("commits", "tags_json"):
            commits = commits_table(self.version.edit_column or "response_to")
            tags_col: ColumnClause[str] = literal_column("tags_json")
            for batch in chunks(wanted):
                for commit_hash, raw in self.conn.execute(
                    select(commits.c.commit_hash, raw_text(tags_col))
                    .select_from(commits)
                    .where(commits.c.commit_hash.in_(batch), tags_col.is_not(None))
                ):
                    value = parse_json(raw)
                    if isinstance(value, list):
                        out.setdefault(commit_hash, []).extend(str(t) for t in value)
        if self.has("tag_annotations"):
            ta = h.tag_annotations.c
            for batch in chunks(wanted):
                for commit_hash, tag in self.conn.execute(
                    select(ta.target_hash, ta.tag)
                    .where(ta.target_hash.in_(batch))
                    .order_by(ta.target_hash, ta.id)
                ):
                    out.setdefault(commit_hash, []).append(tag)
        return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}

    def commits_tagged(self, tract_id: str, tag: str) -> set[str]:
        """Every commit of the tract carrying ``tag`` (at commit time or added later)."""
        found: set[str] = set()
        if self.has("tag_annotations"):
            ta = h.tag_annotations.c
            found.update(
                r[0]
                for r in self.conn.execute(
                    select(ta.target_hash).where(ta.tract_id == tract_id, ta.tag == tag)
                )
            )
        if self.has("commits", "tags_json"):
            c = s.commits.c
            tags_col: ColumnClause[str] = literal_column("tags_json")
            # A cheap text filter first; the JSON is checked exactly below.
            for commit_hash, raw in self.conn.execute(
                select(c.commit_hash, raw_text(tags_col))
                .select_from(s.commits)
                .where(
                    c.tract_id == tract_id,
                    # A real CAST: PostgreSQL has no LIKE on json (type_coerce casts nothing).
                    cast(tags_col, String).like(f"%{_like(tag)}%", "\\"),
                )
            ):
                value = parse_json(raw)
                if isinstance(value, list) and tag in value:
                    found.add(commit_hash)
        return found

    def add_tag(self, tract_id: str, target: str, tag: str, at: datetime) -> None:
        self.conn.execute(
            insert(h.tag_annotations).values(
                tract_id=tract_id, target_hash=target, tag=tag, created_at=to_storage(at)
            )
        )

    def remove_tag(self, tract_id: str, target: str, tag: str) -> int:
        ta = h.tag_annotations.c
        return self.conn.execute(
            delete(h.tag_annotations).where(
                ta.tract_id == tract_id, ta.target_hash == target, ta.tag == tag
            )
        ).rowcount

    def registered_tags(self, tract_id: str) -> list[RegisteredTag]:
        if not self.has("tag_registry"):
            return []
        tr = h.tag_registry.c
        rows = self.conn.execute(
            select(tr.tag_name, tr.description, tr.auto_created, tr.created_at)
            .where(tr.tract_id == tract_id)
            .order_by(tr.tag_name)
        )
        return [
            RegisteredTag(name, description, bool(auto), from_storage(at))
            for name, description, auto, at in rows
        ]

    def is_registered(self, tract_id: str, tag: str) -> bool:
        tr = h.tag_registry.c
        return (
            self.conn.execute(
                select(tr.id).where(tr.tract_id == tract_id, tr.tag_name == tag)
            ).first()
            is not None
        )

    def register_tag(
        self, tract_id: str, tag: str, description: str | None, at: datetime, auto: bool = False
    ) -> bool:
        """Register ``tag`` unless it is; True when a row was added."""
        if self.is_registered(tract_id, tag):
            return False
        self.conn.execute(
            insert(h.tag_registry).values(
                tract_id=tract_id,
                tag_name=tag,
                description=description,
                auto_created=1 if auto else 0,
                created_at=to_storage(at),
            )
        )
        return True

    def delete_tags_of(self, hashes: Iterable[str]) -> int:
        """Tags added later to commits that are being deleted (GC)."""
        if not self.has("tag_annotations"):
            return 0
        ta = h.tag_annotations.c
        n = 0
        for batch in chunks(unique(hashes)):
            n += self.conn.execute(
                delete(h.tag_annotations).where(ta.target_hash.in_(batch))
            ).rowcount
        return n

    def delete_tool_links_of(self, hashes: Iterable[str]) -> int:
        """Tool links of commits that are being deleted (GC); definitions stay, as tract-ai
        keeps them (stored once by hash, shared)."""
        if not self.has("commit_tools"):
            return 0
        ct = h.commit_tools.c
        n = 0
        for batch in chunks(unique(hashes)):
            n += self.conn.execute(delete(h.commit_tools).where(ct.commit_hash.in_(batch))).rowcount
        return n

    # -- retention (v7) ---------------------------------------------------------------------

    def retention_of(self, hashes: Iterable[str]) -> dict[str, Retention]:
        """Per commit, the retention rules of the annotation in force (the newest)."""
        if not self.has("annotations", "retention_json"):
            return {}
        a = s.annotations.c
        col: ColumnClause[str] = literal_column("retention_json")
        out: dict[str, Retention] = {}
        for batch in chunks(unique(hashes)):
            rows = self.conn.execute(
                select(a.target_hash, raw_text(col))
                .select_from(s.annotations)
                .where(a.target_hash.in_(batch))
                .order_by(a.target_hash, a.created_at, a.id)
            )
            for target, raw in rows:
                value = parse_json(raw)
                if isinstance(value, dict):
                    out[target] = Retention.from_dict(value)
                else:
                    out.pop(target, None)  # a newer annotation without rules replaces them
        return out

    def set_retention(self, annotation_id: int, retention: Retention) -> None:
        """Attach retention rules to an annotation just written (same transaction)."""
        self.conn.execute(
            text("UPDATE annotations SET retention_json = :r WHERE id = :i"),
            {"r": json.dumps(retention.to_dict()), "i": annotation_id},
        )

    # -- the store-info tables (v11–v13) ----------------------------------------------------

    def config_changes(self, tract_id: str, limit: int = 500) -> list[ConfigChange]:
        if not self.has("config_change_log"):
            return []
        t = h.config_change_log.c
        rows = self.conn.execute(
            select(
                t.id,
                t.change_type,
                t.change_key,
                t.config_json,
                t.previous_json,
                t.source,
                t.created_at,
            )
            .where(t.tract_id == tract_id)
            .order_by(t.created_at.desc(), t.id.desc())
            .limit(limit)
        )
        return [ConfigChange(r[0], r[1], r[2], r[3], r[4], r[5], from_storage(r[6])) for r in rows]

    def behavioral_specs(self, tract_id: str) -> list[BehavioralSpec]:
        if not self.has("behavioral_specs"):
            return []
        t = h.behavioral_specs.c
        rows = self.conn.execute(
            select(t.spec_type, t.spec_name, t.spec_json, t.created_at, t.updated_at)
            .where(t.tract_id == tract_id)
            .order_by(t.spec_type, t.spec_name)
        )
        return [
            BehavioralSpec(r[0], r[1], r[2], from_storage(r[3]), from_storage(r[4])) for r in rows
        ]

    def operation_configs(self, tract_id: str) -> list[OperationConfig]:
        if not self.has("operation_configs"):
            return []
        t = h.operation_configs.c
        rows = self.conn.execute(
            select(t.config_key, t.config_json, t.created_at)
            .where(t.tract_id == tract_id)
            .order_by(t.config_key)
        )
        return [OperationConfig(r[0], r[1], from_storage(r[2])) for r in rows]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

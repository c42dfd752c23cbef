"""Reference checks of the integrity audit: set-based anti-joins and GROUP BYs.

Every dangling reference, EDIT rule, ref rule and position gap is found by one query over a
whole table, streamed — never one query per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Select, String, Table, cast, distinct, func, or_, select

from core.models.enums import CommitOperation
from core.models.refs import BRANCH_PREFIX
from core.storage import schema as s
from core.storage import schema_head as head
from core.storage.versions import StoreVersion


class ReferenceChecks:
    """Mixin of ``Checker``: needs ``conn``, ``tables`` and ``emit``."""

    conn: Connection
    tables: set[str]
    progress: Callable[[str, int], None]
    commits_t: Table
    version: StoreVersion

    def emit(
        self, stmt: Select[Any], kind: str, table: str, nkeys: int, detail: Callable[[Any], str]
    ) -> None:
        raise NotImplementedError

    def dangling(
        self, table: str, keys: tuple[str, ...], fk: str, target: str, tcol: str, what: str
    ) -> None:
        if table not in self.tables or target not in self.tables:
            return
        src = self._table(table)
        tgt = self._table(target).alias("tgt")
        ref = src.c[fk]
        stmt = (
            select(*(src.c[k] for k in keys), ref)
            .select_from(src.outerjoin(tgt, tgt.c[tcol] == ref))
            .where(ref.is_not(None), tgt.c[tcol].is_(None))
        )
        self.emit(
            stmt, "dangling", table, len(keys), lambda r: f"{fk} names a missing {what} {r[-1]}"
        )

    def _table(self, name: str) -> Table:
        if name == "commits":
            return self.commits_t
        found = s.Base.metadata.tables.get(name)
        return found if found is not None else head.metadata.tables[name]

    def references(self) -> None:
        commit = ("commits", "commit_hash", "commit")
        for table, keys, fk, tgt in (
            ("commits", ("commit_hash",), "parent_hash", commit),
            ("commits", ("commit_hash",), "content_hash", ("blobs", "content_hash", "blob")),
            ("commits", ("commit_hash",), "response_to", commit),
            ("refs", ("tract_id", "ref_name"), "commit_hash", commit),
            ("annotations", ("id",), "target_hash", commit),
            ("commit_parents", ("commit_hash", "parent_hash"), "commit_hash", commit),
            ("commit_parents", ("commit_hash", "parent_hash"), "parent_hash", commit),
            ("operation_commits", ("event_id", "commit_hash", "role"), "commit_hash", commit),
            (
                "operation_commits",
                ("event_id", "commit_hash", "role"),
                "event_id",
                ("operation_events", "event_id", "operation event"),
            ),
            ("compile_effectives", ("record_id", "commit_hash"), "commit_hash", commit),
            (
                "compile_effectives",
                ("record_id", "commit_hash"),
                "record_id",
                ("compile_records", "record_id", "compile record"),
            ),
            ("spawn_pointers", ("id",), "parent_commit_hash", commit),
            ("commit_tools", ("commit_hash", "tool_hash"), "commit_hash", commit),
            (
                "commit_tools",
                ("commit_hash", "tool_hash"),
                "tool_hash",
                ("tool_definitions", "content_hash", "tool definition"),
            ),
            ("tag_annotations", ("id",), "target_hash", commit),
        ):
            self.dangling(table, keys, fk, *tgt)
        self.progress("references", 1)
        if "operation_commits" in self.tables:
            oc = s.operation_commits.c
            self.emit(
                select(oc.event_id, oc.commit_hash, oc.role).where(
                    or_(oc.role.is_(None), oc.role.not_in(("source", "result")))
                ),
                "invalid_value",
                "operation_commits",
                3,
                lambda r: f"role {r.role!r} is not source or result",
            )
        if "annotations" in self.tables:
            a = s.annotations.c
            prio = cast(a.priority, String)
            # IMPORTANT exists from tract-ai v7 on.
            allowed: tuple[str, ...] = ("SKIP", "NORMAL", "PINNED")
            if (self.version.schema_version or 0) >= 7:
                allowed = ("SKIP", "NORMAL", "IMPORTANT", "PINNED")
            names = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
            self.emit(
                select(a.id, prio.label("p")).where(or_(prio.is_(None), prio.not_in(allowed))),
                "invalid_value",
                "annotations",
                1,
                lambda r: f"priority {r.p!r} is not {names}",
            )

    def edit_targets(self) -> None:
        commits = self.commits_t
        c = commits.c
        t = commits.alias("target")
        is_edit = c.operation == CommitOperation.EDIT
        self.emit(
            select(c.commit_hash).where(is_edit, c.response_to.is_(None)),
            "edit_target",
            "commits",
            1,
            lambda _r: "EDIT without a target (response_to)",
        )
        self.emit(
            select(
                c.commit_hash,
                c.response_to.label("response_to"),
                c.tract_id,
                t.c.tract_id.label("tt"),
            )
            .select_from(commits.join(t, t.c.commit_hash == c.response_to))
            .where(is_edit, t.c.tract_id != c.tract_id),
            "edit_target",
            "commits",
            1,
            lambda r: f"EDIT target {r.response_to} belongs to another tract ({r.tt})",
        )
        self.emit(
            select(c.commit_hash, c.response_to.label("response_to"))
            .select_from(commits.join(t, t.c.commit_hash == c.response_to))
            .where(is_edit, t.c.operation == CommitOperation.EDIT),
            "edit_target",
            "commits",
            1,
            lambda r: f"EDIT target {r.response_to} is itself an EDIT",
        )

    def refs(self) -> None:
        r = s.refs.c
        b = s.refs.alias("branch")
        key = (r.tract_id, r.ref_name)
        self.emit(
            select(*key).where(r.commit_hash.is_(None), r.symbolic_target.is_(None)),
            "invalid_ref",
            "refs",
            2,
            lambda _r: "ref names neither a commit nor a ref",
        )
        not_branch = func.substr(r.symbolic_target, 1, len(BRANCH_PREFIX)) != BRANCH_PREFIX
        self.emit(
            select(*key, r.symbolic_target).where(r.symbolic_target.is_not(None), not_branch),
            "invalid_ref",
            "refs",
            2,
            lambda x: f"symbolic target {x.symbolic_target!r} is not a refs/heads/* branch",
        )
        # A missing branch behind HEAD is an unborn branch (legal); behind any other ref, not.
        self.emit(
            select(*key, r.symbolic_target)
            .select_from(
                s.refs.outerjoin(
                    b, (b.c.tract_id == r.tract_id) & (b.c.ref_name == r.symbolic_target)
                )
            )
            .where(
                r.symbolic_target.is_not(None),
                ~not_branch,
                r.ref_name != "HEAD",
                b.c.ref_name.is_(None),
            ),
            "dangling",
            "refs",
            2,
            lambda x: f"symbolic target {x.symbolic_target!r} names a missing branch",
        )

    def positions(self) -> None:
        for table, keys, pos in (
            ("commit_parents", ("commit_hash",), "position"),
            ("compile_effectives", ("record_id",), "position"),
            ("operation_commits", ("event_id", "role"), "position"),
        ):
            if table not in self.tables:
                continue
            t = s.Base.metadata.tables[table]
            p = t.c[pos]
            n = func.count()
            stmt = (
                select(
                    *(t.c[k] for k in keys),
                    func.min(p).label("lo"),
                    func.max(p).label("hi"),
                    n.label("n"),
                )
                .group_by(*(t.c[k] for k in keys))
                .having(or_(func.min(p) != 0, func.max(p) != n - 1, func.count(distinct(p)) != n))
            )
            self.emit(
                stmt,
                "bad_positions",
                table,
                len(keys),
                lambda r: f"positions {r.lo}..{r.hi} over {r.n} rows are not 0..{r.n - 1}",
            )
        if "commit_parents" in self.tables:
            c, cp = s.commits.c, s.commit_parents.c
            self.emit(
                select(cp.commit_hash, cp.parent_hash, c.parent_hash.label("first"))
                .select_from(s.commit_parents.join(s.commits, c.commit_hash == cp.commit_hash))
                .where(
                    cp.position == 0, or_(c.parent_hash.is_(None), c.parent_hash != cp.parent_hash)
                ),
                "bad_positions",
                "commit_parents",
                2,
                lambda r: f"position 0 differs from commits.parent_hash ({r.first})",
            )
        self.progress("positions", 1)

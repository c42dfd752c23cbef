"""Statements of the hot paths, built once and reused with bind parameters.

Building a SQLAlchemy construct and its cache key costs more than executing it on SQLite
(≈0.1–1 ms each), and an agent appends a commit per turn. These statements are built once
per dialect; SQLAlchemy then reuses their compiled form.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.sqltypes import NullType

from core.storage import schema as s
from core.storage.schema_head import commits_table
from core.storage.sqla._common import ANNOTATION_COLUMNS, commit_columns, raw_text
from core.storage.sqla.dialect import insert_ignore_for, upsert_for

HASHES: BindParameter[Any] = bindparam("hashes", expanding=True)


@cache
def head_state() -> Executable:
    head = s.refs.alias("head")
    branch = s.refs.alias("branch")
    target = func.coalesce(branch.c.commit_hash, head.c.commit_hash)
    return (
        select(
            head.c.tract_id,
            head.c.ref_name,
            head.c.commit_hash,
            head.c.symbolic_target,
            branch.c.commit_hash.label("branch_commit"),
            s.commits.c.created_at.label("commit_time"),
        )
        .select_from(
            head.outerjoin(
                branch,
                and_(
                    branch.c.tract_id == head.c.tract_id,
                    branch.c.ref_name == head.c.symbolic_target,
                ),
            ).outerjoin(s.commits, s.commits.c.commit_hash == target)
        )
        # HEAD as a parameter too: every bind is the caller's (run_prepared's fast path).
        .where(head.c.tract_id == bindparam("tract_id"), head.c.ref_name == bindparam("head"))
    )


@cache
def get_ref() -> Executable:
    r = s.refs.c
    return select(s.refs).where(
        r.tract_id == bindparam("tract_id"), r.ref_name == bindparam("ref_name")
    )


@cache
def set_ref(dialect: str) -> Executable:
    return upsert_for(dialect, s.refs, ["tract_id", "ref_name"], ["commit_hash", "symbolic_target"])


@cache
def insert_blob(dialect: str) -> Executable:
    return insert_ignore_for(dialect, s.blobs, ["content_hash"])


@cache
def insert_message_tokens(dialect: str) -> Executable:
    return insert_ignore_for(dialect, s.blob_message_tokens, ["content_hash", "encoding"])


@cache
def insert_commit(edit_column: str = "response_to") -> Executable:
    return insert(commits_table(edit_column))


@cache
def get_commit(edit_column: str = "response_to") -> Executable:
    commits = commits_table(edit_column)
    return select(*commit_columns(commits)).where(commits.c.commit_hash == bindparam("h"))


@cache
def commit_exists() -> Executable:
    return select(s.commits.c.commit_hash).where(s.commits.c.commit_hash == bindparam("h"))


@cache
def commits_in_tract() -> Executable:
    c = s.commits.c
    return select(c.commit_hash).where(
        c.tract_id == bindparam("tract_id"), c.commit_hash.in_(HASHES)
    )


@cache
def insert_annotation() -> Executable:
    return insert(s.annotations).returning(s.annotations.c.id)


@cache
def max_annotation_id() -> Executable:
    a = s.annotations.c
    return select(func.max(a.id)).where(a.tract_id == bindparam("tract_id"))


@cache
def annotations_since() -> Executable:
    a = s.annotations.c
    return (
        select(*ANNOTATION_COLUMNS)
        .where(a.tract_id == bindparam("tract_id"), a.id > bindparam("after"))
        .order_by(a.id)
    )


@cache
def annotations_in_force(with_time: bool) -> Executable:
    """Newest annotation per target (created_at ≤ :at when timed; ties: higher id)."""
    a = s.annotations.c
    rank = (
        func.row_number()
        .over(partition_by=a.target_hash, order_by=(a.created_at.desc(), a.id.desc()))
        .label("rn")
    )
    inner = select(*ANNOTATION_COLUMNS, rank).where(a.target_hash.in_(HASHES))
    if with_time:
        inner = inner.where(a.created_at <= bindparam("at"))
    sub = inner.subquery()
    return select(*[sub.c[col.name] for col in ANNOTATION_COLUMNS]).where(
        sub.c.rn == literal_column("1")
    )


@cache
def merge_commits_of_tract() -> Executable:
    cp = s.commit_parents.c
    return (
        select(cp.commit_hash)
        .join(s.commits, s.commits.c.commit_hash == cp.commit_hash)
        .where(s.commits.c.tract_id == bindparam("tract_id"), cp.position >= 1)
        .distinct()
    )


@cache
def count_commits_of_tract() -> Executable:
    c = s.commits.c
    return select(func.count()).select_from(s.commits).where(c.tract_id == bindparam("tract_id"))


@cache
def graph_page(keyed: bool, newer: bool = False) -> Executable:
    """Commits of a tract newest first, with merge parents (position ≥ 1) joined in order.

    Keyset-paged on (created_at, commit_hash) so every page is one index range scan. The limit
    counts commits (an inner query), not joined rows: a merge of three or more parents yields
    one row per extra parent, and limiting those rows cut the page short (so the scan thought
    it was the last) and could split a merge's parents across pages. The repository folds them.
    ``newer`` bounds the range from above instead: only the commits sorting above
    (:newer_time, :newer_hash), the same index range read from its top end.
    """
    c = s.commits.c
    cp = s.commit_parents.c
    page = (
        select(c.commit_hash, c.parent_hash, c.created_at)
        .where(c.tract_id == bindparam("tract_id"))
        .order_by(c.created_at.desc(), c.commit_hash.desc())
        .limit(bindparam("limit"))
    )
    if keyed:
        page = page.where(
            tuple_(c.created_at, c.commit_hash)
            < tuple_(
                # Untyped (NullType): the driver gets the value as the previous page returned
                # it — stored text on SQLite, a datetime on PostgreSQL. A String type here
                # made psycopg cast it ``::VARCHAR``, which PostgreSQL will not compare with
                # a timestamp (the graph stopped after its first page).
                bindparam("after_time", type_=NullType()),
                bindparam("after_hash"),
            )
        )
    if newer:
        page = page.where(
            tuple_(c.created_at, c.commit_hash)
            > tuple_(bindparam("newer_time", type_=NullType()), bindparam("newer_hash"))
        )
    pg = page.subquery("page")
    return (
        select(
            pg.c.commit_hash,
            pg.c.parent_hash,
            raw_text(pg.c.created_at).label("created_at"),
            cp.parent_hash.label("merge_parent"),
        )
        .select_from(
            pg.outerjoin(
                s.commit_parents, and_(cp.commit_hash == pg.c.commit_hash, cp.position >= 1)
            )
        )
        .order_by(pg.c.created_at.desc(), pg.c.commit_hash.desc(), cp.position)
    )


@cache
def chain_walk() -> Executable:
    """(commit_hash, parent_hash) along first parents from :head, at most :limit rows.

    Each step is one primary-key lookup; the depth bound keeps a stored cycle finite.
    """
    c = s.commits.c
    anchor = (
        select(c.commit_hash.label("h"), c.parent_hash.label("p"), literal_column("0").label("d"))
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
    return select(walk.c.h, walk.c.p)


@cache
def tract_parent_pairs() -> Executable:
    """(commit_hash, parent_hash) of every commit in :head's tract, for a full walk in memory."""
    c = s.commits.c
    tract = select(c.tract_id).where(c.commit_hash == bindparam("head")).scalar_subquery()
    return select(c.commit_hash, c.parent_hash).where(c.tract_id == tract)


@cache
def count_commits() -> Executable:
    """Every commit in the store (the depth bound of a walk that leaves its tract)."""
    return select(func.count()).select_from(s.commits)


@cache
def parent_counts() -> Executable:
    """commit_parents rows per commit, for the given :hashes (≥ 2 means a merge)."""
    cp = s.commit_parents.c
    return (
        select(cp.commit_hash, func.count())
        .where(cp.commit_hash.in_(HASHES))
        .group_by(cp.commit_hash)
    )

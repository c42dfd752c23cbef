"""Statements of the hot paths, built once and reused with bind parameters.

Building a SQLAlchemy construct and its cache key costs more than executing it on SQLite
(≈0.1–1 ms each), and an agent appends a commit per turn. These statements are built once
per dialect; SQLAlchemy then reuses their compiled form.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    cast,
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
def compile_chain(
    count_parents: bool = False, edit_column: str = "response_to", token_cache: bool = True
) -> Executable:
    """The first-parent walk from :head joined with what a compile needs.

    The recursive rows carry the commit's own columns, so each step is one primary-key
    lookup (the parent) instead of two. ``:limit`` bounds the depth: callers pass the
    tract's commit count + 1 for a full walk, so a stored parent cycle cannot loop forever.
    ``count_parents`` adds each row's merge-parent count (short walks of the incremental
    compile; a full walk looks merges up once instead). ``edit_column`` names the layout's
    edit column; without ``token_cache`` (a store we have not written yet) no cached counts.
    """
    commits = commits_table(edit_column)
    c = commits.c
    anchor = (
        select(
            c.commit_hash,
            c.parent_hash,
            c.content_hash,
            c.content_type,
            raw_text(c.operation).label("operation"),
            c.response_to,
            raw_text(c.created_at).label("created_at"),
            raw_text(c.generation_config_json).label("generation_config_json"),
            raw_text(c.metadata_json).label("metadata_json"),
            literal_column("0").label("d"),
        )
        .where(c.commit_hash == bindparam("head"))
        .cte("chain", recursive=True)
    )
    p = commits.alias("p")
    step = (
        select(
            p.c.commit_hash,
            p.c.parent_hash,
            p.c.content_hash,
            p.c.content_type,
            raw_text(p.c.operation).label("operation"),
            p.c.response_to,
            raw_text(p.c.created_at).label("created_at"),
            raw_text(p.c.generation_config_json).label("generation_config_json"),
            raw_text(p.c.metadata_json).label("metadata_json"),
            (anchor.c.d + 1).label("d"),
        )
        .select_from(p.join(anchor, p.c.commit_hash == anchor.c.parent_hash))
        .where(anchor.c.d + 1 < bindparam("limit"))
    )
    chain = anchor.union_all(step)
    b = s.blobs.c
    mt = s.blob_message_tokens
    # Columns in CompileRow's order, so a row becomes one with ``CompileRow._make``.
    source = chain.outerjoin(s.blobs, b.content_hash == chain.c.content_hash)
    if token_cache:
        source = source.outerjoin(
            mt, and_(mt.c.content_hash == chain.c.content_hash, mt.c.encoding == bindparam("enc"))
        )
    cached_tokens = mt.c.message_tokens if token_cache else literal_column("NULL")
    return select(
        chain.c.commit_hash,
        chain.c.parent_hash,
        chain.c.content_hash,
        chain.c.content_type,
        # Compared as text: on PostgreSQL the column is the native enum type.
        (cast(chain.c.operation, String) == "EDIT").label("is_edit"),
        chain.c.response_to,
        chain.c.created_at,
        chain.c.generation_config_json,
        (
            select(func.count())
            .where(s.commit_parents.c.commit_hash == chain.c.commit_hash)
            .scalar_subquery()
            if count_parents
            else literal_column("0")
        ).label("n_parents"),
        b.payload_json,
        cached_tokens.label("message_tokens"),
        chain.c.metadata_json,
    ).select_from(source)


def _compile_row_columns(commits: Any) -> list[Any]:
    """``CompileRow``'s columns up to ``n_parents`` (0: the caller knows the merges)."""
    c = commits.c
    return [
        c.commit_hash,
        c.parent_hash,
        c.content_hash,
        c.content_type,
        (cast(raw_text(c.operation), String) == "EDIT").label("is_edit"),
        c.response_to,
        raw_text(c.created_at).label("created_at"),
        raw_text(c.generation_config_json).label("generation_config_json"),
        literal_column("0").label("n_parents"),
    ]


@cache
def compile_rows(edit_column: str = "response_to", token_cache: bool = True) -> Executable:
    """What a compile needs of every commit of :tract_id, in ``CompileRow``'s column order.
    One scan of the tract's index, with two index probes per row (blob, token count)."""
    commits = commits_table(edit_column)
    c = commits.c
    b = s.blobs.c
    mt = s.blob_message_tokens
    source = commits.outerjoin(s.blobs, b.content_hash == c.content_hash)
    if token_cache:
        source = source.outerjoin(
            mt, and_(mt.c.content_hash == c.content_hash, mt.c.encoding == bindparam("enc"))
        )
    cached_tokens = mt.c.message_tokens if token_cache else literal_column("NULL")
    return (
        select(
            *_compile_row_columns(commits),
            b.payload_json,
            cached_tokens.label("message_tokens"),
            raw_text(c.metadata_json).label("metadata_json"),
        )
        .select_from(source)
        .where(c.tract_id == bindparam("tract_id"))
    )


@cache
def compile_rows_unjoined(edit_column: str = "response_to") -> Executable:
    """:func:`compile_rows` without the blob and token columns: ``CompileRow``'s columns up
    to ``n_parents``, then ``metadata_json``."""
    commits = commits_table(edit_column)
    return select(
        *_compile_row_columns(commits), raw_text(commits.c.metadata_json).label("metadata_json")
    ).where(commits.c.tract_id == bindparam("tract_id"))


@cache
def all_payloads() -> Executable:
    b = s.blobs.c
    return select(b.content_hash, b.payload_json)


@cache
def all_message_tokens() -> Executable:
    mt = s.blob_message_tokens.c
    return select(mt.content_hash, mt.message_tokens).where(mt.encoding == bindparam("enc"))


@cache
def blob_and_commit_counts() -> Executable:
    """How many blobs and commits the store holds, and how many commits :tract_id has."""
    blobs = select(func.count()).select_from(s.blobs).scalar_subquery()
    commits = select(func.count()).select_from(s.commits).scalar_subquery()
    ours = (
        select(func.count())
        .select_from(s.commits)
        .where(s.commits.c.tract_id == bindparam("tract_id"))
        .scalar_subquery()
    )
    return select(blobs, commits, ours)


@cache
def tract_merge_parents() -> Executable:
    """(commit_hash, parent_hash, position) of the merge commits of :tract_id."""
    cp = s.commit_parents.c
    return (
        select(cp.commit_hash, cp.parent_hash, cp.position)
        .join(s.commits, s.commits.c.commit_hash == cp.commit_hash)
        .where(s.commits.c.tract_id == bindparam("tract_id"))
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

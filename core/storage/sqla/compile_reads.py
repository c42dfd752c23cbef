"""What a compile reads, built once per layout: the first-parent walk joined with each
commit's blob and cached token count, and a tract's rows read whole — by SQLite's join, or
by three sequential scans joined in memory (``TractReads._compile_rows_by_scans``, in
core/storage/sqla/tract_reads.py).
Every form returns ``CompileRow``'s columns in its order.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import String, and_, bindparam, cast, exists, func, literal_column, select
from sqlalchemy.sql import Executable

from core.storage import schema as s
from core.storage.schema_head import commits_table
from core.storage.sqla._common import raw_text


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


def _json_column(col: Any, label: str, null_as_none: bool) -> Any:
    """A stored JSON column as text; with ``null_as_none`` (SQLite) the text ``null`` comes
    back as None, which every reader takes the same way, so a whole-tract read does not make
    a string for each (~100 MB of them in a 1M-commit compile, config and metadata).
    PostgreSQL hands JSON back parsed, ``null`` as None already (and has no ``=`` on json)."""
    text = raw_text(col)
    return (func.nullif(text, "null") if null_as_none else text).label(label)


def _compile_row_columns(commits: Any, null_as_none: bool = False) -> list[Any]:
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
        _json_column(c.generation_config_json, "generation_config_json", null_as_none),
        literal_column("0").label("n_parents"),
    ]


@cache
def compile_rows(
    edit_column: str = "response_to", token_cache: bool = True, null_as_none: bool = False
) -> Executable:
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
            *_compile_row_columns(commits, null_as_none),
            b.payload_json,
            cached_tokens.label("message_tokens"),
            _json_column(c.metadata_json, "metadata_json", null_as_none),
        )
        .select_from(source)
        .where(c.tract_id == bindparam("tract_id"))
    )


@cache
def compile_rows_unjoined(edit_column: str = "response_to") -> Executable:
    """:func:`compile_rows` without the blob and token columns: ``CompileRow``'s columns up
    to ``n_parents``, then ``metadata_json`` (SQLite only: JSON ``null`` as None)."""
    commits = commits_table(edit_column)
    return select(
        *_compile_row_columns(commits, True),
        _json_column(commits.c.metadata_json, "metadata_json", True),
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
def tract_merge_parents(parents_first: bool = False) -> Executable:
    """(commit_hash, parent_hash, position) of the merge commits of :tract_id; with
    ``parents_first`` every parent row is read and its commit's tract looked up (SQLite
    runs a correlated EXISTS in that order)."""
    cp = s.commit_parents.c
    c = s.commits.c
    rows = select(cp.commit_hash, cp.parent_hash, cp.position)
    ours = c.tract_id == bindparam("tract_id")
    if parents_first:
        return rows.where(exists().where(c.commit_hash == cp.commit_hash, ours))
    return rows.join(s.commits, c.commit_hash == cp.commit_hash).where(ours)


@cache
def tract_first_parents() -> Executable:
    """(commit_hash, parent_hash) of every commit of :tract_id."""
    c = s.commits.c
    return select(c.commit_hash, c.parent_hash).where(c.tract_id == bindparam("tract_id"))

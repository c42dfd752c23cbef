"""Compile records that extend another record (imported sessions; docs/sessions.md).

Such a record's ``params_json.extends`` is ``{"record": id, "count": n}``: its effective
commits are the first ``n`` of that record's, then its own ``compile_effectives`` rows. Reading
expands it: one query for the parameters of the tract's records, one for the rows of every
record in the chain — never one query per link, however long the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, select

from core.storage import schema as s
from core.storage.row_decode import parse_dict
from core.storage.sqla._common import chunks, raw_text, unique

Link = tuple[str, int]  # (extended record id, how many of its commits)


def link_of(params: Mapping[str, Any] | None) -> Link | None:
    ext = (params or {}).get("extends")
    if not isinstance(ext, Mapping):
        return None
    rid, count = ext.get("record"), ext.get("count")
    if isinstance(rid, str) and isinstance(count, int) and not isinstance(count, bool):
        return rid, max(count, 0)
    return None


def links_of(conn: Connection, record_ids: Iterable[str]) -> dict[str, Link | None]:
    """The ``extends`` link of each record (None when it lists all its commits itself)."""
    cr = s.compile_records.c
    out: dict[str, Link | None] = {}
    for batch in chunks(unique(record_ids)):
        rows = conn.execute(
            select(cr.record_id, raw_text(cr.params_json).label("p")).where(cr.record_id.in_(batch))
        )
        out.update({r.record_id: link_of(parse_dict(r.p)) for r in rows})
    return out


def tract_links(conn: Connection, record_ids: Iterable[str]) -> dict[str, Link | None]:
    """The links of every record in the tracts of ``record_ids`` (one query)."""
    cr = s.compile_records.c
    ids = unique(record_ids)
    if not ids:
        return {}
    tracts = select(cr.tract_id).where(cr.record_id.in_(ids[:900])).scalar_subquery()
    rows = conn.execute(
        select(cr.record_id, raw_text(cr.params_json).label("p")).where(cr.tract_id.in_(tracts))
    )
    return {r.record_id: link_of(parse_dict(r.p)) for r in rows}


def own_rows(conn: Connection, record_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each record's own ``compile_effectives`` rows, in position order. Sorted by the
    database and fetched at once: a 100k-commit record took ~1 s read row by row and sorted
    here, ~0.5 s so (the records panel reads it from several workers at once)."""
    ce = s.compile_effectives.c
    out: dict[str, tuple[str, ...]] = {}
    for batch in chunks(unique(record_ids)):
        rows = conn.execute(
            select(ce.record_id, ce.commit_hash)
            .where(ce.record_id.in_(batch))
            .order_by(ce.record_id, ce.position, ce.commit_hash)
        ).all()
        for rid, group in groupby(rows, key=itemgetter(0)):
            out[rid] = tuple(h for _, h in group)
    return out


def expand(
    conn: Connection, own: dict[str, tuple[str, ...]], links: Mapping[str, Link | None]
) -> dict[str, tuple[str, ...]]:
    """Full effective lists of the records in ``links`` whose own rows are in ``own``."""
    wanted = [rid for rid in links if links[rid] is not None]
    if not wanted:
        return own
    graph = dict(tract_links(conn, wanted))
    graph.update(links)
    needed: set[str] = set()
    for rid in wanted:
        cur: str | None = rid
        while cur is not None and cur not in needed:
            needed.add(cur)
            link = graph.get(cur)
            cur = link[0] if link else None
    rows = dict(own)
    rows.update(own_rows(conn, [r for r in needed if r not in own]))
    full: dict[str, tuple[str, ...]] = {}

    def resolve(rid: str) -> tuple[str, ...]:
        # Iterative: a chain may be thousands of records long.
        stack, cur = [], rid
        while cur not in full:
            stack.append(cur)
            link = graph.get(cur)
            if link is None or link[0] in stack or link[0] not in graph:
                break
            cur = link[0]
        while stack:
            cur = stack.pop()
            link = graph.get(cur)
            base = full.get(link[0], ())[: link[1]] if link else ()
            full[cur] = base + rows.get(cur, ())
        return full[rid]

    return {rid: resolve(rid) for rid in links}


def users(conn: Connection, direct: dict[str, list[str]]) -> dict[str, list[str]]:
    """Add to ``direct`` (commit → records listing it) the records that extend those records
    far enough to include the commit."""
    rids = {rid for v in direct.values() for rid in v}
    if not rids:
        return direct
    graph = tract_links(conn, rids)
    if not any(graph.values()):
        return direct
    children: dict[str, list[tuple[str, int]]] = {}
    for rid, link in graph.items():
        if link is not None:
            children.setdefault(link[0], []).append((rid, link[1]))
    rows = own_rows(conn, rids)
    out: dict[str, list[str]] = {}
    for commit, records in direct.items():
        found = list(records)
        for rid in records:
            link = graph.get(rid)
            local = rows.get(rid, ()).index(commit) if commit in rows.get(rid, ()) else 0
            pos = (link[1] if link else 0) + local
            todo = [rid]
            while todo:
                for child, count in children.get(todo.pop(), ()):
                    if pos < count and child not in found:
                        found.append(child)
                        todo.append(child)
        out[commit] = found
    return out


def deletable(
    links: Mapping[str, Link | None], old: Iterable[str], newest_first: list[str]
) -> set[str]:
    """The old records no kept record extends (a kept record's context must stay whole)."""
    old_set = set(old)
    extenders: dict[str, list[str]] = {}
    for rid, link in links.items():
        if link is not None:
            extenders.setdefault(link[0], []).append(rid)
    gone: set[str] = set()
    for rid in newest_first:
        if rid in old_set and all(e in gone for e in extenders.get(rid, ())):
            gone.add(rid)
    return gone

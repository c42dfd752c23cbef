"""Searching commits: the query syntax of the TUI's ``/`` bar, answered by one store query.

Syntax: free text plus filters, in any order — ``type:tool_io role:user needle text``. The
text is matched literally and case-insensitively against the commit message and the payload's
string values; ``type:`` is a content type; ``role:`` is the compiled message role (``user``,
``assistant``, ``system``, ``tool``); ``tag:`` a tag (tract-ai v10+: fixed at commit time or
added later), matched exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.models.content import BUILTIN_MODELS, ContentModel, ContentRegistry
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

DEFAULT_LIMIT = 5000
_FILTER = re.compile(r"(?:(?<=\s)|^)(type|role|tag):(\S*)")


@dataclass(frozen=True)
class SearchQuery:
    text: str | None = None
    content_type: str | None = None
    role: str | None = None
    tag: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.text or self.content_type or self.role or self.tag)

    def describe(self) -> str:
        filters = (("type", self.content_type), ("role", self.role), ("tag", self.tag))
        parts = [f"{k}:{v}" for k, v in filters if v]
        if self.text:
            parts.append(repr(self.text))
        return " ".join(parts)


def parse_query(raw: str) -> SearchQuery:
    """``type:X``, ``role:Y`` and ``tag:Z`` tokens are filters; what remains (trimmed) is the
    text."""
    found: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        if match.group(2):
            found[match.group(1)] = match.group(2)
        return ""

    text = _FILTER.sub(take, raw).strip()
    return SearchQuery(text or None, found.get("type"), found.get("role"), found.get("tag"))


def _constant_role(model: ContentModel) -> str | None:
    try:
        return model.role({})
    except (KeyError, TypeError):  # the role depends on the payload (dialogue)
        return None


def role_types(registry: ContentRegistry, role: str) -> tuple[str, ...]:
    """Content types whose messages always have ``role`` (instruction → system, …)."""
    models = {m.name: m for m in BUILTIN_MODELS} | dict(registry.custom)
    return tuple(sorted(name for name, m in models.items() if _constant_role(m) == role))


def search_commits(
    uow: UnitOfWork, ctx: TractContext, query: SearchQuery, *, limit: int = DEFAULT_LIMIT
) -> list[str]:
    """Matching commit hashes of the tract, newest first (at most ``limit``)."""
    if query.empty:
        return []
    if query.tag is not None:
        return _tagged(uow, ctx, query, limit)
    return uow.commits.search(
        ctx.tract_id,
        text=query.text,
        content_type=query.content_type,
        role=query.role,
        role_types=role_types(ctx.registry, query.role) if query.role else (),
        limit=limit,
    )


def _tagged(uow: UnitOfWork, ctx: TractContext, query: SearchQuery, limit: int) -> list[str]:
    """The tagged commits (few, as tags go), narrowed by the other filters, newest first."""
    assert query.tag is not None
    tagged = uow.head_tables.commits_tagged(ctx.tract_id, query.tag)
    if not tagged:
        return []
    if query.text or query.content_type or query.role:
        rest = SearchQuery(query.text, query.content_type, query.role)
        tagged &= set(search_commits(uow, ctx, rest, limit=2**31 - 1))
    commits = uow.commits.get_many(tagged)
    newest = sorted(commits.values(), key=lambda c: (c.created_at, c.commit_hash), reverse=True)
    return [c.commit_hash for c in newest[:limit]]

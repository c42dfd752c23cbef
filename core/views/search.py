"""Searching commits: the query syntax of the TUI's ``/`` bar, answered by one store query.

Syntax: free text plus filters, in any order — ``type:tool_io role:user needle text``. The
text is matched literally and case-insensitively against the commit message and the payload's
string values; ``type:`` is a content type; ``role:`` is the compiled message role (``user``,
``assistant``, ``system``, ``tool``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.models.content import BUILTIN_MODELS, ContentModel, ContentRegistry
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

DEFAULT_LIMIT = 5000
_FILTER = re.compile(r"(?:(?<=\s)|^)(type|role):(\S*)")


@dataclass(frozen=True)
class SearchQuery:
    text: str | None = None
    content_type: str | None = None
    role: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.text or self.content_type or self.role)

    def describe(self) -> str:
        parts = [f"{k}:{v}" for k, v in (("type", self.content_type), ("role", self.role)) if v]
        if self.text:
            parts.append(repr(self.text))
        return " ".join(parts)


def parse_query(raw: str) -> SearchQuery:
    """``type:X`` and ``role:Y`` tokens are filters; what remains (trimmed) is the text."""
    found: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        if match.group(2):
            found[match.group(1)] = match.group(2)
        return ""

    text = _FILTER.sub(take, raw).strip()
    return SearchQuery(text or None, found.get("type"), found.get("role"))


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
    return uow.commits.search(
        ctx.tract_id,
        text=query.text,
        content_type=query.content_type,
        role=query.role,
        role_types=role_types(ctx.registry, query.role) if query.role else (),
        limit=limit,
    )

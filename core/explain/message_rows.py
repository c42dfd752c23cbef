"""A compile's messages as facts, without compiling: per position the commit, the commit whose
text was sent (its EDIT in force, if any), the blob, the type, the role and the tokens.

One query for the blobs of all positions (tokens from the stored per-blob cache; a blob without
a cached count is rendered and counted once). The cache breaks and the token timeline read many
records this way, where a compile per record would read each record's whole history.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core.explain.facts import Facts
from core.explain.messages import parse_payload, payload_tokens
from core.models.content import BUILTIN_TYPES
from core.models.json_text import stored_text
from core.storage.repositories import MessageFacts


@dataclass(frozen=True)
class MessageRow:
    position: int
    commit_hash: str  # the compiled (effective) commit
    source: str  # the commit whose text was sent: the EDIT in force, else commit_hash
    content_hash: str  # the text's blob: equal blobs mean equal texts (a cache hit)
    content_type: str
    role: str
    tokens: int


class FactsCache:
    """Blob facts by commit hash, shared by the compiles (records) read one after another
    and by reads running at the same time. A commit's blob never changes, so an entry stays
    true; one read fills it at a time, so two threads never both read a whole tract."""

    def __init__(self) -> None:
        self.items: dict[str, MessageFacts] = {}
        self.filling = threading.Lock()


class SharedFacts:
    """One :class:`FactsCache` for the reads of a tract that overlap in time (the records
    panel's cache breaks and token chart ask for the same records at once), dropped when
    the last of them ends: a 100k tract's facts are ~30 MB, not worth keeping for later."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._cache = FactsCache()

    @contextmanager
    def borrowed(self) -> Iterator[FactsCache]:
        with self._lock:
            self._users += 1
            cache = self._cache
        try:
            yield cache
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._cache = FactsCache()


def message_rows(facts: Facts, cache: FactsCache | None = None) -> list[MessageRow]:
    """The compile's messages in order. ``cache`` shares blob facts between compiles."""
    effectives = facts.position.all()
    edits = facts.edit_in_force()
    sources = [edits.get(h, h) for h in effectives]
    cache = FactsCache() if cache is None else cache
    with cache.filling:
        missing = [s for s in dict.fromkeys(sources) if s not in cache.items]
        if missing:
            cache.items.update(_read_facts(facts, missing))
    found_facts = cache.items.get
    registry = facts.ctx.registry
    rows = []
    roles: dict[str, tuple[str, int]] = {}  # per blob: role and tokens
    for pos, (h, src) in enumerate(zip(effectives, sources, strict=True)):
        found = found_facts(src)
        if found is None:
            rows.append(MessageRow(pos, h, src, "", "missing", "system", 0))
            continue
        known = roles.get(found.content_hash)
        if known is None:
            payload = parse_payload(found.payload_json)
            role = registry.render(payload)[0] if payload is not None else "system"
            tokens = found.message_tokens
            if tokens is None or found.content_type not in BUILTIN_TYPES:
                tokens = payload_tokens(facts.ctx, found.payload_json)
            known = roles[found.content_hash] = (role, tokens)
        rows.append(
            MessageRow(pos, h, src, found.content_hash, found.content_type, known[0], known[1])
        )
    return rows


WHOLE_TRACT_AT = 2_000  # asking this many commits, and most of the tract: read it whole


def _read_facts(facts: Facts, hashes: list[str]) -> dict[str, MessageFacts]:
    """The blob facts of ``hashes``. Most of a big tract's commits are read as a cold
    compile reads them (sequential scans where the store allows, ~0.4 s for 100k commits)
    instead of by hash (two random index probes each, ~1.3 s); the rest by hash."""
    uow, ctx = facts.uow, facts.ctx
    key = ctx.token_cache_key
    found: dict[str, MessageFacts] = {}
    if len(hashes) >= WHOLE_TRACT_AT and uow.commits.count(ctx.tract_id) <= 2 * len(hashes):
        # Every commit read is kept in the caller's cache: the next record of the tract
        # (cache breaks, the timeline) then finds its commits there instead of reading again.
        found = {
            h: MessageFacts(
                row.content_hash,
                row.content_type,
                stored_text(row.payload_json),
                row.message_tokens,
            )
            for h, row in uow.commits.tract_compile_rows(ctx.tract_id, key).items()
        }
        hashes = [h for h in hashes if h not in found]
    if hashes:
        found.update(uow.lineage.message_facts(hashes, key))
    return found

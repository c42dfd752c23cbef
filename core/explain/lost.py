"""What a compaction lost: identifiers present in a compress event's sources and absent from
its summaries (ours, and the compactions imported from agent sessions)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.explain.identifiers import Identifier, extract, present
from core.explain.messages import parse_payload
from core.models.records import OperationEvent
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

# Payload keys that hold structure, not content (a tool call id is noise to a reader).
_STRUCTURE = frozenset(
    [
        "content_type",
        "role",
        "name",
        "direction",
        "status",
        "tool_call_id",
        "call_id",
        "id",
        "format",
        "language",
        "artifact_type",
        "session_type",
        "type",
    ]
)


def identifier_text(raw: object) -> str:
    """The text a payload says, one string leaf per line: JSON escapes undone, structural keys
    (types, roles, tool call ids) left out."""
    payload = parse_payload(raw)
    if payload is None:
        return ""
    out: list[str] = []

    def walk(value: object, key: str | None) -> None:
        if key in _STRUCTURE:
            return
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for v in value:
                walk(v, None)

    walk(payload, None)
    return "\n".join(out)


@dataclass(frozen=True)
class CompactionLoss:
    event_id: str
    event_type: str
    created_at: datetime
    sources: int
    summaries: int
    found: int  # distinct identifiers in the sources
    lost: tuple[Identifier, ...]  # in the sources, not in any summary (in source order)
    missing_texts: int  # sources or summaries whose blob is gone (not compared)

    @property
    def count(self) -> int:
        return len(self.lost)

    def by_kind(self) -> dict[str, int]:
        return dict(Counter(i.kind for i in self.lost))


def compaction_losses(
    uow: UnitOfWork, ctx: TractContext, events: Iterable[OperationEvent]
) -> dict[str, CompactionLoss]:
    """Per compress event (others are skipped): what its summaries dropped."""
    chosen = [e for e in events if e.event_type == "compress" and e.sources]
    hashes = {h for e in chosen for h in (*e.sources, *e.results)}
    facts = uow.lineage.message_facts(hashes, ctx.token_cache_key)
    texts = {
        h: identifier_text(f.payload_json) for h, f in facts.items() if f.payload_json is not None
    }
    out: dict[str, CompactionLoss] = {}
    for ev in chosen:
        missing = sum(1 for h in (*ev.sources, *ev.results) if h not in texts)
        summary = "\n".join(texts[h] for h in ev.results if h in texts)
        in_summary = set(extract(summary))
        seen: dict[Identifier, None] = {}
        for h in ev.sources:
            for ident in extract(texts.get(h, "")):
                seen.setdefault(ident)
        lost = tuple(i for i in seen if not present(i, summary, in_summary))
        out[ev.event_id] = CompactionLoss(
            ev.event_id,
            ev.event_type,
            ev.created_at,
            len(ev.sources),
            len(ev.results),
            len(seen),
            lost,
            missing,
        )
    return out

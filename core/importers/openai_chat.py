"""Importing an OpenAI chat transcript file into a branch (one transaction, one event).

Mapping: ``system`` (and ``developer``) → instruction; ``user``/``assistant`` → dialogue (with
``name``); each assistant tool call → a ``tool_io`` call after the assistant's text (no text
commit when that text is empty); ``tool`` → a ``tool_io`` result named after the call it
answers. Parsing and validation (``transcript_parse``) happen before the transaction, so an
invalid file writes nothing.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

from core.errors import ContentValidationError, TranscriptError
from core.importers.openai_chat_parse import Transcript, TranscriptMessage, parse_transcript
from core.models import content as c
from core.models.enums import Priority
from core.models.records import OperationEvent
from core.models.refs import HEAD, branch_ref, branch_short
from core.operations.branches import check_branch_name
from core.operations.commit import AUTO_PIN_REASON, write_commit
from core.operations.context import TractContext, head_state, require_attached
from core.storage.repositories import UnitOfWork

__all__ = [
    "PlannedCommit",
    "Transcript",
    "TranscriptImportResult",
    "import_transcript",
    "parse_transcript",
    "plan_commits",
    "read_transcript",
]


@dataclass(frozen=True)
class PlannedCommit:
    line: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class TranscriptImportResult:
    file: str
    format: str
    sha256: str
    message_count: int
    branch: str
    commits: tuple[str, ...]
    event_id: str
    head: str | None


def read_transcript(
    source: str | os.PathLike[str], registry: c.ContentRegistry = c.DEFAULT_REGISTRY
) -> Transcript:
    """Read and validate a transcript without any store: everything an import checks before
    it writes — or creates a store — so a bad file never leaves an empty store behind."""
    transcript = parse_transcript(source)
    if not _plan(transcript, registry):
        raise TranscriptError(f"{transcript.path}: no message in it produces a commit")
    return transcript


def plan_commits(transcript: Transcript, ctx: TractContext) -> list[PlannedCommit]:
    """The validated payloads to commit, in order (raises TranscriptError with the line)."""
    return _plan(transcript, ctx.registry)


def _plan(transcript: Transcript, registry: c.ContentRegistry) -> list[PlannedCommit]:
    names: dict[str, str] = {}  # tool_call_id → tool name, from the calls seen so far
    out: list[PlannedCommit] = []
    for msg in transcript.messages:
        for payload in _payloads(msg, names):
            try:
                out.append(PlannedCommit(msg.line, registry.validate(payload)))
            except ContentValidationError as exc:
                raise TranscriptError(f"{transcript.path}:{msg.line}: {exc}") from None
    return out


def _payloads(msg: TranscriptMessage, names: dict[str, str]) -> list[dict[str, Any]]:
    text = msg.content
    if msg.role in ("system", "developer"):
        return [c.instruction(text or "")]
    if msg.role == "user":
        return [c.dialogue("user", text or "", msg.name)]
    if msg.role == "assistant":
        out = [c.dialogue("assistant", text, msg.name)] if text else []
        for call in msg.tool_calls:
            if call.id is not None:
                names[call.id] = call.name
            out.append(c.tool_io(call.name, "call", {**call.arguments, "tool_call_id": call.id}))
        return out
    # tool: named after the call it answers, else its own name, else "unknown"
    tool_name = (msg.tool_call_id and names.get(msg.tool_call_id)) or msg.name or "unknown"
    return [
        c.tool_io(
            tool_name, "result", {"output": text, "tool_call_id": msg.tool_call_id}, "success"
        )
    ]


def import_transcript(
    uow: UnitOfWork,
    ctx: TractContext,
    transcript: Transcript,
    planned: list[PlannedCommit],
    *,
    branch: str | None = None,
) -> TranscriptImportResult:
    """Write the planned commits onto ``branch`` (or the current branch) plus one event.

    ``branch`` is created at HEAD when missing (or as the first branch of an empty tract);
    HEAD is left where it is unless the tract had none.
    """
    uow.lock_tract(ctx.tract_id)
    tract = ctx.tract_id
    state = head_state(uow, tract)
    if branch is None:
        require_attached(state, "import a transcript")
        ref_name = state.ref.symbolic_target if state.ref is not None else None
        ref_name = ref_name or branch_ref("main")
        tip = state.commit
    else:
        check_branch_name(branch)
        ref_name = branch_ref(branch)
        existing = uow.refs.get(tract, ref_name)
        tip = existing.commit_hash if existing is not None else state.commit
    short = branch_short(ref_name)

    parent = tip
    parent_info = uow.commits.get(tip) if tip else None
    parent_time = parent_info.created_at if parent_info else None
    written: list[str] = []
    for item in planned:
        info = write_commit(uow, ctx, item.payload, parent=parent, not_before=parent_time)
        if ctx.registry.default_priority(info.content_type) is Priority.PINNED:
            uow.annotations.add(
                tract, info.commit_hash, Priority.PINNED, AUTO_PIN_REASON, info.created_at
            )
        written.append(info.commit_hash)
        parent, parent_time = info.commit_hash, info.created_at
    if parent is not None:
        uow.refs.set_direct(tract, ref_name, parent)
    if state.ref is None:  # an empty tract: HEAD attaches to the imported branch
        uow.refs.set_symbolic(tract, HEAD, ref_name)

    event_id = uuid.uuid4().hex
    uow.events.add(
        OperationEvent(
            event_id=event_id,
            tract_id=tract,
            event_type="import",
            branch_name=short,
            created_at=ctx.now(),
            original_tokens=0,
            compressed_tokens=0,
            params={
                "file": transcript.name,
                "sha256": transcript.sha256,
                "message_count": len(transcript.messages),
                "format": transcript.format,
                # The file line of each result, in order (blame: "imported from FILE:LINE").
                "lines": [item.line for item in planned],
            },
            sources=(),
            results=tuple(written),
        )
    )
    return TranscriptImportResult(
        file=transcript.name,
        format=transcript.format,
        sha256=transcript.sha256,
        message_count=len(transcript.messages),
        branch=short,
        commits=tuple(written),
        event_id=event_id,
        head=parent,
    )

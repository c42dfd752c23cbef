"""Facade methods: rebase, import (commits and transcript files), GC, spawn and collapse.

Each method is one transaction (or joins the caller's ``batch()``); structural ones clear the
compile cache afterwards. LLM calls (an LLM collapse) happen outside any transaction.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Self

from core.errors import LLMConfigError, TranscriptError
from core.facade.base import FacadeBase
from core.operations import spawn as spawn_op
from core.operations.tracts import TractSummary
from core.operations.tracts import list_tracts as list_tracts_op

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core.operations import gc as gc_op
    from core.operations import import_commit as import_op
    from core.operations import reorganize

if TYPE_CHECKING:  # transcripts and LLM clients are imported when used (start-up time)
    from core.importers import openai_chat as transcript_op
    from core.llm.client import ChatClient


class RewriteMixin(FacadeBase):
    def rebase(
        self, target_branch: str, resolver: reorganize.Resolver | None = None
    ) -> reorganize.RebaseResult:
        """Replay the current branch onto ``target_branch`` (docs/behaviour.md §8)."""
        from core.operations import reorganize

        try:
            with self._write() as uow:
                return reorganize.rebase(uow, self.ctx, target_branch, resolver)
        finally:
            self.compiler.clear()

    def import_commit(
        self,
        ref: str,
        resolver: reorganize.Resolver | None = None,
        source_tract: str | None = None,
    ) -> import_op.ImportResult:
        """Cherry-pick ``ref`` (of this tract or ``source_tract``) onto HEAD."""
        from core.operations import import_commit as import_op

        try:
            with self._write() as uow:
                return import_op.import_commit(uow, self.ctx, ref, resolver, source_tract)
        finally:
            self.compiler.clear()

    def import_transcript(
        self,
        source: str | os.PathLike[str] | transcript_op.Transcript,
        branch: str | None = None,
    ) -> transcript_op.TranscriptImportResult:
        """Import an OpenAI chat transcript (JSON array or JSONL): a path, or a transcript
        already read with ``transcript_op.parse_transcript``. An invalid file writes nothing."""
        from core.importers import openai_chat as transcript_op

        if isinstance(source, transcript_op.Transcript):
            transcript = source
        else:
            transcript = transcript_op.parse_transcript(source)
        planned = transcript_op.plan_commits(transcript, self.ctx)
        if not planned:
            raise TranscriptError(f"{transcript.path}: no message in it produces a commit")
        try:
            with self._write() as uow:
                return transcript_op.import_transcript(
                    uow, self.ctx, transcript, planned, branch=branch
                )
        finally:
            self.compiler.clear()

    def gc(
        self,
        orphan_retention_days: float = 7,
        archive_retention_days: float | None = None,
        record_retention_days: float | None = None,
        branch: str | None = None,
    ) -> gc_op.GCResult:
        """Remove unreachable commits past their retention (docs/behaviour.md §10)."""
        from core.operations import gc as gc_op

        try:
            with self._write() as uow:
                return gc_op.gc(
                    uow,
                    self.ctx,
                    orphan_retention_days=orphan_retention_days,
                    archive_retention_days=archive_retention_days,
                    record_retention_days=record_retention_days,
                    branch=branch,
                )
        finally:
            self.compiler.clear()

    def spawn(
        self,
        purpose: str,
        inheritance: str = spawn_op.HEAD_SNAPSHOT,
        display_name: str | None = None,
        max_tokens: int | None = None,
    ) -> Self:
        """Create a child tract in this store; returns it (sharing this store)."""
        with self._write() as uow:
            result = spawn_op.spawn(
                uow,
                self.ctx,
                purpose,
                inheritance=inheritance,
                display_name=display_name,
                max_tokens=max_tokens,
                compiler=self.compiler,
            )
        return self._sibling(result.child_tract_id)

    def collapse(
        self,
        child: Any,
        content: str | None = None,
        instructions: str | None = None,
        target_tokens: int | None = None,
        client: ChatClient | None = None,
    ) -> spawn_op.CollapseResult:
        """Summarise a child into this tract: ``content``, or an LLM summary via ``client``."""
        child_id = child if isinstance(child, str) else child.tract_id
        if content is None and client is None:
            raise LLMConfigError("collapse needs content or an LLM client")
        with self._read() as uow:
            pointer, child_head, compiled = spawn_op.collapse_source(uow, self.ctx, child_id)
        config: dict[str, Any] | None = None
        summary = content
        if summary is None:
            assert client is not None
            if self.in_batch:
                raise LLMConfigError("LLM calls are refused inside a batch")
            summary, config = spawn_op.llm_collapse_summary(
                client,
                pointer.purpose,
                compiled,
                instructions=instructions,
                target_tokens=target_tokens,
            )
        with self._write() as uow:
            return spawn_op.commit_collapse(uow, self.ctx, pointer, summary, child_head, config)

    def list_tracts(self) -> list[TractSummary]:
        """Every tract of the store as a spawn tree."""
        with self._read() as uow:
            return list_tracts_op(uow)

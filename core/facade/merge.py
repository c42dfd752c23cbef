"""Facade methods: merge, commit_merge, diff and the ordered compile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from core.facade.base import FacadeBase
from core.models.compiled import CompiledContext
from core.storage.repositories import UnitOfWork

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core.operations import diff as diff_op
    from core.operations import merge as merge_op
    from core.operations.merge_conflicts import MergeConflict, Resolver

CONTEXT_MESSAGES = 5  # compiled messages a resolver sees before a conflict's target


class MergeMixin(FacadeBase):
    def merge(
        self,
        source: str,
        strategy: str = "auto",
        no_ff: bool = False,
        auto_commit: bool = False,
        resolver: Resolver | None = None,
        delete_branch: bool = False,
        message: str | None = None,
    ) -> merge_op.MergeResult:
        """Merge ``source`` into the current branch (docs/behaviour.md §7).

        The resolver runs outside the merge's transaction (it may call an LLM); committing
        afterwards re-checks that HEAD has not moved meanwhile.
        """
        from core.operations import merge as merge_op
        from core.operations.merge_conflicts import run_resolver

        with self._write() as uow:
            result = merge_op.merge(
                uow, self.ctx, source, strategy=strategy, no_ff=no_ff, message=message
            )
            if result.committed and delete_branch:
                _delete_source(uow, self, result)
            if resolver is not None and result.conflicts:
                result.conflicts = self._with_context(uow, result)
        if result.committed:
            self.compiler.clear()
            return result
        if resolver is not None:
            result.apply(run_resolver(result.conflicts, resolver))
        if auto_commit and result.fully_resolved:
            return self.commit_merge(result, delete_branch=delete_branch)
        return result

    def commit_merge(
        self, result: merge_op.MergeResult, delete_branch: bool = False
    ) -> merge_op.MergeResult:
        """Write a resolved conflict result: merge commit plus one EDIT per resolution."""
        from core.operations import merge as merge_op

        with self._write() as uow:
            done = merge_op.commit_merge(uow, self.ctx, result)
            if delete_branch:
                _delete_source(uow, self, done)
        self.compiler.clear()
        return done

    def _with_context(self, uow: UnitOfWork, result: merge_op.MergeResult) -> list[MergeConflict]:
        """Give each conflict the compiled messages just before its target (for a resolver)."""
        compiled = self.compiler.compile(uow, head=result.target_tip)
        position = {h: i for i, h in enumerate(compiled.commit_hashes)}
        messages = compiled.messages
        out = []
        for conflict in result.conflicts:
            end = position.get(conflict.target_hash, len(messages))
            start = max(0, end - CONTEXT_MESSAGES)
            out.append(replace(conflict, context=tuple(messages[start:end])))
        return out

    def diff(self, a: str | None = None, b: str | None = None) -> diff_op.DiffResult:
        """Compare the compiled contexts at two commits (docs/behaviour.md §12)."""
        from core.operations import diff as diff_op

        with self._read() as uow:
            return diff_op.diff(uow, self.ctx, self.compiler, a, b)

    def compile_ordered(
        self, order: Sequence[str], check_safety: bool = True
    ) -> tuple[CompiledContext, list[diff_op.OrderWarning]]:
        """HEAD's compile with the listed commits first, in that order. View-only."""
        from core.operations import diff as diff_op

        with self._read() as uow:
            return diff_op.compile_ordered(
                uow, self.ctx, self.compiler, list(order), check_safety=check_safety
            )


def _delete_source(uow: UnitOfWork, owner: FacadeBase, result: merge_op.MergeResult) -> None:
    from core.operations import branches as branches_op

    if result.source_is_branch:
        branches_op.delete_branch(uow, owner.ctx, result.source, force=True)

"""Errors raised by the core.

Every error carries a one-line, user-facing message naming the thing at fault (file, line,
commit, ref). The CLI and the TUI show ``str(error)``; they never show a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence


class TractError(Exception):
    """Base class of every error the core raises on purpose."""


# --- opening stores -------------------------------------------------------------------------


class StoreError(TractError):
    """A store cannot be opened, created or upgraded as asked."""


class StoreNotFoundError(StoreError):
    pass


class NotATractStoreError(StoreError):
    pass


class StoreTooNewError(StoreError):
    pass


class StoreReadOnlyError(StoreError):
    pass


class StoreDamagedError(StoreError):
    """A write was refused: the store's quick integrity check found damage."""


class StoreNeedsUpgradeError(StoreError):
    pass


class StoreLockedError(StoreError):
    """Another process holds a lock on the store longer than we wait."""


# --- content and history --------------------------------------------------------------------


class ContentValidationError(TractError):
    pass


class NotFoundError(TractError):
    pass


class AmbiguousRefError(NotFoundError):
    def __init__(self, ref: str, candidates: Sequence[str]) -> None:
        shown = ", ".join(c[:12] for c in candidates[:10])
        more = f" (+{len(candidates) - 10} more)" if len(candidates) > 10 else ""
        super().__init__(f"ambiguous ref {ref!r}: matches {shown}{more}")
        self.ref = ref
        self.candidates = tuple(candidates)


class EditTargetError(TractError):
    pass


class DetachedHeadError(TractError):
    pass


class BranchError(TractError):
    pass


class BranchNotFoundError(BranchError, NotFoundError):
    pass


class InvalidBranchNameError(BranchError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"invalid branch name {name!r}: {reason}")
        self.name = name
        self.reason = reason


class UnmergedBranchError(BranchError):
    pass


class BudgetExceededError(TractError):
    def __init__(self, current: int, maximum: int) -> None:
        super().__init__(f"token budget exceeded: {current} > {maximum}")
        self.current = current
        self.maximum = maximum


class CompileError(TractError):
    pass


class MergeError(TractError):
    pass


class AlreadyUpToDateError(MergeError):
    pass


class RebaseError(TractError):
    pass


class ImportCommitError(TractError):
    pass


class TranscriptError(TractError):
    """A transcript file is invalid; the message names the file and line."""


class SessionImportError(TranscriptError):
    """A session file (Claude Code, Codex, OpenTelemetry) or folder cannot be imported."""


class CompressionError(TractError):
    pass


class NothingToCompressError(CompressionError):
    pass


class HeadMovedError(CompressionError):
    pass


class RangeChangedError(HeadMovedError):
    """A compressed range changed between its plan and the write (a commit in it edited,
    annotated, rewritten or gone). Commits merely appended after the range never raise this."""


class PreviewChangedError(RangeChangedError):
    """The range changed after a preview was confirmed and its re-plan differs from it.

    ``preview`` is the new preview (a ``CompressPreview``): show it and ask again; nothing
    was written."""

    def __init__(self, message: str, preview: object) -> None:
        super().__init__(message)
        self.preview = preview


class SummarizerError(CompressionError):
    pass


class RevertError(TractError):
    pass


class SpawnError(TractError):
    pass


class LLMConfigError(TractError):
    pass


class SemanticSafetyError(TractError):
    pass

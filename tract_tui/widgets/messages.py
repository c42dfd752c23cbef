"""Messages widgets post up to their screen (and screens to the app): a widget says what the
user asked for; the screen, which owns the other widgets and the writes, decides how."""

from __future__ import annotations

from textual.message import Message

from core import Priority
from core.views.records import RecordRow

# -- from the graph: actions on the selection ------------------------------------------------


class CompressRequested(Message):
    """Compress ``from_ref..to_ref`` (``to_ref`` None: up to HEAD): open the preview."""

    def __init__(self, from_ref: str, to_ref: str | None) -> None:
        super().__init__()
        self.from_ref = from_ref
        self.to_ref = to_ref


class CompileRequested(Message):
    """Record a compile at ``at`` (None: HEAD) and show the record."""

    def __init__(self, at: str | None) -> None:
        super().__init__()
        self.at = at


class PriorityRequested(Message):
    """Pin, skip or unmark a commit."""

    def __init__(self, commit_hash: str, priority: Priority) -> None:
        super().__init__()
        self.commit_hash = commit_hash
        self.priority = priority


class DialogSettled(Message):
    """A key that opens a dialog to type in has done what it does: the dialog is open and
    focused, or none opens (refused, nothing selected). Bubbles up to the app, which then
    hands on the keys typed after that key."""


class TagRequested(Message):
    """Tag a commit (``remove``: untag it)."""

    def __init__(self, commit_hash: str, *, remove: bool = False) -> None:
        super().__init__()
        self.commit_hash = commit_hash
        self.remove = remove


class SearchRequested(Message):
    """Open the search bar."""


class SearchCloseRequested(Message):
    """Close the search bar and clear its matches."""


class GotoRequested(Message):
    """Open the go-to dialog."""


class WhyRequested(Message):
    """Explain why ``commit_hash`` is (or is not) in the compile (the lens's, the selected or
    the latest record)."""

    def __init__(self, commit_hash: str) -> None:
        super().__init__()
        self.commit_hash = commit_hash


class ExportRequested(Message):
    """Export a compile: ``record_id``, or the live compile ``at`` a commit (``x``)."""

    def __init__(self, record_id: str | None, at: str | None) -> None:
        super().__init__()
        self.record_id = record_id
        self.at = at


class LensRequested(Message):
    """Show the graph through a record's lens (``record_id`` None: the selected record, else
    the latest); ``leave``: take the lens off instead."""

    def __init__(self, record_id: str | None, *, leave: bool = False) -> None:
        super().__init__()
        self.record_id = record_id
        self.leave = leave


# -- from the audit panels -------------------------------------------------------------------


class JumpToCommit(Message):
    """Show ``commit_hash`` in the graph tab; ``unreachable``: it may be hidden (a compression
    source), so turn on show-unreachable first."""

    def __init__(self, commit_hash: str, *, unreachable: bool = False) -> None:
        super().__init__()
        self.commit_hash = commit_hash
        self.unreachable = unreachable


class HighlightCommits(Message):
    """Highlight an event's sources and results in the graph (empty sets clear it);
    ``label`` names the event for the legend line ("compress 038b743c")."""

    def __init__(self, sources: frozenset[str], results: frozenset[str], label: str = "") -> None:
        super().__init__()
        self.sources = sources
        self.results = results
        self.label = label


class RevertRequested(Message):
    """Revert an operation event; ``question`` (title, body): ask first (it moves a branch)."""

    def __init__(self, event_id: str, question: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.event_id = event_id
        self.question = question


class CompileDiffRequested(Message):
    """Open the compile diff of two records (older first)."""

    def __init__(self, a: RecordRow, b: RecordRow) -> None:
        super().__init__()
        self.a = a
        self.b = b


class OpenEvent(Message):
    """Show an operation event in the events tab."""

    def __init__(self, event_id: str) -> None:
        super().__init__()
        self.event_id = event_id


class OpenRecord(Message):
    """Show a compile record in the records tab."""

    def __init__(self, record_id: str) -> None:
        super().__init__()
        self.record_id = record_id


# -- from the tract picker -------------------------------------------------------------------


class TractChosen(Message):
    """Open this tract of the store."""

    def __init__(self, tract_id: str) -> None:
        super().__init__()
        self.tract_id = tract_id


# -- reading and copying a commit's content --------------------------------------------------


class ContentRequested(Message):
    """Show a commit's full content in ``$PAGER`` (``to="pager"``) or copy its text to the
    clipboard (``to="clipboard"``)."""

    def __init__(self, commit_hash: str, to: str) -> None:
        super().__init__()
        self.commit_hash = commit_hash
        self.to = to

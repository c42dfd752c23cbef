"""Messages the audit panels send to the main screen (which owns the graph)."""

from __future__ import annotations

from textual.message import Message


class JumpToCommit(Message):
    """Show ``commit_hash`` in the graph tab; ``unreachable``: it may be hidden (a compression
    source), so turn on show-unreachable first."""

    def __init__(self, commit_hash: str, *, unreachable: bool = False) -> None:
        super().__init__()
        self.commit_hash = commit_hash
        self.unreachable = unreachable


class HighlightCommits(Message):
    """Highlight an event's sources and results in the graph (empty sets clear it)."""

    def __init__(self, sources: frozenset[str], results: frozenset[str]) -> None:
        super().__init__()
        self.sources = sources
        self.results = results


class StoreChanged(Message):
    """A panel wrote to the store (a revert): reload what shows it."""


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

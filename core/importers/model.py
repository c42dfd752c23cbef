"""What a session importer produces: a plan per tract, independent of the store.

An importer reads a file and describes, in source terms, the commits, compactions, model calls
and child tracts it found. Every item carries a *key*: a stable id taken from the source (a
Claude Code ``uuid``, a Codex position or ``call_id``, an OpenTelemetry span or message path).
The writer (``core.importers.writer``) maps keys to commits through commit metadata, so
importing the same file twice adds nothing and a grown file adds only what is new.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Commit metadata keys the importers own (docs/sessions.md).
SOURCE_ID = "source_id"  # the node's key: looked up to make imports incremental
SOURCE = "source"  # where it came from: format, file line, original record type, extras


@dataclass
class Node:
    """One commit to write: a message the model saw."""

    key: str
    parent: str | None  # key of the parent node (this plan, an earlier import, or unknown)
    payload: dict[str, Any]  # content, validated by the writer
    at: datetime | None  # the source's time; None when the source has none
    line: int  # 1-based line (or element) of the source file, for notes
    metadata: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] | None = None  # generation config (model, usage, …)


@dataclass
class Compaction:
    """A compress event: the line ending at ``closes`` was replaced by ``results``."""

    key: str
    closes: str | None  # key of the last node of the closed line (None: nothing known)
    results: list[str]  # keys of the summary / replacement nodes, in order
    at: datetime | None
    line: int
    original_tokens: int = 0
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Call:
    """A model call: a compile record of the context it was sent (the chain up to ``head``)."""

    key: str
    head: str  # key of the last node of the context sent
    at: datetime | None
    line: int
    prompt_tokens: int | None = None  # the API's figures, when the source has them
    completion_tokens: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Spawn:
    """A child tract (a subagent) started from ``parent_node`` of this plan's tract."""

    child: str  # the child plan's tract key
    parent_node: str | None  # key of the tool call that started it, when known
    purpose: str
    display_name: str | None = None


@dataclass
class TractPlan:
    """Everything one tract receives from one import."""

    tract_id: str
    format: str
    title: str | None = None
    nodes: list[Node] = field(default_factory=list)
    compactions: list[Compaction] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    spawns: list[Spawn] = field(default_factory=list)
    prefix: str = "fork"  # branch names: main, then <prefix>-<id> for the other leaves
    info: dict[str, Any] = field(default_factory=dict)  # session facts for the import event


@dataclass
class Notes:
    """What an import skipped or could not place: counted, kept, and reported, never silent."""

    skipped: Counter[str] = field(default_factory=Counter)  # kind → records not made messages
    warnings: list[str] = field(default_factory=list)  # one line each, FILE:LINE: …
    unknown: list[dict[str, Any]] = field(default_factory=list)  # whole unknown records

    def skip(self, kind: str, n: int = 1) -> None:
        self.skipped[kind] += n

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def keep_unknown(self, kind: str, line: int, record: Any) -> None:
        self.skipped[kind] += 1
        self.unknown.append({"line": line, "kind": kind, "record": record})

    def merge(self, other: Notes) -> None:
        self.skipped.update(other.skipped)
        self.warnings.extend(other.warnings)
        self.unknown.extend(other.unknown)


@dataclass
class FilePlan:
    """One source file's plans (several tracts: sessions, subagents) and notes."""

    path: str
    format: str
    tracts: list[TractPlan]
    notes: Notes
    size: int = 0
    lines: int = 0

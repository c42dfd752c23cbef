"""One *source* per input file, behind one interface: read what is new, as tract plans.

A source keeps its parser (and its byte offset, for JSON lines) between reads, so a follower
reads only what was appended. A Claude Code session also reads its subagents'
``<session>/subagents/agent-*.jsonl`` files (and Claude Code 2.0's ``agent-*.jsonl`` beside
it that name it) and links each child tract to the Task call that started it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from core.importers import agent_files
from core.importers import detect as d
from core.importers.claude_code import ClaudeParser, tract_key
from core.importers.codex import CodexParser
from core.importers.model import Notes, Spawn, TractPlan
from core.importers.otel import OtelParser
from core.importers.reader import JsonLine, LineReader, read_document

Progress = Callable[[int, int], None]


class Parser(Protocol):
    format: str

    def feed(self, lines: list[JsonLine], notes: Notes) -> list[TractPlan]: ...

    def finish(self, notes: Notes) -> None: ...


class Source(Protocol):
    """What every format's importer offers (``core.importers.sources.open_source``)."""

    path: Path
    format: str

    def read(self, notes: Notes, progress: Progress | None = None) -> list[TractPlan]: ...

    def finish(self, notes: Notes) -> None: ...

    def changed(self) -> bool: ...


class LinesSource:
    """A JSON-lines file read from where the last read stopped."""

    def __init__(self, path: Path, make: Callable[[], Parser], strict: bool) -> None:
        self.path, self._make, self.strict = path, make, strict
        self.parser = make()
        self.format = self.parser.format
        self.end = self.end_line = 0
        self.lines = 0
        self._stat: tuple[int, int] | None = None

    def changed(self) -> bool:
        try:
            st = self.path.stat()
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) != self._stat

    def read(self, notes: Notes, progress: Progress | None = None) -> list[TractPlan]:
        try:
            st = self.path.stat()
            self._stat = (st.st_size, st.st_mtime_ns)
        except OSError:
            pass
        reader = LineReader(self.path, start=self.end, start_line=self.end_line, strict=self.strict)
        reader.on_progress = progress
        lines = list(reader.lines())
        if reader.start == 0 and self.end > 0:  # the file was replaced: start over
            self.parser = self._make()
        for note in reader.notes:
            notes.warn(note)
        self.end, self.end_line = reader.end, reader.end_line
        self.lines = reader.end_line
        return self.parser.feed(lines, notes)

    def finish(self, notes: Notes) -> None:
        self.parser.finish(notes)


class DocumentSource:
    """A whole-document file (OTLP JSON, a flat span map): read again when it changes; the
    keys of what it holds make a second read add only what is new."""

    def __init__(self, path: Path, parser: Parser) -> None:
        self.path, self.parser, self.format = path, parser, parser.format
        self.lines = 0
        self._stat: tuple[int, int] | None = None

    def changed(self) -> bool:
        try:
            st = self.path.stat()
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) != self._stat

    def read(self, notes: Notes, progress: Progress | None = None) -> list[TractPlan]:
        st = self.path.stat()
        self._stat = (st.st_size, st.st_mtime_ns)
        doc = read_document(self.path)
        self.lines = 1
        return self.parser.feed([JsonLine(1, doc)], notes)

    def finish(self, notes: Notes) -> None:
        self.parser.finish(notes)


class ClaudeSource:
    """A Claude Code session file with its subagent files and inline sidechains."""

    format = d.CLAUDE_CODE

    def __init__(self, path: Path, strict: bool) -> None:
        self.path, self.strict = path, strict
        self.main = LinesSource(path, lambda: ClaudeParser(path), strict)
        self.subs: dict[Path, LinesSource] = {}
        self._linked: set[str] = set()
        self.plan_files: dict[str, Path] = {}  # a subagent's tract → its file (for errors)

    @property
    def lines(self) -> int:
        return self.main.lines

    @property
    def main_tract(self) -> str:
        return self.parser.main

    @property
    def parser(self) -> ClaudeParser:
        return self.main.parser  # type: ignore[return-value]  # a Claude source's parser

    def _sub_files(self) -> list[Path]:
        folder = self.path.with_suffix("") / "subagents"
        nested = sorted(folder.glob("agent-*.jsonl")) if folder.is_dir() else []
        if self.path.name.startswith("agent-"):
            return nested
        return nested + agent_files.siblings(self.path)  # Claude Code 2.0's layout

    def changed(self) -> bool:
        if self.main.changed() or any(s.changed() for s in self.subs.values()):
            return True
        return any(p not in self.subs for p in self._sub_files())

    def read(self, notes: Notes, progress: Progress | None = None) -> list[TractPlan]:
        plans = self.main.read(notes, progress)
        main_tract = self.parser.main
        for sub in self._sub_files():
            if sub not in self.subs:
                agent = sub.stem.removeprefix("agent-")
                tract = tract_key(f"{main_tract}/agent-{agent}")
                self.subs[sub] = LinesSource(sub, _subagent_parser(sub, tract), self.strict)
            for plan in self.subs[sub].read(notes):
                plan.title = plan.title or f"subagent {sub.stem.removeprefix('agent-')}"
                plans.append(plan)
                self.plan_files[plan.tract_id] = sub
        self._link(plans, main_tract)
        return plans

    def finish(self, notes: Notes) -> None:
        self.main.finish(notes)
        for sub in self.subs.values():
            sub.finish(notes)

    def _link(self, plans: list[TractPlan], main_tract: str) -> None:
        parser = self.parser
        children: list[tuple[str, str | None, datetime | None, str | None]] = []
        for path, sub in self.subs.items():
            tract = sub.parser.main  # type: ignore[attr-defined]  # subagent parsers are Claude's
            if tract in self._linked:
                continue
            agent = path.stem.removeprefix("agent-")
            first = next((n.at for p in plans if p.tract_id == tract for n in p.nodes), None)
            children.append((tract, agent, first, None))
        for tract, (prompt, at) in parser.sidechains.items():
            if tract not in self._linked:
                children.append((tract, None, at, prompt))
        if not children:
            return
        by_tract = {p.tract_id: p for p in plans}
        main = by_tract.get(main_tract)
        if main is None:
            main = TractPlan(main_tract, d.CLAUDE_CODE, title=parser.title)
            plans.insert(0, main)
        for tract, agent_id, at, prompt in children:
            call = self._task_call(agent_id, at, prompt)
            args = call[3] if call else {}
            purpose = args.get("description") or args.get("prompt") or prompt or "subagent"
            label = f"subagent {agent_id}" if agent_id else "sidechain"
            main.spawns.append(Spawn(tract, call[1] if call else None, str(purpose)[:500], label))
            self._linked.add(tract)

    def _task_call(
        self, agent: str | None, at: datetime | None, prompt: str | None
    ) -> tuple[str, str, datetime | None, dict[str, Any]] | None:
        parser = self.parser
        calls = parser.task_calls
        if agent is not None and agent in parser.agent_results:
            node = parser.tool_nodes.get(parser.agent_results[agent])
            for call in calls:
                if call[1] == node:
                    return call
        if prompt is not None:
            for call in calls:
                if call[3].get("prompt") == prompt:
                    return call
        earlier = [c for c in calls if at is None or c[2] is None or c[2] <= at]
        return earlier[-1] if earlier else None


def _subagent_parser(path: Path, tract: str) -> Callable[[], Parser]:
    return lambda: ClaudeParser(path, tract_id=tract)


def open_source(path: Path, fmt: str | None, strict: bool) -> Source:
    """The source for one file, its format detected unless ``fmt`` names it."""
    fmt = fmt or d.detect(path)
    if fmt == d.CLAUDE_CODE:
        return ClaudeSource(path, strict)
    if fmt == d.CODEX:
        return LinesSource(path, lambda: CodexParser(path), strict)
    if fmt == d.OTEL:
        if d.is_jsonl(path):
            return LinesSource(path, lambda: OtelParser(path), strict)
        return DocumentSource(path, OtelParser(path))
    raise ValueError(fmt)

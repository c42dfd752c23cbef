"""An import from start to end: find the files, read them, then write in one transaction.

Everything is read (and, with ``strict``, validated) before the store is opened, so bad input
never creates or touches a store. :class:`ImportSession` keeps its sources and what it knows
of the store's tracts between runs, which is what a follower repeats as files grow.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import SessionImportError
from core.importers import agent_files
from core.importers import detect as d
from core.importers.memory import TractMemory
from core.importers.model import Notes, TractPlan
from core.importers.server_text import refuse_nul
from core.importers.sources import Source, open_source
from core.importers.writer import PlanWriter, TractOutcome
from core.operations.context import TractContext
from core.storage.store import Store

ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ImportSummary:
    """What one run read and wrote."""

    source: str
    store: str
    files: dict[str, str] = field(default_factory=dict)  # path → format
    lines: int = 0
    tracts: list[TractOutcome] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)
    seconds: float = 0.0

    @property
    def commits(self) -> int:
        return sum(len(t.commits) for t in self.tracts)

    @property
    def changed(self) -> bool:
        return any(t.commits or t.compactions or t.records for t in self.tracts)

    def tract_ids(self) -> list[str]:
        return [t.tract_id for t in self.tracts]


class ImportSession:
    """Import ``path`` (a session file or a folder of them); call :meth:`run` again to add
    what was appended since."""

    def __init__(self, path: str | Path, *, fmt: str | None = None, strict: bool = False):
        self.root = Path(path).expanduser()
        self.fmt = fmt
        self.strict = strict
        self.sources: dict[Path, Source] = {}
        self.memory: dict[str, TractMemory] = {}
        self.skipped_files: dict[Path, str] = {}
        self.main_tracts: dict[Path, str] = {}
        self.tract_files: dict[str, Path] = {}  # tract → the file its records come from
        if fmt is not None and fmt not in d.SESSION_FORMATS:
            raise SessionImportError(
                f"unknown session format {fmt!r} (expected one of {', '.join(d.SESSION_FORMATS)})"
            )

    # -- finding and reading ----------------------------------------------------------------

    def discover(self, notes: Notes | None = None) -> None:
        root = self.root
        if not root.exists():
            raise SessionImportError(f"{root}: no such file or folder")
        if root.is_file():
            if root not in self.sources:
                fmt = self.fmt or d.detect(root)
                if fmt == d.OPENAI_CHAT:
                    raise SessionImportError(f"{root}: an OpenAI chat transcript, not a session")
                self.sources[root] = open_source(root, fmt, self.strict)
            return
        for path in sorted(root.rglob("*")):
            if path in self.sources or path in self.skipped_files or not path.is_file():
                continue
            if path.suffix.lower() not in (".jsonl", ".json"):
                continue
            if path.parent.name == "subagents" and path.name.startswith("agent-"):
                continue  # read with its session
            if agent_files.belongs_to_a_session(path):
                continue  # Claude Code 2.0's layout: read with the session it names
            try:
                fmt = self.fmt or d.detect(path)
                if fmt == d.OPENAI_CHAT:
                    raise SessionImportError(f"{path}: an OpenAI chat transcript, not a session")
                self.sources[path] = open_source(path, fmt, self.strict)
            except SessionImportError as exc:
                if self.strict:
                    raise
                self.skipped_files[path] = str(exc)
                if notes is not None:
                    notes.warn(f"{exc}; file skipped")

    def read(
        self, notes: Notes, progress: ProgressFn | None = None, only_changed: bool = False
    ) -> tuple[list[TractPlan], dict[str, str], int]:
        self.discover(notes)
        plans: list[TractPlan] = []
        files: dict[str, str] = {}
        lines = 0
        todo = [s for s in self.sources.values() if not only_changed or s.changed()]
        for i, source in enumerate(todo):

            def each(done: int, total: int, _i: int = i) -> None:
                if progress is not None:
                    progress("reading", done, total)

            found = source.read(notes, each if len(todo) == 1 else None)
            if progress is not None and len(todo) > 1:
                progress("reading", i + 1, len(todo))
            files[str(source.path)] = source.format
            lines += getattr(source, "lines", 0)
            plans.extend(found)
            subfiles = getattr(source, "plan_files", {})
            for plan in found:
                self.tract_files.setdefault(plan.tract_id, subfiles.get(plan.tract_id, source.path))
            main = getattr(source, "main_tract", None) or (found[0].tract_id if found else None)
            if main is not None:
                self.main_tracts.setdefault(source.path, main)
        if not self.sources and not self.skipped_files:
            raise SessionImportError(f"{self.root}: holds no session files (.jsonl, .json)")
        if not self.sources:
            raise SessionImportError(f"{self.root}: none of its files is a session we read")
        return plans, files, lines

    def finish(self, notes: Notes) -> None:
        for source in self.sources.values():
            source.finish(notes)

    # -- running ----------------------------------------------------------------------------

    def run(
        self,
        store: Store | str,
        *,
        create: bool = False,
        ctx: TractContext | None = None,
        progress: ProgressFn | None = None,
        only_changed: bool = False,
        final: bool = True,
    ) -> ImportSummary:
        """Read what is new, then write it in one transaction (``store`` is opened — and
        created when ``create`` — only after reading succeeded)."""
        started = time.perf_counter()
        notes = Notes()
        plans, files, lines = self.read(notes, progress, only_changed)
        if final:
            self.finish(notes)
        summary = ImportSummary(str(self.root), "", files, lines, notes=notes)
        if _is_postgres(store):  # checked before the store is opened (or created)
            refuse_nul(plans, self.tract_files, notes)
        owns = not isinstance(store, Store)
        opened = Store.open(store, create=create) if not isinstance(store, Store) else store
        try:
            summary.store = opened.display
            if plans or notes.unknown:
                summary.tracts = self.write(opened, plans, notes, files, ctx, progress)
        finally:
            if owns:
                opened.close()
        summary.seconds = time.perf_counter() - started
        return summary

    def write(
        self,
        store: Store,
        plans: list[TractPlan],
        notes: Notes,
        files: dict[str, str],
        ctx: TractContext | None = None,
        progress: ProgressFn | None = None,
    ) -> list[TractOutcome]:
        ctx = ctx or TractContext("")
        source: dict[str, Any] = {"source": "session import", "path": str(self.root)}
        if len(files) == 1:
            source["file"] = next(iter(files))
        merged = _merge(plans)
        if progress is not None:
            progress("writing", 0, sum(len(p.nodes) for p in merged))
        try:
            with store.write() as uow:
                each = None
                if progress is not None:

                    def each(done: int, total: int) -> None:
                        progress("writing", done, total)

                writer = PlanWriter(uow, ctx, self.memory, each)
                outcomes = writer.write(merged, notes, source)
        except BaseException:
            self.memory.clear()  # it may hold what the rolled-back transaction wrote
            raise
        if progress is not None:
            total = sum(len(p.nodes) for p in merged)
            progress("writing", total, total)
        return outcomes


def _is_postgres(store: Store | str) -> bool:
    if isinstance(store, Store):
        return bool(store.engine.dialect.name == "postgresql")
    return str(store).split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def _merge(plans: list[TractPlan]) -> list[TractPlan]:
    """One plan per tract, in first-seen order (a folder may hold a session twice)."""
    out: dict[str, TractPlan] = {}
    for plan in plans:
        have = out.get(plan.tract_id)
        if have is None:
            out[plan.tract_id] = plan
            continue
        have.nodes += plan.nodes
        have.compactions += plan.compactions
        have.calls += plan.calls
        have.spawns += plan.spawns
        have.title = have.title or plan.title
        have.info = {**plan.info, **have.info}
    return list(out.values())

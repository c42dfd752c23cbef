"""How an import reports: its summary lines and a progress bar on a terminal."""

from __future__ import annotations

import sys
import time
from typing import Any

from tract_tui.commands._output import plain

BAR_BYTES = 4 << 20  # inputs smaller than this finish before a bar would help


def summary_lines(summary: Any, *, follow: bool = False) -> list[str]:
    lines: list[str] = []
    if not follow:
        kinds = ", ".join(sorted(set(summary.files.values()))) or "nothing"
        lines.append(
            plain(
                f"read {len(summary.files)} file{'s' if len(summary.files) != 1 else ''} "
                f"({kinds}), {summary.lines:,} lines, in {summary.seconds:.2f} s"
            )
        )
    for t in summary.tracts:
        if follow and not (t.commits or t.compactions or t.records):
            continue
        what = [f"+{_n(len(t.commits), 'commit')}"]
        if t.compactions:
            what.append(_n(t.compactions, "compaction"))
        if t.records:
            what.append(_n(t.records, "compile record"))
        line = f"tract {t.tract_id}: {', '.join(what)}"
        if t.branches:
            line += f"; branches {', '.join(t.branches)}"
        if t.title and not follow:
            line += f" ({t.title})"
        lines.append(plain(line))
    if not follow and not summary.tracts:
        lines.append("no messages: nothing in the input is a message the model saw")
    elif not follow and not summary.changed:
        lines.append("nothing new: every record was imported before")
    skipped = summary.notes.skipped
    if skipped:
        parts = [f"{n} {kind} record{'s' if n != 1 else ''}" for kind, n in skipped.most_common()]
        lines.append(plain("skipped " + ", ".join(parts)))
    for warning in summary.notes.warnings:
        lines.append(plain(f"note: {warning}"))
    if not follow and summary.store:
        lines.append(plain(f"store: {summary.store}"))
    return lines


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class Progress:
    """A one-line bar on stderr for big inputs; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._shown = False
        self._last = 0.0

    @classmethod
    def for_stderr(cls) -> Progress:
        return cls(sys.stderr.isatty())

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if total < (BAR_BYTES if stage == "reading" else 2000):
            return
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        frac = done / total if total else 1.0
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        if stage == "reading":
            unit = f"{done / 1e6:,.1f}/{total / 1e6:,.1f} MB"
        else:
            unit = f"{done:,}/{total:,} records"
        sys.stderr.write(f"\r{stage:<8} [{bar}] {frac:4.0%} {unit}   ")
        sys.stderr.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._shown = False

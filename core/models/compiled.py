"""What a compile produces: each ``Message`` (rendered lazily from its stored row), the
shared read-only ``MessageDict``s that ``to_dicts()`` hands out, the ``CompiledContext``, and
the ``CompileRow`` the compiler reads per commit. Stored rows are ``core.models.records``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from core.models.times import stored_time


def _read_only(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        f"a compiled message's {type(self).__name__} is shared and read-only; change a copy"
        " (dict(m) or list(m))"
    )


class MessageDict(dict[str, Any]):
    """A compiled message in OpenAI form. Every compile that contains the message hands out
    this very dict (making one per call cost more than the rest of an agent turn), so it
    refuses changes; ``dict(m)`` is a copy to change. Copies and pickles are plain dicts."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        import copy

        return copy.deepcopy(dict(self), memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


class MessageList(list[Any]):
    """``tool_calls`` of a ``MessageDict``: read-only for the same reason."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = clear = extend = insert = pop = remove = reverse = sort = _read_only

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        import copy

        return copy.deepcopy(list(self), memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


# Each to_dicts() copies the list of a compile's dicts, and a list copy touches every dict it
# holds (its reference count). Dicts taken from a block made at once lie side by side in
# memory; made one per turn among everything else a turn allocates, they lie scattered, and
# at 20k messages the copy took about a third longer.
_BLOCK = 256
_spare: list[MessageDict] = []


def _message_dict(items: dict[str, Any]) -> MessageDict:
    try:
        made = _spare.pop()
    except IndexError:  # (another thread may have taken the last one: refill either way)
        made = MessageDict()
        block = [MessageDict() for _ in range(_BLOCK)]
        block.reverse()  # pop() then hands them out in the order they were made
        _spare.extend(block)
    dict.update(made, items)  # MessageDict's own update refuses
    return made


# What a message renders to: role, content, name, tool_call_id, tool_calls (OpenAI form).
Rendered = tuple[str, str, "str | None", Any, "tuple[dict[str, Any], ...] | None"]
Renderer = Callable[[Any], Rendered]


# The text a compiled message shows when its content is missing or unreadable. A message is
# *damaged* when its content is this very object (``Message.damaged``): stored text that
# happens to read the same is another string, so it never counts as damage.
MISSING_CONTENT = "[missing content]"


class Message:
    """One compiled message: ``role``, ``content``, an optional ``name``, and for stores of
    tract-ai c2f26dd the tool fields it takes from commit metadata (``tool_call_id``, and
    ``tool_calls`` in OpenAI's form).

    A compile of a long history builds many messages nobody reads (a screen shows a few
    dozen), so a message may hold its commit and a renderer instead, and render on first
    access. Either way it behaves as an immutable value.
    """

    __slots__ = (
        "_content",
        "_dict",
        "_name",
        "_role",
        "_source",
        "_tool_call_id",
        "_tool_calls",
    )

    def __init__(
        self,
        role: str = "",
        content: str = "",
        name: str | None = None,
        *,
        tool_call_id: Any = None,
        tool_calls: tuple[dict[str, Any], ...] | None = None,
        source: tuple[Renderer, Any] | None = None,
    ) -> None:
        self._role = role
        self._content = content
        self._name = name
        self._tool_call_id = tool_call_id
        self._tool_calls = tool_calls
        self._source = source
        self._dict: MessageDict | None = None

    def _render(self) -> None:
        source = self._source
        if source is not None:
            renderer, raw = source
            (self._role, self._content, self._name, self._tool_call_id, self._tool_calls) = (
                renderer(raw)
            )
            self._source = None

    @property
    def role(self) -> str:
        self._render()
        return self._role

    @property
    def content(self) -> str:
        self._render()
        return self._content

    @property
    def name(self) -> str | None:
        self._render()
        return self._name

    @property
    def tool_call_id(self) -> Any:
        self._render()
        return self._tool_call_id

    @property
    def tool_calls(self) -> tuple[dict[str, Any], ...] | None:
        self._render()
        return self._tool_calls

    def parts(self) -> tuple[str, str, str | None, Any, tuple[dict[str, Any], ...] | None]:
        """``(role, content, name, tool_call_id, tool_calls)`` rendered once: for a reader of
        every message (``compile --json`` at 100k), five property reads cost more."""
        self._render()
        return self._role, self._content, self._name, self._tool_call_id, self._tool_calls

    @property
    def damaged(self) -> bool:
        """The content could not be read (missing or unreadable blob): the text is a notice,
        not anything the model was sent."""
        self._render()
        return self._content is MISSING_CONTENT

    def with_content(self, content: str) -> Message:
        return Message(
            self.role,
            content,
            self.name,
            tool_call_id=self.tool_call_id,
            tool_calls=self.tool_calls,
        )

    def to_dict(self) -> dict[str, Any]:
        """The OpenAI form, made once and shared: a read-only ``MessageDict`` (``dict(m)`` for
        a copy to change)."""
        made = self._dict
        if made is None:
            self._render()
            out: dict[str, Any] = {"role": self._role, "content": self._content}
            if self._name is not None:
                out["name"] = self._name
            if self._tool_calls:
                out["tool_calls"] = MessageList(MessageDict(c) for c in self._tool_calls)
            if self._tool_call_id is not None:
                out["tool_call_id"] = self._tool_call_id
            made = self._dict = _message_dict(out)
        return made

    def _key(self) -> tuple[Any, ...]:
        calls = repr(self.tool_calls) if self.tool_calls else None
        return (self.role, self.content, self.name, repr(self.tool_call_id), calls)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        extra = ""
        if self.tool_call_id is not None:
            extra += f", tool_call_id={self.tool_call_id!r}"
        if self.tool_calls:
            extra += f", tool_calls={list(self.tool_calls)!r}"
        return f"Message(role={self.role!r}, content={self.content!r}, name={self.name!r}{extra})"


@dataclass(frozen=True)
class CompiledContext:
    """The message list a compile produced, parallel to the commits it came from."""

    messages: Sequence[Message]
    token_count: int
    token_source: str
    commit_hashes: Sequence[str]
    generation_configs: Sequence[dict[str, Any] | None]
    message_tokens: Sequence[int] = field(default=())
    content_types: Sequence[str] = field(default=())
    head_hash: str | None = None
    record_id: str | None = None  # set when the compile was recorded
    # tract-ai c2f26dd: the tool definitions a compile carries (those of the nearest
    # first-parent ancestor that has any) and their tokens, included in ``token_count``.
    tools: tuple[dict[str, Any], ...] = ()
    tools_tokens: int = 0

    @property
    def commit_count(self) -> int:
        return len(self.messages)

    def to_dicts(self) -> list[dict[str, Any]]:
        """The messages in OpenAI form: a new list of shared read-only dicts. A compile's own
        message list keeps them (``dicts()``), so after an incremental compile only the new
        messages are made and the rest is one list copy."""
        shared = getattr(self.messages, "dicts", None)
        if shared is not None:
            made: list[dict[str, Any]] = shared()
            return made
        return [m.to_dict() for m in self.messages]

    to_openai = to_dicts

    def to_anthropic(self) -> dict[str, Any]:
        system = [m.content for m in self.messages if m.role == "system"]
        return {
            "system": "\n\n".join(system) if system else None,
            "messages": [m.to_dict() for m in self.messages if m.role != "system"],
        }


class CompileRow(NamedTuple):
    """One commit as the compiler needs it, with its blob's payload text and cached tokens.

    A tuple, not a dataclass: a cold compile builds one per commit (100k+).
    """

    commit_hash: str
    parent_hash: str | None
    content_hash: str
    content_type: str
    is_edit: bool
    response_to: str | None
    created_at: Any  # as stored (SQLite text or a datetime); read it through ``time``
    generation_config: Any  # raw JSON text, a parsed value, or None
    n_parents: int  # commit_parents rows: ≥ 2 means a merge
    payload_json: Any  # raw text (or parsed on PostgreSQL); None when the blob is missing
    message_tokens: int | None  # cached compiled-message tokens for the counter's encoding
    metadata_json: Any = None  # raw text (or parsed); tract-ai c2f26dd compiles tool fields

    @property
    def time(self) -> datetime:
        return stored_time(self.created_at)

"""Read-only sequences over lists a snapshot keeps growing: what a compiled context holds.

A context handed out by a ``Snapshot`` shares the snapshot's lists instead of copying them
(O(1) per compile); these views show the first ``n`` items, which the snapshot never changes
while a view can see them (it copies the lists first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar, overload

from core.models.compiled import Message

T = TypeVar("T")


class View(Sequence[T]):
    """The first ``n`` items of a list that only ever grows at its end (while shared)."""

    __slots__ = ("_items", "_n")

    def __init__(self, items: list[T], n: int | None = None) -> None:
        self._items = items
        self._n = len(items) if n is None else n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...
    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(self._n)))
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("view index out of range")
        return self._items[i]

    def __iter__(self) -> Iterator[T]:
        return islice(self._items, self._n)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class DictCache:
    """The OpenAI dicts of a snapshot's effective messages, parallel to its message list:
    slots below ``filled`` are made, the rest ``None``. Shared by the contexts handed out like
    the other lists; the snapshot copies it before changing a slot a context may see, and
    lowers ``filled`` where it inserts, removes or edits."""

    __slots__ = ("filled", "items")

    def __init__(self, items: list[dict[str, Any] | None], filled: int = 0) -> None:
        self.items = items
        self.filled = filled

    def copy(self) -> DictCache:
        return DictCache(list(self.items), self.filled)

    def changed_at(self, i: int) -> None:
        if i < self.filled:
            self.filled = i


class MessageView(View[Message]):
    """Messages of a context; a ``None`` slot is made (from its commit) on first read."""

    __slots__ = ("_dicts", "_make", "_pos")

    def __init__(
        self,
        items: list[Message | None],
        pos: list[int],
        make: Callable[[int], Message],
        dicts: DictCache | None = None,
    ) -> None:
        super().__init__(items)  # type: ignore[arg-type]  # None slots are filled on first read
        self._pos = pos
        self._make = make
        self._dicts = dicts

    def dicts(self) -> list[dict[str, Any]]:
        """Every message's OpenAI dict, in a new list: only those not made yet are made."""
        cache = self._dicts
        n = self._n
        if cache is None:
            return [m.to_dict() for m in self]
        items = cache.items
        if cache.filled < n:
            for i in range(cache.filled, n):
                if items[i] is None:
                    items[i] = self[i].to_dict()
            cache.filled = n
        return items[:n]  # type: ignore[return-value]  # below ``filled``: no None

    def __getitem__(self, i: int | slice) -> Any:
        message = super().__getitem__(i)  # a slice comes back through here, item by item
        if message is None:
            i = i + self._n if i < 0 else i
            message = self._items[i] = self._make(self._pos[i])
        return message

    def __iter__(self) -> Iterator[Message]:
        return (self[i] for i in range(self._n))

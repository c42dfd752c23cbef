"""The graph model's columns as read-only lists over a :class:`~core.views.row_store.RowStore`:
``GraphModel.hashes``, ``.parents`` and ``.unreachable`` read like the lists they once were."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

from core.views.row_store import RowStore

T = TypeVar("T")


class _Column(Sequence[T]):
    """A read-only list view of one column of a :class:`RowStore`."""

    __slots__ = ("_rows",)

    def __init__(self, rows: RowStore) -> None:
        self._rows = rows

    def _at(self, position: int) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        n = len(self._rows)
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(n))]
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("row out of range")
        return self._at(index)

    def __iter__(self) -> Iterator[T]:
        return (self._at(i) for i in range(len(self._rows)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Column | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # changes with the model, like a list

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class RowHashes(_Column[str]):
    """Each row's hash, as a list of str."""

    __slots__ = ()

    def _at(self, position: int) -> str:
        return self._rows.hash_at(position)


class RowParents(_Column[tuple[str, ...]]):
    """Each row's parents, first parent first."""

    __slots__ = ()

    def _at(self, position: int) -> tuple[str, ...]:
        return self._rows.parents_at(position)


class RowUnreachable(_Column[bool]):
    """Whether each row is unreachable (shown because unreachable commits are)."""

    __slots__ = ()

    def _at(self, position: int) -> bool:
        return self._rows.unreachable_at(position)


def columns(rows: RowStore) -> tuple[RowHashes, RowParents, RowUnreachable]:
    return RowHashes(rows), RowParents(rows), RowUnreachable(rows)

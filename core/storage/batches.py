"""Set-based reads in batches: an ``IN`` list is chunked under the backends' parameter limits,
its keys deduplicated first. Standard library only: the SQLAlchemy repositories and the stdlib
quick reads (``sqlite_quick``) chunk alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# SQLite allows 32766 host parameters since 3.32; PostgreSQL 65535. Stay far below both.
CHUNK = 900


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))

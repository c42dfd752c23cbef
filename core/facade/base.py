"""What every facade mixin may rely on (implemented by :class:`core.tract.Tract`)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Self

from core.operations.compile import Compiler
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork
from core.storage.store import Store


class FacadeBase:
    store: Store
    ctx: TractContext
    compiler: Compiler

    def _write(self) -> AbstractContextManager[UnitOfWork]:
        """A write transaction, or the caller's batch."""
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[UnitOfWork]:
        """A read transaction, or the caller's batch."""
        raise NotImplementedError

    def resolve(self, ref: str) -> str:
        raise NotImplementedError

    def _sibling(self, tract_id: str) -> Self:
        """Another tract of the same store, with this one's counter, clock and types."""
        raise NotImplementedError

    @property
    def tract_id(self) -> str:
        return self.ctx.tract_id

    @property
    def in_batch(self) -> bool:
        raise NotImplementedError

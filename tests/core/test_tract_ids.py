"""A store's tract ids are found one index seek per tract (opening a store of a million
commits asks for them first): every tract with commits, and one that has only refs."""

from __future__ import annotations

from core import Tract, create_tract
from core.operations.context import branch_ref


def test_tract_ids_seek_each_tract_once(store_target: str) -> None:
    first = create_tract(store_target)
    first.user("one")
    ids = [first.tract_id, "0" * 32, "f" * 32, "c" * 31 + "d"]
    for tract_id in ids[1:3]:
        t = Tract(first.store, tract_id)
        for i in range(3):
            t.user(f"{tract_id[:4]} {i}")
    with first.store.write() as uow:  # a tract of refs alone (a branch on no commit yet)
        uow.refs.set_symbolic(ids[3], "HEAD", branch_ref("main"))
    with first.store.read() as uow:
        assert uow.commits.tract_ids() == sorted(ids)
    first.close()


def test_an_empty_store_has_no_tracts(store_target: str) -> None:
    t = create_tract(store_target)
    with t.store.read() as uow:
        assert uow.commits.tract_ids() == []
    t.close()

"""A write on the store's kept SQLite connection is begun and ended on the driver.

Statements inside may go through SQLAlchemy (which then begins its own transaction on top)
or straight to the driver; either way everything commits together or not at all, a failed
COMMIT leaves nothing behind, and the connection is free and usable afterwards.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core import create_tract
from core.storage.store import Store


def _store(tmp_path: Path) -> Store:
    create_tract(tmp_path / "s.db").close()
    return Store.open(tmp_path / "s.db")


def _meta(store: Store) -> dict[str, str]:
    with store.read() as uow:
        return {k: v for k, v in uow.meta.all().items() if k.startswith("t.")}


def _driver_in_transaction(store: Store) -> bool:
    hot = store._hot
    assert hot is not None and hot._driver is not None
    return bool(hot._driver.in_transaction)


def test_statements_through_either_layer_commit_together(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        with store.write() as uow:
            assert store._hot is not None and store._hot.holds(uow.conn)
            uow.meta.set("t.a", "1")  # SQLAlchemy: begins its transaction on top of ours
            uow.conn.connection.driver_connection.execute(  # type: ignore[union-attr]
                "INSERT INTO _trace_meta (key, value) VALUES ('t.b', '2')"
            )
        assert not _driver_in_transaction(store)
        with store.write() as uow:  # driver statements only
            uow.conn.connection.driver_connection.execute(  # type: ignore[union-attr]
                "INSERT INTO _trace_meta (key, value) VALUES ('t.c', '3')"
            )
        assert not _driver_in_transaction(store)
        assert _meta(store) == {"t.a": "1", "t.b": "2", "t.c": "3"}


@pytest.mark.parametrize("through_sqlalchemy", [True, False])
def test_an_error_inside_rolls_everything_back(tmp_path: Path, through_sqlalchemy: bool) -> None:
    with _store(tmp_path) as store:
        with pytest.raises(RuntimeError, match="stop"), store.write() as uow:
            if through_sqlalchemy:
                uow.meta.set("t.a", "1")
            uow.conn.connection.driver_connection.execute(  # type: ignore[union-attr]
                "INSERT INTO _trace_meta (key, value) VALUES ('t.b', '2')"
            )
            raise RuntimeError("stop")
        assert _meta(store) == {}
        with store.write() as uow:  # the store writes again afterwards
            uow.meta.set("t.after", "ok")
        assert _meta(store) == {"t.after": "ok"}


@pytest.mark.parametrize("through_sqlalchemy", [True, False])
def test_a_failed_commit_leaves_nothing(tmp_path: Path, through_sqlalchemy: bool) -> None:
    with _store(tmp_path) as store:
        with pytest.raises(IntegrityError, match="FOREIGN KEY"), store.write() as uow:
            driver = uow.conn.connection.driver_connection
            assert driver is not None
            # A foreign key checked only at COMMIT: the commit itself fails.
            driver.execute("PRAGMA defer_foreign_keys=ON")
            if through_sqlalchemy:
                uow.meta.set("t.a", "1")
            driver.execute(
                "INSERT INTO refs (tract_id, ref_name, commit_hash) VALUES ('t', 'x', 'missing')"
            )
        with store.read() as uow:
            refs = uow.conn.execute(text("SELECT count(*) FROM refs WHERE tract_id='t'"))
            assert refs.scalar() == 0
        assert _meta(store) == {}
        with store.write() as uow:
            uow.meta.set("t.after", "ok")
        assert _meta(store) == {"t.after": "ok"}


def test_a_savepoint_inside_undoes_only_its_part(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        with store.write() as uow:
            uow.meta.set("t.kept", "1")
            with pytest.raises(RuntimeError), uow.savepoint():
                uow.meta.set("t.undone", "2")
                raise RuntimeError("inner")
        assert _meta(store) == {"t.kept": "1"}


def test_a_second_writer_meanwhile_takes_a_pooled_connection(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        inside, done = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def other() -> None:
            try:
                inside.wait(5)
                with store.write() as uow:  # the kept connection is busy: SQLAlchemy's begin
                    assert store._hot is not None and not store._hot.holds(uow.conn)
                    uow.meta.set("t.other", "2")
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
            finally:
                done.set()

        thread = threading.Thread(target=other)
        thread.start()
        with store.write() as uow:
            uow.meta.set("t.kept", "1")
            inside.set()
            # The other writer waits for SQLite's lock (busy timeout) until this commits.
            assert not done.wait(0.3)
        thread.join(10)
        assert not errors, errors
        assert _meta(store) == {"t.kept": "1", "t.other": "2"}

"""The app on the stores tract-ai c2f26dd and b226678 wrote with most of their API
(``--story wide`` / ``wide_v6``, checked in by ``regenerate.py``: three tracts, a spawn and its
collapse, a custom content type, a merge conflict, a detached HEAD): the picker lists the
three tracts, the child under its parent; each opens, its graph loads, and the commits only
such a store has show in the detail pane; tract-ai's events and records open. Nothing is
written."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from textual.widgets import OptionList

from core import Store, Tract, TractSelectionError
from tests.pilot_helpers import rendered_all, wait_for
from tests.tract_ai_reference import FIXTURES
from tests.tui._action_helpers import ready, select
from tract_tui.app import TractApp
from tract_tui.screens.main import MainScreen
from tract_tui.screens.tract_picker import TractPickerScreen
from tract_tui.widgets.detail import DetailPane

pytestmark = pytest.mark.anyio
PARENT = "5e551011" * 4
OTHER = "0the7a1c" * 4


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _unpack(name: str, directory: Path) -> Path:
    path = directory / f"{name}.db"
    with gzip.open(FIXTURES / f"{name}.db.gz", "rb") as gz, path.open("wb") as fh:
        shutil.copyfileobj(gz, fh)
    return path


@pytest.fixture(scope="module")
def wide_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _unpack("wide_story", tmp_path_factory.mktemp("wide"))


@pytest.fixture(scope="module")
def wide_v6_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _unpack("wide_v6_story", tmp_path_factory.mktemp("wide_v6"))


def _hash_of(path: Path, tract_id: str, message: str) -> str:
    with Tract.open(path, tract_id, readonly=True) as tract:
        return next(c.commit_hash for c in tract.log(limit=None) if c.message == message)


@pytest.mark.parametrize(
    ("store", "tract_id", "messages"),
    [
        (
            "wide_store",
            PARENT,
            ["ticket", "collapse: look deeper", "merge left, resolved", "restore to version 1"],
        ),
        ("wide_store", OTHER, ["first"]),
        ("wide_v6_store", PARENT, ["ticket", "collapse: look deeper", "merge left, resolved"]),
        ("wide_v6_store", OTHER, ["dialogue: first"]),
    ],
)
async def test_the_picker_opens_each_tract_and_its_commits_show(
    store: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tract_id: str,
    messages: list[str],
) -> None:
    path = tmp_path / "wide.db"
    shutil.copyfile(request.getfixturevalue(store), path)
    before = path.read_bytes()
    wanted = [_hash_of(path, tract_id, m) for m in messages]
    with pytest.raises(TractSelectionError) as exc:
        Tract.open(str(path))
    store = Store.open(str(path), readonly=True)
    app = TractApp(None, store=store, tracts=exc.value.tracts)
    try:
        async with app.run_test(size=(140, 44)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, TractPickerScreen))
            options = app.screen.query_one(OptionList)
            ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
            assert len(ids) == 3 and {PARENT, OTHER} <= set(ids)
            # The spawned child is listed right under its parent.
            assert ids[ids.index(PARENT) + 1] not in (OTHER, None)
            options.highlighted = ids.index(tract_id)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            view = await ready(pilot)
            detail = app.screen.query_one("#graph-detail", DetailPane)
            for commit_hash in wanted:
                await select(pilot, view, commit_hash)
                await wait_for(pilot, lambda h=commit_hash: detail._rendered == h)
                await wait_for(pilot, lambda h=commit_hash: h[:8] in rendered_all(detail))
    finally:
        store.close()
    assert path.read_bytes() == before


async def test_control_and_bidi_characters_stay_data(wide_store: Path, tmp_path: Path) -> None:
    """A tool result tract-ai stored with a bell, a right-to-left override and a zero-width
    space: the graph row and the detail pane show them as visible escapes, never raw."""
    path = tmp_path / "wide.db"
    shutil.copyfile(wide_store, path)
    with Tract.open(path, PARENT, readonly=True) as tract:
        target = next(
            c.commit_hash
            for c in tract.log(limit=None, start="corners")
            if "zero-width" in (c.message or "")
        )
    store = Store.open(str(path), readonly=True)
    app = TractApp(Tract(store, PARENT))
    try:
        async with app.run_test(size=(140, 44)) as pilot:
            view = await ready(pilot)
            await select(pilot, view, target)
            detail = app.screen.query_one("#graph-detail", DetailPane)
            await wait_for(pilot, lambda: detail._rendered == target)
            await wait_for(pilot, lambda: "zero-width" in rendered_all(detail))
            shown = rendered_all(detail) + rendered_all(view)
            for raw in ("\x07", "\u202e", "\u200b"):
                assert raw not in shown, repr(raw)
    finally:
        store.close()


@pytest.mark.parametrize("store", ["wide_store", "wide_v6_store"])
async def test_events_and_records_of_tract_ais_operations(
    store: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """tract-ai's own import, rebase and compress events list and open in the events tab;
    c2f26dd's compile record (its tokens from the API) opens in the records tab."""
    from tract_tui.widgets.events_panel import EventsPanel
    from tract_tui.widgets.records_panel import RecordsPanel

    path = tmp_path / "wide.db"
    shutil.copyfile(request.getfixturevalue(store), path)
    before = path.read_bytes()
    with Tract.open(path, PARENT, readonly=True) as tract:
        kinds = sorted(r.event_type for r in tract.events().rows)
        has_records = bool(tract.records())
    assert kinds == ["compress", "compress", "import", "reorganize"]
    assert has_records == (store == "wide_store")  # b226678's compile() records nothing
    db = Store.open(str(path), readonly=True)
    app = TractApp(Tract(db, PARENT))
    try:
        async with app.run_test(size=(140, 44)) as pilot:
            await ready(pilot)
            await pilot.press("2")
            panel = app.screen.query_one(EventsPanel)
            await wait_for(pilot, lambda: panel.event_list.selected is not None)
            await wait_for(pilot, lambda: panel.detail.loaded is not None)
            for _ in range(len(kinds) - 1):  # every event's detail opens
                await pilot.press("down")
                await wait_for(pilot, lambda: panel.detail.loaded is not None)
            if has_records:
                await pilot.press("3")
                records = app.screen.query_one(RecordsPanel)
                await wait_for(
                    pilot,
                    lambda: records.detail.row is not None and records.detail.table.row_count > 0,
                )
            errors = [n for n in app._notifications if n.severity == "error"]
            assert not errors, [n.message for n in errors]
    finally:
        db.close()
    assert path.read_bytes() == before

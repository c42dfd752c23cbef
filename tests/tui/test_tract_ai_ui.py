"""What tract-ai v7–v13 add, in the app: the IMPORTANT marker, tags, config / metadata /
reasoning markers, retention rules and tools in the detail, the tools in a record's token
breakdown, ``i`` / ``t`` / ``T`` writing through the core (an unregistered tag asks first), the
``tag:`` search, the read-only store-info screen (``I``), and refusals in words on older stores.
Every write is checked in the store itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from core import Priority, Retention, Tract
from core.read import StoreReader
from core.views.search import parse_query
from tests.core._tract_ai_layouts import TRACT_ID, shared_store, unpack
from tests.pilot_helpers import rendered, rendered_all, wait_for
from tests.tui._action_helpers import make_app, ready, select
from tract_tui.screens.confirm import ConfirmScreen
from tract_tui.screens.important_dialog import ImportantScreen, parse_rules
from tract_tui.screens.store_info import StoreInfoScreen
from tract_tui.screens.tag_dialog import TagScreen
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.records_panel import RecordsPanel
from tract_tui.widgets.search_bar import SearchBar

pytestmark = pytest.mark.anyio
SIZE = (140, 44)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def v13(tmp_path: Path) -> Path:
    return unpack("head_story", tmp_path / "head_story.db")


def _find(path: Path, query: str) -> str:
    with Tract.open(path, TRACT_ID, readonly=True) as tract:
        [found] = StoreReader(tract).search(parse_query(query))
    return found


def _of_type(path: Path, content_type: str) -> str:
    with Tract.open(path, TRACT_ID, readonly=True) as tract:
        return next(c.commit_hash for c in tract.log(limit=None) if c.content_type == content_type)


def _words(text: str) -> str:
    return " ".join(text.split())


def _line_of(view_text: str, commit_hash: str) -> str:
    return next(line for line in view_text.splitlines() if commit_hash[:8] in line)


async def test_graph_and_detail_show_what_v13_adds(v13: Path) -> None:
    important = _find(v13, "tag:bugfix")
    config, metadata = _of_type(v13, "config"), _of_type(v13, "metadata")
    app = make_app(v13)
    async with app.run_test(size=SIZE) as pilot:
        view = await ready(pilot)
        for h in (important, config, metadata):
            await select(pilot, view, h)
            await wait_for(pilot, lambda h=h: h in view.details)
        text = rendered(view)
        row = _line_of(text, important)
        assert "★" in row and "#bugfix #decision" in row
        assert "⚙cfg" in _line_of(text, config) and "≡meta" in _line_of(text, metadata)
        await select(pilot, view, important)
        detail = app.screen.query_one("#graph-detail", DetailPane)
        await wait_for(pilot, lambda: detail._rendered == important)
        # The pane lays the new text out after it is set: wait for its last line.
        await wait_for(pilot, lambda: "str_replace 97 tokens" in _words(rendered_all(detail)))
        shown = _words(rendered_all(detail))
        assert "tags #tool_call #bugfix #decision" in shown
        assert "keep: Keep the exact faulty expression and the file name." in shown
        assert "summary must have text containing: 'a - b', 'utils.py'" in shown
        assert "tools (2, ~161 tokens)" in shown and "str_replace 97 tokens" in shown
        await select(pilot, view, config)
        await wait_for(pilot, lambda: detail._rendered == config)
        await wait_for(pilot, lambda: "not compiled: config" in rendered_all(detail))


async def test_important_key_writes_the_retention_rules(v13: Path) -> None:
    target = _of_type(v13, "output")
    app = make_app(v13)
    async with app.run_test(size=SIZE) as pilot:
        view = await ready(pilot)
        await select(pilot, view, target)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportantScreen))
        app.screen.query_one("#instructions", Input).value = "the heading"
        app.screen.query_one("#patterns", Input).value = "## Fixed; add()"
        app.screen.query_one("#instructions", Input).focus()
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: target in view.details and "★" in _line_of(rendered(view), target)
        )
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        assert tract.priority(target) is Priority.IMPORTANT
        assert tract.retention(target) == Retention("the heading", ("## Fixed", "add()"))


def test_rules_typed_in_the_dialog() -> None:
    assert parse_rules("  ", " ; ", False) is None
    assert parse_rules("", r"\d+ ms;x", True) == Retention(None, (r"\d+ ms", "x"), "regex")


async def test_tag_untag_and_registering_asks_first(v13: Path) -> None:
    target = _of_type(v13, "output")
    app = make_app(v13)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        view = await ready(pilot)
        await select(pilot, view, target)

        async def type_tag(key: str, name: str) -> None:
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, TagScreen))
            app.screen.query_one(Input).value = name
            await pilot.press("enter")

        await type_tag("t", "summary")  # registered: written at once
        await wait_for(pilot, lambda: "#summary" in _line_of(rendered(view), target))
        await type_tag("t", "release-notes")  # not registered: asks
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # declined: nothing written
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        with Tract.open(v13, TRACT_ID, readonly=True) as tract:
            assert "release-notes" not in {t.name for t in tract.registered_tags()}
        await type_tag("t", "release-notes")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: "#release-notes" in _line_of(rendered(view), target))
        await type_tag("T", "summary")
        await wait_for(pilot, lambda: "#summary" not in _line_of(rendered(view), target))
        # A tag it does not carry (or one fixed at commit time) is not removed: said why.
        await type_tag("T", "release")
        await wait_for(
            pilot,
            lambda: any("no tag 'release' added later" in n.message for n in app._notifications),
        )
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        assert tract.tags(target) == ("release-notes",)
        assert "release-notes" in {t.name for t in tract.registered_tags()}


async def test_tag_search(v13: Path) -> None:
    app = make_app(v13)
    async with app.run_test(size=SIZE) as pilot:
        view = await ready(pilot)
        await pilot.press("slash")
        bar = app.screen.query_one(SearchBar)
        await wait_for(pilot, lambda: bar.display)
        for key in "tag:tool_result":
            await pilot.press(key)
        await wait_for(pilot, lambda: len(view.matches) == 5)
        assert view.matches == frozenset(
            StoreReader(app.session.tract).search(parse_query("tag:tool_result"))
        )


async def test_older_stores_refuse_in_words(tmp_path: Path) -> None:
    v6 = unpack("v6_story", tmp_path / "v6_story.db")
    before = v6.read_bytes()
    app = make_app(v6)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: any("v7 or newer" in n.message for n in app._notifications))
        await pilot.press("t")
        await wait_for(pilot, lambda: any("v10 or newer" in n.message for n in app._notifications))
        assert not isinstance(app.screen, (ImportantScreen, TagScreen))
        note = next(n.message for n in app._notifications if "v10" in n.message)
        assert "tract-tui upgrade --to 10" in note
    assert v6.read_bytes() == before  # refused before anything was written


async def test_compile_breakdown_lists_the_tools(v13: Path) -> None:
    app = make_app(v13)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("C")
        await wait_for(pilot, lambda: app.screen.query(RecordsPanel))
        panel = app.screen.query_one(RecordsPanel)
        await wait_for(pilot, lambda: "tools 2:" in rendered_all(panel))
        assert "(bash, str_replace)" in rendered_all(panel)


async def test_store_info_screen_is_read_only(tmp_path: Path) -> None:
    path = shared_store("upstream_v13.db", tmp_path / "upstream_v13.db")
    before = path.read_bytes()
    with Tract.open(path, readonly=True) as tract:
        info = tract.store_info()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("I")
        await wait_for(pilot, lambda: isinstance(app.screen, StoreInfoScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "config_change_log" in rendered_all(screen))
        shown = rendered_all(screen)
        assert f"config_change_log ({len(info.config_changes)})" in shown
        assert f"behavioral_specs ({len(info.behavioral_specs)})" in shown
        assert f"operation_configs ({len(info.operation_configs)})" in shown
        assert "compiles as tract-ai c2f26dd" in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, StoreInfoScreen))
    assert path.read_bytes() == before


async def test_compress_dialog_says_what_a_summary_misses(tmp_path: Path) -> None:
    from core import create_tract, upgrade_store
    from tract_tui.screens.compress import CompressScreen

    path = tmp_path / "store.db"
    with create_tract(path) as tract:
        tract.system("You help with the deployment.")
        first = tract.user("Which port?").commit_hash
        port = tract.assistant("The service listens on port 8080.").commit_hash
        tract.user("Thanks.")
    upgrade_store(path, to=13)
    with Tract.open(path) as tract:
        tract.annotate(port, Priority.IMPORTANT, "facts", Retention("the port", ("8080",)))
    app = make_app(path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        view = await ready(pilot)
        await select(pilot, view, first)
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, CompressScreen))
        screen = app.screen
        assert isinstance(screen, CompressScreen)
        await wait_for(pilot, lambda: screen.preview is not None)
        preview = _words(rendered_all(screen.query_one("#preview")))
        assert "! keep: the port" in preview
        assert "the draft keeps all 1 retention patterns" in preview
        screen.select_summarizer("manual")
        area = screen.query_one("#summary-0", TextArea)
        area.load_text("They talked about a port.")
        await pilot.press("ctrl+s")
        status = screen.query_one("#status")
        await wait_for(pilot, lambda: "miss retention patterns" in rendered(status))
        assert "group 1: '8080'" in _words(rendered_all(status))
        assert isinstance(app.screen, CompressScreen)  # nothing written yet
        await pilot.press("ctrl+s")  # the same texts again: written, and said once more
        await wait_for(pilot, lambda: not isinstance(app.screen, CompressScreen))
        await wait_for(
            pilot,
            lambda: any("miss retention patterns" in n.message for n in app._notifications),
        )
    with Tract.open(path, readonly=True) as tract:
        assert [m.content for m in tract.compile().messages][1] == "They talked about a port."


async def test_tag_and_important_typed_ahead(v13: Path) -> None:
    """Keys typed right after ``t`` / ``i`` (one read of the terminal) are the dialog's text.
    Letters of a tag name are graph keys too (``s`` skips, ``u`` unmarks, ``b`` opens the
    branch picker): none of them may act on the graph."""
    from tests.tui.test_type_ahead import burst

    target = _of_type(v13, "output")
    app = make_app(v13)
    async with app.run_test(size=SIZE) as pilot:
        view = await ready(pilot)
        await select(pilot, view, target)
        burst(app, ["t", *"summary-bus", "enter"])  # not registered: asks first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        burst(app, ["t", *"summary", "enter"])  # registered: written at once
        await wait_for(pilot, lambda: "#summary" in _line_of(rendered(view), target))
        burst(app, ["i", *"keep the bus", "enter"])
        await wait_for(
            pilot, lambda: target in view.details and "★" in _line_of(rendered(view), target)
        )
        assert not isinstance(app.screen, (TagScreen, ImportantScreen, ConfirmScreen))
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        assert tract.tags(target) == ("summary",)
        assert tract.priority(target) is Priority.IMPORTANT  # no s / u landed after it
        assert tract.retention(target) == Retention("keep the bus", ())
        assert "summary-bus" not in {t.name for t in tract.registered_tags()}


async def test_a_key_before_t_acts_first(v13: Path) -> None:
    """``j t name Enter`` in one read: ``j`` moves the selection, then ``t`` tags the commit
    it moved to (the keys after ``t`` wait for the dialog; the ones before it do not)."""
    from tests.tui.test_type_ahead import burst

    target = _of_type(v13, "output")
    app = make_app(v13)
    async with app.run_test(size=SIZE) as pilot:
        view = await ready(pilot)
        await select(pilot, view, target)
        burst(app, ["j", "t", *"summary", "enter"])
        await wait_for(pilot, lambda: view.selected_hash != target)
        moved = view.selected_hash
        assert moved is not None
        await wait_for(pilot, lambda: "#summary" in _line_of(rendered(view), moved))
    with Tract.open(v13, TRACT_ID, readonly=True) as tract:
        assert "summary" in tract.tags(moved) and "summary" not in tract.tags(target)

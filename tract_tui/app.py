"""The Textual application: one store, one tract, one action table."""

from __future__ import annotations

import gc
from typing import Any

from textual import events, on
from textual.actions import SkipAction
from textual.app import App
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Input

from core import Store, Tract, TractSummary
from tract_tui import collector
from tract_tui.actions import DIALOG_ACTION_IDS, bindings_for
from tract_tui.keymap import Keymap, load_keymap
from tract_tui.palette import ActionProvider
from tract_tui.screens.main import MainScreen
from tract_tui.session import Session
from tract_tui.settings import load_settings, save_setting
from tract_tui.widgets.messages import DialogSettled, TractChosen

HOLD_S = 1.0  # the most the keys typed after t / T / i wait for their dialog


class TractApp(App[None]):
    TITLE = "tract-tui"
    BINDINGS = bindings_for("app")
    COMMANDS = App.COMMANDS | {ActionProvider}

    def __init__(
        self,
        tract: Tract | None,
        *,
        store: Store | None = None,
        tracts: list[TractSummary] | None = None,
        poll_interval: float = 0.5,
        clock: object | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock  # "now" for relative times (tract_tui.timefmt); None: wall clock
        self.session = Session(tract) if tract is not None else None
        self.store = store if store is not None else (tract.store if tract else None)
        self.tracts = tracts or []
        self.poll_interval = poll_interval
        self.keymap = Keymap()
        # Keys typed after a key that opens a dialog, until it is there (see on_event).
        self._held: list[events.Key] | None = None
        self._hold_timer: Timer | None = None
        # The theme chosen last time, set before the first styling: set once mounted, it
        # restyled every widget before the first frame.
        remembered = load_settings().get("theme")
        if remembered in self.available_themes:
            self.theme = remembered

    def run(self, *args: Any, **kwargs: Any) -> Any:
        # Everything loaded so far (modules, the store's engine) lives as long as the app:
        # moved out of the collector's sight, a full collection during start-up no longer
        # walks it (one took ~60 ms of the first frame).
        gc.freeze()
        collector.resume()  # the CLI paused it for the imports
        return super().run(*args, **kwargs)

    def get_default_screen(self) -> Screen[Any]:
        # The main screen is the first screen, not pushed over Textual's blank default one:
        # that one was composed, styled and drawn first, then the switch restyled and laid out
        # everything again (0.51 s from App.run to the first rows, 0.19 s without; 1k store).
        if self.session is not None:
            return MainScreen(self.session)
        return super().get_default_screen()

    def on_mount(self) -> None:
        self._restore_theme()
        self.keymap = load_keymap()
        if self.keymap.bindings:
            self.set_keymap(self.keymap.bindings)
        for problem in self.keymap.problems:
            # The keymap file is user text: never markup.
            self.notify(problem, title="Keymap", severity="warning", timeout=10, markup=False)
        if self.session is not None:
            return  # the main screen is already the first screen (get_default_screen)
        if self.store is not None and self.tracts:
            from tract_tui.screens.tract_picker import TractPickerScreen

            self.push_screen(TractPickerScreen(self.store.display, self.tracts))
        else:
            self.notify("No tract to show", severity="error")

    def _restore_theme(self) -> None:
        """Remember each theme change (palette: "Change theme") for the next run."""
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme: Theme) -> None:
        problem = save_setting("theme", theme.name)
        if problem is not None:
            self.notify(problem, severity="warning", markup=False)

    @on(TractChosen)
    def open_tract(self, message: TractChosen) -> None:
        """From the tract picker: open that tract and show the main screen."""
        assert self.store is not None
        self.session = Session(Tract(self.store, message.tract_id))
        self.switch_screen(MainScreen(self.session))

    @property
    def main(self) -> MainScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                return screen
        return None

    def action_view(self, name: str) -> None:
        if self.main is not None:
            self.main.show_view(name)

    def action_help(self) -> None:
        from tract_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_compile_head(self) -> None:
        if self.main is not None and self.screen is self.main:
            self.main.compile_at(None)

    def action_switch_branch(self) -> None:
        if self.main is not None and self.screen is self.main:
            self.main.open_branch_picker()

    def action_store_info(self) -> None:
        if self.main is not None and self.screen is self.main:
            self.main.open_store_info()

    def action_search(self) -> None:
        self._main_for_keys().open_search()  # focuses the search input at once

    async def action_goto(self) -> None:
        # The keys typed after ``g`` wait here until the dialog is mounted and focused.
        await self._main_for_keys().open_goto()

    # -- type-ahead into dialogs -------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """A terminal hands a fast typist's keys over in one read: ``t bugfix Enter`` arrives
        before the tag dialog exists, and the view would take ``b``, ``u``, ``g``... as its
        own keys. So after a key whose binding opens a dialog to type in, the keys that
        follow are held (in order) until the dialog is open and focused, or none opens
        (``DialogSettled``), then handed on: to the dialog. The key itself goes on as usual,
        after the keys typed before it, so it acts on what they selected."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held is not None:
                self._held.append(event)
                return
            opens = self._opens_dialog(event.key)
            await super().on_event(event)
            if opens:
                self._held = []
                self._hold_timer = self.set_timer(HOLD_S, self._hand_on_keys)
            return
        await super().on_event(event)

    def _opens_dialog(self, key: str) -> bool:
        if self.focused is None or isinstance(self.focused, Input):
            return False
        active = self.screen.active_bindings.get(key)
        return active is not None and active.enabled and active.binding.id in DIALOG_ACTION_IDS

    @on(DialogSettled)
    def _dialog_settled(self) -> None:
        self._hand_on_keys()

    def _hand_on_keys(self) -> None:
        held, self._held = self._held, None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        for key in held or ():  # behind anything already queued: they came after it
            self.post_message(events.Key(key.key, key.character))

    def _main_for_keys(self) -> MainScreen:
        """For the keys that open a place to type (``/``, ``g``; priority bindings, so
        the app runs them before handing on the keys typed after them): the main screen
        when it is in front and no text field has focus. Otherwise the key is not ours and
        goes on to the focused widget (a ``g`` typed into an input is a ``g``)."""
        main = self.main
        if main is None or self.screen is not main or isinstance(self.focused, Input):
            raise SkipAction()
        return main

    def action_jump_back(self) -> None:
        if self.main is not None and self.screen is self.main:
            self.main.jump_back()

    def action_jump_forward(self) -> None:
        if self.main is not None and self.screen is self.main:
            self.main.jump_forward()

    def action_refresh(self) -> None:
        if self.main is not None:
            self.main.reload_all()

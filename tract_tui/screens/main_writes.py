"""The main screen's writes on the selection — priorities (IMPORTANT with its retention rules),
tags — the read-only store-info screen, and the gate every write of the app passes.

The gate: a write on a store whose quick check finds damage asks first (writing on top of
damage spreads it; the CLI refuses without ``--force`` for the same reason). The check runs
again before each write, so damage another process caused meanwhile is seen too.

A feature the store's tract-ai version lacks (IMPORTANT before v7, tags before v10) is refused
in words before any dialog opens, naming the ``tract-tui upgrade --to N`` that allows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual import on
from textual.screen import Screen

from core import Priority, Retention
from core.read import StoreReader
from core.views.health import QuickCheck
from core.views.text import display_line
from tract_tui.screens.confirm import ConfirmScreen
from tract_tui.screens.important_dialog import ImportantScreen
from tract_tui.screens.tag_dialog import TagScreen
from tract_tui.session import Session
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.messages import DialogSettled, PriorityRequested, TagRequested

T = TypeVar("T")
PRIORITY_VERBS = {Priority.PINNED: "Pin", Priority.SKIP: "Skip", Priority.NORMAL: "Unmark"}
PRIORITY_WORDS = {
    Priority.PINNED: "Pinned",
    Priority.SKIP: "Skipped",
    Priority.NORMAL: "Unmarked",
    Priority.IMPORTANT: "Marked IMPORTANT",
}


class WriteHandlers(Screen[None]):
    session: Session
    reader: StoreReader

    def _store_task(self, job: Callable[[], T], done: Callable[[T], None], group: str) -> None:
        def run() -> None:
            result = job()
            self.app.call_from_thread(done, result)

        self.run_worker(run, thread=True, group=group, exit_on_error=False, name=group)

    def _refused(self, sentence: str) -> None:
        self.notify(sentence, severity="warning", timeout=10, markup=False)

    def _cannot(self, feature: str | None = None) -> str | None:
        """Why nothing of this kind can be written here (read-only, or a tract-ai version
        without ``feature``), before any dialog asks for more."""
        store = self.session.tract.store
        if store.readonly:
            return f"{store.display} is open read-only (--readonly): nothing was changed"
        return self.session.tract.unsupported(feature) if feature else None

    # -- the gate ---------------------------------------------------------------------------

    def guarded(self, action: str, go: Callable[[], None]) -> None:
        """``go()`` now on a sound store; on a damaged one, only once the user says so."""
        refusal = self._cannot()
        if refusal is not None:
            self._refused(refusal)
            return

        def checked(check: QuickCheck) -> None:
            if check.ok:
                go()
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    go()

            body = (
                f"The quick check found {check.findings()}.\n\nWriting on top of damage can "
                f"spread it; tract-tui verify says exactly what is wrong. {action} anyway?"
            )
            screen = ConfirmScreen("This store looks damaged", body, yes="Write anyway")
            self.app.push_screen(screen, answered)

        self._store_task(self.reader.quick_check, checked, "quick-check")

    # -- priorities -------------------------------------------------------------------------

    @on(PriorityRequested)
    async def set_priority(self, message: PriorityRequested) -> None:
        try:
            await self._set_priority(message.commit_hash, message.priority)
        finally:
            self.post_message(DialogSettled())  # the keys typed after ``i`` go on

    async def _set_priority(self, commit_hash: str, priority: Priority) -> None:
        if priority is not Priority.IMPORTANT:
            word = PRIORITY_WORDS[priority].lower()
            self.guarded(
                f"Set {commit_hash[:8]} {word}", lambda: self._annotate(commit_hash, priority)
            )
            return
        refusal = self._cannot("important")
        if refusal is not None:
            self._refused(refusal)
            return

        def chosen(answer: tuple[Retention | None] | None) -> None:
            if answer is not None:
                rules = answer[0]
                self.guarded(
                    f"Mark {commit_hash[:8]} IMPORTANT",
                    lambda: self._annotate(commit_hash, Priority.IMPORTANT, rules),
                )

        await self.app.push_screen(ImportantScreen(commit_hash), chosen)

    def _annotate(
        self, commit_hash: str, priority: Priority, rules: Retention | None = None
    ) -> None:
        def done(_: object) -> None:
            self.commit_changed(commit_hash)
            self.notify(f"{PRIORITY_WORDS[priority]} {commit_hash[:8]}", timeout=2)

        self._store_task(
            lambda: self.session.write(
                lambda t: t.annotate(commit_hash, priority, reason="tui", retention=rules)
            ),
            done,
            "annotate",
        )

    def commit_changed(self, commit_hash: str) -> None:
        """Redraw a commit's row and, if shown, its detail."""
        self.query_one(GraphView).invalidate([commit_hash])
        detail = self.query_one("#graph-detail", DetailPane)
        if detail.commit_hash == commit_hash:
            detail.show(commit_hash)

    # -- tags -------------------------------------------------------------------------------

    @on(TagRequested)
    async def tag_requested(self, message: TagRequested) -> None:
        try:
            await self._open_tag(message.commit_hash, message.remove)
        finally:
            self.post_message(DialogSettled())  # the keys typed after ``t`` go on

    async def _open_tag(self, commit_hash: str, remove: bool) -> None:
        refusal = self._cannot("tags")
        if refusal is not None:
            self._refused(refusal)
            return
        tract = self.session.tract
        # Open first, read the names after: the keys typed after ``t`` are the name. The
        # dialog hands a name over only once the names are here (``TagScreen.set_choices``).
        if remove:
            screen = TagScreen(f"Untag {commit_hash[:8]}", None, "its tags")
        else:
            screen = TagScreen(f"Tag {commit_hash[:8]}", None, "registered tags")
        registered: list[str] = []

        def named(name: str | None) -> None:
            if name is None:
                return
            if remove:
                self.guarded(f"Untag {commit_hash[:8]}", lambda: self._untag(commit_hash, name))
            elif name in registered:
                self.guarded(f"Tag {commit_hash[:8]}", lambda: self._tag(commit_hash, name))
            else:
                self._ask_register(commit_hash, name)

        def listed(names: tuple[list[str], list[str]]) -> None:
            registered[:] = names[0]
            screen.set_choices(names[1] if remove else names[0])

        await self.app.push_screen(screen, named)
        self._store_task(
            lambda: ([t.name for t in tract.registered_tags()], list(tract.tags(commit_hash))),
            listed,
            "tags",
        )

    def _ask_register(self, commit_hash: str, name: str) -> None:
        """tract-ai refuses tags its registry does not list: registering one is asked first."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.guarded(
                    f"Tag {commit_hash[:8]}",
                    lambda: self._tag(commit_hash, name, register=True),
                )

        body = (
            f"{display_line(name)!r} is not in this tract's tag registry, and tract-ai accepts "
            "only registered tags. Register it (for every commit of this tract) and tag "
            f"{commit_hash[:8]} with it?"
        )
        self.app.push_screen(ConfirmScreen("Register a new tag?", body, yes="Register"), answered)

    def _tag(self, commit_hash: str, name: str, *, register: bool = False) -> None:
        def done(_: object) -> None:
            self.commit_changed(commit_hash)
            added = "Registered and tagged" if register else "Tagged"
            self.notify(f"{added} {commit_hash[:8]} #{display_line(name)}", markup=False)

        self._store_task(
            lambda: self.session.write(lambda t: t.tag(commit_hash, name, register=register)),
            done,
            "tag",
        )

    def _untag(self, commit_hash: str, name: str) -> None:
        def done(removed: bool) -> None:
            self.commit_changed(commit_hash)
            if removed:
                self.notify(f"Untagged {commit_hash[:8]} #{display_line(name)}", markup=False)
            else:
                self._refused(
                    f"{commit_hash[:8]} has no tag {display_line(name)!r} added later (tags "
                    "fixed when the commit was made cannot be removed); nothing was changed"
                )

        self._store_task(
            lambda: self.session.write(lambda t: t.untag(commit_hash, name)),
            done,
            "tag",
        )

    # -- store info -------------------------------------------------------------------------

    def open_store_info(self) -> None:
        from tract_tui.screens.store_info import StoreInfoScreen

        self.app.push_screen(StoreInfoScreen(self.session.tract))

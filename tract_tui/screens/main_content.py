"""The main screen's content handlers: a commit's full text in ``$PAGER`` (``o``), or copied
to the clipboard (``Y``), from the graph, the detail pane or a record's commits.

A base of ``MainScreen`` (which keeps the rest) so that screen stays one size. The commit is
read in a thread worker; the pager runs on the UI thread with the app suspended.
"""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from core.read import StoreReader
from core.views.commit_detail import CommitDetail
from tract_tui.external import page
from tract_tui.widgets.detail import render_detail
from tract_tui.widgets.messages import ContentRequested


class ContentHandlers(Screen[None]):
    reader: StoreReader

    @on(ContentRequested)
    def content_requested(self, message: ContentRequested) -> None:
        commit_hash, to = message.commit_hash, message.to

        def run() -> None:
            detail = self.reader.commit_detail(commit_hash)
            self.app.call_from_thread(self._deliver, commit_hash, to, detail)

        self.run_worker(run, thread=True, group="content", exit_on_error=False, name="content")

    def _deliver(self, commit_hash: str, to: str, detail: CommitDetail | None) -> None:
        if detail is None:
            self.notify(f"{commit_hash[:8]} is no longer stored", severity="warning")
        elif to == "clipboard":
            text = detail.edited_text if detail.edited_text is not None else detail.text
            self.app.copy_to_clipboard(text)  # OSC 52: base64, the terminal never runs it
            self.notify(f"Copied the text of {commit_hash[:8]} ({len(text):,} characters)")
        else:
            problem = page(self.app, render_detail(detail, whole=True).plain)
            if problem is not None:
                self.notify(problem, severity="warning", markup=False)

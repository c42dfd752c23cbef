"""The one handler of how store workers end.

Every widget and screen that reads or writes the store in a thread worker derives from
``WorkerEndings``. A worker just does its job and hands its result over; it never catches.
When one raises, Textual ends it in the ERROR state and this handler turns the exception into
a ``Failure`` (one sentence for people; the traceback in the log file) and passes it to
``worker_failed`` — a toast by default; a widget that shows errors in place (a dialog, a list)
overrides it. Then, however it ended (done, failed or cancelled), ``worker_ended`` lets the
node forget what it kept about the worker.
"""

from __future__ import annotations

from typing import Any

from textual.widget import Widget
from textual.worker import Worker, WorkerState

from tract_tui.failures import Failure, failure

# What failed, per worker group: the start of the sentence a person reads.
WHAT = {
    "graph-scan": "Could not read the graph",
    "graph-details": "Could not read the commits' details",
    "graph-first": "Could not read the graph",
    "detail": "Could not read the commit",
    "quick-check": "Could not check the store",
    "compile": "Could not compile",
    "annotate": "Could not change the priority",
    "tag": "Could not change the tags",
    "tags": "Could not read the tags",
    "store-info": "Could not read the store info",
    "switch": "Could not switch branches",
    "search": "Could not search",
    "branches": "Could not list the branches",
    "goto": "Could not go there",
    "compress-preview": "Could not preview the compression",
    "compress-apply": "Could not compress",
    "event-revert": "Not reverted",
    "event-commits": "Could not read the event's commits",
    "vlist-pages": "Could not read the list",
    "record-view": "Could not read the compile record",
    "record-reproduce": "Could not reproduce the compile record",
    "compile-diff": "Could not compare the compile records",
    "diff-details": "Could not read the commits' details",
}
DEFAULT_WHAT = "Could not read the store"
ENDED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)


class WorkerEndings(Widget):
    """Base of every node that runs store workers (``Screen`` is a ``Widget`` too).

    List it after the Textual class (``class GraphView(ScrollView, WorkerEndings)``): Textual
    inherits default CSS and component classes along the first base only."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state not in ENDED:
            return
        if event.state is WorkerState.ERROR and worker.error is not None:
            what = WHAT.get(worker.group, DEFAULT_WHAT)
            self.worker_failed(worker, failure(what, worker.error))
        self.worker_ended(worker)

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Say so: one sentence, never markup (errors quote stored names)."""
        self.notify(failed.sentence, severity="error", timeout=10, markup=False)

    def worker_ended(self, worker: Worker[Any]) -> None:
        """Done, failed or cancelled (a cancelled worker needs no words: the user did it)."""

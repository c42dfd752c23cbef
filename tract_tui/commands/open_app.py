"""``tract-tui [STORE] [--tract ID] [--create] [--readonly]`` and ``tract-tui --demo``: the TUI.

The store is opened here, before the app starts, so a refusal is one line on stderr. Opening
writes nothing; if the app's first write prepared the store, where its backup went is printed
when the app exits.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tract_tui import collector
from tract_tui.commands import open_session
from tract_tui.commands._output import plain
from tract_tui.commands._scripting import waiting

if TYPE_CHECKING:
    from core import Store, UpgradeReport
    from tract_tui.app import TractApp


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "store",
        metavar="STORE",
        nargs="?",
        help="store path or SQLAlchemy URL, or a session file or folder (Claude Code, Codex, "
        "OpenTelemetry); none: pick one of this machine's sessions",
    )
    parser.add_argument("--tract", metavar="ID", help="tract id (when the store holds several)")
    parser.add_argument(
        "--create", action="store_true", help="create the store if it does not exist"
    )
    parser.add_argument("--readonly", action="store_true", help="open without writing")
    parser.add_argument(
        "--demo", action="store_true", help="build a demo store in your data directory and open it"
    )


def _upgraded(report: UpgradeReport) -> None:
    print(f"tract-tui: {plain(report.summary())}", file=sys.stderr)


@dataclass
class Opened:
    """The app over a target, and what must run beside it and be closed after it."""

    app: TractApp
    store: Store
    follower: Any  # a core.SessionFollower for a session path, else None
    prepared: list[UpgradeReport]  # filled by the first write that prepares the store


def open_target(
    target: str, tract: str | None, *, create: bool = False, readonly: bool = False
) -> Opened:
    """A store, or a session file or folder (imported into its cache store first), as the
    app that shows it. Nothing runs yet: the caller starts the follower and the app."""
    from core import Store, Tract, TractSelectionError
    from tract_tui.app import TractApp

    follower = None
    if open_session.is_session_path(target):
        # A session file or folder: imported into its cache store, followed while open.
        opened = open_session.prepare(target, tract)
        target, tract, follower = opened.store, opened.tract, opened.follower
    # The first write (not the open) prepares an older store; while the app runs the terminal
    # is the app's, so the report (and its backup path) is printed when it exits.
    prepared: list[UpgradeReport] = []
    store = Store.open(
        target,
        create=create,
        readonly=True if readonly else None,
        on_upgrade=prepared.append,
        on_wait=waiting,
        lean=True,  # a long-lived browser: bounded page cache, no mmap (see bench_tui)
    )
    try:
        chosen = Tract.open(store, tract)
    except TractSelectionError as exc:
        chosen = None
        tracts = exc.tracts
    else:
        tracts = []
    return Opened(TractApp(chosen, store=store, tracts=tracts), store, follower, prepared)


def run(args: argparse.Namespace) -> int:
    target = args.store
    if args.demo or target is None or open_session.is_session_path(target):
        # Building the demo, the session picker (an app of its own) and importing a session
        # all run before the app: the collector the CLI paused for the imports runs again.
        collector.resume()
    if args.demo:
        from tract_tui.demo import ensure_demo_store

        target = str(ensure_demo_store(progress=lambda m: print(m, file=sys.stderr)))
    if target is None:
        from tract_tui.session_picker import pick_session

        target = pick_session()
        if target is None:
            return 0
    opened = open_target(target, args.tract, create=args.create, readonly=args.readonly)
    if opened.follower is not None:
        opened.follower.start()
    try:
        opened.app.run()
    finally:
        if opened.follower is not None:
            opened.follower.stop()
        opened.store.close()
    for report in opened.prepared:
        _upgraded(report)
    return opened.app.return_code or 0

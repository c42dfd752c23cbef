"""``tract-tui serve STORE [--tract ID] [--readonly] [--port N] [--host H]``: the app in a web
browser, through textual-serve.

Each browser tab runs its own ``tract-tui STORE`` process with Textual's web driver; the
server relays it over a websocket. The store is opened once here first, so a bad path or URL
is one line on stderr before anything listens. The server listens on 127.0.0.1 unless
``--host`` says otherwise: whoever reaches the port can write to the store (there is no
login), so exposing it is a decision to make on purpose.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from tract_tui.commands import Command
from tract_tui.commands._output import err, plain
from tract_tui.commands._scripting import add_store_arguments, waiting

DEFAULT_PORT = 8000


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on ({DEFAULT_PORT})"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (127.0.0.1: this machine only; the app can write the store)",
    )


def app_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser tab: this interpreter's app."""
    argv = [sys.executable, "-m", "tract_tui", args.store]
    if args.tract:
        argv += ["--tract", args.tract]
    if args.readonly:
        argv.append("--readonly")
    return shlex.join(argv)


def run(args: argparse.Namespace) -> int:
    from core import Store

    if not 0 < args.port < 65536:
        err(f"--port must be between 1 and 65535, not {args.port}")
        return 2
    # Refused here, in one line, rather than in every browser tab.
    Store.open(args.store, readonly=True, on_wait=waiting).close()

    from textual_serve.server import Server

    server = Server(
        app_command(args),
        host=args.host,
        port=args.port,
        title=f"tract-tui {plain(args.store)}",
    )
    print(
        f"tract-tui: serving {plain(args.store)} on http://{args.host}:{args.port} (ctrl+c stops)",
        file=sys.stderr,
    )
    server.serve()
    return 0


COMMAND = Command("serve", "the app in a web browser (textual-serve)", configure, run)

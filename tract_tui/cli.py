"""The ``tract-tui`` command line: parsing and dispatch only (commands live in ``commands/``).

Two forms share the first positional argument::

    tract-tui [--create] STORE        open a store in the TUI (``--demo``: a demo store)
    tract-tui COMMAND [ARGS...]       run a subcommand (upgrade, verify, ...)

A first positional that names a known command is that command; anything else is a STORE (a
store literally named like a command can be given as ``./verify`` or after ``--``).

Errors never show a traceback: a core error is one line ``tract-tui: <message>`` with exit 2,
and anything unexpected is one line ``tract-tui: internal error: ...`` (set TRACT_TUI_DEBUG=1
to get the traceback instead).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from tract_tui import collector, quick_exit
from tract_tui.commands import COMMANDS, COMMANDS_BY_NAME, open_app
from tract_tui.commands._output import err

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2
DEBUG_ENV = "TRACT_TUI_DEBUG"
# Short reads whose imports happen as they open the store: the collector resumes there
# (_scripting.open_tract); every other command gets it back before it starts.
RESUME_AT_OPEN = frozenset({"log", "compile", "events", "records", "reproduce", "why", "export"})
PROG = "tract-tui"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tract-tui")
    except PackageNotFoundError:
        return "unknown"


class _VersionAction(argparse.Action):
    """``--version``, read from the installed metadata only when asked (importlib.metadata
    costs every other run ~15 ms)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"{PROG} {_version()}")  # on stdout, as argparse's own version action
        parser.exit()


def store_parser() -> argparse.ArgumentParser:
    """``tract-tui [--create] STORE``; its help also lists the commands."""
    listing = "\n".join(f"  {c.name:<10} {c.help}" for c in COMMANDS)
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=(
            f"{PROG} [-h] [--version] [--create] [--tract ID] [STORE | PATH] | --demo\n"
            f"       {PROG} COMMAND [ARGS ...]"
        ),
        description="Browse, audit and act on tract stores.",
        epilog=f"commands:\n{listing}\n\nRun '{PROG} COMMAND -h' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    open_app.configure(parser)
    return parser


def command_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The subcommands' parser, and each subcommand's own (for its usage in errors)."""
    parser = argparse.ArgumentParser(prog=PROG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    subparsers: dict[str, argparse.ArgumentParser] = {}
    for command in COMMANDS:
        subparsers[command.name] = sub.add_parser(
            command.name, help=command.help, description=command.help
        )
        command.configure(subparsers[command.name])
    return parser, subparsers


def first_positional(argv: Sequence[str], parser: argparse.ArgumentParser) -> str | None:
    """The first positional argument of the STORE form (the store, or a mistyped command)."""
    takes_value = {
        opt for action in parser._actions if action.nargs != 0 for opt in action.option_strings
    }
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token == "--":
            return None
        if token.startswith("-") and token != "-":
            skip = token in takes_value  # "--opt value": the value is not a positional
            continue
        return token
    return None


def mistyped_command(token: str | None) -> str | None:
    """The command ``token`` was probably meant to be: close to one, and not a store.

    Only a bare word counts (no path separator, dot or URL, no file or directory so named),
    so a store named like a command's typo still opens."""
    if not token or any(c in token for c in "/\\:.") or os.path.exists(token):
        return None
    import difflib

    close = difflib.get_close_matches(token, list(COMMANDS_BY_NAME), n=1, cutoff=0.6)
    return close[0] if close else None


def has_terminal() -> bool:
    """Whether the app can run here: stdin and stdout are both a terminal, or textual-serve
    runs it with Textual's web driver (its pipes carry a browser's terminal)."""
    if os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver"):
        return True
    try:
        return os.isatty(sys.stdin.fileno()) and os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # closed or replaced streams
        return False


def command_name(argv: Sequence[str], parser: argparse.ArgumentParser) -> str | None:
    """The subcommand named by the first positional argument, or None for the STORE form."""
    token = first_positional(argv, parser)
    return token if token in COMMANDS_BY_NAME else None


def _dispatch(argv: list[str]) -> int:
    parser = store_parser()
    name = command_name(argv, parser)
    try:
        if name is None:
            typo = first_positional(argv, parser)
            meant = mistyped_command(typo)
            if meant is not None:
                err(f"unknown command {typo!r}; did you mean '{PROG} {meant}'? (see {PROG} -h)")
                return EXIT_ERROR
            args = parser.parse_args(argv)
            if not has_terminal():
                # Without one the app would draw into a pipe at full speed, forever.
                err(
                    "the app needs a terminal (stdin and stdout are not one); for scripts use "
                    "a command such as 'tract-tui log STORE' (see tract-tui -h)"
                )
                return EXIT_ERROR
            return open_app.run(args)
        commands, subparsers = command_parser()
        args, extra = commands.parse_known_args(argv)
        if extra:  # said with the command's own usage, not the top level's
            subparsers[name].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse: -h/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    if name not in RESUME_AT_OPEN:
        collector.resume()
    return COMMANDS_BY_NAME[name].run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script passes it to ``sys.exit``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    entry = argv is None  # the process's entry point (tract_tui.collector says why)
    if entry:
        collector.pause()
    quick_exit.reset()
    try:
        code = _dispatch(args)
        if entry:  # returns unless the command asked to skip the teardown
            quick_exit.leave_if_asked(code, EXIT_PROBLEMS)
        return code
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, and keep Python's exit-time
        # flush from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PROBLEMS
    except Exception as exc:
        if _is_tract_error(exc):
            err(str(exc))
            return EXIT_ERROR
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        err(f"internal error: {type(exc).__name__}: {exc}")
        return EXIT_ERROR
    finally:
        collector.end()
        quick_exit.reset()  # not left: what a command kept for the exit is freed as usual


def _is_tract_error(exc: Exception) -> bool:
    # core is imported lazily (by the commands), so a broken install is one line too.
    try:
        from core.errors import TractError
    except Exception:
        return False
    return isinstance(exc, TractError)


if __name__ == "__main__":
    sys.exit(main())

"""``tract-tui compile STORE [--at REF] [--record] [--json] [--tract ID]``: the compiled context.

Prints the messages (role, name, content) with their commits, tokens and blame (where each
came from: typed, imported from FILE:LINE, a summary, an edit, a merged branch). ``--record``
writes a compile record (as the TUI's compile action does) and prints its id.

A message whose content is missing or unreadable is never printed as if it were real (a script
would send "[missing content]" to a model): the command refuses, naming the commit, unless
``--allow-damaged``, which prints it marked (``"damaged": true`` in JSON). ``--record`` into a
store whose quick check finds damage is refused unless ``--force``.
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from core.models.compiled import MISSING_CONTENT
from core.models.json_text import dumps_indented, dumps_indented_run, writes_alike
from tract_tui import quick_exit
from tract_tui.commands import Command
from tract_tui.commands._helper_process import texts_in_order
from tract_tui.commands._json_stream import ITEM_JOIN, Encoded, write_json
from tract_tui.commands._output import err, out, plain
from tract_tui.commands._scripting import (
    add_json_argument,
    add_store_arguments,
    block,
    open_tract,
    short,
)

if TYPE_CHECKING:
    from core import Blame, CompileStream, Tract
    from core.models.compiled import CompiledContext, Message


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--at", metavar="REF", help="compile as if REF were HEAD")
    parser.add_argument("--record", action="store_true", help="write a compile record")
    parser.add_argument(
        "--allow-damaged",
        action="store_true",
        help="print messages whose content is missing or unreadable, marked as damaged",
    )
    parser.add_argument(
        "--force", action="store_true", help="--record even if the store looks damaged"
    )
    add_json_argument(parser)


def blame_dict(b: Blame) -> dict[str, Any]:
    return {
        "kind": b.kind,
        "text": b.text,
        "event_id": b.event_id,
        "commits": list(b.commits),
        "file": b.file,
        "line": b.line,
        "branch": b.branch,
        "via": list(b.via),
    }


FIELDS = (
    "head",
    "token_count",
    "token_source",
    "commit_count",
    "commit_hashes",
    "messages",
    "tools",
    "tools_tokens",
    "record_id",
)


# A message as the output lists it: the message, its commit, its tokens, its blame.
Entry = tuple["Message", str, "int | None", "Blame | None"]


def _entries(compiled: CompiledContext, blame: tuple[Blame, ...] | None) -> Iterator[Entry]:
    tokens = compiled.message_tokens
    n_tokens = len(tokens)
    n_blame = len(blame) if blame is not None else 0
    for i, (m, h) in enumerate(zip(compiled.messages, compiled.commit_hashes, strict=True)):
        yield (
            m,
            h,
            tokens[i] if i < n_tokens else None,
            blame[i] if blame is not None and i < n_blame else None,
        )


def _items(entries: Iterable[Entry]) -> Iterator[tuple[dict[str, Any], bool]]:
    """Each message as the JSON output lists it, and whether orjson writes it as ``json``
    does without looking: every value has a known type but the tool fields, which are
    stored metadata (any JSON) and are looked at."""
    for m, h, tokens, b in entries:
        role, content, name, call_id, calls = m.parts()
        item: dict[str, Any] = {"role": role, "content": content}
        checked = tokens is None or (type(tokens) is int and -(2**63) <= tokens < 2**63)
        if name is not None:
            item["name"] = name
        if call_id is not None:
            item["tool_call_id"] = call_id
            checked = checked and type(call_id) is str
        if calls:
            item["tool_calls"] = list(calls)
            checked = checked and writes_alike(item["tool_calls"])
        item["commit_hash"] = h
        item["tokens"] = tokens
        if b is not None:
            item["blame"] = blame_dict(b)
            checked = checked and (b.line is None or -(2**63) <= b.line < 2**63)
        if content is MISSING_CONTENT:
            item["damaged"] = True
        yield item, checked


def message_items(
    compiled: CompiledContext, blame: tuple[Blame, ...] | None = None
) -> Iterator[dict[str, Any]]:
    """The messages of ``compiled`` as the JSON output lists them, one at a time."""
    for item, _ in _items(_entries(compiled, blame)):
        yield item


RUN = 256  # messages encoded by one orjson call (a 100k compile: ~400 calls, not 100k)
STREAM_RUN = 256  # messages of a compile read once made into one text


def encoded_messages(
    compiled: CompiledContext, blame: tuple[Blame, ...] | None = None, *, run: int = RUN
) -> Iterator[Encoded]:
    """:func:`message_items` encoded as the streamed JSON writes them: runs of up to ``run``
    messages that orjson writes as ``json`` does, each run one text; any other alone."""
    return _encoded(_entries(compiled, blame), run)


def _encoded(entries: Iterable[Entry], run: int = RUN) -> Iterator[Encoded]:
    pending: list[dict[str, Any]] = []
    for item, checked in _items(entries):
        if checked:
            pending.append(item)
            if len(pending) < run:
                continue
        yield from _encoded_run(pending)
        pending = []
        if not checked:
            yield Encoded(dumps_indented(item, nest=4))
    yield from _encoded_run(pending)


def _encoded_hashes(hashes: Sequence[str], run: int = 4096) -> Iterator[Encoded]:
    for start in range(0, len(hashes), run):
        yield from _encoded_run(list(hashes[start : start + run]))


def _encoded_run(items: list[Any]) -> Iterator[Encoded]:
    if not items:
        return
    text = dumps_indented_run(items, nest=4)
    if text is not None:
        yield Encoded(text)
    else:  # a lone surrogate somewhere: each item alone, json writing the one orjson refuses
        for item in items:
            yield Encoded(dumps_indented(item, nest=4, checked=True))


def compiled_fields(compiled: CompiledContext) -> dict[str, Any]:
    """Everything of the JSON output but the messages."""
    return {
        "head": compiled.head_hash,
        "token_count": compiled.token_count,
        "token_source": compiled.token_source,
        "commit_count": compiled.commit_count,
        "commit_hashes": list(compiled.commit_hashes),
        "tools": list(compiled.tools),
        "tools_tokens": compiled.tools_tokens,
        "record_id": compiled.record_id,
    }


def compiled_dict(
    compiled: CompiledContext, blame: tuple[Blame, ...] | None = None
) -> dict[str, Any]:
    fields = compiled_fields(compiled)
    fields["messages"] = list(message_items(compiled, blame))
    return {key: fields[key] for key in FIELDS}


def run(args: argparse.Namespace) -> int:
    # A compile of a long history makes ~10 objects per message and keeps them all, so the
    # cyclic collector's young generation fills again and again and each full pass walks all
    # of them (~0.5 s of 5 at 100k). They are freed at exit; collect rarely.
    gc.set_threshold(50_000, 20, 100)
    with open_tract(args, lean=not args.record) as tract:
        if args.record:
            return _recorded(tract, args)
        # Read once, then written a run of messages at a time: a 1M-message compile is never
        # held whole (docs/performance.md), and no read transaction stays open while a slow
        # pipe takes the output.
        stream = tract.compile_stream(at=args.at)
    if _refused(stream.damaged, args):
        return 2
    if args.json:
        _print_json_stream(stream)
    else:
        _print(stream.context, chain.from_iterable(stream.runs()), False)
    quick_exit.ask(stream)  # the store is closed: nothing is left to free but memory
    return 0


def _print_json_stream(stream: CompileStream) -> None:
    """The JSON output of a compile read once: each run of messages one text, every other
    run made by a forked helper on a second core (``_helper_process``; the same bytes)."""
    count = -(-stream.count // STREAM_RUN)

    def run_text(k: int) -> str:
        return ITEM_JOIN.join(_encoded(stream.run(k * STREAM_RUN, (k + 1) * STREAM_RUN)))

    with texts_in_order(run_text, count) as texts:
        _print_json(stream.context, map(Encoded, texts))


def _recorded(tract: Tract, args: argparse.Namespace) -> int:
    """``--record``: the compile is kept (it is the record's), then blamed as recorded."""
    if not args.force:
        tract.require_intact("record a compile")
    compiled = tract.compile(at=args.at, params={"via": "cli"})
    pairs = zip(compiled.messages, compiled.commit_hashes, strict=True)
    if _refused([h for m, h in pairs if m.damaged], args):
        return 2
    compiled = tract.compile(at=args.at, record=True, params={"via": "cli"})
    blame = tract.blame(record=compiled.record_id) if compiled.record_id else ()
    _print(compiled, _entries(compiled, blame), args.json)
    return 0


def _refused(damaged: list[str], args: argparse.Namespace) -> bool:
    if not damaged or args.allow_damaged:
        return False
    more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
    err(
        f"commit {damaged[0][:12]}{more} has missing or unreadable content; refusing "
        "to print a made-up message (run tract-tui verify; --allow-damaged prints it "
        "marked)"
    )
    return True


def _print_json(compiled: CompiledContext, messages: Iterable[Encoded]) -> None:
    # Streamed: a 100k-message compile never becomes one string (docs/performance.md),
    # nor does its list of a million commit hashes (~150 MB encoded at once).
    streamed = {"commit_hashes": _encoded_hashes(compiled.commit_hashes), "messages": messages}
    write_json(compiled_fields(compiled), streamed, order=FIELDS)


def _print(compiled: CompiledContext, entries: Iterable[Entry], as_json: bool) -> None:
    if as_json:
        _print_json(compiled, _encoded(entries))
        return
    source = f" ({compiled.token_source})" if compiled.token_source else ""
    out(
        plain(
            f"head {short(compiled.head_hash) or '(none)'}: {compiled.commit_count} messages, "
            f"{compiled.token_count} tokens{source}"
        )
    )
    for i, (m, h, tokens, b) in enumerate(entries):
        name = f" ({m.name})" if m.name is not None else ""
        count = f"  {tokens} tokens" if tokens is not None else ""
        origin = f"  ({b.text})" if b is not None else ""
        mark = "  DAMAGED: content missing or unreadable" if m.damaged else ""
        out(
            "",
            plain(f"[{i}] {m.role}{name}  {short(h)}{count}{origin}{mark}"),
            *block(m.content, "    "),
        )
    if compiled.record_id:
        out("", f"record: {compiled.record_id}")


COMMAND = Command("compile", "print the compiled context (--record: record it)", configure, run)

"""User keymaps: the ``[keys]`` table of the config file rebinds actions by their id.

    [keys]
    "graph.compress" = "x"          # one key
    "app.search" = "slash,ctrl+f"   # alternatives, comma-separated (or a TOML list)

Ids are those of ``tract_tui.actions.ACTIONS`` (the ``?`` screen shows them). Unknown ids and
keys that are not Textual key names are reported (the app shows a notification naming them)
and skipped; the rest applies.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from textual.keys import ASCII_KEY_NAMES, KEY_NAME_REPLACEMENTS, Keys, key_to_character

from core import TractError, config_path, load_config_file
from tract_tui.actions import ACTIONS_BY_ID

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED = (
    frozenset(k.value for k in Keys if "+" not in k.value)
    | frozenset(KEY_NAME_REPLACEMENTS.values())
    | {"space", "tab", "enter"}
)


# Ids that moved (``g`` and ``/`` work in every view now): a config naming the old id still
# rebinds the action.
MOVED = {"graph.search": "app.search", "graph.goto": "app.goto"}


@dataclass
class Keymap:
    bindings: dict[str, str] = field(default_factory=dict)  # action id → key spec
    problems: list[str] = field(default_factory=list)

    def keys_for(self, action_id: str) -> str:
        """The keys in force for an action: the user's, else the table's."""
        return self.bindings.get(action_id) or ACTIONS_BY_ID[action_id].keys


def valid_key(key: str) -> bool:
    """A Textual key name: optional modifiers, then one character or a named key."""
    *mods, base = key.split("+")
    if not base or any(m not in MODIFIERS for m in mods):
        return False
    if len(base) == 1:
        return base.isprintable()
    if base in _NAMED or (base.startswith("f") and base[1:].isdigit()):
        return True
    if key_to_character(base) is not None:  # "question_mark", "slash", …
        return True
    try:
        unicodedata.lookup(base.replace("_", " ").upper())
    except KeyError:
        return False
    return True


def normalise_key(key: str) -> str:
    """``?`` → ``question_mark``: the long form Textual matches key events against.

    Textual names a printable non-alphanumeric key by its Unicode name, lower case with ``_``
    for spaces and hyphens, then applies its public ``KEY_NAME_REPLACEMENTS`` (``solidus`` →
    ``slash``); letters and digits name themselves. A keymap test checks a sample of keys
    against real key events, so a change in Textual's naming shows up as a failure."""
    if len(key) != 1 or key.isalnum():
        return key
    try:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:  # no Unicode name (a control character)
        name = ASCII_KEY_NAMES.get(key, key)
    return KEY_NAME_REPLACEMENTS.get(name, name)


def parse_keys(table: Any, where: str) -> Keymap:
    out = Keymap()
    if not isinstance(table, dict):
        out.problems.append(f"{where}: [keys] must be a table of action id = key")
        return out
    for action_id, value in table.items():
        action_id = MOVED.get(action_id, action_id)
        if action_id not in ACTIONS_BY_ID:
            out.problems.append(f"unknown action {action_id!r}")
            continue
        raw = value if isinstance(value, list) else [value]
        if not raw or not all(isinstance(v, str) for v in raw):
            out.problems.append(f"{action_id}: keys must be a string or a list of strings")
            continue
        keys = [k.strip() for v in raw for k in v.split(",") if k.strip()]
        bad = [k for k in keys if not valid_key(k)]
        if bad or not keys:
            out.problems.append(f"{action_id}: bad key {', '.join(map(repr, bad)) or '(empty)'}")
            continue
        out.bindings[action_id] = ",".join(normalise_key(k) for k in keys)
    return out


def load_keymap() -> Keymap:
    """The ``[keys]`` of the config file (``$TRACT_TUI_CONFIG`` or the user config dir)."""
    try:
        config = load_config_file()
    except TractError as exc:
        return Keymap(problems=[str(exc)])
    if "keys" not in config:
        return Keymap()
    keymap = parse_keys(config["keys"], str(config_path()))
    if keymap.problems:
        keymap.problems = [f"{config_path()}: {p}" for p in keymap.problems]
    return keymap

"""What the app remembers between runs (the theme), in ``settings.json`` in the user config
directory (``$XDG_CONFIG_HOME/tract-tui/`` on Linux), beside the user's own ``config.toml``.

The app writes this file; the user writes ``config.toml``. A missing, unreadable or malformed
settings file is the same as an empty one: remembering is a convenience, never a reason not
to start. A failed write is said once, in words.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

SETTINGS_NAME = "settings.json"


def settings_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("tract-tui")) / SETTINGS_NAME


def load_settings(path: Path | None = None) -> dict[str, str]:
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def save_setting(key: str, value: str, path: Path | None = None) -> str | None:
    """Remember ``key = value`` (atomically: a crash leaves the old file or the new one).
    Returns the problem in words, else None."""
    path = path or settings_path()
    settings = load_settings(path)
    if settings.get(key) == value:
        return None
    settings[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(settings, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.replace(temp, path)
    except OSError as exc:
        return f"Cannot remember the {key} in {path}: {exc.strerror or exc}"
    return None

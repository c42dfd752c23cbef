"""Where LLM settings come from: arguments, then environment, then the config file.

The API key is read from the environment only; it is never written to a store, a log, an
error message or the screen (its ``repr`` is masked).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import LLMConfigError

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 120.0
CONFIG_ENV = "TRACT_TUI_CONFIG"


def config_path() -> Path:
    """``$TRACT_TUI_CONFIG``, else the platform's user config dir / tract-tui/config.toml."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("tract-tui")) / "config.toml"


def load_config_file(path: Path | None = None) -> dict[str, Any]:
    """The parsed config file, or {} when there is none. A broken file is a config error."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise LLMConfigError(f"{path}: cannot read config ({exc.strerror})") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LLMConfigError(f"{path}: invalid TOML ({exc})") from None


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


@dataclass(frozen=True)
class LLMSettings:
    base_url: str
    model: str
    api_key: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = 3

    def __repr__(self) -> str:  # the key never appears, even in a debugger or log line
        return (
            f"LLMSettings(base_url={self.base_url!r}, model={self.model!r}, api_key=***, "
            f"timeout={self.timeout}, max_attempts={self.max_attempts})"
        )

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/chat/completions"


def resolve_settings(
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    timeout: float | None = None,
    purpose: str = "summary",
    config: dict[str, Any] | None = None,
    require_key: bool = True,
) -> LLMSettings:
    """Arguments > environment > config file > defaults, per field."""
    file_cfg = (config if config is not None else load_config_file()).get("llm", {})
    if not isinstance(file_cfg, dict):
        file_cfg = {}
    url = (
        base_url
        or _env("TRACT_OPENAI_BASE_URL", "OPENAI_BASE_URL")
        or file_cfg.get("base_url")
        or DEFAULT_BASE_URL
    )
    key = api_key or _env("TRACT_OPENAI_API_KEY", "OPENAI_API_KEY") or ""
    if require_key and not key:
        raise LLMConfigError(
            "no API key: set OPENAI_API_KEY (or TRACT_OPENAI_API_KEY) for the LLM endpoint"
        )
    model_env = "TRACT_SUMMARY_MODEL" if purpose == "summary" else "TRACT_CHAT_MODEL"
    chosen_model = (
        model
        or _env(model_env)
        or file_cfg.get(f"{purpose}_model")
        or file_cfg.get("model")
        or DEFAULT_MODEL
    )
    chosen_timeout = timeout or float(file_cfg.get("timeout", DEFAULT_TIMEOUT))
    return LLMSettings(
        base_url=str(url).rstrip("/"),
        model=str(chosen_model),
        api_key=key,
        timeout=chosen_timeout,
    )


def endpoint_configured() -> bool:
    """True when an endpoint key is available (the extractive summarizer is used otherwise)."""
    return bool(_env("TRACT_OPENAI_API_KEY", "OPENAI_API_KEY"))

"""LLM settings, resolved as: explicit arguments > environment variables > `[llm]` in `config.toml`.

The config file is `gsfm_home()/config.toml`, for example::

    [llm]
    backend = "openai"                 # local | openai | none
    base_url = "http://127.0.0.1:11434/v1"
    model = "qwen2.5:7b-instruct"
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gsfm_model.data.paths import gsfm_home

from .errors import LLMError

ENV_VARS = {
    "backend": "GSFM_LLM_BACKEND",
    "model_path": "GSFM_LLM_MODEL_PATH",
    "base_url": "GSFM_OPENAI_BASE_URL",
    "model": "GSFM_OPENAI_MODEL",
}
API_KEY_ENV_VARS = ("GSFM_OPENAI_API_KEY", "OPENAI_API_KEY")


@dataclass(frozen=True)
class LLMSettings:
    """Everything a backend needs. `api_key` is kept out of repr; backends never show it."""

    backend: str = "local"
    model_path: str | None = None  # local: a GGUF file; default = the embedded Qwen2.5-Coder-1.5B
    base_url: str | None = None  # openai: e.g. http://127.0.0.1:11434/v1
    model: str | None = None  # openai: the served model name
    api_key: str | None = field(default=None, repr=False)
    n_ctx: int = 8192
    n_threads: int | None = None  # default: os.cpu_count()
    temperature: float = 0.0
    max_tokens: int = 90  # answers are short (the system prompt asks for 2 to 4 short sentences); a cut answer
    # ends at its last finished sentence
    timeout: float = 120.0  # seconds, remote backends


_FIELDS = {f.name: f for f in dataclasses.fields(LLMSettings)}


def config_path() -> Path:
    """The optional TOML config file, `gsfm_home()/config.toml`."""
    return gsfm_home() / "config.toml"


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("llm", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LLMError(f"{path} is not valid TOML ({exc}); fix or delete the file.") from exc
    unknown = sorted(set(section) - set(_FIELDS))
    if unknown:
        raise LLMError(f"Unknown key(s) {unknown} in the [llm] section of {path}; valid keys: {sorted(_FIELDS)}.")
    return section


def _from_env() -> dict[str, Any]:
    values = {key: os.environ[var] for key, var in ENV_VARS.items() if os.environ.get(var)}
    for var in API_KEY_ENV_VARS:
        if os.environ.get(var):
            values["api_key"] = os.environ[var]
            break
    return values


def _coerce(name: str, value: Any, source: str) -> Any:
    kind = _FIELDS[name].type
    try:
        if "int" in kind and not isinstance(value, bool):
            return int(value)
        if "float" in kind and not isinstance(value, bool):
            return float(value)
    except (TypeError, ValueError):
        raise LLMError(f"LLM setting {name!r} from {source} must be a number, got {value!r}.") from None
    return str(value)


def load_settings(**explicit: Any) -> LLMSettings:
    """Resolve settings; keyword arguments that are None count as not given."""
    unknown = sorted(set(explicit) - set(_FIELDS))
    if unknown:
        raise LLMError(f"Unknown LLM setting(s) {unknown}; valid: {sorted(_FIELDS)}.")
    path = config_path()
    layers = [
        (_from_file(path), str(path)),
        (_from_env(), "the environment"),
        ({k: v for k, v in explicit.items() if v is not None}, "arguments"),
    ]
    values: dict[str, Any] = {}
    for layer, source in layers:
        values.update({k: _coerce(k, v, source) for k, v in layer.items()})
    values["backend"] = values.get("backend", "local").strip().lower()
    return LLMSettings(**values)

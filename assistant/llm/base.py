"""The backend interface and registry.

A backend turns `LLMSettings` into a LangChain chat model. To add a server, write one module with a
`Backend` subclass and either add it to `_BUILTIN` below or call `register_backend(cls)`.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from .config import LLMSettings, load_settings
from .errors import LLMError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class Backend(ABC):
    """A source of chat models. Subclasses set `name` and implement the two methods."""

    name: ClassVar[str]

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings

    @abstractmethod
    def chat_model(self, **opts: Any) -> BaseChatModel:
        """A LangChain chat model; `opts` override generation settings (temperature, max_tokens...)."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """What is in use, for logs and the UI: backend, model and options, never secrets."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


class NoBackend(Backend):
    """Reserved name `none`: no language model; the agent layer answers with rules instead."""

    name = "none"

    def chat_model(self, **opts: Any) -> BaseChatModel:
        """Always raises: there is no model in this mode."""
        raise LLMError(
            "The LLM backend is 'none' (rule-based mode), so there is no chat model. "
            "Set GSFM_LLM_BACKEND=local (or openai) to use a language model."
        )

    def describe(self) -> dict[str, Any]:
        """Say that no LLM is used."""
        return {"backend": self.name, "model": "no LLM (rule-based mode)"}


# name -> "module:Class", imported on first use so that unused backends cost nothing.
_BUILTIN: dict[str, str] = {
    "local": "assistant.llm.local:LocalBackend",
    "openai": "assistant.llm.openai_compat:OpenAICompatBackend",
    "none": "assistant.llm.base:NoBackend",
}
_REGISTERED: dict[str, type[Backend]] = {}


def register_backend(cls: type[Backend]) -> type[Backend]:
    """Make `cls` available under `cls.name` (usable as a class decorator)."""
    _REGISTERED[cls.name] = cls
    return cls


def available_backends() -> list[str]:
    """Names accepted by `get_backend`."""
    return sorted(set(_BUILTIN) | set(_REGISTERED))


def _backend_class(name: str) -> type[Backend]:
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name not in _BUILTIN:
        raise LLMError(f"Unknown LLM backend {name!r}; choose one of {available_backends()}.")
    module, _, attr = _BUILTIN[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def get_backend(name: str | None = None, **opts: Any) -> Backend:
    """The backend `name` (default: from env/config, else "local") with settings `opts` applied.

    `opts` are `LLMSettings` fields (model_path, base_url, model, api_key, n_ctx, ...) and take
    precedence over environment variables, which take precedence over `config.toml`.
    """
    settings = load_settings(backend=name, **opts)
    return _backend_class(settings.backend)(settings)

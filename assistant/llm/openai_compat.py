"""The `openai` backend: any OpenAI-compatible chat-completions server through langchain-openai.

Works with Ollama (`http://127.0.0.1:11434/v1`), vLLM (`--enable-auto-tool-choice`), llama.cpp's
`llama-server --jinja` and hosted providers. The API key is optional (local servers ignore it).
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from langchain_core.language_models import BaseChatModel

from .base import Backend
from .errors import LLMError


def public_url(url: str) -> str:
    """`url` without user info, query or fragment (where credentials sometimes hide)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@cache
def _strict(chat_openai: type) -> type:
    """`ChatOpenAI` sending requests in the form the common servers all accept: an assistant message that only calls
    tools has content "" instead of null (llama-cpp-python's server answers HTTP 500 to null), and the token cap
    goes as `max_tokens` (langchain-openai sends `max_completion_tokens`, which llama-cpp-python's server ignores).
    """

    class StrictChatOpenAI(chat_openai):
        def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any) -> dict:
            payload = super()._get_request_payload(input_, stop=stop, **kwargs)
            for message in payload.get("messages", []):
                if message.get("content") is None:
                    message["content"] = ""
            if "max_completion_tokens" in payload:
                payload["max_tokens"] = payload.pop("max_completion_tokens")
            return payload

    return StrictChatOpenAI


class OpenAICompatBackend(Backend):
    """A remote or local server speaking the OpenAI chat-completions API."""

    name = "openai"

    def chat_model(self, **opts: Any) -> BaseChatModel:
        """A `ChatOpenAI` pointed at the configured server."""
        missing = [
            var
            for var, value in (
                ("GSFM_OPENAI_BASE_URL", self.settings.base_url),
                ("GSFM_OPENAI_MODEL", self.settings.model),
            )
            if not value
        ]
        if missing:
            raise LLMError(
                f"The openai backend needs {' and '.join(missing)} (or base_url/model in the [llm] "
                "section of config.toml), e.g. GSFM_OPENAI_BASE_URL=http://127.0.0.1:11434/v1 "
                "GSFM_OPENAI_MODEL=qwen2.5:7b-instruct."
            )
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise LLMError("The openai backend needs langchain-openai: pip install langchain-openai") from exc
        params = {
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "timeout": self.settings.timeout,
            "max_retries": 1,
            **opts,
        }
        return _strict(ChatOpenAI)(
            base_url=self.settings.base_url,
            model=self.settings.model,
            api_key=self.settings.api_key or "not-needed",  # local servers accept any key
            **params,
        )

    def describe(self) -> dict[str, Any]:
        """Backend, server (without credentials), model and whether a key is set."""
        return {
            "backend": self.name,
            "model": self.settings.model,
            "base_url": public_url(self.settings.base_url) if self.settings.base_url else None,
            "api_key_set": bool(self.settings.api_key),
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
        }

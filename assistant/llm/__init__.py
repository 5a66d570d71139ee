"""Language model backends for the assistant: `get_backend(...).chat_model()` gives a LangChain model.

Backends: `local` (llama.cpp, embedded Qwen2.5-Coder-1.5B by default), `openai` (any
OpenAI-compatible server) and `none` (no LLM; the agent layer answers by rules).
"""

from .base import Backend, available_backends, get_backend, register_backend
from .config import LLMSettings, load_settings
from .errors import LLMError
from .gguf import default_gguf, prepare_default_model, smollm2_gguf

__all__ = [
    "Backend",
    "LLMError",
    "LLMSettings",
    "available_backends",
    "default_gguf",
    "get_backend",
    "load_settings",
    "prepare_default_model",
    "register_backend",
    "smollm2_gguf",
]

"""The local backend: a LangChain chat model over llama-cpp-python, with tool calling.

Tools are rendered into the model's own chat template (see `prompt.py`) and tool calls are parsed
out of the generated text (see `toolcalls.py`), so any GGUF chat model works with
`langchain.agents.create_agent`. One `Llama` per model file is kept per process and used under a
lock (llama.cpp contexts are not thread-safe).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from .base import Backend
from .config import LLMSettings
from .errors import LLMError
from .gguf import INSTALL_HINT, default_gguf, resolve_model_path
from .kv_cache import load_prefix
from .prompt import render_prompt
from .text import repeating
from .toolcalls import ParsedOutput, call_key, parse_tool_calls, stream_safe_length

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger(__name__)


def default_threads() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(eq=False)  # compared and hashed by identity (kept in a WeakSet)
class _Loaded:
    llama: Llama
    params: tuple[int, int]  # (n_ctx, n_threads)
    lock: threading.Lock


@dataclass
class _Run:
    """What one generation produced so far."""

    input_tokens: int = 0
    pieces: list[str] = field(default_factory=list)
    emitted: str = ""
    finish_reason: str | None = None


ANSWER_NUDGE = "Answer my question now in plain text, using the tool results above. Do not call a tool again."
_MODELS: dict[str, _Loaded] = {}
_RETIRED: weakref.WeakSet[_Loaded] = weakref.WeakSet()  # replaced by a reload with other parameters, maybe in use
_MODELS_LOCK = threading.Lock()


def load_llama(model_path: str | os.PathLike, n_ctx: int, n_threads: int) -> _Loaded:
    """The cached `Llama` for this file, (re)loaded if absent or loaded with other parameters."""
    key = str(Path(model_path).resolve())
    with _MODELS_LOCK:
        loaded = _MODELS.get(key)
        if loaded is not None and loaded.params == (n_ctx, n_threads):
            return loaded
        if loaded is not None:  # other parameters: the old one is freed once no thread uses it
            _RETIRED.add(_MODELS.pop(key))
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMError(
                f"llama-cpp-python is not installed (needed by the local LLM backend). {INSTALL_HINT}"
            ) from exc
        try:
            llama = Llama(
                model_path=key,
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise LLMError(
                f"llama.cpp could not load {key} ({exc}). Check that it is a GGUF chat model, "
                "or unset GSFM_LLM_MODEL_PATH to use the embedded default."
            ) from exc
        _MODELS[key] = loaded = _Loaded(llama, (n_ctx, n_threads), threading.Lock())
        return loaded


@atexit.register
def unload_all(wait_s: float = 5.0) -> None:
    """Free every loaded model that no thread is using within `wait_s`. Runs at exit too: llama.cpp's own
    finaliser fails (and prints a traceback) when it runs after the interpreter has begun to tear its modules down."""
    with _MODELS_LOCK:
        for loaded in [*_MODELS.values(), *_RETIRED]:
            if loaded.lock.acquire(timeout=wait_s):  # a stream left half-read keeps its model: it is skipped
                try:
                    loaded.llama.close()
                finally:
                    loaded.lock.release()
        _MODELS.clear()
        _RETIRED.clear()


def _token_text(llama: Llama, token: int) -> str:
    if token < 0:
        return ""
    return llama.detokenize([token], special=True).decode("utf-8", errors="ignore")


def _tool_choice_hint(tool_choice: Any, tool_names: set[str]) -> str | None:
    """An instruction that stands in for a forced `tool_choice` (local models cannot be forced)."""
    if isinstance(tool_choice, dict):
        tool_choice = tool_choice.get("function", {}).get("name")
    if tool_choice in ("any", "required", True):
        return "Answer with a tool call."
    if isinstance(tool_choice, str) and tool_choice in tool_names:
        return f"Answer with a call to the tool `{tool_choice}`."
    return None


class LocalChatModel(BaseChatModel):
    """Chat model over a local GGUF file, run by llama.cpp (greedy by default)."""

    model_path: str
    n_ctx: int = LLMSettings.n_ctx
    n_threads: int | None = None  # default: all cores this process may use
    temperature: float = LLMSettings.temperature
    max_tokens: int = LLMSettings.max_tokens

    @property
    def _llm_type(self) -> str:
        return "gsfm-llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model": Path(self.model_path).name,
            "n_ctx": self.n_ctx,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools; they are rendered into the chat template on each call."""
        schemas = [convert_to_openai_tool(tool) for tool in tools]
        return self.bind(tools=schemas, tool_choice=tool_choice, **kwargs)

    def prepare(self, system: str, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool]) -> str:
        """Load the model and put the start that every prompt shares (system prompt and tool schemas) in its
        KV cache: kept if it is there, restored from disk when saved before, else read once and saved
        (`kv_cache`). Returns "cached", "restored", "computed" or "in use" (left to the running generation)."""
        loaded = load_llama(self.model_path, self.n_ctx, self.n_threads or default_threads())
        schemas = [convert_to_openai_tool(tool) for tool in tools]
        llama = loaded.llama
        probes = [
            llama.tokenize(self._prompt(llama, [SystemMessage(system), HumanMessage(text)], schemas, None).encode(),
                           add_bos=True, special=True)
            for text in ("a", "b")
        ]
        shared = next((i for i, (a, b) in enumerate(zip(*probes)) if a != b), min(map(len, probes)))
        if not loaded.lock.acquire(blocking=False):
            return "in use"  # another conversation is generating, so the model has been prepared
        try:
            if llama.n_tokens >= shared and llama.input_ids[:shared].tolist() == probes[0][:shared]:
                return "cached"
            return load_prefix(llama, probes[0][:shared])
        finally:
            loaded.lock.release()

    def _prompt(
        self,
        llama: Llama,
        messages: list[BaseMessage],
        tools: list[dict[str, Any]] | None,
        hint: str | None,
    ) -> str:
        if hint:
            if messages and isinstance(messages[0], SystemMessage):
                first = messages[0]
                messages = [SystemMessage(content=f"{first.text}\n\n{hint}"), *messages[1:]]
            else:
                messages = [SystemMessage(content=hint), *messages]
        bos = _token_text(llama, llama.token_bos())
        prompt = render_prompt(
            messages,
            llama.metadata.get("tokenizer.chat_template"),
            tools,
            bos_token=bos,
            eos_token=_token_text(llama, llama.token_eos()),
        )
        # llama.cpp adds the BOS token itself when the model wants one.
        return prompt[len(bos) :] if bos and prompt.startswith(bos) else prompt

    def _complete(
        self,
        loaded: _Loaded,
        prompt: str,
        params: dict[str, Any],
        tool_names: set[str] | None,
        run_manager: CallbackManagerForLLMRun | None,
        run: _Run,
    ) -> Iterator[ChatGenerationChunk]:
        """Generate from `prompt`, yielding text that cannot be part of a tool call as it comes."""
        with loaded.lock:
            run.input_tokens += len(loaded.llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))
            try:
                for part in loaded.llama.create_completion(prompt, stream=True, **params):
                    choice = part["choices"][0]
                    run.pieces.append(choice["text"])
                    run.finish_reason = choice.get("finish_reason") or run.finish_reason
                    text = "".join(run.pieces).lstrip()
                    if "\n" in choice["text"] and repeating(text):
                        run.finish_reason = "repetition"
                        break
                    safe = stream_safe_length(text, tool_names) if tool_names else len(text.rstrip())
                    if safe > len(run.emitted):
                        delta, run.emitted = text[len(run.emitted) : safe], text[:safe]
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                        if run_manager:
                            run_manager.on_llm_new_token(delta, chunk=chunk)
                        yield chunk
            except ValueError as exc:  # llama.cpp: prompt longer than the context window
                raise LLMError(
                    f"The local model failed: {exc}. Start a new conversation or raise n_ctx "
                    f"(now {self.n_ctx}) in the [llm] section of config.toml."
                ) from exc

    def _params(
        self, stop: list[str] | None, tools: list[dict[str, Any]] | None, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """llama.cpp completion parameters: the call's limits (else this model's) and the stop strings."""
        stops = [*(stop or []), "<|im_end|>", "<|im_start|>", "<|endoftext|>"]
        if tools:
            stops.append("<tool_response>")  # small models like to invent the tool's answer
        return {
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
            "stop": stops,
        }

    def _final_chunk(
        self, parsed: ParsedOutput, run: _Run, raw_outputs: list[str], output_tokens: int
    ) -> AIMessageChunk:
        """The last chunk: the text not streamed yet, the tool calls whole, token usage and the raw outputs."""
        rest = parsed.content[len(run.emitted) :] if parsed.content.startswith(run.emitted) else ""
        return AIMessageChunk(
            content=rest,
            tool_call_chunks=[
                tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
                for i, c in enumerate(parsed.tool_calls)
            ],
            chunk_position="last",
            usage_metadata={
                "input_tokens": run.input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": run.input_tokens + output_tokens,
            },
            response_metadata={
                "model_name": Path(self.model_path).name,
                "finish_reason": run.finish_reason,
                "raw_outputs": raw_outputs,  # one per attempt
                "dropped_tool_calls": parsed.dropped,
            },
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Stream text tokens; tool calls are held back and sent whole in the last chunk.

        If the model only repeats calls it already made, it is asked once more for a plain answer.
        """
        tools = kwargs.get("tools") if kwargs.get("tool_choice") != "none" else None
        tool_names = {t["function"]["name"] for t in tools or []}
        hint = _tool_choice_hint(kwargs.get("tool_choice"), tool_names)
        loaded = load_llama(self.model_path, self.n_ctx, self.n_threads or default_threads())
        params = self._params(stop, tools, kwargs)
        previous = {
            call_key(call["name"], call["args"])
            for message in messages
            if isinstance(message, AIMessage)
            for call in message.tool_calls
        }
        run, raw_outputs, output_tokens, conversation = _Run(), [], 0, messages
        for attempt in range(2):
            prompt = self._prompt(loaded.llama, conversation, tools, hint)
            run = _Run(input_tokens=run.input_tokens)
            yield from self._complete(loaded, prompt, params, tool_names if tools else None, run_manager, run)
            raw = "".join(run.pieces)
            raw_outputs.append(raw)
            output_tokens += len(run.pieces)
            parsed = parse_tool_calls(raw, tool_names, previous) if tools else ParsedOutput(raw.strip())
            if parsed.dropped:
                log.info("dropped tool calls: %s", parsed.dropped)
            if attempt or parsed.tool_calls or parsed.content or not parsed.dropped:
                break
            conversation = [*messages, HumanMessage(ANSWER_NUDGE)]
        final = self._final_chunk(parsed, run, raw_outputs, output_tokens)
        if run_manager and final.content:
            run_manager.on_llm_new_token(final.content, chunk=ChatGenerationChunk(message=final))
        yield ChatGenerationChunk(message=final)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Run the stream to the end and return the whole message."""
        return generate_from_stream(self._stream(messages, stop, None, **kwargs))


class LocalBackend(Backend):
    """llama.cpp in this process; default model: the embedded Qwen2.5-Coder-1.5B (verified)."""

    name = "local"

    def _path(self) -> Path:
        return Path(self.settings.model_path).expanduser() if self.settings.model_path else default_gguf()

    def chat_model(self, **opts: Any) -> LocalChatModel:
        """A `LocalChatModel`; joins and verifies the default model on first use."""
        params = {
            "n_ctx": self.settings.n_ctx,
            "n_threads": self.settings.n_threads,
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            **opts,
        }
        return LocalChatModel(model_path=str(resolve_model_path(self.settings.model_path)), **params)

    def describe(self) -> dict[str, Any]:
        """Backend, model file and generation settings."""
        path = self._path()
        return {
            "backend": self.name,
            "model": path.name,
            "model_path": str(path),
            "n_ctx": self.settings.n_ctx,
            "n_threads": self.settings.n_threads or default_threads(),
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
        }

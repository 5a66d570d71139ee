"""Render a LangChain conversation (and bound tools) with a GGUF model's own chat template.

Templates that know about tools (Qwen2.5, Llama 3.1, Hermes...) get the tools and tool messages
natively. For templates that do not, the tools are described in the system message in Qwen's
format and tool turns become plain text (`<tool_call>` / `<tool_response>`), which is what small
ChatML models have seen most.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from .errors import LLMError

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

TOOLS_PREAMBLE = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
    "{tools}\n</tools>\n\n"
    "For each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{{"name": <function-name>, "arguments": <args-json-object>}}\n</tool_call>'
)


def _text(message: BaseMessage) -> str:
    """The text of a message whose content may be a list of blocks."""
    if isinstance(message.content, str):
        return message.content
    parts = [b if isinstance(b, str) else b.get("text", "") for b in message.content]
    return "".join(p for p in parts if isinstance(p, str))


def _call_json(name: str, args: dict[str, Any]) -> str:
    return json.dumps({"name": name, "arguments": args}, ensure_ascii=False)


def to_template_messages(messages: list[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages -> the Hugging Face chat-template message dicts."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            out.append({"role": "system", "content": _text(message)})
        elif isinstance(message, HumanMessage):
            out.append({"role": "user", "content": _text(message)})
        elif isinstance(message, AIMessage):
            item: dict[str, Any] = {"role": "assistant", "content": _text(message)}
            if message.tool_calls:
                item["tool_calls"] = [
                    {
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": call["name"], "arguments": call["args"]},
                    }
                    for call in message.tool_calls
                ]
            out.append(item)
        elif isinstance(message, ToolMessage):
            out.append(
                {"role": "tool", "content": _text(message), "tool_call_id": message.tool_call_id, "name": message.name}
            )
        else:
            raise LLMError(f"Cannot send a {type(message).__name__} to a local model.")
    return out


def _inline_tools(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> list[dict]:
    """Rewrite tool turns as plain text for templates that know only system/user/assistant."""
    out: list[dict[str, Any]] = []
    for msg in messages:
        if msg["role"] == "assistant" and msg.get("tool_calls"):
            calls = "\n".join(
                f"<tool_call>\n{_call_json(c['function']['name'], c['function']['arguments'])}\n</tool_call>"
                for c in msg["tool_calls"]
            )
            out.append({"role": "assistant", "content": "\n".join(filter(None, [msg["content"], calls]))})
        elif msg["role"] == "tool":
            block = f"<tool_response>\n{msg['content']}\n</tool_response>"
            if out and out[-1]["role"] == "user" and out[-1].get("tool_turn"):
                out[-1]["content"] += "\n" + block
            else:
                out.append({"role": "user", "content": block, "tool_turn": True})
        else:
            out.append(dict(msg))
    if tools:
        preamble = TOOLS_PREAMBLE.format(tools="\n".join(json.dumps(t, ensure_ascii=False) for t in tools))
        if out and out[0]["role"] == "system":
            out[0]["content"] = f"{out[0]['content']}\n\n{preamble}"
        else:
            out.insert(0, {"role": "system", "content": preamble})
    for msg in out:
        msg.pop("tool_turn", None)
    return out


def _tojson(value: Any, indent: int | None = None, ensure_ascii: bool = False, **kwargs: Any) -> str:
    """Hugging Face's `tojson`: plain json.dumps, no HTML escaping."""
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, **kwargs)


def _raise(message: str) -> None:
    raise TemplateError(message)


def template_supports_tools(template: str) -> bool:
    """Whether a chat template renders `tools` itself."""
    return "tools" in template


def render_prompt(
    messages: list[BaseMessage],
    template: str | None,
    tools: list[dict[str, Any]] | None = None,
    bos_token: str = "",
    eos_token: str = "",
) -> str:
    """The prompt text for `messages`, ending with the assistant's generation prompt.

    Args:
        messages: the conversation.
        template: the GGUF's `tokenizer.chat_template` (Jinja); None means ChatML.
        tools: OpenAI-format tool schemas, or None.
        bos_token: text of the model's BOS token, as templates expect.
        eos_token: text of the model's EOS token.
    """
    template = template or CHATML_TEMPLATE
    dicts = to_template_messages(messages)
    if not template_supports_tools(template):
        dicts, tools = _inline_tools(dicts, tools), None
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    try:
        return env.from_string(template).render(
            messages=dicts,
            tools=tools or None,
            add_generation_prompt=True,
            bos_token=bos_token,
            eos_token=eos_token,
        )
    except TemplateError as exc:
        raise LLMError(
            f"The model's chat template could not render this conversation ({exc}). "
            "Use a GGUF with a standard chat template, or the OpenAI-compatible backend."
        ) from exc

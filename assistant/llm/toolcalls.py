"""Find tool calls in a local model's raw text.

Small models write calls in several shapes, so all of these are accepted:
`<tool_call>{...}</tool_call>` tags, fenced ```json blocks and bare JSON objects, each holding one
call or a list of calls, with the arguments under "arguments" or "parameters" (a dict or a JSON
string). Calls to unknown tools and repeats of earlier calls are dropped (and reported); JSON that
is malformed or not call-shaped stays in the text. Text outside the calls becomes the content.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import ToolCall

_TAG_RE = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)
_FENCE_RE = re.compile(r"```[ \t]*(?:json|tool_call|tool_code)?[ \t]*\n?(.*?)```", re.DOTALL)
_CANDIDATE_RE = re.compile(r"<|```|[{\[]")
_STRAY_CLOSE_RE = re.compile(r"\s*</tool_call>")
_DECODER = json.JSONDecoder()


@dataclass
class ParsedOutput:
    """Content text, the calls to run, and the calls dropped with the reason."""

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)


def call_key(name: str, args: dict[str, Any]) -> str:
    """A canonical string for (name, args), used to spot repeated calls."""
    return json.dumps([name, args], sort_keys=True, default=str)


def _as_call(obj: Any, tool_names: Collection[str]) -> tuple[str, dict[str, Any]] | None:
    """(name, args) if `obj` looks like a tool call, else None."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):  # OpenAI shape {"type": "function", "function": {...}}
        obj = obj["function"]
        if "arguments" not in obj:
            return None  # a tool schema (small models echo them), not a call
    name = obj.get("name")
    if not isinstance(name, str) or "description" in obj:
        return None
    has_args = "arguments" in obj or "parameters" in obj
    if not has_args and name not in tool_names:
        return None  # e.g. {"name": "TP53", ...} in an answer is data, not a call
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return None
    if args is None:
        args = {}
    if not isinstance(args, dict) or (args.get("type") == "object" and "properties" in args):
        return None  # not arguments, or a JSON schema echoed back
    return name, args


def _calls_in(obj: Any, tool_names: Collection[str]) -> list[tuple[str, dict[str, Any]]] | None:
    """The calls in a decoded JSON value (one call or a non-empty list of calls), else None."""
    items = obj if isinstance(obj, list) else [obj]
    calls = [_as_call(item, tool_names) for item in items]
    if not calls or any(c is None for c in calls):
        return None
    return calls  # type: ignore[return-value]


def _calls_in_text(text: str, tool_names: Collection[str]) -> list[tuple[str, dict[str, Any]]] | None:
    """Calls in a snippet holding only JSON values (whitespace/commas between them), else None."""
    calls: list[tuple[str, dict[str, Any]]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and (text[pos].isspace() or text[pos] == ","):
            pos += 1
        if pos == end:
            return calls or None
        try:
            obj, pos = _DECODER.raw_decode(text, pos)
        except ValueError:
            return None
        found = _calls_in(obj, tool_names)
        if found is None:
            return None
        calls.extend(found)


def _find_spans(text: str, tool_names: Collection[str]) -> list[tuple[int, int, list]]:
    """(start, end, calls) for every call-holding region, in text order, non-overlapping."""
    spans: list[tuple[int, int, list]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in spans)

    for regex in (_TAG_RE, _FENCE_RE):
        for m in regex.finditer(text):
            if free(m.start(), m.end()):
                calls = _calls_in_text(m.group(1), tool_names)
                if calls:
                    spans.append((m.start(), m.end(), calls))
    pos = 0
    while (pos := _next_brace(text, pos)) >= 0:
        inside = next((e for s, e, _ in spans if s <= pos < e), None)
        if inside is not None:
            pos = inside
            continue
        try:
            obj, end = _DECODER.raw_decode(text, pos)
        except ValueError:
            pos += 1
            continue
        calls = _calls_in(obj, tool_names)
        if calls and free(pos, end):
            stray = _STRAY_CLOSE_RE.match(text, end)  # `{...}</tool_call>` without the opening tag
            end = stray.end() if stray else end
            spans.append((pos, end, calls))
        pos = end
    return sorted(spans)


def _next_brace(text: str, pos: int) -> int:
    hits = [i for i in (text.find("{", pos), text.find("[", pos)) if i >= 0]
    return min(hits) if hits else -1


def parse_tool_calls(text: str, tool_names: Collection[str], previous: Iterable[str] = ()) -> ParsedOutput:
    """Split raw model text into content and tool calls.

    Args:
        text: the model's output.
        tool_names: names of the bound tools; calls to other names are dropped.
        previous: `call_key`s of calls made earlier in the conversation; repeats are dropped.
    """
    spans = _find_spans(text, tool_names)
    seen = set(previous)
    parsed = ParsedOutput(content="")
    pieces, cursor = [], 0
    for start, end, calls in spans:
        pieces.append(text[cursor:start])
        cursor = end
        for name, args in calls:
            key = call_key(name, args)
            if name not in tool_names:
                parsed.dropped.append({"name": name, "args": args, "reason": "unknown tool"})
            elif key in seen:
                parsed.dropped.append({"name": name, "args": args, "reason": "repeated call"})
            else:
                seen.add(key)
                parsed.tool_calls.append(
                    ToolCall(name=name, args=args, id=f"call_{uuid.uuid4().hex[:24]}", type="tool_call")
                )
    pieces.append(text[cursor:])
    parsed.content = "\n\n".join(p.strip() for p in pieces if p.strip())
    return parsed


def stream_safe_length(text: str, tool_names: Collection[str]) -> int:
    """How many leading characters of a partial output can be streamed as plain text.

    Stops before anything that is, or may still become, a tool call (an open `<tool_call>` tag,
    an unfinished fence or JSON value, or a complete call) and before trailing whitespace, so the
    streamed text is always a prefix of the final `parse_tool_calls(...).content`.
    """
    pos = 0
    while m := _CANDIDATE_RE.search(text, pos):
        start = m.start()
        rest = text[start:]
        if rest.startswith("<"):
            if rest.startswith("<tool_call>") or "<tool_call>".startswith(rest):
                break
            pos = start + 1
        elif rest.startswith("```"):
            close = text.find("```", start + 3)
            if close < 0 or _calls_in_text(_FENCE_RE.match(text, start).group(1), tool_names):
                break
            pos = close + 3
        else:
            try:
                obj, end = _DECODER.raw_decode(text, start)
            except json.JSONDecodeError as exc:
                if exc.pos >= len(text) or exc.msg.startswith("Unterminated"):
                    break  # still being written
                pos = start + 1
                continue
            if _calls_in(obj, tool_names):
                break
            pos = end
    else:
        start = len(text)
    if text.endswith("`") and start == len(text):  # a fence may be starting
        start = len(text.rstrip("`"))
    return len(text[:start].rstrip())

"""What one turn of the assistant produces: the finished `Answer`, the streamed `Event`s, and its timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from assistant.tools.registry import ToolCall

EventKind = Literal["token", "tool_start", "tool_end", "final", "error"]


@dataclass
class Answer:
    """A finished turn: the text, every tool call with its full result, and timings in seconds."""

    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    timings: dict[str, float | None] = field(default_factory=dict)
    mode: str = "llm"  # "llm", "rules" or "refusal"
    removed: list[str] = field(default_factory=list)  # model sentences dropped as not grounded in tool results
    rewritten: list[tuple[str, str]] = field(default_factory=list)  # model sentences rewritten from result rows
    claims: dict[str, int] = field(default_factory=dict)  # claims and passed, before and after the claim check


@dataclass
class Event:
    """One step of a streamed turn; the last event is always `final` (with `answer`)."""

    kind: EventKind
    text: str = ""
    tool_call: ToolCall | None = None
    answer: Answer | None = None


@dataclass
class Output:
    """The model's last message of a turn: its text and why generation stopped ("length": the token cap)."""

    text: str = ""
    finish_reason: str | None = None


@dataclass
class Turn:
    start: float = field(default_factory=time.perf_counter)
    first_token: float | None = None
    llm_s: float = 0.0

    def timings(self, calls: list[ToolCall]) -> dict[str, float | None]:
        total = time.perf_counter() - self.start
        return {
            "total_s": round(total, 3),
            "first_token_s": None if self.first_token is None else round(self.first_token - self.start, 3),
            "llm_s": round(self.llm_s, 3),
            "tools_s": round(sum(c.seconds for c in calls), 3),
        }

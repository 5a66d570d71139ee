"""How generated text is read line by line: list-line keys and loop detection (shared by the local model's
stop rule and the answer guards)."""
from __future__ import annotations

import re

_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def line_key(line: str) -> str:
    """A line without its list marker ('- ', '3. ') and surrounding space: how repeats are recognised."""
    return _LIST_MARKER_RE.sub("", line).strip()


def repeating(text: str, min_chars: int = 5, times: int = 3) -> bool:
    """True when the last finished line (of at least `min_chars`, list marker aside) has now been written
    `times` times: small models can loop on a list item until max_tokens, so generation stops there."""
    lines = [line_key(line) for line in text.split("\n")[:-1]]
    return bool(lines) and len(lines[-1]) >= min_chars and lines.count(lines[-1]) >= times

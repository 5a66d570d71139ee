"""The prompt templates in the repository's `prompts/` folder, installed with the package as `gsfm_prompts`."""
from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def load_prompt(name: str) -> str:
    """The text of `prompts/<name>.txt` (trailing whitespace removed)."""
    return (files("gsfm_prompts") / f"{name}.txt").read_text(encoding="utf-8").rstrip()

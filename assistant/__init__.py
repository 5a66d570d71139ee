"""LangChain assistant over the gene set foundation model.

Layers, bottom up: `llm` (language-model backends), `tools` (the notebook API), `chat` (the agent), then the front
ends `app`, `cli` and `mcp`; `main` is the `gsfm` command. See docs/design.md.
"""


def __getattr__(name: str):
    """Lazy exports: `from assistant import Assistant` loads LangChain only when asked for."""
    if name in ("Assistant", "Answer", "Event", "ToolCall"):
        from .chat import agent

        return getattr(agent, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

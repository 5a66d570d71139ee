"""LangChain assistant over the gene set foundation model."""


def __getattr__(name: str):
    """Lazy exports: `from assistant import Assistant` loads LangChain only when asked for."""
    if name in ("Assistant", "Answer", "Event", "ToolCall"):
        from . import agent

        return getattr(agent, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

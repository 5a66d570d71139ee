"""The tool table (`assistant.tools.registry.SPECS`) as LangChain tools that run through one `ToolBox`."""
from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from assistant.tools.registry import SPECS, ToolBox, ToolSpec


def langchain_tools(toolbox: ToolBox) -> list[BaseTool]:
    """Every tool of the table as a LangChain `StructuredTool` whose result is the model's compact text."""

    def make(spec: ToolSpec) -> BaseTool:
        def run(**kwargs: Any) -> str:
            return toolbox.run(spec.name, kwargs).summary

        return StructuredTool.from_function(
            func=run, name=spec.name, description=spec.description, args_schema=spec.args_schema
        )

    return [make(spec) for spec in SPECS.values()]

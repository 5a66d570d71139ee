"""`gsfm mcp`: the assistant's tools as an MCP server over stdio, for other assistants (a front end).

The MCP tools are generated from the tool table (`assistant.tools.registry.SPECS`): the same names,
descriptions and arguments as the chat agent's. Each runs through a `ToolBox` and returns the compact text
summary (more rows than the chat model sees). Failures come back as MCP tool errors.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field

from assistant import tools
from assistant.tools import serving
from assistant.tools.registry import SPECS, ToolBox, ToolSpec
from assistant.tools.views import summarize

MCP_ROWS = 25
INSTRUCTIONS = (
    "Tools over GSFM, a gene set foundation model, and real gene set libraries. Gene arguments are human "
    "gene symbols. Results are tables as text; predictions are hypotheses, not established facts."
)


def _run(name: str, **args: Any) -> str:
    from mcp.server.mcpserver.exceptions import ToolError

    call = ToolBox().run(name, args)
    if call.error:
        raise ToolError(call.error)
    text = summarize(name, call.args, call.result, rows=MCP_ROWS)
    served = tools.state.served_model()
    return f"{text}\n({serving.QUICK_NOTE})" if served is not None and serving.is_quick(served) else text


def tool_function(spec: ToolSpec) -> Callable[..., str]:
    """A function with the tool's name and its arguments' signature (as MCP reads it), running the tool.

    Gene lists are required arguments here: an MCP client has no pasted list to fall back on.
    """

    def run(**kwargs: Any) -> str:
        return _run(spec.name, **kwargs)

    params = []
    for name, field in spec.args_schema.model_fields.items():
        required = field.is_required() or field.default_factory is not None
        annotation = Annotated[(field.annotation, *field.metadata, Field(description=field.description))]
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation,
                                        default=inspect.Parameter.empty if required else field.default))
    run.__name__ = run.__qualname__ = spec.name
    run.__doc__ = spec.description
    run.__signature__ = inspect.Signature(params, return_annotation=str)
    return run


def build_server() -> Any:
    """An MCP server exposing the chat tools under the same names and descriptions."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("gsfm", instructions=INSTRUCTIONS)
    for spec in (s for s in SPECS.values() if not s.needs_table):  # MCP has no pasted table
        server.add_tool(tool_function(spec), name=spec.name, description=spec.description)
    return server


def serve(args: argparse.Namespace) -> None:
    """Run the server on stdin/stdout until the client disconnects."""
    if args.model or args.index:
        tools.configure(args.model, args.index)
    build_server().run("stdio")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `gsfm mcp [--model DIR] [--index DIR]`."""
    p = sub.add_parser("mcp", help="serve the assistant's tools over MCP (stdio)")
    p.add_argument("--model", help="GSFM model folder (default: $GSFM_HOME/models/default)")
    p.add_argument("--index", help="index folder (default: the model's index in $GSFM_HOME/indexes)")
    p.set_defaults(func=serve)

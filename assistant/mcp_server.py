"""`gsfm mcp`: the assistant's tools as an MCP server over stdio, for other assistants.

Each MCP tool runs through the same `ToolBox` as the chat agent and returns the compact text
summary (more rows than the chat model sees). Failures come back as MCP tool errors.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from .lc_tools import SPECS, ToolBox, summarize

MCP_ROWS = 25
INSTRUCTIONS = (
    "Tools over GSFM, a gene set foundation model, and real gene set libraries. Gene arguments are human "
    "gene symbols. Results are tables as text; predictions are hypotheses, not established facts."
)


def _run(name: str, **args: Any) -> str:
    call = ToolBox().run(name, args)
    if call.error:
        raise ToolError(call.error)
    return summarize(name, call.args, call.result, rows=MCP_ROWS)


def gene_functions(gene: str, novel_only: bool = False) -> str:
    return _run("gene_functions", gene=gene, novel_only=novel_only)


def similar_genes(gene: str) -> str:
    return _run("similar_genes", gene=gene)


def gene_info(gene: str) -> str:
    return _run("gene_info", gene=gene)


def enrich_genes(genes: list[str]) -> str:
    return _run("enrich_genes", genes=genes)


def complete_gene_set(genes: list[str]) -> str:
    return _run("complete_gene_set", genes=genes)


def search_gene_sets(query: str) -> str:
    return _run("search_gene_sets", query=query)


def gene_hypotheses(genes: list[str]) -> str:
    return _run("gene_hypotheses", genes=genes)


TOOL_FUNCTIONS = [
    gene_functions,
    similar_genes,
    gene_info,
    enrich_genes,
    complete_gene_set,
    search_gene_sets,
    gene_hypotheses,
]


def build_server() -> MCPServer:
    """An MCP server exposing the chat tools under the same names and descriptions."""
    server = MCPServer("gsfm", instructions=INSTRUCTIONS)
    for fn in TOOL_FUNCTIONS:
        server.add_tool(fn, name=fn.__name__, description=SPECS[fn.__name__].description)
    return server


def serve() -> None:
    """Run the server on stdin/stdout until the client disconnects."""
    build_server().run("stdio")

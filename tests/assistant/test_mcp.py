"""`gsfm mcp`: a real MCP client spawns the server over stdio, lists its tools and calls them."""

import asyncio
import sys

from mcp import Client, StdioServerParameters

from assistant.tools.registry import SPECS
from gsfm_model.data.paths import gsfm_home


def test_mcp_server_over_stdio(small_tools, small_model_dir, small_index_dir):
    server = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from assistant.main import main; main()", "mcp",
              "--model", str(small_model_dir), "--index", str(small_index_dir)],
        env={"GSFM_HOME": str(gsfm_home())},
    )

    async def session() -> tuple:
        async with Client(server, read_timeout_seconds=600) as client:
            listed = await client.list_tools()
            found = await client.call_tool("similar_genes", {"gene": "TMEM41B"})
            failed = await client.call_tool("gene_functions", {"gene": "FOOBAR1"})
            return listed, found, failed

    listed, found, failed = asyncio.run(session())
    assert {t.name for t in listed.tools} == {n for n, s in SPECS.items() if not s.needs_table}  # no pasted table
    schema = next(t for t in listed.tools if t.name == "enrich_genes").input_schema
    assert schema["properties"]["genes"]["type"] == "array"

    expected = small_tools.similar_genes("TMEM41B")
    text = found.content[0].text
    assert not found.is_error and text.startswith("similar_genes(gene=TMEM41B)")
    assert expected.gene.iloc[0] in text and expected.gene.iloc[5] in text

    assert failed.is_error and "FOOBAR1" in failed.content[0].text

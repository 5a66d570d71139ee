"""The tool table: every tool the chat agent, the no-LLM mode and the MCP server can call, under names and
argument schemas a small model picks well, and the `ToolBox` that runs them.

A `ToolBox` runs a tool by name, keeps the full result (DataFrame) in a `ToolCall` for the app and notebook,
and gives the language model only the compact text of `views.summarize`. The LangChain tools
(`assistant.chat.lc_tools`) and the MCP tools (`assistant.mcp`) are generated from `SPECS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from gsfm_model.data.genes import split_gene_text
from gsfm_model.errors import GSFMError

from .views import summarize


def _tool_functions() -> Any:
    """The notebook API (`assistant.tools`), which every tool spec calls into."""
    from assistant import tools

    return tools


@dataclass
class ToolCall:
    """One tool run: what was asked, the full result, and what the language model was shown."""

    name: str
    args: dict[str, Any]
    result: Any = None  # DataFrame, or a small dataclass of DataFrames
    error: str | None = None
    seconds: float = 0.0
    summary: str = ""  # compact text given to the language model


def _functions(tools: Any, gene: str, novel_only: bool, known_first: bool) -> Any:
    """gene_functions: the gene's top 100 predictions; `known_first` asks the views to lead with known terms."""
    df = tools.predict_functions(gene, top=100, novel_only=novel_only)
    df.attrs["known_first"] = known_first
    return df


def _split_genes(value: Any) -> Any:
    """Accept 'A, B C' as well as ['A', 'B'] for gene-list arguments (small models do both)."""
    return split_gene_text(value) if isinstance(value, str) else value


GeneList = Annotated[list[str], BeforeValidator(_split_genes)]


class GeneArgs(BaseModel):
    gene: str = Field(description="One human gene symbol, e.g. TP53 or C1orf112.")


class GeneFunctionArgs(BaseModel):
    gene: str = Field(description="One human gene symbol, e.g. C1orf112.")
    novel_only: bool = Field(False, description="true to list only functions not yet annotated to the gene.")
    known_first: bool = Field(False, description="true to list what is already known first ('what is known about "
                                                 "GENE').")


class GeneListArgs(BaseModel):
    genes: GeneList = Field(
        default_factory=list,
        description="Gene symbols. Leave empty to use the gene list the user pasted.",
    )


class TableArgs(BaseModel):
    """No arguments: the tool reads the expression table the user pasted or attached."""


class SearchArgs(BaseModel):
    query: str = Field(description="Topic words, e.g. 'interferon gamma response'.")


@dataclass(frozen=True)
class ToolSpec:
    """A chat tool: the library function it calls and how its arguments map onto it."""

    name: str
    description: str
    args_schema: type[BaseModel]
    call: Callable[..., Any]  # (library module, **llm args) -> result
    needs_table: bool = False  # called with table= the pasted expression table (chat only, not MCP)


SPECS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "gene_functions",
            "Predicted functions of ONE gene (GO terms, pathways, phenotypes) with scores, marked known or "
            "novel. Use for 'what does GENE do?' and for uncharacterised genes.",
            GeneFunctionArgs,
            lambda t, gene, novel_only=False, known_first=False: _functions(t, gene, novel_only, known_first),
        ),
        ToolSpec(
            "similar_genes",
            "Genes that group with ONE gene in the model (functional neighbours). Use for 'genes like GENE', "
            "'related genes', 'what does it work with'.",
            GeneArgs,
            lambda t, gene: t.similar_genes(gene),
        ),
        ToolSpec(
            "gene_links",
            "Whether 2 to 5 genes act together: where each ranks among the others' neighbours, how well the "
            "others predict each, and the terms they share. Use for 'do A and B act in the same process?', "
            "'my screen hit A and B'.",
            GeneListArgs,
            lambda t, genes: t.gene_links(genes),
        ),
        ToolSpec(
            "gene_info",
            "Basic facts about ONE gene: full name, type, chromosome, aliases.",
            GeneArgs,
            lambda t, gene: t.gene_info(gene),
        ),
        ToolSpec(
            "enrich_genes",
            "Enrichment analysis of a LIST of genes: gene sets (pathways, GO terms) the list is enriched for, "
            "with FDR, and what the GSFM model adds. Use when the user gives several genes or pastes a list.",
            GeneListArgs,
            lambda t, genes: t.gsfm_enrich(genes),
        ),
        ToolSpec(
            "gsea_ranked",
            "Preranked GSEA of the expression table (DE results) or ranked list the user pasted or attached: "
            "which gene sets sit at the top or bottom of the whole ranking, with NES and FDR. Use for 'GSEA', "
            "'ranked list', 'which pathways go up or down'.",
            TableArgs,
            lambda t, table: t.gsea(table),
            needs_table=True,
        ),
        ToolSpec(
            "complete_gene_set",
            "Genes predicted to be missing from a LIST of genes (gene set completion).",
            GeneListArgs,
            lambda t, genes: t.complete_gene_set(genes),
        ),
        ToolSpec(
            "search_gene_sets",
            "Find gene sets and terms by topic words, e.g. 'interferon gamma response'. Use when the question "
            "names a process or disease but no gene.",
            SearchArgs,
            lambda t, query: t.search_terms(query),
        ),
        ToolSpec(
            "gene_hypotheses",
            "Testable hypotheses with the evidence and an experiment, for one gene or a list. Use for "
            "brainstorming and 'what should we test?'.",
            GeneListArgs,
            lambda t, genes: t.hypotheses(genes[0] if len(genes) == 1 else genes),
        ),
    )
}
GENE_LIST_TOOLS = {name for name, spec in SPECS.items() if spec.args_schema is GeneListArgs}


@dataclass
class ToolBox:
    """Runs chat tools, records every call, and remembers the gene list the user pasted.

    `given` holds results computed elsewhere (the app's gene set page): a call of the same tool with the same
    arguments is answered from there instead of being computed again.
    """

    context_genes: list[str] = field(default_factory=list)
    context_table: Any = None  # the pasted expression table (`tables.ExpressionTable`), for table tools
    calls: list[ToolCall] = field(default_factory=list)
    on_call: Callable[[ToolCall], None] | None = None  # told when a call finishes
    given: list[ToolCall] = field(default_factory=list)

    def resolve_args(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Validated arguments; an empty gene list means the pasted list."""
        spec = SPECS[name]
        values = spec.args_schema.model_validate(args).model_dump()
        if name in GENE_LIST_TOOLS and not values["genes"]:
            values["genes"] = list(self.context_genes)
        return values

    def _compute(self, spec: ToolSpec, args: dict[str, Any]) -> Any:
        return spec.call(_tool_functions(), **args, **_table_args(spec, self))

    def run(self, name: str, args: dict[str, Any]) -> ToolCall:
        """Run tool `name`; errors become `ToolCall.error` (and an 'Error: ...' summary), never exceptions."""
        start = time.perf_counter()
        call = ToolCall(name=name, args=dict(args))
        try:
            if name not in SPECS:
                raise KeyError(f"unknown tool {name!r}; tools: {', '.join(SPECS)}")
            call.args = self.resolve_args(name, args)
            if name in GENE_LIST_TOOLS and not call.args["genes"]:
                raise ValueError("no genes given and no gene list was pasted")
            done = next((c for c in self.given if c.name == name and c.args == call.args and not c.error), None)
            call.result = done.result if done else self._compute(SPECS[name], call.args)
            call.summary = summarize(name, call.args, call.result)
        except (GSFMError, KeyError, ValueError) as exc:
            call.error = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            call.summary = f"{name}: Error: {call.error}"
        call.seconds = time.perf_counter() - start
        self.calls.append(call)
        if self.on_call:
            self.on_call(call)
        return call


def _table_args(spec: ToolSpec, box: ToolBox) -> dict[str, Any]:
    if not spec.needs_table:
        return {}
    if box.context_table is None:
        raise ValueError("no expression table was pasted or attached; paste a DE table or a ranked list")
    return {"table": box.context_table}


def computed_call(name: str, args: dict[str, Any], result: Any) -> ToolCall:
    """A finished call of tool `name` whose result was computed elsewhere (to hand to `ToolBox.given`)."""
    if name not in SPECS:
        raise KeyError(f"unknown tool {name!r}; tools: {', '.join(SPECS)}")
    args = SPECS[name].args_schema.model_validate(args).model_dump()
    return ToolCall(name=name, args=args, result=result, summary=summarize(name, args, result))

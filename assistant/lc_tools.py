"""The assistant's tools: `assistant.tools` functions under names and schemas a small model picks well.

A `ToolBox` runs a tool by name, keeps the full result (DataFrame) in a `ToolCall` for the UI and
notebook, and gives the language model only a compact text summary (top rows, key columns,
rounded numbers). The same toolbox serves the LangChain agent, the rule-based mode and the MCP
server, so all three call the same library functions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, BeforeValidator, Field

from gsfm_model.errors import GSFMError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
# The language model reads every row it is shown (~33 tokens/s on 2 cores, scripts/bench_llm.py), so views are short.
MAX_ROWS = 6  # table rows shown to the language model per result (default)
ROWS = {"enrich_genes": 4, "gene_hypotheses": 3, "complete_gene_set": 8, "gene_functions": 7}  # per-tool
NOVEL_SHOWN, KNOWN_SHOWN = 5, 2  # gene_functions view: novel rows, then known rows
PER_LIBRARY = 2  # gene_functions and enrich_genes views: rows per library
MAX_LIST = 4  # list items (e.g. overlapping genes) shown per cell
NEIGHBOUR_TERMS = 1  # similar_genes view: known functions shown per neighbour
# View columns the evidence line and tables show but the model does not read (its strength word includes them).
NOT_FOR_MODEL = {"gene_functions": ("term_auroc",)}
DESCRIPTION_CHARS = 90  # search_gene_sets view: description cut to about this length
_TERM_ID_RE = re.compile(r"\b([A-Z]{2,}:\d{5,})\b")  # GO:0043518, MP:0000182, HP:0001250


@cache
def load_prompt(name: str) -> str:
    """The text of `prompts/<name>.txt` (trailing whitespace removed)."""
    return (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").rstrip()


@dataclass
class ToolCall:
    """One tool run: what was asked, the full result, and what the language model was shown."""

    name: str
    args: dict[str, Any]
    result: Any = None  # DataFrame, or a small dataclass of DataFrames
    error: str | None = None
    seconds: float = 0.0
    summary: str = ""  # compact text given to the language model


def _split_genes(value: Any) -> Any:
    """Accept 'A, B C' as well as ['A', 'B'] for gene-list arguments (small models do both)."""
    if isinstance(value, str):
        return [g for g in value.replace(",", " ").replace(";", " ").split() if g]
    return value


GeneList = Annotated[list[str], BeforeValidator(_split_genes)]


class GeneArgs(BaseModel):
    gene: str = Field(description="One human gene symbol, e.g. TP53 or C1orf112.")


class GeneFunctionArgs(BaseModel):
    gene: str = Field(description="One human gene symbol, e.g. C1orf112.")
    novel_only: bool = Field(False, description="true to list only functions not yet annotated to the gene.")


class GeneListArgs(BaseModel):
    genes: GeneList = Field(
        default_factory=list,
        description="Gene symbols. Leave empty to use the gene list the user pasted.",
    )


class SearchArgs(BaseModel):
    query: str = Field(description="Topic words, e.g. 'interferon gamma response'.")


@dataclass(frozen=True)
class ToolSpec:
    """A chat tool: the library function it calls and how its arguments map onto it."""

    name: str
    description: str
    args_schema: type[BaseModel]
    call: Callable[..., Any]  # (library module, **llm args) -> result


def _tools_module() -> Any:
    from assistant import tools

    return tools


SPECS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "gene_functions",
            "Predicted functions of ONE gene (GO terms, pathways, phenotypes) with scores, marked known or "
            "novel. Use for 'what does GENE do?' and for uncharacterised genes.",
            GeneFunctionArgs,
            lambda t, gene, novel_only=False: t.predict_functions(gene, top=100, novel_only=novel_only),
        ),
        ToolSpec(
            "similar_genes",
            "Genes that group with ONE gene in the model (functional neighbours). Use for 'genes like GENE', "
            "'related genes', 'what does it work with'.",
            GeneArgs,
            lambda t, gene: t.similar_genes(gene),
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


# -- compact summaries ---------------------------------------------------------------------------


def fmt_value(value: Any) -> str:
    """A table cell as short text: floats to 3 significant digits, lists cut to MAX_LIST items."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        if value != value:  # NaN
            return ""
        return f"{value:.3g}"
    if isinstance(value, list | tuple | np.ndarray):
        items = [str(v) for v in value]
        more = f" and {len(items) - MAX_LIST} more" if len(items) > MAX_LIST else ""
        return ", ".join(items[:MAX_LIST]) + more
    return str(value)


def table_text(df: pd.DataFrame, rows: int = MAX_ROWS) -> str:
    """Header line plus the first `rows` rows, pipe-separated, with a count of what was left out."""
    if df.empty:
        return "(no rows)"
    head = df.head(rows)
    lines = [" | ".join(map(str, head.columns))]
    lines += [" | ".join(fmt_value(v) for v in row) for row in head.itertuples(index=False)]
    if len(df) > rows:
        lines.append(f"({len(df) - rows} more rows not shown)")
    return "\n".join(lines)


def _pick(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return df[[c for c in columns if c in df.columns]]


def _status(known: pd.Series) -> pd.Series:
    return known.map(lambda k: "known" if k else "novel")


def enrichment_view(df: pd.DataFrame) -> pd.DataFrame:
    """Enrichment rows best first by the plain test: input genes in the term, FDR, and what GSFM adds."""
    out = df.sort_values("p_value_plain") if "p_value_plain" in df.columns else df.sort_values("p_value")
    out = _spread(_dedupe_terms(out), PER_LIBRARY).copy()
    if "added_genes" in out.columns:
        added = out["added_genes"].map(set)
        out["input_genes"] = [[g for g in gs if g not in a] for gs, a in zip(out["genes"], added, strict=True)]
        out = out.rename(columns={"fdr": "fdr_with_gsfm", "fdr_plain": "fdr"})
        return _pick(out, ["term", "library", "input_genes", "fdr", "fdr_with_gsfm", "added_genes"])
    return _pick(out.rename(columns={"genes": "input_genes"}),
                 ["term", "library", "overlap", "term_size", "fdr", "odds_ratio", "input_genes"])


def _spread(df: pd.DataFrame, per_library: int) -> pd.DataFrame:
    """The rows in order, at most `per_library` from each library (so one library cannot fill a short view)."""
    return df[df.groupby("library", sort=False).cumcount() < per_library] if "library" in df.columns else df


def term_key(term: str) -> str:
    """What makes two terms the same: their ontology ID (GO:0034341 in two GO releases), else the lower-case name."""
    found = _TERM_ID_RE.search(term)
    return found.group(1) if found else " ".join(term.lower().split())


def _dedupe_terms(df: pd.DataFrame) -> pd.DataFrame:
    """The rows in order, without later rows for a term already listed (from another library or release)."""
    return df[~df["term"].map(term_key).duplicated()] if "term" in df.columns else df


def functions_view(df: pd.DataFrame) -> pd.DataFrame:
    """Novel predictions first (at most PER_LIBRARY per library, so one library cannot fill the view), then a
    few terms the gene is already annotated to, each group best z first; a term listed twice (two GO
    releases) is shown once."""
    if "known" not in df.columns or df.empty:
        return df
    df = _dedupe_terms(df)
    out = pd.concat([_spread(df[~df["known"]], PER_LIBRARY).head(NOVEL_SHOWN),
                     _spread(df[df["known"]], PER_LIBRARY).head(KNOWN_SHOWN)])
    out = out.assign(status=_status(out["known"]), strength=[strength(z, a) for z, a in zip(out.z, out.term_auroc)])
    return _pick(out, ["term", "library", "z", "term_auroc", "strength", "status"])


def strength(z: float, term_auroc: float) -> str:
    """A word for a gene-term prediction: strong (z >= 3 and the term's AUROC, if known, >= 0.8), moderate
    (z >= 2), else weak."""
    if z >= 3 and not term_auroc < 0.8:
        return "strong"
    return "moderate" if z >= 2 else "weak"


def _neighbours_view(df: pd.DataFrame) -> pd.DataFrame:
    out = _pick(df, ["gene", "name", "similarity", "known_functions"])
    if "known_functions" in out.columns:
        out = out.assign(known_functions=[list(v)[:NEIGHBOUR_TERMS] for v in out["known_functions"]])
    return out


def _short(text: str, chars: int = DESCRIPTION_CHARS) -> str:
    """`text` cut at a word boundary near `chars` characters, with '...' when cut."""
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _search_view(df: pd.DataFrame) -> pd.DataFrame:
    out = _pick(df, ["term", "library", "similarity", "description"])
    if "description" in out.columns:
        out = out.assign(description=out["description"].fillna("").map(_short))
    return out


VIEWS: dict[str, Callable[[Any], pd.DataFrame]] = {
    "gene_functions": functions_view,
    "similar_genes": _neighbours_view,
    "gene_info": lambda df: _pick(df, ["symbol", "name", "gene_type", "location", "aliases", "in_model",
                                       "n_known_terms", "top_terms"]),
    "enrich_genes": enrichment_view,
    "complete_gene_set": lambda df: _pick(df[~df["input"]] if "input" in df else df, ["gene", "name", "z"]),
    "search_gene_sets": _search_view,
    "gene_hypotheses": lambda h: _pick(h.hypotheses, ["claim", "strength", "evidence", "experiment"]),
}


def _notes(result: Any) -> list[str]:
    """What the model must know beside the table: unused input symbols and the tool's own note."""
    meta = result.attrs if isinstance(result, pd.DataFrame) else vars(result) if hasattr(result, "__dict__") else {}
    notes = []
    if meta.get("unmapped"):
        notes.append(f"not used (unknown or not in the model): {fmt_value(list(meta['unmapped']))}")
    if meta.get("note"):
        notes.append(f"note: {meta['note']}")
    return notes


def summarize(name: str, args: dict[str, Any], result: Any, rows: int | None = None) -> str:
    """The compact text a language model sees for one tool result (`rows`: default per tool)."""
    rows = rows or ROWS.get(name, MAX_ROWS)
    arg_text = ", ".join(f"{k}={fmt_value(v)}" for k, v in args.items())
    view = VIEWS[name](result) if name in VIEWS else result
    if isinstance(view, pd.DataFrame):
        body = table_text(view.drop(columns=list(NOT_FOR_MODEL.get(name, ())), errors="ignore"), rows)
    else:
        body = fmt_value(view)
    return "\n".join([f"{name}({arg_text})", *_notes(result), body])


# -- running tools -------------------------------------------------------------------------------


@dataclass
class ToolBox:
    """Runs chat tools, records every call, and remembers the gene list the user pasted."""

    context_genes: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    on_call: Callable[[ToolCall], None] | None = None  # told when a call finishes

    def resolve_args(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Validated arguments; an empty gene list means the pasted list."""
        spec = SPECS[name]
        values = spec.args_schema.model_validate(args).model_dump()
        if name in GENE_LIST_TOOLS and not values["genes"]:
            values["genes"] = list(self.context_genes)
        return values

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
            call.result = SPECS[name].call(_tools_module(), **call.args)
            call.summary = summarize(name, call.args, call.result)
        except (GSFMError, KeyError, ValueError) as exc:
            call.error = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            call.summary = f"{name}: Error: {call.error}"
        call.seconds = time.perf_counter() - start
        self.calls.append(call)
        if self.on_call:
            self.on_call(call)
        return call

    def langchain_tools(self) -> list[BaseTool]:
        """The tools as LangChain `StructuredTool`s that run through this toolbox."""

        def make(spec: ToolSpec) -> BaseTool:
            def run(**kwargs: Any) -> str:
                return self.run(spec.name, kwargs).summary

            return StructuredTool.from_function(
                func=run, name=spec.name, description=spec.description, args_schema=spec.args_schema
            )

        return [make(spec) for spec in SPECS.values()]

"""The Experiment tab's handlers: a DE table (or a ranked list) in; the enrichment of its up- or down-regulated genes
against the table's genes, preranked GSEA of the whole ranking, their plots and TSVs. Thin: the tools compute."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
import pandas as pd

from assistant import tools
from assistant.tools.registry import computed_call
from assistant.tools.tables import ranking, split
from assistant.tools.terms import term_members
from assistant.tools.views import display_frame
from gsfm_model.errors import GSFMError

from .plots import dot_plot, running_score_plot
from .render import write_tsvs

SHOWN_ROWS = 100
TERMS_LISTED = 30  # GSEA terms offered for the running-score plot
ENRICH_SHOWN = ["group", "label", "kind", "overlap", "term_size", "fdr", "odds_ratio", "genes"]
GSEA_SHOWN = ["label", "kind", "size", "nes", "fdr", "leading_edge"]


def _summary(table: tools.ExpressionTable, name: str, direction: str, gsea_note: str) -> str:
    found = ", ".join(f"{role} = `{col or '(row names)'}`" for role, col in table.columns.items())
    lists = split(table) if "log2fc" in table.frame else {}
    counts = "; ".join(f"{group}: {len(v['up'])} up, {len(v['down'])} down" for group, v in lists.items())
    lines = [f"**{name}**: {len(table.frame):,} rows, {len(table.genes):,} genes mapped. Columns: {found}.",
             f"- Significant at padj <= 0.05, |log2FC| >= 1: {counts or 'no log2FC column'}; enrichment of the "
             f"**{direction}** genes against the table's genes.", f"- {gsea_note}"]
    if table.mapped.note:
        lines.append(f"- Genes: {table.mapped.note}")
    return "\n".join(lines)


def analyse_table(file: str | None, direction: str, libraries: list[str] | None):
    """Enrichment of the table's `direction` genes, GSEA of its ranking, the dot plot, the first GSEA plot, TSVs,
    and what "Explain" hands to the chat."""
    if not file:
        raise gr.Error("Upload a DE table (CSV/TSV from DESeq2, edgeR, limma, Seurat or scanpy) or a ranked list.")
    try:
        table = tools.read_table(file)
        enrichment = tools.enrich_table(table, direction, libraries or None) if "log2fc" in table.frame else None
    except GSFMError as exc:
        raise gr.Error(str(exc)) from exc
    try:
        gsea, gsea_note = tools.gsea(table, libraries or None), "GSEA of the whole ranking below."
    except GSFMError as exc:
        gsea, gsea_note = None, f"No GSEA: {exc}"
    state = {"ranked": ranking(table), "gsea": gsea}
    choices = [] if gsea is None else [f"{lib} | {term}" for lib, term in
                                       zip(gsea.library.head(TERMS_LISTED), gsea.term.head(TERMS_LISTED))]
    enriched = enrichment if enrichment is not None else pd.DataFrame(columns=ENRICH_SHOWN)
    genes = list(dict.fromkeys(g for gs in enriched.get("genes", []) for g in gs)) or table.genes[:200]
    results = [computed_call("enrich_genes", {"genes": genes}, enriched)] if len(enriched) else []
    results += [computed_call("gsea_ranked", {}, gsea)] if gsea is not None else []
    context = {"label": f"the {direction} genes of {Path(file).name} ({len(genes)} genes)", "text": "\n".join(genes),
               "results": results}
    tsvs = write_tsvs({k: v for k, v in (("table_enrichment", enrichment), ("gsea", gsea)) if v is not None})
    return (_summary(table, Path(file).name, direction, gsea_note), dot_plot(enriched),
            display_frame(enriched[[c for c in ENRICH_SHOWN if c in enriched]].head(SHOWN_ROWS)),
            display_frame(gsea[GSEA_SHOWN].head(SHOWN_ROWS)) if gsea is not None else None,
            gr.Dropdown(choices=choices, value=choices[0] if choices else None),
            gsea_plot(choices[0] if choices else None, state), tsvs, state, context)


def gsea_plot(choice: str | None, state: dict | None):
    """The running-score plot of the chosen GSEA term ('library | term')."""
    if not choice or not state or state.get("gsea") is None:
        return None
    library, term = choice.split(" | ", 1)
    row = state["gsea"][(state["gsea"].library == library) & (state["gsea"].term == term)].iloc[0]
    title = f"{row.label}: NES {row.nes:.2f}, FDR {row.fdr:.2g}"
    return running_score_plot(state["ranked"], term_members(library, term), title)

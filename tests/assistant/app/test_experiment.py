"""The Experiment tab's handlers on a real-format DE table (real libraries, the small test model)."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.app import experiment
from gsfm_model.data.matrices import library_matrix

KEGG = "KEGG_2021_Human"
UP = ["ISG15", "IFIT1", "IFIT3", "MX1", "OAS1", "IRF7", "STAT1", "RSAD2", "OAS2", "MX2"]


def de_table(folder):
    """A DESeq2-format CSV: the interferon genes up, 290 other KEGG genes unchanged (seeded)."""
    rng = np.random.default_rng(0)
    others = [g for g in library_matrix(KEGG).genes if g not in UP][:290]
    lines = ['"","baseMean","log2FoldChange","lfcSE","stat","pvalue","padj"']
    for g in UP:
        lines.append(f'"{g}",500,3.1,0.2,15.5,1e-20,1e-18')
    for g in others:
        lfc = rng.normal(0, 0.2)
        lines.append(f'"{g}",300,{lfc:.3f},0.2,{lfc / 0.2:.3f},{rng.uniform(0.05, 1):.3f},NA')
    path = folder / "deseq2_results.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_analyse_table_gives_enrichment_gsea_plots_and_chat_context(small_tools, tmp_path):
    summary, dots, enrichment, gsea, term, curve, downloads, state, context = experiment.analyse_table(
        str(de_table(tmp_path)), "up", [KEGG])
    assert "log2fc = `log2FoldChange`" in summary and "10 up, 0 down" in summary
    assert dots.axes and curve.axes  # matplotlib figures
    shown = {g.strip() for cell in enrichment.genes for g in str(cell).split(",")}  # display cells: "A, B"
    assert shown and shown <= set(UP)
    assert len(gsea) and term.choices and state["gsea"] is not None
    assert sorted(p.rsplit("/", 1)[-1] for p in downloads) == ["gsea.tsv", "table_enrichment.tsv"]
    assert context["label"].startswith("the up genes") and context["results"][0].name == "enrich_genes"
    first = state["gsea"].iloc[0]
    assert experiment.gsea_plot(f"{first.library} | {first.term}", state).axes


def test_analyse_table_refuses_a_missing_upload():
    import gradio as gr

    with pytest.raises(gr.Error, match="Upload a DE table"):
        experiment.analyse_table(None, "up", None)

"""Expression tables written the way DESeq2, edgeR, limma, Seurat and scanpy write them (real gene table and
libraries), their up/down split and default background."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.tools.sets import enrich_table
from assistant.tools.tables import read_table, split
from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.matrices import library_matrix
from gsfm_model.errors import InputError

pytestmark = pytest.mark.usefixtures("real_data")
UP = ["ISG15", "IFIT1", "IFIT3", "MX1", "OAS1", "IRF7", "STAT1", "RSAD2"]
DOWN = ["COL1A1", "COL1A2", "COL3A1", "FN1"]
FLAT = ["ACTB", "GAPDH", "TUBB", "RPLP0", "EEF1A1", "PPIA"]
KEGG = "KEGG_2021_Human"


def _stats() -> pd.DataFrame:
    """UP genes strongly up, DOWN strongly down, FLAT unchanged, and one gene filtered (NA padj)."""
    genes = UP + DOWN + FLAT + ["B2M"]
    lfc = [3.0] * len(UP) + [-2.5] * len(DOWN) + [0.1] * len(FLAT) + [4.0]
    padj = [1e-10] * len(UP) + [1e-6] * len(DOWN) + [0.8] * len(FLAT) + [np.nan]
    return pd.DataFrame({"gene": genes, "lfc": lfc, "padj": padj, "p": np.array(padj) / 10,
                         "stat": np.array(lfc) * 5})


def _write(tmp_path, name: str, header: list[str], rows: list[list], sep: str = ",", row_names: bool = True,
           r_header: bool = False) -> str:
    """A table as R's write.csv / write.table (quoted header, NA) or pandas writes it."""
    lines = [sep.join(([] if r_header else ['""'] if row_names else []) + [f'"{h}"' for h in header])]
    lines += [sep.join(str("NA" if isinstance(v, float) and np.isnan(v) else v) for v in r) for r in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _tables(tmp_path) -> dict[str, tuple[str, dict]]:
    s = _stats()
    rows = list(s.itertuples(index=False))
    deseq = _write(tmp_path, "deseq2.csv", ["baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj"],
                   [[r.gene, 100, r.lfc, 0.2, r.stat, r.p, r.padj] for r in rows])
    edger = _write(tmp_path, "edger.tsv", ["logFC", "logCPM", "F", "PValue", "FDR"],
                   [[r.gene, r.lfc, 5, 10, r.p, r.padj] for r in rows], sep="\t", r_header=True)
    limma = _write(tmp_path, "limma.csv", ["logFC", "AveExpr", "t", "P.Value", "adj.P.Val", "B"],
                   [[r.gene, r.lfc, 7, r.stat, r.p, r.padj, 2] for r in rows])
    seurat = _write(tmp_path, "seurat.csv", ["p_val", "avg_log2FC", "pct.1", "pct.2", "p_val_adj"],
                    [[r.gene, r.p, r.lfc, 0.5, 0.1, r.padj] for r in rows])
    scanpy = _write(tmp_path, "scanpy.csv", ["group", "names", "scores", "logfoldchanges", "pvals", "pvals_adj"],
                    [[g, r.gene, r.stat, r.lfc, r.p, r.padj] for g in ("0", "1") for r in rows], row_names=False)
    return {"DESeq2": (deseq, {"gene": "", "log2fc": "log2FoldChange", "padj": "padj", "stat": "stat"}),
            "edgeR": (edger, {"gene": "", "log2fc": "logFC", "padj": "FDR", "pvalue": "PValue"}),
            "limma": (limma, {"gene": "", "log2fc": "logFC", "padj": "adj.P.Val", "stat": "t"}),
            "Seurat": (seurat, {"gene": "", "log2fc": "avg_log2FC", "padj": "p_val_adj", "pvalue": "p_val"}),
            "scanpy": (scanpy, {"gene": "names", "log2fc": "logfoldchanges", "padj": "pvals_adj", "group": "group"})}


@pytest.mark.parametrize("tool", ["DESeq2", "edgeR", "limma", "Seurat", "scanpy"])
def test_each_tools_table_is_read_and_split(tmp_path, tool):
    path, expected = _tables(tmp_path)[tool]
    table = read_table(path)
    assert {role: table.columns[role] for role in expected} == expected
    groups = split(table)
    assert list(groups) == (["0", "1"] if tool == "scanpy" else ["all"])
    for lists in groups.values():
        assert lists["up"] == UP and lists["down"] == DOWN  # B2M (NA padj) and FLAT pass no threshold
    loose = split(table, padj_max=1.0, min_abs_log2fc=0.0)
    assert set(next(iter(loose.values()))["up"]) == set(UP + FLAT)


def test_a_dataframe_with_row_names_and_named_columns(tmp_path):
    s = _stats().set_index("gene")
    table = read_table(s, log2fc="lfc", padj="padj")
    assert table.columns["gene"] == "gene" and split(table)["all"]["up"] == UP
    with pytest.raises(InputError, match=r"No column 'log2FC' in the table; its columns are: 'gene', 'lfc'"):
        read_table(s, log2fc="log2FC")
    with pytest.raises(InputError, match="padj_max must be in"):
        split(table, padj_max=0)


def test_ensembl_ids_with_versions_map_in_a_table(tmp_path):
    ids = load_gene_table().set_index("symbol").ensembl_ids
    s = _stats()
    s["gene"] = [f"{ids[g][0]}.{i + 1}" for i, g in enumerate(s.gene)]
    table = read_table(s, log2fc="lfc", padj="padj")
    assert split(table)["all"]["up"] == UP


def test_enrich_table_uses_the_tables_genes_as_background(tmp_path):
    path, _ = _tables(tmp_path)["DESeq2"]
    up = enrich_table(path, "up", libraries=[KEGG])
    assert (up.direction == "up").all() and (up.group == "all").all()
    in_kegg = {g for g in UP + DOWN + FLAT + ["B2M"] if g in library_matrix(KEGG).gene_pos}
    assert (up.background_size == len(in_kegg)).all()
    assert "background: the table's 19 genes" in up.attrs["note"]
    assert set(g for gs in up.genes for g in gs) <= set(UP)
    down = enrich_table(path, "down", libraries=[KEGG])
    assert set(g for gs in down.genes for g in gs) <= set(DOWN)

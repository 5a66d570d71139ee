"""Expression tables as analysts' pipelines write them (DESeq2 `results`, edgeR `topTags`, limma `topTable`,
Seurat `FindMarkers`/`FindAllMarkers`, scanpy `rank_genes_groups_df`): read, columns detected, genes mapped, and
split into up- and down-regulated lists (enriched against the table's own genes by `sets.enrich_table`) or
turned into a ranking (for `ranked.gsea`).

Detection reads the column names each tool writes (case-insensitive); any role can be named instead. The gene
column is a named one (gene, names, symbol, ...) or else the row names (the unnamed first column of a CSV written
from R). Rows whose gene does not map are dropped and reported; rows with a missing statistic are kept but pass no
threshold.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gsfm_model.data.genes import normalize
from gsfm_model.errors import InputError

from .inputs import ContextData, Mapped, read_text_file

ROLES = {  # role -> column names, in order of preference (lower case)
    "gene": ("gene", "genes", "symbol", "gene_symbol", "gene_name", "names", "hgnc_symbol", "gene_id", "id",
             "feature", "ensembl_gene_id"),
    "log2fc": ("log2foldchange", "logfc", "avg_log2fc", "avg_logfc", "logfoldchanges", "log2fc", "lfc",
               "log2_fold_change"),
    "padj": ("padj", "fdr", "adj.p.val", "p_val_adj", "pvals_adj", "qvalue", "q_value", "p.adjust", "adj_pval"),
    "pvalue": ("pvalue", "p.value", "pval", "p_val", "pvals", "p"),
    "stat": ("stat", "t", "scores", "score", "lr", "z"),
    "group": ("cluster", "group"),
}
PADJ_MAX, MIN_ABS_LOG2FC = 0.05, 1.0  # the documented defaults of the up/down split


@dataclass
class ExpressionTable:
    """A table with its columns found: frame has gene (official symbol), input (as given) and each role found
    (log2fc, padj, pvalue, stat, group); columns: role -> the table's column it came from."""

    frame: pd.DataFrame
    columns: dict[str, str]
    mapped: Mapped

    @property
    def genes(self) -> list[str]:
        """Every mapped gene of the table (the default background)."""
        return list(dict.fromkeys(self.frame.gene))


def _frame(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The table as a DataFrame (row names as a column) and a note on how it was read."""
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        if not isinstance(frame.index, pd.RangeIndex):
            frame = frame.reset_index(names=frame.index.name or "")
        return frame, ""
    path = Path(source) if isinstance(source, Path) or "\n" not in str(source) else None
    text, note = read_text_file(path) if path is not None else (str(source), "")
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    sep = "\t" if "\t" in first else csv.Sniffer().sniff(first, ",;").delimiter if first else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, comment="#", skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise InputError(f"The table could not be read as CSV/TSV ({str(exc).splitlines()[0]}).") from exc
    if not isinstance(frame.index, pd.RangeIndex):  # R's write.table: one header field fewer, row names first
        frame = frame.reset_index(names="")
    frame = frame.rename(columns=lambda c: "" if str(c).startswith("Unnamed: 0") else str(c))
    return frame, note


def _find(frame: pd.DataFrame, role: str, given: str | None) -> str | None:
    """The column for a role: the given name (checked), else the first of ROLES[role] present."""
    if given is not None:
        if given not in frame.columns:
            raise InputError(f"No column {given!r} in the table; its columns are: "
                             f"{', '.join(repr(c) for c in frame.columns)}.")
        return given
    lower = {str(c).lower(): c for c in frame.columns}
    found = next((lower[name] for name in ROLES[role] if name in lower), None)
    if found is None and role == "gene" and "" in frame.columns:
        return ""  # the row names
    return found


def read_table(source: str | Path | pd.DataFrame, gene: str | None = None, log2fc: str | None = None,
               padj: str | None = None, pvalue: str | None = None, stat: str | None = None,
               group: str | None = None) -> ExpressionTable:
    """An expression table from a path, pasted text or a DataFrame, with its columns detected (or named)."""
    frame, note = _frame(source)
    if frame.empty:
        raise InputError("The table has no rows.")
    given = {"gene": gene, "log2fc": log2fc, "padj": padj, "pvalue": pvalue, "stat": stat, "group": group}
    columns = {role: col for role in ROLES if (col := _find(frame, role, given[role])) is not None}
    if "gene" not in columns:
        raise InputError("No gene column found; name it with gene=... . The table's columns are: "
                         f"{', '.join(repr(c) for c in frame.columns)}.")
    if not {"log2fc", "stat", "padj", "pvalue"} & set(columns):
        raise InputError("No statistic column found (log2 fold change, adjusted p, p or a t/score column); name it "
                         f"with log2fc=... or stat=... . The table's columns are: "
                         f"{', '.join(repr(c) for c in frame.columns)}.")
    raw = frame[columns["gene"]].astype(str).str.strip()
    found = normalize(raw.tolist())
    out = pd.DataFrame({"input": raw, "gene": raw.map(found.mapping)})
    for role, col in columns.items():
        if role not in ("gene", "group"):
            out[role] = pd.to_numeric(frame[col], errors="coerce")
    if "group" in columns:
        out["group"] = frame[columns["group"]].astype(str)
    out = out.dropna(subset=["gene"]).reset_index(drop=True)
    if out.empty:
        raise InputError("None of the table's genes could be mapped. " + found.message() + ".")
    note = "; ".join(filter(None, [note, found.message()]))
    mapped = Mapped(list(dict.fromkeys(out.gene)), list(found.unknown) + list(found.ambiguous), note, found)
    return ExpressionTable(out, columns, mapped)


def split(table: ExpressionTable, padj_max: float = PADJ_MAX, min_abs_log2fc: float = MIN_ABS_LOG2FC
          ) -> dict[str, dict[str, list[str]]]:
    """Per group ('all' for a single comparison): the 'up' and 'down' genes, significant at padj <= padj_max (the
    p column when there is no adjusted one) with |log2FC| >= min_abs_log2fc, strongest first."""
    if not 0 < padj_max <= 1:
        raise InputError(f"padj_max must be in (0, 1] (got {padj_max}).")
    if min_abs_log2fc < 0:
        raise InputError(f"min_abs_log2fc must be 0 or more (got {min_abs_log2fc}).")
    frame = table.frame
    if "log2fc" not in frame:
        raise InputError("The table has no log2 fold change column to split up and down; name it with log2fc=... .")
    p = frame["padj"] if "padj" in frame else frame["pvalue"] if "pvalue" in frame else pd.Series(0.0, frame.index)
    keep = (p <= padj_max) & (frame["log2fc"].abs() >= min_abs_log2fc)
    groups = frame["group"] if "group" in frame else pd.Series("all", frame.index)
    out = {}
    for name in dict.fromkeys(groups):
        rows = frame[keep & (groups == name)].sort_values("log2fc", key=np.abs, ascending=False)
        out[name] = {"up": list(dict.fromkeys(rows.gene[rows.log2fc > 0])),
                     "down": list(dict.fromkeys(rows.gene[rows.log2fc < 0]))}
    return out


def ranking(table: ExpressionTable, group: str | None = None) -> pd.Series:
    """gene -> ranking statistic (one group's rows): the stat/t/score column, else sign(log2FC) x -log10(p), else
    log2FC; a gene listed twice keeps its largest |statistic|."""
    frame = table.frame if group is None or "group" not in table.frame else table.frame[table.frame.group == group]
    if "stat" in frame:
        values = frame["stat"]
    elif "log2fc" in frame and ("pvalue" in frame or "padj" in frame):
        p = frame["pvalue"] if "pvalue" in frame else frame["padj"]
        values = np.sign(frame["log2fc"]) * -np.log10(p.clip(lower=1e-300))
    elif "log2fc" in frame:
        values = frame["log2fc"]
    else:
        raise InputError("A ranking needs a stat/t/score or a log2 fold change column.")
    ranked = pd.Series(values.to_numpy(np.float64), index=frame.gene.to_numpy()).dropna()
    return ranked.iloc[np.argsort(-ranked.abs().to_numpy(), kind="stable")].groupby(level=0, sort=False).first()


def split_off_table(text: str | None) -> tuple[str, ExpressionTable | None]:
    """Prose and a pasted expression table found in text: a header naming a statistic column, then at least two
    rows of which most have the header's number of fields. Returns (the text without the table, the table), or
    (text, None) when there is none or it cannot be read (a list with a header is read as a list)."""
    lines = (text or "").splitlines()
    stats = {name for role in ("log2fc", "padj", "pvalue", "stat") for name in ROLES[role]}
    for i, line in enumerate(lines):
        sep = "\t" if "\t" in line else "," if "," in line else ";"
        fields = [f.strip().strip('"').lower() for f in line.split(sep)]
        if len(fields) < 2 or not set(fields) & stats:
            continue
        end = next((j for j in range(i + 1, len(lines)) if not lines[j].strip()), len(lines))
        rows = lines[i + 1:end]
        if len(rows) < 2 or sum(len(r.split(sep)) in (len(fields), len(fields) + 1) for r in rows) < 0.8 * len(rows):
            return text or "", None
        try:
            table = read_table("\n".join(lines[i:end]) + "\n")
        except InputError:
            return text or "", None
        return "\n".join(lines[:i] + lines[end:]).strip(), table
    return text or "", None


def table_context(table: ExpressionTable) -> ContextData:
    """A pasted table as chat context: its up-regulated genes (else its down-regulated ones, else every gene), with
    a note saying how it was read; unmapped entries are only the gene column's."""
    lists = split(table)["all"] if "log2fc" in table.frame and "group" not in table.frame else None
    genes, note = table.genes, f"a table of {len(table.genes)} genes (no log2FC column: every gene is used)"
    if lists is not None:
        up, down = lists["up"], lists["down"]
        which = "up" if up else "down"
        genes = up or down or table.genes
        note = (f"a DE table: {len(up)} up and {len(down)} down at padj <= {PADJ_MAX:g}, |log2FC| >= "
                f"{MIN_ABS_LOG2FC:g}; the {which} genes are used (ask for the others separately)")
    return ContextData(genes=genes, unknown=list(table.mapped.unmapped), table_note=note)

"""How each tool result is shown, to a person and to a language model: the one strength rule, the per-tool views
(which rows, which columns), the text a model reads, and one line of prose per row.

The language model reads every row it is shown (~33 tokens/s on 2 cores, scripts/bench_llm.py), so its views
are short; people get the same views as tables (`markdown_table`) and the full results as DataFrames.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .cells import MAX_ROWS, format_cell, table_text
from .facts import FACT_TOOLS, row_line, subject_of
from .kinds import FUNCTION, GROUP_OF, KIND_GROUPS, PROCESS, library_kind, term_label

# rows of each tool's view the language model reads
ROWS = {"enrich_genes": 3, "gsea_ranked": 3, "gene_hypotheses": 3, "complete_gene_set": 8, "gene_functions": 6,
        "gene_links": 6, "similar_genes": 5}
NOVEL_SHOWN, KNOWN_SHOWN = 4, 2  # gene_functions view: novel rows, then known rows
KNOWN_FIRST_SHOWN = 3  # ... or, for a well-studied gene or a question about what is known, known rows first
LINK_TERMS = 4  # gene_links view: shared terms shown
GROUP_SHOWN = 2  # gene_functions view: novel rows per kind group
PER_LIBRARY = 2  # gene_functions and enrich_genes views: rows per library
NEIGHBOUR_TERMS = 1  # similar_genes view: known functions shown per neighbour
# View columns the evidence line and tables show but the model does not read (its strength word includes them).
NOT_FOR_MODEL = {"gene_functions": ("library",), "enrich_genes": ("library",), "gsea_ranked": ("library",),
                 "search_gene_sets": ("library",)}
DESCRIPTION_CHARS = 90  # search_gene_sets view: description cut to about this length
MAX_FDR = 0.05  # an enrichment row is significant at FDR <= MAX_FDR
STRONG, MODERATE = 0.5, 0.2  # confidence bars of the strength words: more likely than not; one in five
LINK_STRONG, LINK_MODERATE = 0.01, 0.05  # link bars: in each other's closest 1% / 5% of genes
_TERM_ID_RE = re.compile(r"\b([A-Z]{2,}:\d{5,})\b")  # GO:0043518, MP:0000182, HP:0001250

# -- the strength rule ----------------------------------------------------------------------------------------


def strength(confidence: float | None = None, fdr: float | None = None, overlap: int = 0,
             known: bool = False, rank_share: float | None = None) -> str:
    """The one strength rule, a word for a result row.

    A predicted gene-term pair, from its calibrated confidence (the measured share of such predictions that were
    confirmed): strong >= STRONG, moderate >= MODERATE, else weak; "known" for a term the gene is already in.
    An enrichment row (fdr, overlap): strong = FDR <= 1e-4 with 3+ genes; moderate = FDR <= 0.01; else weak.
    A link between genes (rank_share: how far down each other's neighbours they rank, as a share of all genes, the
    worse of both ways): strong <= LINK_STRONG, moderate <= LINK_MODERATE; a random pair does so about that often.
    """
    if rank_share is not None:
        return "strong" if rank_share <= LINK_STRONG else "moderate" if rank_share <= LINK_MODERATE else "weak"
    if fdr is not None:
        return "strong" if fdr <= 1e-4 and overlap >= 3 else "moderate" if fdr <= 0.01 else "weak"
    if known:
        return "known"
    if confidence is None or confidence != confidence:
        return "weak"
    return "strong" if confidence >= STRONG else "moderate" if confidence >= MODERATE else "weak"


# -- per-tool views -------------------------------------------------------------------------------------------


def _pick(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return df[[c for c in columns if c in df.columns]]


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


def _labelled(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with kind and label columns (the tools add them; a frame built by hand gets them here)."""
    if "term" not in df.columns or {"kind", "label"} <= set(df.columns):
        return df
    return df.assign(kind=[library_kind(lib) for lib in df["library"]],
                     label=[term_label(lib, t) for lib, t in zip(df["library"], df["term"], strict=True)])


def enrichment_view(df: pd.DataFrame) -> pd.DataFrame:
    """Enrichment rows, best first by the list's own Fisher test: significant rows (FDR <= MAX_FDR) grouped by kind
    (processes and pathways first), then the best non-significant ones marked so; a term from two releases once.
    For `gsfm_enrich`'s rows, also what the model adds and its permutation FDR (model_fdr)."""
    out = _labelled(_dedupe_terms(df.sort_values("p_value", kind="stable")))
    out = out.assign(status=["significant" if f <= MAX_FDR else "not significant" for f in out["fdr"]],
                     overlap_k_of_n=[f"{k}/{n}" for k, n in zip(out["overlap"], out["term_size"])])
    significant = _spread(_nested_under_specific(out[out["status"] == "significant"]), PER_LIBRARY)
    groups = significant["kind"].map(lambda k: GROUP_OF.get(k, len(KIND_GROUPS)))
    rest = _spread(out[out["status"] != "significant"], PER_LIBRARY)
    out = pd.concat([significant.iloc[np.argsort(groups.to_numpy(), kind="stable")], rest])
    out = out.rename(columns={"genes": "input_genes"})
    columns = ["label", "kind", "library", "overlap_k_of_n", "fdr", "status", "input_genes", "related"]
    if "added_genes" in out.columns:
        return _pick(out, columns + ["added_genes", "model_fdr"])
    return _pick(out, columns + ["odds_ratio", "combined_score"])


def _nested_under_specific(df: pd.DataFrame) -> pd.DataFrame:
    """Near-duplicate terms (one library, the same input genes: a parent and its children) as one row, the most
    specific (smallest) term, in the place of the group's best row; `related` names the others (up to 3)."""
    if df.empty or "genes" not in df.columns:
        return df.assign(related=[[] for _ in range(len(df))])
    key = [(lib, frozenset(g)) for lib, g in zip(df["library"], df["genes"], strict=True)]
    groups: dict = {}
    for i, k in enumerate(key):
        groups.setdefault(k, []).append(i)
    keep, related = [], []
    for members in groups.values():
        best = min(members, key=lambda i: (df["term_size"].iat[i], i))
        keep.append((members[0], best))
        related.append([df["label"].iat[i] for i in members if i != best][:3])
    order = sorted(range(len(keep)), key=lambda j: keep[j][0])
    return df.iloc[[keep[j][1] for j in order]].assign(related=[related[j] for j in order])


def _by_group(df: pd.DataFrame, per_group: int) -> pd.DataFrame:
    """The rows ordered by kind group (functions, phenotypes and disease, evidence), each group keeping its order
    and at most `per_group` rows (and PER_LIBRARY per library)."""
    groups = df["kind"].map(lambda k: GROUP_OF.get(k, len(KIND_GROUPS)))
    parts = [_spread(df[groups == g], PER_LIBRARY).head(per_group) for g in sorted(groups.unique())]
    return pd.concat(parts) if parts else df


def functions_view(df: pd.DataFrame) -> pd.DataFrame:
    """A gene's predictions in the order a biologist reads them: functions (process or pathway, molecular
    function, component), then phenotypes and disease, then supporting evidence (domains, co-expression, TF
    binding, papers). Novel predictions come first, most confident first within each group (at most GROUP_SHOWN
    per group and PER_LIBRARY per library); then a few terms the gene is already annotated to, marked known. For a
    well-studied gene (`known_first`), the known terms come first. A term listed twice (two GO releases) is shown
    once."""
    if "known" not in df.columns or df.empty:
        return df
    df = _labelled(_dedupe_terms(df))
    novel = _by_group(df[~df["known"]], GROUP_SHOWN)
    known = _by_group(df[df["known"]], KNOWN_FIRST_SHOWN)
    if known_first(df):
        out = pd.concat([known.head(KNOWN_FIRST_SHOWN), novel.head(NOVEL_SHOWN + KNOWN_SHOWN - KNOWN_FIRST_SHOWN)])
    else:
        out = pd.concat([novel.head(NOVEL_SHOWN), known.head(KNOWN_SHOWN)])
    out = out.assign(status=out["known"].map(lambda k: "known" if k else "novel"))
    if "strength" not in out.columns:
        out = out.assign(strength=[strength(c, known=k) for c, k in zip(out["confidence"], out["known"])])
    return _pick(out, ["label", "kind", "library", "confidence", "strength", "status"])


def known_first(df: pd.DataFrame) -> bool:
    """Whether a gene's predictions lead with what is known: asked for (attrs["known_first"]), or a well-studied
    gene (at least half of its listed processes and functions are already annotated)."""
    if df.attrs.get("known_first"):
        return True
    functions = df["known"][df["kind"].isin([PROCESS, FUNCTION])]
    return len(functions) > 0 and functions.mean() >= 0.5


def links_view(links: Any) -> pd.DataFrame:
    """gene_links as facts: each pair's neighbour ranks, each gene's completion by the others, the shared terms."""
    rows = [("neighbours", f"{r.gene_b} ranks {r.rank_b_for_a:,} among {r.gene_a}'s neighbours and {r.gene_a} ranks "
             f"{r.rank_a_for_b:,} among {r.gene_b}'s, of {r.n_ranked:,} genes: "
             + (f"within each other's closest {_percent(r.share)} (a random pair is that close at most "
                f"{_percent(r.share)} of the time)" if r.strength != "weak"
                else f"not close neighbours (closest {LINK_MODERATE:.0%} needed)"),
             r.strength) for r in links.pairs.itertuples(index=False)]
    rows += [("completion", f"Given the other genes, the model ranks {r.gene} {r.completion_rank:,} of all genes "
              f"(top {_percent(r.completion_share)})", strength(rank_share=r.completion_share))
             for r in links.completion.itertuples(index=False)]
    rows += [("shared term", f"Shared term {r.label} [{r.kind}]: {'; '.join(r.status)}",
              "known" if r.n_known == len(r.status) else strength(r.min_confidence))
             for r in links.shared.head(LINK_TERMS).itertuples(index=False)]
    return pd.DataFrame(rows, columns=["evidence", "finding", "strength"])


def _percent(share: float) -> str:
    """A share as a percentage with two significant digits ('0.011%', '6.1%')."""
    return f"{100 * share:.2g}%"


def _neighbours_view(df: pd.DataFrame) -> pd.DataFrame:
    out = _pick(df, ["gene", "name", "similarity", "known_functions"])
    if "known_functions" in out.columns:
        out = out.assign(known_functions=[list(v)[:NEIGHBOUR_TERMS] for v in out["known_functions"]])
    return out


def _short(text: str, chars: int = DESCRIPTION_CHARS) -> str:
    """`text` cut at a word boundary near `chars` characters, with '...' when cut."""
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _search_view(df: pd.DataFrame) -> pd.DataFrame:
    out = _pick(_labelled(df), ["label", "kind", "library", "similarity", "description"])
    if "description" in out.columns:
        out = out.assign(description=out["description"].fillna("").map(_short))
    return out


def gsea_view(df: pd.DataFrame) -> pd.DataFrame:
    """GSEA rows, best first: significant ones (FDR <= MAX_FDR) grouped by kind, then the best others marked so;
    the leading edge cut to its first 8 genes."""
    out = _labelled(_dedupe_terms(df)).copy()
    out["status"] = ["significant" if f <= MAX_FDR else "not significant" for f in out["fdr"]]
    out["direction"] = ["top of the ranking" if n > 0 else "bottom of the ranking" for n in out["nes"]]
    out["leading_edge"] = [list(e)[:8] for e in out["leading_edge"]]
    significant = _spread(out[out["status"] == "significant"], PER_LIBRARY)
    groups = significant["kind"].map(lambda k: GROUP_OF.get(k, len(KIND_GROUPS)))
    out = pd.concat([significant.iloc[np.argsort(groups.to_numpy(), kind="stable")],
                     _spread(out[out["status"] != "significant"], PER_LIBRARY)])
    return _pick(out, ["label", "kind", "library", "direction", "nes", "fdr", "status", "leading_edge"])


VIEWS: dict[str, Callable[[Any], pd.DataFrame]] = {
    "gsea_ranked": gsea_view,
    "gene_functions": functions_view,
    "similar_genes": _neighbours_view,
    "gene_info": lambda df: _pick(df, ["symbol", "name", "gene_type", "location", "aliases", "in_model",
                                       "n_known_terms", "top_terms"]),
    "enrich_genes": enrichment_view,
    "complete_gene_set": lambda df: _pick(df[~df["input"]] if "input" in df else df, ["gene", "name", "z"]),
    "search_gene_sets": _search_view,
    "gene_hypotheses": lambda h: _pick(h.hypotheses, ["claim", "strength", "evidence", "experiment"]),
    "gene_links": links_view,
}


def notes(result: Any) -> list[str]:
    """What a reader must know beside the table: unused input symbols and the tool's own note."""
    meta = result.attrs if isinstance(result, pd.DataFrame) else vars(result) if hasattr(result, "__dict__") else {}
    out = []
    if meta.get("unmapped"):
        out.append(f"not used (unknown or not in the model): {format_cell(list(meta['unmapped']))}")
    if meta.get("note"):
        out.append(f"note: {meta['note']}")
    return out


def summarize(name: str, args: dict[str, Any], result: Any, rows: int | None = None) -> str:
    """The compact text a language model sees for one tool result (`rows`: default per tool)."""
    rows = rows or ROWS.get(name, MAX_ROWS)
    arg_text = ", ".join(f"{k}={format_cell(v)}" for k, v in args.items())
    view = VIEWS[name](result) if name in VIEWS else result
    if name in FACT_TOOLS and isinstance(view, pd.DataFrame) and not view.empty:
        line, subject = row_line(name), subject_of(args)
        body = "\n".join(f"- {line(r, subject)}" for _, r in view.head(rows).iterrows())
        body += f"\n({len(view) - rows} more rows not shown)" if len(view) > rows else ""
    elif isinstance(view, pd.DataFrame):
        body = table_text(view.drop(columns=list(NOT_FOR_MODEL.get(name, ())), errors="ignore"), rows)
    else:
        body = format_cell(view)
    return "\n".join([f"{name}({arg_text})", *notes(result), body])

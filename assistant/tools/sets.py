"""Tools about a gene list: completion by the model, enrichment (plain and GSFM-augmented), nearest terms."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gsfm_model.data.genes import normalize
from gsfm_model.data.matrices import library_matrix
from gsfm_model.errors import InputError

from .genes import score_column
from .inputs import Mapped, attach, gene_list, map_genes
from .ora import ENRICH_COLUMNS, ora_library
from .state import context, gene_names, libraries_or_default
from .terms import with_kind_and_label

MAX_FDR = 0.05  # the significance bar of augmented_only


@dataclass
class GeneSetAnalysis:
    """Everything the gene set page shows, each computed once from one mapping of the list.

    mapped: the mapped input (symbols, unmapped, note); enrichment: `enrich`'s result; gsfm_enrichment:
    `gsfm_enrich`'s result; completed: `complete_gene_set`'s result (top `add` new genes).
    """

    mapped: Mapped
    enrichment: pd.DataFrame
    gsfm_enrichment: pd.DataFrame
    completed: pd.DataFrame


def complete_gene_set(genes: str | Iterable[str], top: int = 50) -> pd.DataFrame:
    """The gene set augmented by the model: the input genes plus the `top` best-scored other genes.

    Columns: rank (among all vocabulary genes, 1 = best), gene, name, score (as in predict_functions),
    z (score standardised across all genes for this set), input (True for the input genes).
    Rows are sorted by rank.
    """
    ctx = context()
    return _complete(ctx, map_genes(genes, ctx.vocab_pos), top)


def _complete(ctx, mapped: Mapped, top: int) -> pd.DataFrame:
    """complete_gene_set for an already mapped list (every symbol in the model)."""
    logits = np.asarray(ctx.model.predict([mapped.symbols]), dtype=np.float64)[0]
    logits = np.where(ctx.valid, logits, -np.inf)
    valid = logits[ctx.valid]
    z = (logits - valid.mean()) / max(valid.std(), 1e-12)
    order = np.argsort(-logits, kind="stable")[:int(ctx.valid.sum())]
    is_input = np.zeros(len(logits), dtype=bool)
    is_input[[ctx.vocab_pos[g] for g in mapped.symbols]] = True
    ranks = np.arange(1, len(order) + 1)
    new = order[~is_input[order]][:top]
    chosen = np.sort(np.concatenate([np.flatnonzero(is_input[order]), np.flatnonzero(np.isin(order, new))]))
    rows = order[chosen]
    names = [ctx.model.genes[r] for r in rows]
    df = pd.DataFrame({"rank": ranks[chosen], "gene": names, "name": gene_names(names),
                       "score": score_column(ctx, logits[rows]), "z": z[rows], "input": is_input[rows]})
    return attach(df, mapped)


def enrich(genes: str | Iterable[str], libraries: Iterable[str] | str | None = None,
           background: str | Iterable[str] | None = None, min_overlap: int = 1) -> pd.DataFrame:
    """Over-representation of a gene list in every term of the libraries (Fisher's exact test, one-sided).

    Per library: the universe is the library's genes (with `background`: the background genes that are in
    the library; terms are restricted to it). For a term with K universe genes, k of the n input genes in the
    universe, out of N: p = P(X >= k), X ~ Hypergeometric(N, K, n) (= one-sided Fisher's exact test).
    fdr: Benjamini-Hochberg within the library, over every term with K >= 1. odds_ratio: Enrichr's
    a*d / max(b*c, 1). z: (k - nK/N) / sd, the overlap's z under the hypergeometric null; combined_score =
    -ln(p) * z (Enrichr's c = ln(p)·z, whose z is a permutation-based rank deviation; ours is analytic).

    Columns: library, term, kind (what evidence the library is, e.g. 'co-expression'), label (the term as a
    person reads it; a protein domain family is named by the overlapping genes), overlap (k), term_size (K),
    list_size (n), background_size (N), p_value, fdr, odds_ratio, z, combined_score, genes (the overlapping
    input genes). Terms with overlap >= min_overlap
    (0 lists every tested term), sorted by p_value.
    """
    return _enrich(map_genes(genes), libraries_or_default(libraries), _background(background), min_overlap)


def _background(background: str | Iterable[str] | None) -> set[str] | None:
    return None if background is None else set(normalize(gene_list(background, "background")).symbols)


def _enrich(mapped: Mapped, names: list[str], bg: set[str] | None, min_overlap: int = 1) -> pd.DataFrame:
    """enrich for an already mapped list."""
    if min_overlap < 0:
        raise InputError(f"min_overlap must be 0 or more (got {min_overlap}).")
    if bg is not None:
        if len(bg) < len(mapped.symbols):
            raise InputError(f"The background has {len(bg)} genes, fewer than the {len(mapped.symbols)} genes of the "
                             "list. A background is every gene that could have been in the list (e.g. all genes "
                             "measured); give that, or leave it out to use each library's genes.")
        missing = [g for g in mapped.symbols if g not in bg]
        if missing:
            note = ". ".join(filter(None, [mapped.note, f"not in the background: {', '.join(missing[:20])}"]))
            mapped = Mapped([g for g in mapped.symbols if g in bg], mapped.unmapped + missing, note, mapped.found)
        if not mapped.symbols:
            raise InputError("None of the genes is in the background: the background must hold every gene that "
                             "could have been in the list, the list's genes included.")
    parts = [part for n in names if (part := ora_library(library_matrix(n), mapped.symbols, bg, min_overlap))]
    df = pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in ENRICH_COLUMNS}) if parts \
        else pd.DataFrame(columns=ENRICH_COLUMNS)
    df = with_kind_and_label(df.sort_values(["p_value", "combined_score"], ascending=[True, False], kind="stable"),
                             members="genes")
    outside = [g for g in mapped.symbols if not any(g in library_matrix(n).gene_pos for n in names)]
    note = mapped.note
    if outside:
        note = ". ".join(filter(None, [note, f"in no selected library: {', '.join(outside[:20])}"]))
    return attach(df, Mapped(mapped.symbols, mapped.unmapped, note, mapped.found), libraries=names)


def gsfm_enrich(genes: str | Iterable[str], libraries: Iterable[str] | str | None = None,
                background: str | Iterable[str] | None = None, add: int = 50, max_fdr: float = 0.05) -> pd.DataFrame:
    """Enrichment of the GSFM-augmented set (input + the model's `add` best new genes), beside the plain result.

    Same test and columns as `enrich` (on the augmented list), plus: added_genes (model-added genes in the
    overlap), p_value_plain and fdr_plain (the input list alone; NaN if no input gene is in the term),
    augmented_only (fdr <= max_fdr only with augmentation). attrs["added"] lists the added genes.
    Caveat: added genes were chosen because they co-occur with the input in gene sets, so augmented p-values
    are optimistic; read them as "what the model adds", not as independent evidence.
    """
    return analyse_gene_set(genes, libraries, background, add, max_fdr).gsfm_enrichment


def analyse_gene_set(genes: str | Iterable[str], libraries: Iterable[str] | str | None = None,
                     background: str | Iterable[str] | None = None, add: int = 50,
                     max_fdr: float = MAX_FDR) -> GeneSetAnalysis:
    """Plain enrichment, GSFM-augmented enrichment and the completed set of one list, each computed once."""
    ctx = context()
    mapped = map_genes(genes)
    names, bg = libraries_or_default(libraries), _background(background)
    completed = _complete(ctx, mapped.restrict(ctx.vocab_pos, "the model"), add)
    added = completed.gene[~completed.input].tolist()
    inputs = completed.gene[completed.input].tolist()
    plain = _enrich(mapped, names, bg)
    augmented = _enrich(Mapped(inputs + added), names, bg)
    key = ["library", "term"]
    merged = augmented.merge(plain[key + ["p_value", "fdr"]].rename(columns={"p_value": "p_value_plain",
                                                                                "fdr": "fdr_plain"}),
                             on=key, how="left")
    added_set = set(added)
    merged["added_genes"] = [[g for g in gs if g in added_set] for gs in merged.genes]
    merged["augmented_only"] = (merged.fdr <= max_fdr) & ~(merged.fdr_plain <= max_fdr)
    unmapped = Mapped(inputs, plain.attrs["unmapped"], plain.attrs["note"])
    merged = attach(merged, unmapped, added=added, libraries=plain.attrs["libraries"])
    return GeneSetAnalysis(mapped, plain, merged, completed)


def similar_terms(genes: str | Iterable[str], k: int = 10) -> pd.DataFrame:
    """Terms whose model embedding is nearest to the gene set's embedding (a model-based enrichment).

    Columns: library, term, kind (what evidence the library is, e.g. 'co-expression'),
    label (the term as a person reads it), similarity, term_size,
    overlap (input genes in the term).
    """
    ctx = context()
    mapped = map_genes(genes, ctx.vocab_pos)
    vector = np.asarray(ctx.model.encode([mapped.symbols]), dtype=np.float32)[0]
    rows, sims = ctx.index.nearest_terms(vector, k)
    members = ctx.index.membership[[ctx.index.gene_pos[g] for g in mapped.symbols]]
    overlap = np.asarray(members[:, rows].sum(0)).ravel()
    terms = ctx.index.terms.iloc[rows]
    df = pd.DataFrame({"library": terms.library.to_numpy(), "term": terms.term.to_numpy(),
                       "similarity": sims.astype(np.float64), "term_size": terms["size"].to_numpy(),
                       "overlap": overlap.astype(np.int64)})
    return attach(with_kind_and_label(df), mapped)

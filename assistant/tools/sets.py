"""Tools about a gene list: completion by the model, enrichment (plain and GSFM-augmented), nearest terms."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from gsfm_model.data.genes import normalize
from gsfm_model.data.matrices import library_matrix
from gsfm_model.errors import InputError

from .genes import score_column
from .inputs import Mapped, attach, gene_list, map_genes
from .ora import ENRICH_COLUMNS, bh_fdr, ora_library
from .state import context, gene_names, libraries_or_default
from .tables import MIN_ABS_LOG2FC, PADJ_MAX, ExpressionTable, read_table, split
from .terms import term_rows, with_kind_and_label
from .views import MAX_FDR

MODEL_PERMUTATIONS = 200  # random lists of the model-support test (gsfm_enrich), seed 0


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


def complete_gene_set(genes: str | Iterable[str], top: int = 50, protein_coding_only: bool = True) -> pd.DataFrame:
    """The gene set augmented by the model: the input genes plus the `top` best-scored other genes (protein-coding
    ones unless `protein_coding_only` is false: pseudogenes such as PMS2P1 otherwise ride along with their gene).

    Columns: rank (among all vocabulary genes, 1 = best), gene, name, score (as in predict_functions),
    z (score standardised across all genes for this set), input (True for the input genes).
    Rows are sorted by rank.
    """
    ctx = context()
    return _complete(ctx, map_genes(genes, ctx.vocab_pos), top, protein_coding_only)


def _complete(ctx, mapped: Mapped, top: int, protein_coding_only: bool = True) -> pd.DataFrame:
    """complete_gene_set for an already mapped list (every symbol in the model)."""
    logits = np.asarray(ctx.model.predict([mapped.symbols]), dtype=np.float64)[0]
    logits = np.where(ctx.valid, logits, -np.inf)
    valid = logits[ctx.valid]
    z = (logits - valid.mean()) / max(valid.std(), 1e-12)
    order = np.argsort(-logits, kind="stable")[:int(ctx.valid.sum())]
    is_input = np.zeros(len(logits), dtype=bool)
    is_input[[ctx.vocab_pos[g] for g in mapped.symbols]] = True
    ranks = np.arange(1, len(order) + 1)
    allowed = ctx.coding if protein_coding_only else ctx.valid
    new = order[~is_input[order] & allowed[order]][:top]
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
    fdr: Benjamini-Hochberg over every term with K >= 1 of all the libraries searched (one answer draws on all of
    them, so they are one family of tests; with one library this is Enrichr's per-library FDR; random lists get a
    term at FDR <= 0.05 less often than with per-library FDRs: scripts/bench_random_lists.py). odds_ratio: Enrichr's
    a*d / max(b*c, 1). z: (k - nK/N) / sd, the overlap's z under the hypergeometric null; combined_score =
    -ln(p) * z (Enrichr's c = ln(p)·z, whose z is a permutation-based rank deviation; ours is analytic).

    Columns: library, term, kind (what evidence the library is, e.g. 'co-expression'), label (the term as a
    person reads it; a protein domain family is named by the overlapping genes), overlap (k), term_size (K),
    list_size (n), background_size (N), p_value, fdr, odds_ratio, z, combined_score, genes (the overlapping
    input genes). Terms with overlap >= min_overlap
    (0 lists every tested term), sorted by p_value. attrs["significant"]: the number of terms at FDR <= MAX_FDR;
    when it is 0, attrs["note"] says that nothing is enriched.
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
    found = [r for n in names if (r := ora_library(library_matrix(n), mapped.symbols, bg, min_overlap))]
    parts = [part for part, _ in found]
    df = pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in ENRICH_COLUMNS}) if parts \
        else pd.DataFrame(columns=ENRICH_COLUMNS)
    if parts:  # the answer draws on every library at once: one correction over all their tested terms
        every = np.concatenate([df["p_value"].to_numpy(float), *[dropped for _, dropped in found]])
        df["fdr"] = bh_fdr(every)[:len(df)]
    df = with_kind_and_label(df.sort_values(["p_value", "combined_score"], ascending=[True, False], kind="stable"),
                             members="genes")
    outside = [g for g in mapped.symbols if not any(g in library_matrix(n).gene_pos for n in names)]
    note = mapped.note
    if outside:
        note = ". ".join(filter(None, [note, f"in no selected library: {', '.join(outside[:20])}"]))
    significant = int((df.fdr <= MAX_FDR).sum())
    if not significant:
        best = f" (best FDR {df.fdr.min():.2g})" if len(df) else ""
        note = ". ".join(filter(None, [note, f"No term passes FDR <= {MAX_FDR:g}{best}: nothing is enriched"]))
    return attach(df, Mapped(mapped.symbols, mapped.unmapped, note, mapped.found), libraries=names,
                  significant=significant)


def gsfm_enrich(genes: str | Iterable[str], libraries: Iterable[str] | str | None = None,
                background: str | Iterable[str] | None = None, add: int = 50, max_fdr: float = MAX_FDR
                ) -> pd.DataFrame:
    """Enrichment of the list (`enrich`: the Fisher test and its FDR, the only p-values about the experiment) with
    what the model adds to each term.

    Extra columns: added_genes (the model's `add` best new genes that are in the term), model_p and model_fdr (a
    permutation test: the share of random lists of the same size, drawn from the model's genes, whose `add`
    model-added genes include at least as many of the term's; BH within the library), model_supported
    (model_fdr <= max_fdr with 2+ input genes in the term: one gene alone leads the model to its own terms).
    The model's genes are not tested with Fisher's test: they were chosen from the very gene sets they would be
    tested against, so such a p-value would be circular; the permutation test asks instead whether this list
    leads the model to the term more than a random list does. attrs["added"] lists them.
    """
    return analyse_gene_set(genes, libraries, background, add, max_fdr).gsfm_enrichment


def analyse_gene_set(genes: str | Iterable[str], libraries: Iterable[str] | str | None = None,
                     background: str | Iterable[str] | None = None, add: int = 50,
                     max_fdr: float = MAX_FDR) -> GeneSetAnalysis:
    """Plain enrichment, the model's support for each term and the completed set of one list, each computed once."""
    ctx = context()
    mapped = map_genes(genes)
    names, bg = libraries_or_default(libraries), _background(background)
    usable = mapped.restrict(ctx.vocab_pos, "the model")
    completed = _complete(ctx, usable, add)
    added = completed.gene[~completed.input].tolist()
    plain = _enrich(mapped, names, bg)
    support = _model_support(ctx, usable.symbols, added, plain, add)
    merged = plain.merge(support, on=["library", "term"], how="left")
    merged["model_supported"] = (merged.model_fdr <= max_fdr) & (merged.overlap >= 2)
    merged = attach(merged, Mapped(mapped.symbols, plain.attrs["unmapped"], plain.attrs["note"]), added=added,
                    libraries=plain.attrs["libraries"], significant=plain.attrs["significant"])
    return GeneSetAnalysis(mapped, plain, merged, completed)


def _model_support(ctx, inputs: list[str], added: list[str], plain: pd.DataFrame, add: int) -> pd.DataFrame:
    """added_genes, model_p and model_fdr of each term of `plain`: the list's model-added genes in the term, and how
    often a random list of the same size (MODEL_PERMUTATIONS, seed 0, drawn from the model's genes) gets at least
    as many of its `add` model-added genes in the term."""
    rng = np.random.default_rng(0)
    pool = np.flatnonzero(ctx.valid)
    lists = [list(rng.choice(pool, len(inputs), replace=False)) for _ in range(MODEL_PERMUTATIONS)]
    logits = np.asarray(ctx.model.predict([[ctx.model.genes[i] for i in cols] for cols in lists]), np.float64)
    logits[:, ~ctx.valid] = -np.inf
    logits[np.repeat(np.arange(len(lists)), len(inputs)), np.concatenate(lists)] = -np.inf
    top = np.argpartition(-logits, add, axis=1)[:, :add]
    frames = []
    for lib, group in plain.groupby("library", sort=False):
        lm = library_matrix(lib)
        cols = np.array([lm.gene_pos.get(g, -1) for g in ctx.model.genes])
        hits = cols[top]
        which_list, slot = np.nonzero(hits >= 0)
        random_added = sparse.csr_matrix((np.ones(len(which_list)), (hits[which_list, slot], which_list)),
                                         shape=(len(lm.genes), len(lists)))
        rows = term_rows(lib)
        terms = lm.matrix[np.array([rows[t] for t in group.term], dtype=np.int64)]
        null = np.asarray((terms @ random_added).todense())  # [terms, permutations]
        mine = np.array(sorted(lm.gene_pos[g] for g in added if g in lm.gene_pos), dtype=np.int64)
        in_term = terms[:, mine].tocsr()  # the list's added genes in each term
        observed = np.diff(in_term.indptr)
        pval = np.where(observed > 0, ((null >= observed[:, None]).sum(1) + 1) / (len(lists) + 1), 1.0)
        frames.append(pd.DataFrame({
            "library": lib, "term": group.term.to_numpy(), "model_p": pval, "model_fdr": bh_fdr(pval),
            "added_genes": [sorted(lm.genes[mine[in_term.indices[a:b]]].tolist())
                            for a, b in zip(in_term.indptr[:-1], in_term.indptr[1:])]}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["library", "term", "model_p", "model_fdr", "added_genes"])


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


def enrich_table(table: ExpressionTable | pd.DataFrame | str | Path, direction: str = "up",
                 libraries: Iterable[str] | str | None = None, padj_max: float = PADJ_MAX,
                 min_abs_log2fc: float = MIN_ABS_LOG2FC, background: Iterable[str] | None = None) -> pd.DataFrame:
    """Enrichment (`enrich`) of an expression table's up-, down- or all changed genes (padj <= padj_max,
    |log2FC| >= min_abs_log2fc), one result per group (Seurat/scanpy clusters), against the table's own genes as
    background unless one is given. Columns: group, direction, then `enrich`'s."""
    if direction not in ("up", "down", "all"):
        raise InputError(f"direction must be 'up', 'down' or 'all' (got {direction!r}).")
    table = table if isinstance(table, ExpressionTable) else read_table(table)
    bg = set(table.genes) if background is None else set(normalize(list(background)).symbols)
    names, frames, notes = libraries_or_default(libraries), [], [table.mapped.note]
    for group, lists in split(table, padj_max, min_abs_log2fc).items():
        genes = lists["up"] + lists["down"] if direction == "all" else lists[direction]
        if not genes:
            notes.append(f"{group}: no {direction} gene at padj <= {padj_max:g}, |log2FC| >= {min_abs_log2fc:g}")
            continue
        df = _enrich(Mapped(genes), names, bg)
        frames.append(df.assign(group=group, direction=direction))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["group", "direction"])
    df = df[["group", "direction", *[c for c in df.columns if c not in ("group", "direction")]]]
    note = "; ".join(filter(None, notes + [f"background: the table's {len(bg):,} genes" if background is None
                                           else f"background: {len(bg):,} genes given"]))
    return attach(df, Mapped(table.mapped.symbols, table.mapped.unmapped, note, table.mapped.found))

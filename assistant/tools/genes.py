"""Tools about one gene: its facts and known annotations, its predicted functions, its neighbours."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.matrices import library_matrix
from gsfm_model.errors import InputError
from gsfm_model.ranking import VOTE, rank_scores, vote_for

from .inputs import Mapped, attach, one_gene
from .state import Context, context, gene_names, in_model, libraries_or_default
from .terms import labels, with_kind_and_label
from .views import strength

Z_LISTED = 1.645  # a gene is listed as a member of a set if its z within the set > Z_LISTED
LISTED_SCORE = 7.0  # a gene-term pair is listed if the ranker's score (rank_scores) is at least this (about the top 1%
# of a gene's terms in the calibration data)
# Neighbours are ranked by similarity x n / (n + SUPPORT_PRIOR), n = the neighbour's known terms in the indexed
# libraries, so that genes seen in only a few gene sets do not crowd out well-supported ones (0: by similarity).
# 20 was chosen with `python scripts/bench_neighbours.py --seed 1 --support-prior 20 50 100 200` (docs/benchmarks.md),
# with the similarity of this release.
SUPPORT_PRIOR = 20.0
# Libraries whose smallest known terms describe a gene best, in order of preference.
FUNCTION_LIBRARIES = ("GO_BP", "GO_Biological_Process_2023", "KEGG_2021_Human", "WikiPathway_2023_Human",
                      "GO_MF", "GO_CC")


def gene_annotations(symbol: str, libraries: Iterable[str] | None = None) -> pd.DataFrame:
    """Known annotations of one gene: the terms that contain it, most specific (smallest) first.

    Columns: library, term, kind (what evidence the library is, e.g. 'co-expression'),
    label (the term as a person reads it), term_size.
    """
    gene = one_gene(symbol)
    rows = []
    for name in libraries_or_default(libraries):
        lm = library_matrix(name)
        col = lm.gene_pos.get(gene)
        if col is None:
            continue
        hits = lm.matrix[:, col].nonzero()[0]
        rows += [(name, lm.terms.term.iat[i], int(lm.sizes[i])) for i in hits]
    df = pd.DataFrame(rows, columns=["library", "term", "term_size"]).sort_values(["term_size", "library", "term"])
    return attach(with_kind_and_label(df, exclude=[gene]))


def gene_info(symbol: str) -> pd.DataFrame:
    """Facts about one gene (one row).

    Columns: symbol, name, gene_type, location (chromosome and cytoband), aliases (list), entrez_id,
    in_model (whether the model scores it), n_known_terms (annotations across the default libraries),
    libraries (list of 'LIBRARY (n terms)'), top_terms (up to 10 most specific known terms, 'label [library]').
    """
    gene = one_gene(symbol)
    table = load_gene_table()
    row = table[table.symbol == gene].iloc[0]
    ann = gene_annotations(gene)
    counts = ann.library.value_counts()
    info = {
        "symbol": gene, "name": row["name"], "gene_type": row.gene_type,
        "location": f"chr{row.chromosome} {row.cytoband or ''}".strip() if row.chromosome else "",
        "aliases": list(row.aliases), "entrez_id": int(row.entrez_id),
        "in_model": in_model(gene),
        "n_known_terms": len(ann),
        "libraries": [f"{lib} ({n})" for lib, n in counts.items()],
        "top_terms": [f"{label} [{lib}]" for lib, label in zip(ann.library, ann.label)][:10],
    }
    return attach(pd.DataFrame([info]))


def predict_functions(gene: str, libraries: Iterable[str] | str | None = None, top: int = 25,
                      novel_only: bool = False) -> pd.DataFrame:
    """Terms the model predicts for one gene, most confident first.

    The ranker (`gsfm_model.ranking.rank_scores`, measured on the 2020 -> 2022 time split) adds two kinds of
    evidence, each standardised across the gene's terms within each library: z, the gene's score given the term's
    members (from the precomputed term activations, standardised across all genes within the term), and the vote
    of its 500 nearest genes (by the model's prediction from the gene alone) for the terms they are in. Its score
    maps to `confidence`, the share of such predictions confirmed on held-out data, per library kind and score bin
    (`gsfm_model.calibration`). Terms of 5..500 genes are ranked (the sizes measured; broader terms say little
    about a gene). Listed if rank_score >= LISTED_SCORE; known terms are marked, with no confidence.

    Columns: library, term, kind (what evidence the library is, e.g. 'co-expression'), label (the term as a person
    reads it), confidence (NaN for a known term), strength (the word for it, `views.strength`), known (the gene is
    already in the term), rank_score, z, score (the model's own score: sigmoid of the logit for a pure DAE, the
    item-item head's cosine-scale score otherwise), term_auroc (the term's completion AUROC), term_size.
    """
    ctx = context()
    gene = one_gene(gene, ctx.vocab_pos)
    if top < 1:
        raise InputError(f"top must be 1 or more (got {top}).")
    scores = term_scores(ctx, gene)
    keep = scores.rank >= LISTED_SCORE
    if libraries is not None:
        keep &= np.isin(ctx.term_columns["library"], libraries_or_default(libraries))
    if novel_only:
        keep &= ~scores.known
    rows = np.flatnonzero(keep)
    rows = rows[np.lexsort((-scores.rank[rows], -scores.calibrated[rows]))][:top]
    note = "" if len(rows) else f"No term passes the listing rule (rank score >= {LISTED_SCORE:g}) for {gene}."
    return attach(function_frame(ctx, gene, rows, scores), Mapped([gene], [], note))


@dataclass(frozen=True)
class TermScores:
    """One gene's scores for every indexed term (arrays [n_terms])."""

    logits: np.ndarray
    z: np.ndarray
    known: np.ndarray
    rank: np.ndarray  # the ranker's score
    calibrated: np.ndarray  # its confidence, for known terms too (what it would be as a prediction)


def term_scores(ctx: Context, gene: str) -> TermScores:
    """The gene's model score, z, known flag, ranker score and calibrated confidence for every indexed term."""
    terms = ctx.term_columns
    logits = ctx.index.gene_logits(gene).astype(np.float64)
    z = (logits - terms["mean"]) / terms["std"]
    known = np.zeros(len(logits), dtype=bool)
    known[ctx.index.known_terms(gene)] = True
    sim = ctx.model.predict([[gene]])[0]
    vote = vote_for(sim, ctx.index.membership, terms["size"], exclude=ctx.index.gene_pos[gene], **VOTE)
    rank = np.full(len(logits), -np.inf)
    ranked = ctx.ranked_rows
    rank[ranked] = rank_scores(z[ranked, None], vote[ranked, None], ctx.term_library[ranked])[:, 0]
    calibrated = np.empty(len(logits))
    for kind, rows in ctx.kind_rows.items():
        calibrated[rows] = ctx.calibration.table(kind).confidence(rank[rows])
    return TermScores(logits, z, known, rank, calibrated)


def score_column(ctx: Context, raw: np.ndarray) -> np.ndarray:
    """The score column: a probability for a pure DAE's logits, the raw score for the item-item head."""
    return 1 / (1 + np.exp(-raw)) if ctx.model.scores_are_logits else raw


def function_frame(ctx: Context, gene: str, rows: np.ndarray, scores: TermScores) -> pd.DataFrame:
    """predict_functions' columns for the given term rows of `gene`."""
    terms = ctx.term_columns
    known = scores.known[rows]
    confidence = np.where(known, np.nan, scores.calibrated[rows])
    return with_kind_and_label(pd.DataFrame({
        "library": terms["library"][rows], "term": terms["term"][rows], "confidence": confidence,
        "strength": [strength(c, known=k) for c, k in zip(confidence, known)], "known": known,
        "rank_score": scores.rank[rows], "z": scores.z[rows], "score": score_column(ctx, scores.logits[rows]),
        "term_auroc": terms["auroc"][rows].astype(np.float64), "term_size": terms["size"][rows],
    }), exclude=[gene])


def similar_genes(gene: str, k: int = 20, protein_coding_only: bool = True) -> pd.DataFrame:
    """The genes the model puts with one gene, with what each is known for: ranked by the model's score of each
    gene given the query alone (the similarity its predictions' neighbour vote reads), shrunk for genes known in
    few terms: similarity x n / (n + SUPPORT_PRIOR), n = n_known_terms. Protein-coding genes only unless
    `protein_coding_only` is false (pseudogenes and ncRNAs then take part too).

    Columns: gene, name, similarity (the model's score of the gene given the query: the item-item head's
    cosine-scale score, or a pure DAE's logit), n_known_terms (terms it is in, across indexed libraries: a measure
    of how well studied it is), known_functions (labels of its 3 most specific terms, preferring 10+ genes, from
    the first of GO_BP, GO_Biological_Process_2023, KEGG, WikiPathways, GO_MF, GO_CC that annotates it).
    """
    ctx = context()
    gene = one_gene(gene, ctx.vocab_pos)
    if not 1 <= k <= 1000:
        raise InputError("k must be between 1 and 1000.")
    sims, rank = neighbour_scores(ctx, gene, protein_coding_only)
    support = np.diff(ctx.index.membership.indptr).astype(np.float64)
    chosen = np.argpartition(-rank, k)[:k]
    chosen = chosen[np.argsort(-rank[chosen], kind="stable")]
    chosen = chosen[np.isfinite(rank[chosen])]
    genes = [ctx.model.genes[i] for i in chosen]
    df = pd.DataFrame({"gene": genes, "name": gene_names(genes), "similarity": sims[chosen],
                       "n_known_terms": support[chosen].astype(np.int64),
                       "known_functions": [best_known(ctx, g) for g in genes]})
    return attach(df, Mapped([gene]))


def neighbour_scores(ctx: Context, gene: str, protein_coding_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(similarity, ranking score) of every vocabulary gene as `gene`'s neighbour: the model's score given the gene
    alone, and that score shrunk for genes known in few terms (-inf for the gene itself and genes not ranked)."""
    sims = ctx.model.predict([[gene]])[0].astype(np.float64)
    support = np.diff(ctx.index.membership.indptr).astype(np.float64)
    rank = np.where(sims > 0, sims * support / np.maximum(support + SUPPORT_PRIOR, 1e-12), sims)
    rank[~(ctx.coding if protein_coding_only else ctx.valid)] = -np.inf
    rank[ctx.model.column[gene]] = -np.inf
    return sims, rank


def best_known(ctx: Context, gene: str, n: int = 3) -> list[str]:
    """The gene's n most specific known terms (smallest, preferring 10+ genes) in the first FUNCTION_LIBRARIES
    library that has any."""
    rows = ctx.index.known_terms(gene)
    if not len(rows):
        return []
    size = ctx.term_columns["size"][rows]
    rows = rows[np.lexsort((size, size < 10))]
    library = ctx.term_columns["library"][rows]
    chosen = next((rows[library == lib] for lib in FUNCTION_LIBRARIES if (library == lib).any()), rows)[:n]
    return labels(ctx.term_columns["library"][chosen].tolist(), ctx.term_columns["term"][chosen].tolist(),
                  exclude=[gene])


def gene_embeddings(genes: Iterable[str]) -> np.ndarray:
    """The model's unit-length embeddings [n, d] of genes (official symbols in the model vocabulary)."""
    ctx = context()
    symbols = [one_gene(g, ctx.vocab_pos) for g in genes]
    return np.stack([ctx.index.gene_vectors.reconstruct(ctx.index.gene_pos[g]) for g in symbols])


"""The model's evidence that two to five genes act together: where each ranks among the others' neighbours, how well
the others complete it, and the terms they share (known or confidently predicted)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from gsfm_model.data.kinds import GROUP_OF, KIND_GROUPS
from gsfm_model.errors import InputError
from gsfm_model.timesplit_data import MAX_TERM

from .genes import LISTED_SCORE, neighbour_scores, term_scores
from .inputs import map_genes
from .state import Context, context
from .terms import labels
from .views import MODERATE, format_cell, library_kind, strength, term_key

MAX_LINK_GENES = 5
SHARED_TOP = 20  # shared terms kept


@dataclass
class GeneLinks:
    """Pairwise evidence for a few genes.

    pairs: one row per pair — gene_a, gene_b, rank_b_for_a (b's rank among a's protein-coding neighbours, 1 =
        closest, as `similar_genes` ranks them), rank_a_for_b, n_ranked (genes ranked), share (the larger of the two
        ranks as a share of n_ranked: a random gene ranks that close both ways about that often), strength
        (`strength` of the share: strong <= 1%, moderate <= 5%).
    completion: one row per gene — gene, completion_rank (its rank when the other genes are the input set, among
        all genes not in it), completion_share.
    shared: terms every gene is in or confidently predicted for (rank score >= LISTED_SCORE and confidence >=
        MODERATE), at most SHARED_TOP, each term once, functions first — library, term, kind, label, term_size,
        n_known (genes already annotated), status (per gene: 'known' or 'predicted, <strength> (confidence c)'),
        min_confidence (lowest confidence among the predicted genes; NaN when all are known).
    unmapped, note: as for every tool.
    """

    pairs: pd.DataFrame
    completion: pd.DataFrame
    shared: pd.DataFrame
    unmapped: list[str] = field(default_factory=list)
    note: str = ""


def gene_links(genes: str | Iterable[str]) -> GeneLinks:
    """The model's evidence that 2..MAX_LINK_GENES genes act together (see `GeneLinks` for the columns)."""
    ctx = context()
    mapped = map_genes(genes, ctx.vocab_pos)
    symbols = list(dict.fromkeys(mapped.symbols))
    if not 2 <= len(symbols) <= MAX_LINK_GENES:
        raise InputError(f"Give 2 to {MAX_LINK_GENES} genes the model knows to compare (got {len(symbols)}"
                         + (f"; not used: {', '.join(mapped.unmapped)}" if mapped.unmapped else "") + ").")
    ranks = {g: _neighbour_ranks(ctx, g) for g in symbols}
    n_ranked = int(ctx.coding.sum()) - 1
    pairs = []
    for a, b in combinations(symbols, 2):
        ab, ba = int(ranks[a][ctx.model.column[b]]), int(ranks[b][ctx.model.column[a]])
        share = max(ab, ba) / n_ranked
        pairs.append((a, b, ab, ba, n_ranked, share, strength(rank_share=share)))
    pairs_df = pd.DataFrame(pairs, columns=["gene_a", "gene_b", "rank_b_for_a", "rank_a_for_b", "n_ranked", "share",
                                            "strength"])
    note = mapped.note
    if not (pairs_df["strength"] != "weak").any():
        note = " ".join(filter(None, [note, "No pair ranks in the other's closest 5% of genes both ways."]))
    return GeneLinks(pairs_df, _completion(ctx, symbols), _shared_terms(ctx, symbols), list(mapped.unmapped), note)


def _neighbour_ranks(ctx: Context, gene: str) -> np.ndarray:
    """Each vocabulary gene's rank (1 = closest) among `gene`'s protein-coding neighbours (ranked as similar_genes
    ranks them; genes not ranked get the last rank)."""
    _, score = neighbour_scores(ctx, gene)
    order = np.argsort(-score, kind="stable")
    ranks = np.empty(len(score), dtype=np.int64)
    ranks[order] = np.arange(1, len(score) + 1)
    return np.minimum(ranks, int(np.isfinite(score).sum()))


def _completion(ctx: Context, symbols: list[str]) -> pd.DataFrame:
    """Each gene's rank when the others are the input set, among valid genes outside the set."""
    rows = []
    columns = [ctx.model.column[g] for g in symbols]
    for g, col in zip(symbols, columns, strict=True):
        others = [s for s in symbols if s != g]
        scores = np.asarray(ctx.model.predict([others]), dtype=np.float64)[0]
        pool = ctx.valid.copy()
        pool[[ctx.model.column[s] for s in others]] = False
        rank = 1 + int((scores[pool] > scores[col]).sum())
        rows.append((g, rank, rank / int(pool.sum())))
    return pd.DataFrame(rows, columns=["gene", "completion_rank", "completion_share"])


def _shared_terms(ctx: Context, symbols: list[str]) -> pd.DataFrame:
    """Terms (MIN_TERM..MAX_TERM genes) every gene is known in or confidently predicted for."""
    sized = np.zeros(len(ctx.term_columns["term"]), dtype=bool)
    sized[ctx.ranked_rows] = True
    scores = {g: term_scores(ctx, g) for g in symbols}
    keep = sized.copy()
    for s in scores.values():
        keep &= s.known | ((s.rank >= LISTED_SCORE) & (s.calibrated >= MODERATE))
    rows = np.flatnonzero(keep & (ctx.term_columns["size"] <= MAX_TERM))
    columns = ["library", "term", "kind", "label", "term_size", "n_known", "status", "min_confidence"]
    if not len(rows):
        return pd.DataFrame(columns=columns)
    known = np.stack([scores[g].known[rows] for g in symbols])
    confidence = np.stack([np.where(scores[g].known[rows], np.nan, scores[g].calibrated[rows]) for g in symbols])
    library, term = ctx.term_columns["library"][rows], ctx.term_columns["term"][rows]
    status = [[_status(g, known[i, j], confidence[i, j]) for i, g in enumerate(symbols)] for j in range(len(rows))]
    with np.errstate(all="ignore"):
        lowest = np.nanmin(np.where(known, np.inf, confidence), axis=0)
    df = pd.DataFrame({
        "library": library, "term": term, "kind": [library_kind(x) for x in library],
        "label": labels(library.tolist(), term.tolist(), exclude=symbols),
        "term_size": ctx.term_columns["size"][rows].astype(np.int64), "n_known": known.sum(axis=0),
        "status": status, "min_confidence": np.where(np.isfinite(lowest), lowest, np.nan),
    })
    group = df["kind"].map(lambda k: GROUP_OF.get(k, len(KIND_GROUPS)))
    order = np.lexsort((df["term_size"], -df["min_confidence"].fillna(1.0), -df["n_known"], group))
    df = df.iloc[order]
    return df[~df["term"].map(term_key).duplicated()].head(SHARED_TOP).reset_index(drop=True)


def _status(gene: str, known: bool, confidence: float) -> str:
    if known:
        return f"{gene} known"
    return f"{gene} predicted, {strength(confidence)} (confidence {format_cell(float(confidence))})"

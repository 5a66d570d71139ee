"""Preranked GSEA of a ranked list (an experiment's whole result), on the array kernel `gsea_kernel`."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from gsfm_model.data.genes import normalize
from gsfm_model.data.matrices import library_matrix
from gsfm_model.errors import InputError

from .gsea_kernel import enrichment_scores, normalise, null_scores, size_grid
from .inputs import Mapped, attach
from .ora import bh_fdr
from .state import libraries_or_default
from .tables import ExpressionTable, read_table
from .tables import ranking as table_ranking
from .terms import with_kind_and_label

GSEA_COLUMNS = ["library", "term", "size", "es", "nes", "p_value", "fdr", "leading_edge"]
MIN_RANKED = 50  # fewer ranked genes than this is not a ranking of an experiment


def _ranking(ranked: pd.Series | ExpressionTable | pd.DataFrame | str | Path) -> tuple[pd.Series, Mapped]:
    """gene (official symbol) -> statistic, best first, and the mapping report."""
    if isinstance(ranked, pd.Series):
        found = normalize([str(g) for g in ranked.index])
        series = pd.Series(pd.to_numeric(ranked, errors="coerce").to_numpy(np.float64),
                           index=[found.mapping.get(str(g)) for g in ranked.index])
        series = series[series.index.notna()].dropna()
        series = series.iloc[np.argsort(-series.abs().to_numpy(), kind="stable")].groupby(level=0, sort=False).first()
        mapped = Mapped(list(series.index), list(found.unknown) + list(found.ambiguous), found.message(), found)
    else:
        table = ranked if isinstance(ranked, ExpressionTable) else read_table(ranked)
        series, mapped = table_ranking(table), table.mapped
    if len(series) < MIN_RANKED:
        raise InputError(f"A ranked list needs at least {MIN_RANKED} genes with a statistic (got {len(series)}); "
                         "rank every measured gene, not only the significant ones.")
    order = np.lexsort((series.index.to_numpy(str), -series.to_numpy()))  # by statistic, ties by name
    return series.iloc[order], mapped


def gsea(ranked: pd.Series | pd.DataFrame | str | Path, libraries: Iterable[str] | str | None = None,
         min_size: int = 5, max_size: int = 500, permutations: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Preranked GSEA (`tools.gsea_kernel`: GSEApy's weighted running sum, gene-set permutation) of a ranked list.

    ranked: gene -> statistic (a Series), or an expression table (path, text or DataFrame; its stat column, else
    sign(log2FC) x -log10(p)). Every term with min_size..max_size of the ranked genes is scored; the same seed gives
    the same result. Columns: library, term, kind, label, size (its ranked genes), es, nes, p_value, fdr
    (Benjamini-Hochberg within the library), leading_edge (the members before the peak, or after the trough for
    a negative score); sorted by p_value, then |nes|.
    """
    if not 1 <= min_size <= max_size:
        raise InputError(f"Need 1 <= min_size <= max_size (got {min_size}, {max_size}).")
    if not 100 <= permutations <= 100_000:
        raise InputError(f"permutations must be between 100 and 100,000 (got {permutations}).")
    series, mapped = _ranking(ranked)
    wanted = {name: None for name in libraries_or_default(libraries)}
    df = score_terms(series, wanted, min_size, max_size, permutations, seed)
    if df.empty:
        raise InputError(f"No term has {min_size}..{max_size} of the ranked genes.")
    return attach(with_kind_and_label(df, members="leading_edge"), mapped, permutations=permutations, seed=seed)


def score_terms(series: pd.Series, wanted: dict[str, set[str] | None], min_size: int = 5, max_size: int = 500,
                permutations: int = 1000, seed: int = 0) -> pd.DataFrame:
    """GSEA of a ranking (official symbol -> statistic, best first) over the wanted terms of each library (None:
    all), those with min_size..max_size ranked genes: `GSEA_COLUMNS`, sorted by p_value then |nes|."""
    genes, weights = series.index.to_numpy(), series.to_numpy(np.float64)
    pos = {g: i for i, g in enumerate(genes)}
    parts = [p for name, only in wanted.items()
             if (p := _library_terms(name, pos, min_size, min(max_size, len(genes) - 1), only)) is not None]
    if not parts:
        return pd.DataFrame(columns=GSEA_COLUMNS)
    grid = size_grid(np.concatenate([np.diff(p[3]) for p in parts]))
    null = null_scores(weights, grid, permutations, seed)
    df = pd.concat([_score(name, terms, positions, offsets, weights, genes, grid, null)
                    for name, terms, positions, offsets in parts], ignore_index=True)
    return df.iloc[np.lexsort((-df.nes.abs().to_numpy(), df.p_value.to_numpy()))].reset_index(drop=True)


def _library_terms(name: str, pos: dict[str, int], min_size: int, max_size: int, only: set[str] | None = None):
    """(library, terms, positions, offsets) of the library's terms (those in `only`) with min..max ranked genes,
    or None."""
    lm = library_matrix(name)
    cols = np.array([pos.get(g, -1) for g in lm.genes])
    rows = range(len(lm.terms)) if only is None else np.flatnonzero(lm.terms.term.isin(only).to_numpy())
    terms, chunks = [], []
    for i in rows:
        ranks = cols[lm.matrix[i].indices]
        ranks = np.sort(ranks[ranks >= 0])
        if min_size <= len(ranks) <= max_size:
            terms.append(lm.terms.term.iat[i])
            chunks.append(ranks)
    if not terms:
        return None
    return name, terms, np.concatenate(chunks), np.concatenate([[0], np.cumsum([len(c) for c in chunks])])


def _score(name, terms, positions, offsets, weights, genes, grid, null) -> pd.DataFrame:
    es, peak = enrichment_scores(weights, positions, offsets)
    sizes = np.diff(offsets)
    nes, p = normalise(es, sizes, grid, null)
    members = np.split(positions, offsets[1:-1])
    edge = [list(genes[m[m <= k]] if e >= 0 else genes[m[m >= k]][::-1]) for m, k, e in zip(members, peak, es)]
    return pd.DataFrame({"library": name, "term": terms, "size": sizes, "es": es, "nes": nes, "p_value": p,
                         "fdr": bh_fdr(p), "leading_edge": edge})

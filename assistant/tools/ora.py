"""The over-representation kernel behind `tools.enrich`, on arrays: hypergeometric tail (= one-sided Fisher),
odds ratio, z, combined score, BH FDR, and the per-library test that combines them."""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from gsfm_model.data.matrices import LibraryMatrix

ENRICH_COLUMNS = ["library", "term", "overlap", "term_size", "list_size", "background_size", "p_value", "fdr",
                  "odds_ratio", "z", "combined_score", "genes"]


def _log_comb(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)


def _log_pmf(i: np.ndarray, N: np.ndarray, K: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _log_comb(K, i) + _log_comb(N - K, n - i) - _log_comb(N, n)


def hypergeom_sf(k: np.ndarray, N: np.ndarray, K: np.ndarray, n: np.ndarray, tol: float = 1e-17) -> np.ndarray:
    """P(X >= k) for X ~ Hypergeometric(population N, K successes, n draws), element-wise.

    Equals `scipy.stats.hypergeom.sf(k - 1, N, K, n)` and Fisher's exact test, one-sided (greater), on the
    table [[k, K - k], [n - k, N - K - n + k]], but sums the tail with the pmf ratio recursion instead of
    scipy's per-element boost call (~100x faster on 10^5 terms). Above the mode the upper tail is summed;
    at or below it, 1 minus the lower tail (then p >= ~0.3, so no precision is lost).
    """
    k, N, K, n = (np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(k, N, K, n))
    lo, hi = np.maximum(0, n - (N - K)), np.minimum(n, K)
    out = np.where(k <= lo, 1.0, 0.0)
    mode = np.floor((n + 1) * (K + 1) / (N + 2))
    upper = np.flatnonzero((k > mode) & (k > lo) & (k <= hi))
    lower = np.flatnonzero((k <= mode) & (k > lo) & (k <= hi))
    out[upper] = _tail(k[upper], N[upper], K[upper], n[upper], hi[upper], step=1, tol=tol)
    out[lower] = 1.0 - _tail(k[lower] - 1, N[lower], K[lower], n[lower], lo[lower], step=-1, tol=tol)
    return np.clip(out, 0.0, 1.0)


def _tail(i: np.ndarray, N: np.ndarray, K: np.ndarray, n: np.ndarray, end: np.ndarray, step: int,
          tol: float) -> np.ndarray:
    """sum of pmf from i towards `end` (inclusive), stepping by +1 or -1, until terms are negligible."""
    term = np.exp(_log_pmf(i, N, K, n))
    total = term.copy()
    active = np.flatnonzero(i != end)
    i = i.copy()
    while active.size:
        a = active
        if step > 0:
            ratio = (K[a] - i[a]) * (n[a] - i[a]) / ((i[a] + 1) * (N[a] - K[a] - n[a] + i[a] + 1))
        else:
            ratio = i[a] * (N[a] - K[a] - n[a] + i[a]) / ((K[a] - i[a] + 1) * (n[a] - i[a] + 1))
        i[a] += step
        term[a] *= ratio
        total[a] += term[a]
        active = a[(i[a] != end[a]) & (term[a] > tol * total[a])]
    return total


def odds_ratio(k: np.ndarray, N: np.ndarray, K: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Enrichr's odds ratio: a*d / max(b*c, 1) for the table [[a, b], [c, d]] = [[k, K-k], [n-k, N-K-n+k]]."""
    a, b, c, d = k, K - k, n - k, N - K - n + k
    return (a * d) / np.maximum(b * c, 1.0)


def overlap_z(k: np.ndarray, N: np.ndarray, K: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(k - E[k]) / sd(k) under the hypergeometric null (0 where the variance is 0)."""
    k, N, K, n = (np.asarray(a, dtype=np.float64) for a in (k, N, K, n))
    frac = K / N
    var = n * frac * (1 - frac) * (N - n) / np.maximum(N - 1, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (k - n * frac) / np.sqrt(var)
    return np.where(var > 0, z, 0.0)


def combined_score(p: np.ndarray, z: np.ndarray) -> np.ndarray:
    """-ln(p) * z: Enrichr's c = ln(p) * z with z taken as the overlap z above (sign flipped so big = strong)."""
    return -np.log(np.maximum(p, 1e-300)) * z


def bh_fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values."""
    from scipy.stats import false_discovery_control

    return false_discovery_control(p, method="bh") if len(p) else np.asarray(p, dtype=float)


def ora_library(lm: LibraryMatrix, symbols: list[str], background: set[str] | None, min_overlap: int
                ) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """Over-representation of `symbols` in every term of one library (the test `tools.enrich` documents): the
    ENRICH_COLUMNS as arrays for the terms with overlap >= min_overlap (fdr: BH within the library), and the
    p-values of the other tested terms (for a correction across libraries); None if no input gene is in the
    library (or the background)."""
    cols = lm.columns(symbols)
    if background is None:
        N, K = len(lm.genes), lm.sizes
    else:
        universe = np.fromiter((g in background for g in lm.genes), dtype=bool, count=len(lm.genes))
        cols = cols[universe[cols]]
        N, K = int(universe.sum()), np.asarray(lm.matrix @ universe.astype(np.float64)).astype(np.int64)
    n = len(cols)
    if n == 0:
        return None
    hits = lm.by_gene[:, np.sort(cols)]  # (term, input gene) pairs: the overlaps
    k = np.bincount(hits.indices, minlength=len(K))
    tested = np.flatnonzero(K > 0)
    p = hypergeom_sf(k[tested], N, K[tested], n)
    fdr = bh_fdr(p)
    keep = k[tested] >= min_overlap
    rows, p, fdr, dropped = tested[keep], p[keep], fdr[keep], p[~keep]
    kk, KK = k[rows], K[rows]
    z = overlap_z(kk, N, KK, n)
    order = np.argsort(hits.indices, kind="stable")
    pair_terms = hits.indices[order]
    pair_genes = lm.genes[np.repeat(np.sort(cols), np.diff(hits.indptr))[order]]
    starts, ends = np.searchsorted(pair_terms, rows), np.searchsorted(pair_terms, rows, side="right")
    overlap = np.empty(len(rows), dtype=object)
    overlap[:] = [pair_genes[a:b].tolist() for a, b in zip(starts, ends)]
    return {"library": np.full(len(rows), lm.name, dtype=object), "term": lm.terms.term.to_numpy()[rows],
            "overlap": kk.astype(np.int64), "term_size": KK.astype(np.int64), "list_size": np.full(len(rows), n),
            "background_size": np.full(len(rows), N), "p_value": p, "fdr": fdr,
            "odds_ratio": odds_ratio(kk, N, KK, n), "z": z, "combined_score": combined_score(p, z),
            "genes": overlap}, dropped

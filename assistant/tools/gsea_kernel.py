"""Preranked gene set enrichment analysis on arrays (no I/O): the weighted Kolmogorov-Smirnov running sum of
Subramanian et al. (PNAS 2005) with weight |statistic|^1, as GSEApy's `prerank` computes it, for many terms at once.

Significance uses gene-set permutation, the preranked convention: random sets of the same size are scored on the
same ranking. To keep tens of thousands of terms within seconds, the null is drawn once per size on a geometric grid
of sizes (GRID_RATIO apart) and each term reads the grid size nearest to its own, as blitzgsea does with its
fitted null. NES = ES / the mean null ES of the same sign; p = share of same-sign null ES at least as extreme (with
the +1 correction); FDR: Benjamini-Hochberg by the caller.

Inputs: `weights` [n] (|statistic| of the ranked genes, in rank order, best first) and, per term, the rank
positions of its members (a CSR-style pair: `positions` concatenated, `offsets` [n_terms + 1]).
"""
from __future__ import annotations

import numpy as np

GRID_RATIO = 1.1  # neighbouring null sizes differ by 10%


def enrichment_scores(weights: np.ndarray, positions: np.ndarray, offsets: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(ES [n_terms], peak [n_terms]): each term's maximum deviation of the running sum from zero, and the rank
    position where it is reached (for a negative ES, the position of the first member after the trough).

    Terms need sorted positions, at least one member and fewer members than genes."""
    n = len(weights)
    sizes = np.diff(offsets)
    term = np.repeat(np.arange(len(sizes)), sizes)
    w = np.abs(np.asarray(weights, np.float64))[positions]
    cum = np.cumsum(w)
    start = np.concatenate([[0.0], cum])[offsets[:-1]]
    hit_cum = cum - start[term]  # weight of the term's members up to and including this one
    total = hit_cum[offsets[1:] - 1]
    total = np.where(total > 0, total, 1.0)
    j = np.arange(len(positions)) - offsets[:-1][term]  # index of the member within its term
    misses = (positions - j) / (n - sizes)[term]  # share of non-members ranked above this member
    after = hit_cum / total[term] - misses  # running sum just after the member
    before = (hit_cum - w) / total[term] - misses  # just before it
    top = _segment_arg(after, offsets, np.argmax)
    low = _segment_arg(before, offsets, np.argmin)
    hi, lo = after[top], np.minimum(before[low], 0.0)
    positive = hi >= -lo
    es = np.where(positive, hi, lo)
    return es, np.where(positive, positions[top], positions[low])


def _segment_arg(values: np.ndarray, offsets: np.ndarray, pick) -> np.ndarray:
    """Index into `values` of each segment's argmax/argmin (segments given by offsets)."""
    sizes = np.diff(offsets)
    out = np.empty(len(sizes), np.int64)
    for size in np.unique(sizes):  # equal-size segments as one 2-D block
        rows = np.flatnonzero(sizes == size)
        idx = offsets[rows][:, None] + np.arange(size)
        out[rows] = idx[np.arange(len(rows)), pick(values[idx], axis=1)]
    return out


def size_grid(sizes: np.ndarray, ratio: float = GRID_RATIO) -> np.ndarray:
    """Geometric grid of set sizes covering min(sizes)..max(sizes), `ratio` apart (distinct integers)."""
    lo, hi = int(sizes.min()), int(sizes.max())
    steps = int(np.ceil(np.log(hi / lo) / np.log(ratio))) + 1 if hi > lo else 1
    return np.unique(np.round(lo * ratio ** np.arange(steps)).astype(np.int64).clip(lo, hi))


def null_scores(weights: np.ndarray, grid: np.ndarray, permutations: int, seed: int) -> np.ndarray:
    """ES of `permutations` random sets of each grid size: [len(grid), permutations]."""
    rng = np.random.default_rng(seed)
    n = len(weights)
    out = np.empty((len(grid), permutations))
    for g, size in enumerate(grid):
        positions = np.sort(np.stack([rng.choice(n, size, replace=False) for _ in range(permutations)]), axis=1)
        offsets = np.arange(permutations + 1) * size
        out[g] = enrichment_scores(weights, positions.ravel(), offsets)[0]
    return out


def normalise(es: np.ndarray, sizes: np.ndarray, grid: np.ndarray, null: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(NES, p) of each term against the null of the grid size nearest its own (in log scale)."""
    nearest = np.abs(np.log(sizes)[:, None] - np.log(grid)[None, :]).argmin(1)
    nes, p = np.empty(len(es)), np.empty(len(es))
    for g in np.unique(nearest):
        rows = np.flatnonzero(nearest == g)
        pos, neg = np.sort(null[g][null[g] >= 0]), np.sort(-null[g][null[g] < 0])
        up = es[rows] >= 0
        r_up, r_down = rows[up], rows[~up]
        nes[r_up] = es[r_up] / (pos.mean() if len(pos) else 1.0)
        nes[r_down] = es[r_down] / (neg.mean() if len(neg) else 1.0)
        p[r_up] = (len(pos) - np.searchsorted(pos, es[r_up], "left") + 1) / (len(pos) + 1)
        p[r_down] = (len(neg) - np.searchsorted(neg, -es[r_down], "left") + 1) / (len(neg) + 1)
    return nes, p


def running_sum(weights: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The running sum [n] of one term (sorted member positions) along the ranking, for plots."""
    n = len(weights)
    hit = np.zeros(n, bool)
    hit[positions] = True
    w = np.where(hit, np.abs(np.asarray(weights, np.float64)), 0.0)
    step = np.where(hit, w / max(w.sum(), 1e-300), -1.0 / max(n - hit.sum(), 1))
    return np.cumsum(step)

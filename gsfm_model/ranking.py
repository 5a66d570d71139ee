"""Gene-centric ranking of a gene's terms: array kernels the product can call (no model, no I/O).

A poorly characterised gene has few terms of its own, so the within-term score (z: the model's score of the gene
given each term's members, standardised across the universe within the term) is the only signal a term gets from it.
These kernels add evidence read from the gene's side:

- `neighbour_vote`: the query gene's K nearest genes (by any similarity, e.g. the cosine of the model's gene
  embeddings) vote for the terms they belong to, each with weight sim^p; a term's score is the sum of its
  neighbours' weights divided by term_size^alpha.
- `column_z` / `combine`: each score standardised across a gene's terms, then a weighted z-sum.

Inputs are plain arrays: similarities [n_queries, n_genes], term membership [n_terms, n_genes] (bool, dense or a
scipy sparse matrix), term sizes [n_terms]. Outputs are term scores [n_terms, n_queries] (the orientation of
`timesplit.TermScores`).
"""
from __future__ import annotations

import numpy as np
from scipy import sparse


def cosine(queries: np.ndarray, genes: np.ndarray) -> np.ndarray:
    """Cosine similarity [len(queries), len(genes)] between rows of two embedding matrices."""
    q = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    g = genes / np.maximum(np.linalg.norm(genes, axis=1, keepdims=True), 1e-12)
    return (q @ g.T).astype(np.float32)


def top_neighbours(sim: np.ndarray, k: int, exclude: np.ndarray | None = None) -> sparse.csr_matrix:
    """Sparse [n_genes, n_queries] weights: each query's k most similar genes keep their (non-negative)
    similarity, every other gene 0. exclude[q]: a gene column query q may not pick (itself), or -1."""
    sim = np.array(sim, np.float32, copy=True)
    if exclude is not None:
        rows = np.flatnonzero(exclude >= 0)
        sim[rows, exclude[rows]] = -np.inf
    k = min(k, sim.shape[1])
    idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    vals = np.maximum(np.take_along_axis(sim, idx, 1), 0.0)
    cols = np.repeat(np.arange(sim.shape[0]), k)
    return sparse.csr_matrix((vals.ravel(), (idx.ravel(), cols)), shape=(sim.shape[1], sim.shape[0]))


def neighbour_vote(sim: np.ndarray, members, sizes: np.ndarray, k: int = 50, power: float = 1.0,
                   alpha: float = 0.5, exclude: np.ndarray | None = None) -> np.ndarray:
    """Term scores [n_terms, n_queries]: sum over the query's k nearest genes in the term of sim^power, divided
    by term_size^alpha (alpha 0 favours large terms, 1 scores the share of the term among the neighbours)."""
    weights = top_neighbours(sim, k, exclude)
    weights.data = weights.data ** power
    m = sparse.csr_matrix(members, dtype=np.float32)
    votes = np.asarray((m @ weights).todense(), np.float32)
    return votes / np.maximum(np.asarray(sizes, np.float32), 1.0)[:, None] ** alpha


def column_z(scores: np.ndarray) -> np.ndarray:
    """Each column (a gene's scores over its terms) standardised: (s - mean) / std."""
    mean, std = scores.mean(0, keepdims=True), np.maximum(scores.std(0, keepdims=True), 1e-6)
    return (scores - mean) / std


def combine(parts: list[np.ndarray], weights: list[float] | None = None) -> np.ndarray:
    """Weighted sum of the parts' column z-scores (each part [n_terms, n_queries])."""
    weights = weights or [1.0] * len(parts)
    return sum(w * column_z(p) for w, p in zip(weights, parts))

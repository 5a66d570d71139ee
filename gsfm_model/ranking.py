"""Gene-centric ranking of a gene's terms: array kernels the product can call (no model, no I/O).

A poorly characterised gene has few terms of its own, so the within-term score (z: the model's score of the gene
given each term's members, standardised across the universe within the term) is the only signal a term gets from it.
These kernels add evidence read from the gene's side:

- `neighbour_vote`: the query gene's K nearest genes (by any similarity, e.g. the cosine of the model's gene
  embeddings) vote for the terms they belong to, each with weight sim^p; a term's score is the sum of its
  neighbours' weights divided by term_size^alpha. `vote_for` is the same for one gene, on a gene x term matrix.
- `column_z`: each score standardised across a gene's terms.
- `rank_scores`: the ranker the product ships (`assistant.tools.predict_functions`) and the time split measures:
  z + VOTE_WEIGHT x vote, each standardised across the gene's terms within each library.

Inputs are plain arrays: similarities [n_queries, n_genes], term membership [n_terms, n_genes] (bool, dense or a
scipy sparse matrix), term sizes [n_terms]. Outputs are term scores [n_terms, n_queries] (the orientation of
`timesplit.TermScores`).
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

# The shipped ranker, chosen on a seeded half of the time split's genes (docs/benchmarks.md): the gene's 500 nearest
# genes (by the model's prediction for the single-gene set) vote sim^2 for their terms, whatever the term's size.
VOTE = {"k": 500, "power": 2.0, "alpha": 0.0}
VOTE_WEIGHT = 2.0  # z + VOTE_WEIGHT * vote, both standardised across the gene's terms


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


def vote_for(sim: np.ndarray, gene_terms: sparse.csr_matrix, sizes: np.ndarray, k: int = 50, power: float = 1.0,
             alpha: float = 0.5, exclude: int = -1) -> np.ndarray:
    """`neighbour_vote` for one query gene: sim [n_genes] (its similarity to every gene), gene_terms [n_genes,
    n_terms] membership (a CSR matrix: a gene's row holds its terms); returns [n_terms]. exclude: the query's row."""
    s = np.array(sim, np.float32, copy=True)
    if exclude >= 0:
        s[exclude] = -np.inf
    k = min(k, len(s))
    idx = np.argpartition(-s, k - 1)[:k]
    weights = np.maximum(s[idx], 0.0) ** power
    votes = np.asarray(gene_terms[idx].T @ weights, np.float32).ravel()
    return votes / np.maximum(np.asarray(sizes, np.float32), 1.0) ** alpha


def column_z(scores: np.ndarray) -> np.ndarray:
    """Each column (a gene's scores over its terms) standardised: (s - mean) / std."""
    mean, std = scores.mean(0, keepdims=True), np.maximum(scores.std(0, keepdims=True), 1e-6)
    return (scores - mean) / std


def grouped_column_z(scores: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """`column_z` within each group of rows (groups: an int code >= 0 per row, e.g. the term's library; None: one
    group)."""
    if groups is None:
        return column_z(scores)
    count = np.bincount(groups)[:, None].astype(np.float64)
    total = np.stack([np.bincount(groups, weights=col) for col in scores.T], axis=1)
    mean = total / np.maximum(count, 1)
    dev = scores - mean[groups]
    var = np.stack([np.bincount(groups, weights=col ** 2) for col in dev.T], axis=1) / np.maximum(count, 1)
    return dev / np.maximum(np.sqrt(var), 1e-6)[groups]


def rank_scores(z: np.ndarray, vote: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """The ranker's score [n_terms, n_queries]: z + VOTE_WEIGHT x vote, each standardised across the query gene's
    terms within each group (library), so that scores of different libraries are on one scale."""
    return grouped_column_z(z, groups) + VOTE_WEIGHT * grouped_column_z(vote, groups)

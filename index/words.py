"""Word search over the text index rows (TF-IDF cosine): what text search uses in an index built without sentence
embeddings (the quick index a fresh machine serves first, `build_index(embed_text=False)`)."""
from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an and as at by for from in into of on or the to via with".split())


def words(text: str) -> list[str]:
    """Lower-case words of `text`, without the commonest English ones."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


class WordIndex:
    """TF-IDF vectors (log term frequency, smoothed idf, unit length) of a list of texts."""

    def __init__(self, texts: list[str]) -> None:
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for r, text in enumerate(texts):
            for w in words(text):
                rows.append(r)
                cols.append(vocab.setdefault(w, len(vocab)))
        counts = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocab)))
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=len(vocab))
        self.vocab = vocab
        self.idf = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
        counts.data = 1 + np.log(counts.data)
        self.matrix = _unit_rows(counts @ sp.diags(self.idf))

    def search(self, query: str, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosine similarities) of the k texts among `rows` closest to `query`; texts sharing no word with it
        are left out."""
        cols = sorted({self.vocab[w] for w in words(query) if w in self.vocab})
        if not cols:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        q = self.idf[cols] / np.linalg.norm(self.idf[cols])
        sims = np.asarray(self.matrix[rows][:, cols] @ q).ravel()
        top = np.argsort(-sims, kind="stable")[:k]
        top = top[sims[top] > 0]
        return rows[top], sims[top].astype(np.float32)


def _unit_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
    return sp.diags(1 / np.maximum(norms, 1e-12)) @ m

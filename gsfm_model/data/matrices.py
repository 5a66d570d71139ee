"""Libraries as sparse term x gene matrices, cached once per process (read-only, shared between threads)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .libraries import available_libraries, load_library
from .paths import cache_dir

# Libraries left out unless asked for by name: one gene set per PubMed paper is not a function; the 2020 snapshot
# (loaders.ON_DEMAND_LIBRARIES) exists for the time split only.
EXCLUDED_BY_DEFAULT = ("gene2pubmed", "GO_BP_2020", "GO_MF_2020", "GO_CC_2020", "Pfam_2020", "PROSITE_2020",
                       "gene2pubmed_2020")

_LOCK = threading.Lock()


@dataclass(frozen=True)
class LibraryMatrix:
    """One library as a CSR boolean matrix.

    terms: columns term, description (row i of `matrix`); genes: the library's genes (column order);
    matrix: [n_terms, n_genes] 0/1 (uint8); by_gene: the same matrix in CSC (fast column = gene slices);
    sizes: genes per term.
    """

    name: str
    terms: pd.DataFrame
    genes: np.ndarray
    gene_pos: dict[str, int]
    matrix: sp.csr_matrix
    by_gene: sp.csc_matrix
    sizes: np.ndarray
    category: str

    def columns(self, symbols: list[str]) -> np.ndarray:
        """Column positions of the symbols that are in the library (input order)."""
        return np.array([self.gene_pos[g] for g in symbols if g in self.gene_pos], dtype=np.int64)


def default_libraries() -> list[str]:
    """Every cached library except those in EXCLUDED_BY_DEFAULT (evaluation libraries included)."""
    return [name for name in available_libraries() if name not in EXCLUDED_BY_DEFAULT]


def library_fingerprint(name: str) -> str:
    """sha256 of the library's parquet file (changes whenever the library is rebuilt differently)."""
    from .fileio import file_fingerprint

    return file_fingerprint(cache_dir("libraries") / f"{name}.parquet")


def library_matrix(name: str) -> LibraryMatrix:
    """The library `name` as a sparse matrix (built on first use, then cached for the process)."""
    with _LOCK:
        return _library_matrix(name)


@lru_cache(maxsize=64)
def _library_matrix(name: str) -> LibraryMatrix:
    lib = load_library(name)
    terms = lib.terms.reset_index(drop=True)
    genes = np.array(sorted({g for gs in terms.genes for g in gs}), dtype=object)
    gene_pos = {g: i for i, g in enumerate(genes)}
    sizes = terms.genes.str.len().to_numpy()
    cols = np.fromiter((gene_pos[g] for gs in terms.genes for g in gs), dtype=np.int64, count=int(sizes.sum()))
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    matrix = sp.csr_matrix((np.ones(len(cols), dtype=np.uint8), cols, indptr), shape=(len(terms), len(genes)))
    matrix.sort_indices()
    return LibraryMatrix(name, terms[["term", "description"]], genes, gene_pos, matrix, matrix.tocsc(),
                         sizes.astype(np.int64), lib.provenance.category)


def clear_cache() -> None:
    """Forget the cached matrices (after libraries were rebuilt)."""
    with _LOCK:
        _library_matrix.cache_clear()
        load_library.cache_clear()

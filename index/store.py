"""A built index folder: manifest checks, memory-mapped activations and FAISS searches.

Folder `$GSFM_HOME/indexes/<model-name>/`:

| file | what |
|---|---|
| `manifest.json` | format, model sha256, library fingerprints and provenance, build time, counts |
| `genes.txt` | the model vocabulary (activation row order) |
| `genes.faiss` | gene embeddings minus their mean, unit length, `IndexFlatIP` (cosine) |
| `terms.parquet` | library, term, description, size, n_model_genes, mean, std, auroc (row j = column j) |
| `terms.faiss` | term embeddings (the model's encoding of each whole term) minus their mean, `IndexFlatIP` |
| `centers.npz` | gene_mean, term_mean: the means subtracted before indexing (queries subtract them too) |
| `activations.npy` | float16 [n_genes, n_terms]: logit of gene i given term j whole (gene-major, memory-mapped) |
| `membership.npz` | sparse [n_genes, n_terms]: 1 where the gene is a known member of the term |
| `text.parquet`, `text.faiss` | text index rows (kind term/gene, library, name, description) and MiniLM vectors |
|  | (no `text.faiss` in an index built without sentence embeddings: its text search matches words, `index.words`) |
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gsfm_model.data.fileio import unreadable
from gsfm_model.data.libraries import available_libraries
from gsfm_model.data.matrices import library_fingerprint
from gsfm_model.data.paths import cache_dir, model_folder
from gsfm_model.errors import DataError

from .words import WordIndex

REPAIR_INDEX = "Run `gsfm setup` (or `gsfm index build`) to rebuild the index."

FORMAT_VERSION = 1
REBUILD = "Run `gsfm index build` to rebuild it."


class StaleIndexError(DataError):
    """The index on disk does not match the current model or libraries."""


def index_dir(model_dir: str | Path | None = None) -> Path:
    """Where the index of a model folder lives: `$GSFM_HOME/indexes/<model folder name>`."""
    return cache_dir("indexes") / Path(model_dir or model_folder()).name


def model_sha256(model_dir: str | Path) -> str:
    """sha256 of the model's weights file."""
    from gsfm_model.data.fileio import file_fingerprint

    path = Path(model_dir) / "model.safetensors"
    if not path.exists():
        raise DataError(f"No model at {path.parent} (model.safetensors missing). Train one with `gsfm train`.")
    return file_fingerprint(path)


def read_manifest(path: str | Path) -> dict:
    """The manifest of an index folder (DataError if there is none)."""
    file = Path(path) / "manifest.json"
    if not file.exists():
        raise DataError(f"No index at {Path(path)}. Run `gsfm setup` (or `gsfm index build`) to build it.")
    return _read(file, lambda f: json.loads(f.read_text()))


def check_manifest(manifest: dict, model_dir: str | Path) -> None:
    """Raise StaleIndexError if the index was built for another model, format or library version."""
    if manifest.get("format_version") != FORMAT_VERSION:
        raise StaleIndexError(f"The index has format {manifest.get('format_version')}, this code reads "
                              f"{FORMAT_VERSION}. {REBUILD}")
    sha = model_sha256(model_dir)
    if manifest["model"]["sha256"] != sha:
        raise StaleIndexError(f"The index was built for another model (sha256 {manifest['model']['sha256'][:12]}…, "
                              f"the model at {model_dir} is {sha[:12]}…). {REBUILD}")
    have = set(available_libraries())
    for name, info in manifest["libraries"].items():
        if name not in have:
            raise StaleIndexError(f"Library {name} was indexed but is no longer in the cache. {REBUILD}")
        if library_fingerprint(name) != info["sha256"]:
            raise StaleIndexError(f"Library {name} changed since the index was built. {REBUILD}")


def index_is_current(model_dir: str | Path | None = None, path: str | Path | None = None) -> bool:
    """Whether the model's index exists and matches the model and the libraries."""
    model_dir = Path(model_dir or model_folder())
    try:
        check_manifest(read_manifest(path or index_dir(model_dir)), model_dir)
    except DataError:
        return False
    return True


def text_strings(text: pd.DataFrame) -> list[str]:
    """The string each text index row is searched by: its name, then the start of its description."""
    return [f"{n}. {d}"[:200] if d else n for n, d in zip(text.name, text.description)]


def _read(path: Path, reader: Callable[[Path], Any]) -> Any:
    """`reader(path)`, with a damaged or missing file reported by name with the command that rebuilds it."""
    try:
        return reader(path)
    except (OSError, ValueError, RuntimeError, EOFError, KeyError) as exc:  # faiss: RuntimeError; numpy: ValueError
        raise unreadable(path, exc, REPAIR_INDEX) from exc


@dataclass
class GeneIndex:
    """A loaded index. Arrays are read-only and may be shared between threads."""

    path: Path
    manifest: dict
    genes: list[str]
    gene_pos: dict[str, int]
    terms: pd.DataFrame
    activations: np.ndarray  # float16 [n_genes, n_terms], memory-mapped
    membership: sp.csr_matrix  # [n_genes, n_terms]
    gene_vectors: object  # faiss.Index
    term_vectors: object  # faiss.Index
    term_mean: np.ndarray
    text: pd.DataFrame | None
    text_vectors: object | None  # None: built without sentence embeddings; text search matches words
    words: WordIndex | None = field(default=None, repr=False)  # built on the first word search

    @property
    def text_search(self) -> str:
        """How text search works here: "meaning" (sentence embeddings) or "words" (TF-IDF)."""
        return "words" if self.text_vectors is None else "meaning"

    @classmethod
    def load(cls, path: str | Path | None = None, model_dir: str | Path | None = None,
             check: bool = True) -> GeneIndex:
        """Open the index of `model_dir` (default model) after checking it is up to date."""
        import faiss

        model_dir = Path(model_dir or model_folder())
        path = Path(path or index_dir(model_dir))
        manifest = read_manifest(path)
        if check:
            check_manifest(manifest, model_dir)
        genes = _read(path / "genes.txt", lambda f: f.read_text().split("\n"))
        has_text, has_vectors = (path / "text.parquet").exists(), (path / "text.faiss").exists()
        return cls(
            path=path, manifest=manifest, genes=genes, gene_pos={g: i for i, g in enumerate(genes)},
            terms=_read(path / "terms.parquet", pd.read_parquet),
            activations=_read(path / "activations.npy", lambda f: np.load(f, mmap_mode="r")),
            membership=_read(path / "membership.npz", lambda f: sp.load_npz(f).tocsr()),
            gene_vectors=_read(path / "genes.faiss", lambda f: faiss.read_index(str(f))),
            term_vectors=_read(path / "terms.faiss", lambda f: faiss.read_index(str(f))),
            term_mean=_read(path / "centers.npz", lambda f: np.load(f)["term_mean"]),
            text=_read(path / "text.parquet", pd.read_parquet) if has_text else None,
            text_vectors=_read(path / "text.faiss", lambda f: faiss.read_index(str(f))) if has_vectors else None,
        )

    def gene_logits(self, gene: str) -> np.ndarray:
        """The gene's logit for every term (float32 [n_terms])."""
        return np.asarray(self.activations[self.gene_pos[gene]], dtype=np.float32)

    def gene_z(self, gene: str) -> np.ndarray:
        """The gene's logit standardised within each term (float32 [n_terms])."""
        return (self.gene_logits(gene) - self.terms["mean"].to_numpy()) / self.terms["std"].to_numpy()

    def known_terms(self, gene: str) -> np.ndarray:
        """Term rows the gene is a known member of."""
        row = self.gene_pos[gene]
        return self.membership.indices[self.membership.indptr[row]:self.membership.indptr[row + 1]]

    def nearest_genes(self, gene: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(gene rows, cosine similarities) of the k genes nearest to `gene`, itself excluded."""
        query = self.gene_vectors.reconstruct(self.gene_pos[gene]).reshape(1, -1)
        sims, rows = self.gene_vectors.search(query, k + 1)
        keep = (rows[0] >= 0) & (rows[0] != self.gene_pos[gene])
        return rows[0][keep][:k], sims[0][keep][:k]

    def nearest_terms(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(term rows, cosine similarities) of the k terms nearest to a gene-set embedding."""
        query = (np.asarray(vector, dtype=np.float32) - self.term_mean).reshape(1, -1)
        query /= max(float(np.linalg.norm(query)), 1e-12)
        sims, rows = self.term_vectors.search(query, k)
        keep = rows[0] >= 0
        return rows[0][keep], sims[0][keep]

    def search_text(self, query: str, k: int, kind: str) -> pd.DataFrame:
        """Rows of the text index of one kind ("term" or "gene") nearest to `query`, with `similarity`."""
        import faiss

        from .text import embed_texts

        if self.text is None:
            raise DataError(f"The index at {self.path} was built without a text index. {REBUILD}")
        rows = np.flatnonzero(self.text.kind.to_numpy() == kind)  # rows of one kind are contiguous
        if not len(rows):
            return self.text.head(0).assign(similarity=np.float32())
        if self.text_vectors is None:  # built without sentence embeddings: word search
            if self.words is None:
                self.words = WordIndex(text_strings(self.text))
            hits, sims = self.words.search(query, rows, k)
            return self.text.iloc[hits].assign(similarity=sims).reset_index(drop=True)
        params = faiss.SearchParameters(sel=faiss.IDSelectorRange(int(rows[0]), int(rows[-1]) + 1))
        sims, hits = self.text_vectors.search(embed_texts([query]), min(k, len(rows)), params=params)
        keep = hits[0] >= 0
        return self.text.iloc[hits[0][keep]].assign(similarity=sims[0][keep]).reset_index(drop=True)

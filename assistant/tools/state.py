"""The model, its index, the calibration of its predictions and the gene table, loaded once per process
(thread-safe) and shared read-only by every tool; `configure(model_dir)` points the process at another model folder."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gsfm_model.calibration import Calibration
from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.kinds import library_kind
from gsfm_model.data.libraries import available_libraries
from gsfm_model.data.matrices import default_libraries, library_matrix
from gsfm_model.data.paths import model_folder
from gsfm_model.errors import DataError, InputError
from gsfm_model.timesplit_data import MAX_TERM, MIN_TERM
from index.store import GeneIndex


@dataclass(frozen=True)
class Context:
    """The loaded model and index (read-only; shared by every thread)."""

    model: object
    index: GeneIndex
    model_dir: Path
    vocab_pos: dict[str, int]
    valid: np.ndarray  # vocabulary entries that are official gene symbols
    coding: np.ndarray  # vocabulary entries that are official protein-coding genes
    term_columns: dict[str, np.ndarray]  # index.terms' columns as numpy arrays (read on every prediction)
    term_library: np.ndarray  # int code of each indexed term's library (the ranker standardises within it)
    ranked_rows: np.ndarray  # the terms predictions are ranked over: MIN_TERM..MAX_TERM genes, as calibrated
    kind_rows: dict[str, np.ndarray]  # library kind -> its indexed term rows (the calibration is per kind)
    calibration: Calibration


_LOCK = threading.Lock()
_STATE: dict = {"model_dir": None, "index_path": None, "context": None}


def configure(model_dir: str | Path | None = None, index_path: str | Path | None = None) -> None:
    """Use the model in `model_dir` and the index in `index_path` from the next call on.

    None = $GSFM_MODEL_DIR / $GSFM_INDEX_DIR when set, else `$GSFM_HOME/models/default` and
    `$GSFM_HOME/indexes/<model folder name>`.
    """
    with _LOCK:
        _STATE.update(model_dir=Path(model_dir) if model_dir else None,
                      index_path=Path(index_path) if index_path else None, context=None)


def context() -> Context:
    """The process-wide model and index, loaded on first use (refuses a stale index)."""
    with _LOCK:
        if _STATE["context"] is None:
            import gsfm_model

            model_dir = _STATE["model_dir"] or os.environ.get("GSFM_MODEL_DIR") or model_folder()
            index_path = _STATE["index_path"] or os.environ.get("GSFM_INDEX_DIR") or None
            index = GeneIndex.load(index_path, model_dir=model_dir)
            model = gsfm_model.load(model_dir)
            official = set(load_gene_table().symbol)
            vocab_pos = {g: i for i, g in enumerate(model.genes) if g in official}
            valid = np.zeros(len(model.genes), dtype=bool)
            valid[list(vocab_pos.values())] = True
            columns = {c: index.terms[c].to_numpy() for c in ("library", "term", "size", "mean", "std", "auroc")}
            library = columns["library"]
            coding = valid & np.isin(np.asarray(model.genes, dtype=object), list(protein_coding()))
            _STATE["context"] = Context(model, index, Path(model_dir), vocab_pos, valid, coding, columns,
                                        np.unique(library, return_inverse=True)[1],
                                        np.flatnonzero(index.terms["size"].between(MIN_TERM, MAX_TERM).to_numpy()),
                                        kind_rows(index.terms.library),
                                        Calibration.load())
        return _STATE["context"]


def in_model(gene: str) -> bool | None:
    """Whether the model scores the gene (None when no model or index is available yet)."""
    try:
        return gene in context().vocab_pos
    except DataError:
        return None


def warm_up(libraries: Iterable[str] | None = None) -> None:
    """Load the model, its index and the library matrices now (e.g. when an app starts) rather than on first use."""
    context()
    for name in libraries_or_default(libraries):
        library_matrix(name)


def libraries_or_default(libraries: Iterable[str] | str | None) -> list[str]:
    """The named libraries (checked), or the default ones for None."""
    if libraries is None:
        return default_libraries()
    names = [libraries] if isinstance(libraries, str) else list(libraries)
    missing = sorted(set(names) - set(available_libraries()))
    if missing or not names:
        raise InputError(f"Unknown libraries {missing}. Available: {', '.join(available_libraries())}.")
    return names


def gene_names(symbols: Iterable[str]) -> list[str]:
    """Full names of official symbols ('' for none)."""
    if "names" not in _STATE:
        genes = load_gene_table()
        _STATE["names"] = dict(zip(genes.symbol, genes.name))
    return [_STATE["names"].get(s, "") for s in symbols]


def coding_genes() -> list[str]:
    """The protein-coding genes the loaded model scores, sorted (the pool random gene lists are drawn from)."""
    return sorted(protein_coding() & set(context().vocab_pos))


def protein_coding() -> frozenset[str]:
    """Official symbols of the protein-coding genes."""
    if "coding" not in _STATE:
        genes = load_gene_table()
        _STATE["coding"] = frozenset(genes.symbol[genes.gene_type == "protein-coding"])
    return _STATE["coding"]


def kind_rows(library: pd.Series) -> dict[str, np.ndarray]:
    """Library kind -> the rows of `library` (one library name per term) of that kind."""
    kinds = library.map({lib: library_kind(lib) for lib in library.unique()}).to_numpy(object)
    return {kind: np.flatnonzero(kinds == kind) for kind in set(kinds)}

"""The model, its index, the calibration of its predictions and the gene table, loaded once per process
(thread-safe) and shared read-only by every tool; `configure(model_dir)` points the process at another model folder."""
from __future__ import annotations

import os
import threading
import time
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

from . import serving


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
_STATE: dict = {"model_dir": None, "index_path": None, "context": None, "checked": 0.0, "switches": []}
SWITCH_CHECK_S = 20.0  # how often a process serving the quick model looks for the finished default model


def configure(model_dir: str | Path | None = None, index_path: str | Path | None = None) -> None:
    """Use the model in `model_dir` and the index in `index_path` from the next call on.

    None = $GSFM_MODEL_DIR / $GSFM_INDEX_DIR when set, else the served model (`serving.served_folder`: the
    default model, or the quick one until the default is trained and indexed) and `$GSFM_HOME/indexes/<its name>`.
    """
    with _LOCK:
        _STATE.update(model_dir=Path(model_dir) if model_dir else None,
                      index_path=Path(index_path) if index_path else None, context=None)


def context() -> Context:
    """The process-wide model and index, loaded on first use (refuses a stale index). While the quick model is
    served, the full default model replaces it once trained and indexed (checked every SWITCH_CHECK_S seconds;
    `switches()` lists the changes)."""
    with _LOCK:
        _switch_when_ready()
        if _STATE["context"] is None:
            import gsfm_model

            model_dir = _STATE["model_dir"] or os.environ.get("GSFM_MODEL_DIR") or serving.served_folder()
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


def _switch_when_ready() -> None:
    """Drop a loaded quick model once the default one is ready (the next line of `context` loads that)."""
    ctx = _STATE["context"]
    if ctx is None or not serving.is_quick(ctx.model_dir) or _STATE["model_dir"] or os.environ.get("GSFM_MODEL_DIR"):
        return
    now = time.monotonic()
    if now - _STATE["checked"] < SWITCH_CHECK_S:
        return
    _STATE["checked"] = now
    if serving.model_ready(model_folder()):
        _STATE["context"] = None
        _STATE["switches"].append((ctx.model_dir, model_folder(), time.time()))


def switches() -> list[tuple[Path, Path, float]]:
    """The served-model changes of this process: (from folder, to folder, unix time)."""
    return list(_STATE["switches"])


def served_model() -> Path | None:
    """The folder of the model the tools answer from now (None when none can be loaded)."""
    try:
        return context().model_dir
    except DataError:
        return None


def model_status() -> str:
    """One sentence for banners and terminals: the model answers come from, the background build while the quick
    model serves, and the last switch."""
    served = served_model()
    if served is None:
        return "No model is loaded yet: run `gsfm setup`."
    line = f"Answers come from {serving.model_label(served)}."
    if serving.is_quick(served):
        line += " " + serving.build_status().line()
    if _STATE["switches"]:
        old, _, at = _STATE["switches"][-1]
        line += (f" It replaced {serving.model_label(old)} at {time.strftime('%H:%M', time.localtime(at))}; "
                 "answers since then may differ from earlier ones.")
    return line


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

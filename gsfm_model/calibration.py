"""Calibrated confidence of a predicted gene-term pair: the measured share of such predictions that were confirmed,
per library kind and bin of the ranker's score (`ranking.rank_scores`).

A table per kind holds score-bin edges and the observed rate in each bin, made non-decreasing in the score (pool
adjacent violators), with the pairs and hits it was measured on and where they came from. Kinds with no data of
their own read the POOLED table. `calibration_data` builds the pairs and `gsfm benchmark --calibrate` fits the
shipped table, CALIBRATION_FILE.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .data.fileio import atomic_write
from .errors import DataError

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
POOLED = "pooled"  # the table of kinds with no calibration data of their own
# Score quantiles used as bin edges, dense at the top where predictions are listed; a level is dropped when the
# bin above it would hold fewer than MIN_PAIRS pairs.
QUANTILES = (0.5, 0.9, 0.97, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9998, 0.9999)
MIN_PAIRS = 500
TOLERANCE = 0.1  # the largest |observed - predicted| per bin the project accepts on the half it was not fitted on


@dataclass(frozen=True)
class KindTable:
    """One kind's calibration: bin b holds scores in [edges[b-1], edges[b]) and its confidence is rate[b]."""

    edges: list[float]  # inner edges, ascending (n_bins - 1)
    rate: list[float]  # non-decreasing, one per bin
    pairs: list[int]
    hits: list[int]
    source: str

    def bins(self, scores: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.asarray(self.edges), np.asarray(scores, np.float64), side="right")

    def confidence(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(self.rate, np.float64)[self.bins(scores)]


@dataclass
class Calibration:
    """The tables of every calibrated kind (and POOLED), with how they were made."""

    kinds: dict[str, KindTable]
    info: dict = field(default_factory=dict)

    def table(self, kind: str) -> KindTable:
        return self.kinds.get(kind) or self.kinds[POOLED]

    def confidence(self, kinds: np.ndarray | list[str], scores: np.ndarray) -> np.ndarray:
        """Confidence of each pair, from its kind's table (POOLED for a kind without one)."""
        kinds, scores = np.asarray(kinds, dtype=object), np.asarray(scores, np.float64)
        out = np.empty(len(scores), np.float64)
        for kind in set(kinds):
            rows = kinds == kind
            out[rows] = self.table(kind).confidence(scores[rows])
        return out

    def save(self, path: str | Path = CALIBRATION_FILE) -> Path:
        text = json.dumps({"info": self.info, "kinds": {k: asdict(t) for k, t in self.kinds.items()}}, indent=1)
        with atomic_write(path) as tmp:
            tmp.write_text(text + "\n")
        return Path(path)

    @classmethod
    def load(cls, path: str | Path = CALIBRATION_FILE) -> Calibration:
        try:
            raw = json.loads(Path(path).read_text())
            kinds = {k: KindTable(**t) for k, t in raw["kinds"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"Cannot read the calibration table {path} ({exc}). Reinstall the package, or rebuild "
                            f"it with `gsfm benchmark --calibrate`.") from exc
        if POOLED not in kinds:
            raise DataError(f"The calibration table {path} has no '{POOLED}' table; rebuild it with "
                            f"`gsfm benchmark --calibrate`.")
        return cls(kinds, raw.get("info", {}))


def bin_edges(scores: np.ndarray, quantiles: tuple[float, ...] = QUANTILES, min_pairs: int = MIN_PAIRS) -> list[float]:
    """Inner bin edges: the score quantiles whose bin above holds >= min_pairs pairs (distinct, ascending)."""
    n = len(scores)
    levels = [q for q in quantiles if (1 - q) * n >= min_pairs]
    return sorted({float(e) for e in np.quantile(scores, levels)}) if levels else []


def pool_adjacent_violators(rate: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The non-decreasing sequence closest to `rate` in weighted least squares (weights: pairs per bin)."""
    blocks: list[list[float]] = []  # [mean, weight, length]
    for r, w in zip(rate, weight):
        blocks.append([float(r), float(w), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m1, w1, n1), (m2, w2, n2) = blocks[-2], blocks.pop()
            total = max(w1 + w2, 1e-12)
            blocks[-1] = [(m1 * w1 + m2 * w2) / total, w1 + w2, n1 + n2]
    return np.concatenate([[m] * n for m, _, n in blocks])


def fit_table(scores: np.ndarray, hits: np.ndarray, source: str, edges: list[float] | None = None) -> KindTable:
    """A kind's table from (score, hit) pairs: quantile bins (or `edges`), monotone observed rates."""
    scores, hits = np.asarray(scores, np.float64), np.asarray(hits, bool)
    edges = bin_edges(scores) if edges is None else list(edges)
    b = np.searchsorted(np.asarray(edges), scores, side="right")
    pairs = np.bincount(b, minlength=len(edges) + 1)
    hit = np.bincount(b, weights=hits, minlength=len(edges) + 1)
    rate = pool_adjacent_violators(hit / np.maximum(pairs, 1), pairs)
    return KindTable(edges, [round(float(r), 6) for r in rate], pairs.tolist(), hit.astype(int).tolist(), source)


def reliability(table: KindTable, scores: np.ndarray, hits: np.ndarray) -> pd.DataFrame:
    """Predicted against observed per bin, on (score, hit) pairs: columns bin, low, high (score range),
    predicted (the table's confidence), observed (share of hits), pairs, hits."""
    b = table.bins(scores)
    n = len(table.rate)
    pairs = np.bincount(b, minlength=n)
    hit = np.bincount(b, weights=np.asarray(hits, bool), minlength=n)
    edges = [-np.inf, *table.edges, np.inf]
    return pd.DataFrame({"bin": np.arange(n), "low": edges[:-1], "high": edges[1:], "predicted": table.rate,
                         "observed": hit / np.maximum(pairs, 1), "pairs": pairs, "hits": hit.astype(int)})


def worst_gap(table: pd.DataFrame) -> float:
    """The largest |observed - predicted| over a reliability table's bins."""
    return float((table.observed - table.predicted).abs().max())

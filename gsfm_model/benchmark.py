"""Gene-set completion benchmark: the reference protocol, popularity and co-occurrence baselines, the run.

Protocol (BENCHMARK.md): for each term of a held-out library, 5 seeded random 50/50 splits with >= 5 universe
genes per half (terms that cannot are skipped). A scorer sees one half; candidates are the library's genes in the
universe minus that half; positives are the hidden half. AUROC and average precision are taken per split, the
median over a term's splits, then the median over terms. Every scorer is restricted to the same gene universe
(the intersection of their vocabularies) and sees the same splits. `benchmark_report` renders the results.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import rankdata

from .data.corpus import Corpus, build_corpus, load_recipe
from .data.libraries import load_library
from .data.paths import model_folder
from .errors import InputError

# Evaluation library -> the corpus recipe its scorers are trained on.
LIBRARY_RECIPES = {
    "KEGG_2021_Human": "default",
    "ChEA_2022": "default",
    "WikiPathway_2023_Human": "default",
    "GO_Biological_Process_2023": "no_go",
}
# Evaluation library -> prefixes of training sources it refuses (GO BP is judged only by GO-free scorers).
EXCLUDED_SOURCES = {"GO_Biological_Process_2023": ("GO_",)}
N_SPLITS = 5
MIN_HALF = 5
PREDICT_BATCH = 256


class Scorer(Protocol):
    """Anything that ranks genes for gene sets (e.g. the object `gsfm_model.load()` returns)."""

    genes: list[str]

    def predict(self, gene_sets: list[list[str]]) -> np.ndarray:
        """Scores [len(gene_sets), len(genes)]; higher = more likely to belong to the set."""
        ...


class PopularityScorer:
    """Baseline: every set gets the same ranking, the number of corpus sets that contain each gene."""

    def __init__(self, corpus: Corpus):
        self.genes = list(corpus.genes)
        self.counts = np.asarray(corpus.matrix.sum(axis=0), dtype=np.float32).ravel()

    def predict(self, gene_sets: list[list[str]]) -> np.ndarray:
        return np.tile(self.counts, (len(gene_sets), 1))


class CooccurrenceScorer:
    """Baseline: a candidate's mean Jaccard co-membership (over corpus sets) with the input genes.

    Jaccard(i, j) = |sets with i and j| / |sets with i or j|, from XᵀX and the gene set counts. The dense V x V
    float32 matrix (2 GB at V = 23k) is built block by block from the sparse corpus on the first `predict`.
    """

    def __init__(self, corpus: Corpus, block: int = 1024):
        x = corpus.matrix.astype(np.float32).tocsr()
        x.data[:] = 1.0
        self.genes = list(corpus.genes)
        self._x = x
        self._col = {g: i for i, g in enumerate(self.genes)}
        self._block = block
        self._jaccard: np.ndarray | None = None

    def jaccard(self) -> np.ndarray:
        """The dense gene x gene Jaccard matrix (computed once)."""
        if self._jaccard is None:
            xt = self._x.T.tocsr()
            size = np.asarray(self._x.sum(axis=0), dtype=np.float32).ravel()
            out = np.empty((len(size), len(size)), np.float32)
            for a in range(0, len(size), self._block):
                both = (xt[a:a + self._block] @ self._x).toarray()
                out[a:a + self._block] = both / np.maximum(size[a:a + self._block, None] + size - both, 1.0)
            self._jaccard = out
        return self._jaccard

    def predict(self, gene_sets: list[list[str]]) -> np.ndarray:
        r, c, v = [], [], []
        for i, s in enumerate(gene_sets):
            ids = sorted({self._col[g] for g in s if g in self._col})
            r += [i] * len(ids)
            c += ids
            v += [1.0 / len(ids)] * len(ids)
        mean = sp.csr_matrix((v, (r, c)), shape=(len(gene_sets), len(self.genes)), dtype=np.float32)
        return np.asarray(mean @ self.jaccard(), dtype=np.float32)


class ModelPartScorer:
    """Ablation: one part of a trained model with the item-item head, "head" alone or the "dae" logits alone."""

    def __init__(self, model, part: str):
        self.genes = list(model.genes)
        self._model, self._part = model, part

    def predict(self, gene_sets: list[list[str]]) -> np.ndarray:
        return self._model._run(gene_sets, PREDICT_BATCH, embed=False, part=self._part)


@dataclass
class Contender:
    """A named scorer and the libraries of the corpus it learned from (for the held-out-source rules)."""

    name: str
    scorer: Scorer
    training_libraries: list[str]
    info: dict = field(default_factory=dict)


def check_allowed(library: str, training_libraries: Sequence[str], name: str = "scorer") -> None:
    """Refuse a scorer whose training corpus contains the library or a source it must not have seen."""
    if library in training_libraries:
        raise InputError(f"{name} was trained on {library}; it cannot be evaluated on it.")
    banned = [lib for lib in training_libraries if lib.startswith(EXCLUDED_SOURCES.get(library, ()))]
    if banned:
        raise InputError(f"{library} only accepts scorers trained without {', '.join(EXCLUDED_SOURCES[library])}* "
                         f"sources; {name} was trained on {', '.join(banned)}. Use the 'no_go' recipe.")


@dataclass
class Splits:
    """Seeded 50/50 splits of a library's terms, in universe column indices."""

    terms: list[str]  # one per split (each term appears N_SPLITS times, consecutively)
    inputs: list[np.ndarray]
    hidden: list[np.ndarray]
    candidates: np.ndarray  # universe indices of the library's genes


def make_splits(sets: dict[str, list[str]], universe: Sequence[str], n_splits: int = N_SPLITS,
                min_half: int = MIN_HALF, max_terms: int | None = None, seed: int = 0) -> Splits:
    """Split every term with >= 2*min_half universe genes n_splits times; keep a seeded max_terms sample."""
    col = {g: i for i, g in enumerate(universe)}
    rng = np.random.default_rng(seed)
    cols = {t: np.asarray(sorted({col[g] for g in genes if g in col}), np.int64) for t, genes in sets.items()}
    eligible = sorted(t for t, c in cols.items() if len(c) >= 2 * min_half)
    if max_terms is not None and len(eligible) > max_terms:
        eligible = sorted(rng.choice(eligible, max_terms, replace=False).tolist())
    out = Splits([], [], [], np.asarray(sorted(set().union(*map(set, cols.values()))), np.int64))
    for t in eligible:
        c = cols[t]
        for _ in range(n_splits):
            perm = rng.permutation(c)
            out.terms.append(t)
            out.inputs.append(np.sort(perm[:len(c) // 2]))
            out.hidden.append(np.sort(perm[len(c) // 2:]))
    return out


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (ties count half), from ranks."""
    ranks = rankdata(scores)
    n_pos = int(positive.sum())
    n_neg = len(scores) - n_pos
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(scores: np.ndarray, positive: np.ndarray) -> float:
    """Average precision, stepwise over distinct score thresholds (as sklearn's average_precision_score)."""
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], positive[order]
    ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each tied block
    tp = np.cumsum(y)[ends]
    precision = tp / (ends + 1)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def score_splits(scorer: Scorer, splits: Splits, universe: Sequence[str],
                 batch_size: int = PREDICT_BATCH) -> pd.DataFrame:
    """Per-split AUROC and AP: columns term, auroc, ap."""
    scol = {g: i for i, g in enumerate(scorer.genes)}
    missing = [universe[i] for i in splits.candidates if universe[i] not in scol]
    if missing:
        raise InputError(f"The scorer lacks {len(missing)} universe genes (e.g. {missing[:3]}); "
                         "build the universe from every scorer's genes.")
    cand = splits.candidates
    cand_cols = np.asarray([scol[universe[i]] for i in cand], np.int64)
    where = {u: k for k, u in enumerate(cand)}
    names = np.asarray(universe, dtype=object)
    rows = []
    for start in range(0, len(splits.inputs), batch_size):
        inputs = splits.inputs[start:start + batch_size]
        scores = np.asarray(scorer.predict([names[i].tolist() for i in inputs]))[:, cand_cols]
        for k, (inp, hid) in enumerate(zip(inputs, splits.hidden[start:start + batch_size], strict=True)):
            keep = np.ones(len(cand), bool)
            keep[[where[i] for i in inp]] = False
            pos = np.zeros(len(cand), bool)
            pos[[where[i] for i in hid]] = True
            s, y = scores[k, keep], pos[keep]
            rows.append((splits.terms[start + k], auroc(s, y), average_precision(s, y)))
    return pd.DataFrame(rows, columns=["term", "auroc", "ap"])


def summarize(per_split: pd.DataFrame) -> dict:
    """Median over each term's splits, then median over terms."""
    per_term = per_split.groupby("term", sort=False)[["auroc", "ap"]].median()
    return {"auroc": float(per_term.auroc.median()), "ap": float(per_term.ap.median()), "terms": len(per_term)}


def evaluate(contender: Contender, library: str, universe: Sequence[str], max_terms: int | None = None,
             seed: int = 0) -> dict:
    """Median AUROC/AP of one contender on one evaluation library (held-out-source rules enforced)."""
    check_allowed(library, contender.training_libraries, contender.name)
    splits = make_splits(load_library(library).gene_sets(), universe, max_terms=max_terms, seed=seed)
    return summarize(score_splits(contender.scorer, splits, universe))


def gene_universe(scorers: Sequence[Scorer]) -> list[str]:
    """Sorted intersection of the scorers' vocabularies."""
    common = set(scorers[0].genes)
    for s in scorers[1:]:
        common &= set(s.genes)
    return sorted(common)


# ---- model variants -------------------------------------------------------------------------------------------
def variant_dir(variant: str, recipe: str) -> Path:
    """$GSFM_HOME/models/<variant> for the default corpus, <variant>-<recipe> for any other."""
    return model_folder(variant if recipe == "default" else f"{variant}-{recipe}")


def read_model_info(path: Path) -> dict:
    """A model folder's config.json (model config, `corpus` recipe and versions, `training` summary)."""
    return json.loads((path / "config.json").read_text()) if (path / "config.json").exists() else {}


def model_training_libraries(info: dict) -> list[str]:
    """The libraries of the corpus a model folder was trained on (config.json's corpus recipe)."""
    recipe = info.get("corpus", {}).get("recipe", info.get("recipe"))
    if isinstance(recipe, dict) and "libraries" in recipe:
        return list(recipe["libraries"])
    if isinstance(recipe, str):
        return load_recipe(recipe).libraries
    raise InputError("The model folder's config.json does not record its training corpus recipe; retrain it.")


def train_variant(variant: str, recipe: str, out: Path) -> None:
    """Train a missing variant with `gsfm_model.train` (the variant is a training preset)."""
    from .train import train

    train(preset=variant, out=out, recipe=None if recipe == "default" else recipe)


def load_variant(variant: str, recipe: str, train_missing: bool = True) -> Contender:
    """A model variant trained on `recipe`, from its cached folder (trained first if missing)."""
    from . import load

    path = variant_dir(variant, recipe)
    if not (path / "model.safetensors").exists():
        if not train_missing:
            raise InputError(f"No trained model at {path}.")
        train_variant(variant, recipe, path)
    info = read_model_info(path)
    return Contender(variant, load(path), model_training_libraries(info), {"path": str(path), **info})


# ---- the run --------------------------------------------------------------------------------------------------
@dataclass
class BenchmarkResult:
    """Scores per (library, scorer) and the facts needed to reproduce them."""

    scores: pd.DataFrame  # columns library, recipe, scorer, auroc, ap, terms
    corpora: dict[str, dict]  # recipe -> sets, genes, universe
    models: dict[str, dict]  # "<variant> (<recipe>)" -> model info
    speed: dict[str, dict] = field(default_factory=dict)  # scorer -> timings
    seconds: float = 0.0


def run_benchmark(variants: Sequence[str] = (), libraries: Sequence[str] = tuple(LIBRARY_RECIPES),
                  max_terms: int | None = None, seed: int = 0, train_missing: bool = True, ablate: bool = False,
                  log: Callable[[str], None] = print) -> BenchmarkResult:
    """Popularity, co-occurrence and the model variants side by side on the evaluation libraries; `ablate` adds
    each variant's item-item head alone and DAE alone ("<variant> head", "<variant> DAE")."""
    t0 = time.time()
    unknown = [lib for lib in libraries if lib not in LIBRARY_RECIPES]
    if unknown:
        raise InputError(f"Unknown evaluation libraries {unknown}; choose from {', '.join(LIBRARY_RECIPES)}.")
    rows, corpora, models, speed = [], {}, {}, {}
    for recipe in dict.fromkeys(LIBRARY_RECIPES[lib] for lib in libraries):
        corpus = build_corpus(recipe)
        libs = corpus.recipe.libraries
        contenders = [Contender("popularity", PopularityScorer(corpus), libs),
                      Contender("co-occurrence", CooccurrenceScorer(corpus), libs)]
        for v in variants:
            contenders.append(load_variant(v, recipe, train_missing))
            models[f"{v} ({recipe})"] = contenders[-1].info
            model, libs_seen = contenders[-1].scorer, contenders[-1].training_libraries
            if ablate and model.model.item_item is not None and model.model.config.dae_weight > 0:
                contenders += [Contender(f"{v} {label}", ModelPartScorer(model, part), libs_seen)
                               for part, label in (("head", "head"), ("dae", "DAE"))]
        universe = gene_universe([c.scorer for c in contenders])
        corpora[recipe] = {"sets": len(corpus), "genes": len(corpus.genes), "universe": len(universe)}
        for lib in (lib for lib in libraries if LIBRARY_RECIPES[lib] == recipe):
            for c in contenders:
                t = time.time()
                res = evaluate(c, lib, universe, max_terms, seed)
                rows.append({"library": lib, "recipe": recipe, "scorer": c.name, **res})
                log(f"{lib:28s} {c.name:16s} AUROC {res['auroc']:.3f}  AP {res['ap']:.3f}  "
                    f"({res['terms']} terms, {time.time() - t:.0f}s)")
        if recipe == "default":
            speed = {c.name: timing(c.scorer, corpus.gene_sets(), seed) for c in contenders}
    return BenchmarkResult(pd.DataFrame(rows), corpora, models, speed, time.time() - t0)


def timing(scorer: Scorer, sets: list[list[str]], seed: int = 0, batch: int = 1000, repeats: int = 10) -> dict:
    """Seconds to score one set (median of `repeats`) and a batch of `batch` corpus sets."""
    rng = np.random.default_rng(seed)
    picks = [sets[i] for i in rng.choice(len(sets), batch, replace=len(sets) < batch)]
    one = []
    for s in picks[:repeats]:
        t = time.perf_counter()
        scorer.predict([s])
        one.append(time.perf_counter() - t)
    t = time.perf_counter()
    scorer.predict(picks)
    return {"one_set_s": float(np.median(one)), "batch_s": time.perf_counter() - t, "batch": batch}

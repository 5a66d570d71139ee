"""Time split on real data: a model trained on Bioconductor 3.12 (2020-09) predicts the GO BP of 3.16 (2022-09).

`gsfm benchmark --timesplit` runs it (the selection rules are in `timesplit_data`):

- Term level: each 2020 GO BP term of 5..500 genes that gains members by 2022 is fed whole (its 2020 members); the
  candidates are every universe gene not in the 2020 term, the positives those that join it by 2022. Median AUROC
  (and AP) over terms.
- Gene level, the use case: for each rarely annotated gene, every 2020 term of 5..500 genes that does not yet contain
  it is ranked; the positives (hits) are the terms it joins by 2022. Per gene: AUROC, hit@10 (>= 1 hit in the top
  10) and precision@10; reported as the median AUROC, the share of genes with a hit in the top 10 (hits@10) and the
  mean precision@10.

Scorers, all on the same 2020 corpus (recipe `timesplit_2020`, cutoff-checked) and gene universe:
- the model trained on it, ranked as the product ranks a gene's terms: each term's scores standardised across the
  universe genes (z), as `assistant.tools.predict_functions` does with the index's term activations; its raw score
  is shown too;
- popularity: genes by corpus frequency (term level); terms by their size (gene level);
- co-occurrence (`benchmark.CooccurrenceScorer`): a candidate gene's mean Jaccard with the term's members (term
  level); a term's mean Jaccard between the gene and its 2020 members (gene level, the same number read the other
  way), raw and standardised like the model's.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .benchmark import CooccurrenceScorer, PopularityScorer, Scorer, auroc, average_precision, gene_universe
from .data.corpus import build_corpus, check_cutoff, load_recipe
from .data.libraries import load_library
from .data.paths import model_folder
from .errors import InputError
from .ranking import VOTE, VOTE_WEIGHT, neighbour_vote, rank_scores
from .timesplit_data import SplitData, load_split, membership

RECIPE = "timesplit_2020"
MODEL_NAME = "timesplit_2020"  # $GSFM_HOME/models/timesplit_2020
EPOCHS = 30  # about 11 minutes on 2 idle cores (25,750 sets); trained with no wall-clock budget, so reproducible
TOP_K = 10
BATCH = 256


def train_command() -> str:
    return f"gsfm train --recipe {RECIPE} --out $GSFM_HOME/models/{MODEL_NAME} --epochs {EPOCHS} --minutes 0"


@dataclass
class TermScores:
    """One scorer over the split's terms: term-level AUROC/AP (nan where a term gains no member), and the
    selected genes' scores per term, raw and standardised within the term across the universe (z)."""

    auroc: np.ndarray
    ap: np.ndarray
    raw: np.ndarray  # [n_terms, n_genes]
    z: np.ndarray


def score_terms(scorer: Scorer, data: SplitData, batch: int = BATCH) -> TermScores:
    """Feed every 2020 term whole; score its new members (term level) and keep the selected genes' scores."""
    scol = {g: i for i, g in enumerate(scorer.genes)}
    ucols = np.asarray([scol[g] for g in data.universe], np.int64)
    upos = {g: i for i, g in enumerate(data.universe)}
    gcols = np.asarray([upos[g] for g in data.genes.gene], np.int64)
    n = len(data.terms)
    out = TermScores(np.full(n, np.nan), np.full(n, np.nan), np.zeros((n, len(gcols)), np.float32),
                     np.zeros((n, len(gcols)), np.float32))
    for start in range(0, n, batch):
        scores = np.asarray(scorer.predict(data.inputs[start:start + batch]), np.float32)[:, ucols]
        mean, std = scores.mean(1, keepdims=True), np.maximum(scores.std(1, keepdims=True), 1e-6)
        out.raw[start:start + len(scores)] = scores[:, gcols]
        out.z[start:start + len(scores)] = ((scores - mean) / std)[:, gcols]
        for k, s in enumerate(scores):
            i = start + k
            if not len(data.new_members[i]):
                continue
            keep = np.ones(len(s), bool)
            keep[[upos[g] for g in data.inputs[i] if g in upos]] = False
            pos = np.zeros(len(s), bool)
            pos[data.new_members[i]] = True
            out.auroc[i], out.ap[i] = auroc(s[keep], pos[keep]), average_precision(s[keep], pos[keep])
    return out


def gene_metrics(scores: np.ndarray, known: np.ndarray, hits: np.ndarray, k: int = TOP_K) -> pd.DataFrame:
    """Per gene (column): rank the terms it is not known in by score; AUROC of its hits, hit@k and precision@k.

    Ties keep the terms' order (stable sort). Columns: auroc, hit_at_k, precision_at_k, hits, candidates.
    """
    rows = []
    for j in range(scores.shape[1]):
        cand = ~known[:, j]
        s, y = scores[cand, j], hits[cand, j]
        top = y[np.argsort(-s, kind="stable")[:k]]
        rows.append((auroc(s, y) if 0 < y.sum() < len(y) else np.nan, bool(top.any()), top.sum() / k,
                     int(y.sum()), int(cand.sum())))
    return pd.DataFrame(rows, columns=["auroc", "hit_at_k", "precision_at_k", "hits", "candidates"])


def summarize_genes(per_gene: pd.DataFrame) -> dict:
    """Median AUROC, hits@k (share of genes with >= 1 hit in the top k), mean precision@k, number of genes."""
    return {"auroc": float(per_gene.auroc.median()), "hits_at_10": float(per_gene.hit_at_k.mean()),
            "precision_at_10": float(per_gene.precision_at_k.mean()), "genes": len(per_gene)}


def summarize_terms(scores: TermScores) -> dict:
    ok = ~np.isnan(scores.auroc)
    return {"auroc": float(np.median(scores.auroc[ok])), "ap": float(np.median(scores.ap[ok])),
            "terms": int(ok.sum())}


@dataclass
class TimesplitResult:
    """Term- and gene-level scores, the per-gene table, and the facts to reproduce them."""

    terms: pd.DataFrame  # scorer, auroc, ap, terms
    genes: pd.DataFrame  # scorer, auroc, hits_at_10, precision_at_10, genes
    per_gene: pd.DataFrame  # gene, direct_2020, gained_2022, then <scorer> auroc / hit / precision columns
    counts: dict
    corpus: dict
    model: dict
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)


def load_model(train_missing: bool = True, log: Callable[[str], None] = print):
    """The 2020 model (trained first if missing), refused unless every library it learned from obeys the cutoff."""
    from . import load
    from .benchmark import model_training_libraries, read_model_info

    path = model_folder(MODEL_NAME)
    if not (path / "model.safetensors").exists():
        if not train_missing:
            raise InputError(f"No time-split model at {path}. Train it with `{train_command()}`.")
        from .train import train

        log(f"training the 2020 model ({train_command()})")
        train(preset="default", out=path, recipe=RECIPE, epochs=EPOCHS, minutes=0)
    info = read_model_info(path)
    recipe = load_recipe(RECIPE)
    for name in model_training_libraries(info):
        check_cutoff(recipe, load_library(name))
    return load(path), {"path": str(path), **info}


def _scorers(corpus, model) -> dict[str, Scorer]:
    return {"popularity": PopularityScorer(corpus), "co-occurrence": CooccurrenceScorer(corpus), "model": model}


def _gene_rows(name: str, scores: TermScores, data: SplitData, sizes: np.ndarray) -> dict[str, pd.DataFrame]:
    """The gene-level variants of one scorer: label -> per-gene metrics."""
    if name == "popularity":
        return {"popularity (term size)": gene_metrics(np.repeat(sizes[:, None], data.hits.shape[1], 1),
                                                       data.known, data.hits)}
    label = "model" if name == "model" else "co-occurrence"
    first, second = (("z", scores.z), ("raw", scores.raw)) if name == "model" else (("raw", scores.raw),
                                                                                     ("z", scores.z))
    return {f"{label} ({kind})": gene_metrics(m, data.known, data.hits) for kind, m in (first, second)}


def gene_centric(sim: np.ndarray, data: SplitData) -> np.ndarray:
    """Neighbour vote [n_terms, n_genes] from each selected gene's similarities to the universe [n_genes, n_universe]:
    its VOTE["k"] nearest other genes vote for their 2020 terms."""
    upos = {g: i for i, g in enumerate(data.universe)}
    mem = membership([set(s) for s in data.inputs], data.universe)
    own = np.asarray([upos[g] for g in data.genes.gene], np.int64)
    return neighbour_vote(sim, mem, mem.sum(1), exclude=own, **VOTE)


def _vote_rows(scorers: dict, data: SplitData, z: np.ndarray) -> dict[str, pd.DataFrame]:
    """Gene-centric rows: the model's single-gene prediction as similarity (alone and with z), and the same vote
    with co-occurrence (Jaccard) neighbours, a model-free baseline."""
    model, cooc = scorers["model"], scorers["co-occurrence"]
    genes = list(data.genes.gene)
    pred = model.predict([[g] for g in genes])[:, [model.column[g] for g in data.universe]]
    jac = cooc.jaccard()
    ccols = np.asarray([cooc._col[g] for g in data.universe])
    jrows = jac[ccols[[data.universe.index(g) for g in genes]]][:, ccols]
    vote, jvote = gene_centric(pred, data), gene_centric(jrows, data)
    tag = f"K={VOTE['k']}, p={VOTE['power']:g}, alpha={VOTE['alpha']:g}"
    return {f"co-occurrence neighbour vote ({tag})": gene_metrics(jvote, data.known, data.hits),
            f"model neighbour vote ({tag})": gene_metrics(vote, data.known, data.hits),
            f"model z + {VOTE_WEIGHT:g} x neighbour vote": gene_metrics(rank_scores(z, vote),
                                                                        data.known, data.hits)}


def run_timesplit(train_missing: bool = True, log: Callable[[str], None] = print) -> TimesplitResult:
    """The whole time split: corpus, model, selection, every scorer at term and gene level."""
    t0 = time.time()
    corpus = build_corpus(RECIPE)
    model, info = load_model(train_missing, log)
    scorers = _scorers(corpus, model)
    universe = gene_universe(list(scorers.values()))
    data = load_split(universe)
    sizes = np.asarray([len(s) for s in data.inputs], np.float32)
    term_rows, gene_rows, per_gene, timings = [], [], data.genes.copy(), {}
    for name, scorer in scorers.items():
        t = time.time()
        scores = score_terms(scorer, data)
        term_rows.append({"scorer": name, **summarize_terms(scores)})
        log(f"{name}: term level AUROC {term_rows[-1]['auroc']:.3f} ({term_rows[-1]['terms']} terms)")
        rows = _gene_rows(name, scores, data, sizes)
        if name == "model":
            rows.update(_vote_rows(scorers, data, scores.z))
        for label, metrics in rows.items():
            gene_rows.append({"scorer": label, **summarize_genes(metrics)})
            per_gene[[f"{label} {c}" for c in ("auroc", "hit@10", "precision@10")]] = \
                metrics[["auroc", "hit_at_k", "precision_at_k"]].to_numpy()
            r = gene_rows[-1]
            log(f"{label}: gene level AUROC {r['auroc']:.3f}, hits@10 {r['hits_at_10']:.3f}, "
                f"precision@10 {r['precision_at_10']:.3f} ({r['genes']} genes)")
        timings[name] = time.time() - t
    counts = {**data.counts, "terms_ranked": len(data.terms), "genes_scored": len(data.genes),
              "mean_hits_per_gene": float(data.hits.sum(0).mean()),
              "mean_candidates_per_gene": float((~data.known).sum(0).mean())}
    corpus_info = {"recipe": RECIPE, "cutoff": corpus.recipe.cutoff, "sets": len(corpus), "genes": len(corpus.genes),
                   "universe": len(universe), "libraries": corpus.data_versions}
    return TimesplitResult(pd.DataFrame(term_rows), pd.DataFrame(gene_rows), per_gene, counts, corpus_info, info,
                           time.time() - t0, timings)

"""The (score, hit) pairs the confidence of predictions is fitted and checked on, and the fit itself.

Every pair is a (gene, term) the gene is not yet known in, scored by the shipped ranker (`ranking.rank_scores`:
the 2020 model's within-term z plus its neighbours' vote, standardised across the gene's terms in the library):

- Gene Ontology (process, function, component) and protein domains: the time split. The rarely annotated genes of
  `timesplit_data` rank the 2020 terms (MIN_TERM..MAX_TERM genes) of GO_BP_2020, GO_MF_2020, GO_CC_2020, Pfam_2020
  and PROSITE_2020; a hit is a term the gene joins by 2022 (3.16).
- Other kinds: held-out annotations. Each term of a library the 2020 model never learned from (HOLD_OUT) loses a
  seeded fifth of its members (keeping MIN_VISIBLE); the model is fed the rest, and up to HELD_OUT_GENES genes that
  lost a membership rank the library's terms; a hit is a hidden membership.

TF targets (ChEA_2022 is an evaluation library) and kinds without a library here read the POOLED table (every
pair). The product ranks terms of MIN_TERM..MAX_TERM genes only, the sizes calibrated here. The genes of each split
fall in two seeded halves: the shipped table is fitted on half A, and its reliability is read on half B.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calibration import POOLED, Calibration, fit_table, reliability, worst_gap
from .data.kinds import library_kind
from .data.libraries import load_library
from .ranking import rank_scores
from .timesplit import gene_centric, score_terms
from .timesplit_data import MAX_TERM, MIN_TERM, SplitData, load_split, membership

TIME_SPLIT = {"GO_BP_2020": "GO_BP", "GO_MF_2020": "GO_MF", "GO_CC_2020": "GO_CC",  # 2020 library -> 2022
              "Pfam_2020": "Pfam", "PROSITE_2020": "PROSITE"}
HOLD_OUT = ("HPO", "MGI_Mammalian_Phenotype_Level_4_2021", "dbGaP", "ARCHS4_TFs_Coexp", "DrugMatrix")
HIDE, MIN_VISIBLE, HELD_OUT_GENES = 0.2, 3, 400
SEED = 0


@dataclass
class Pairs:
    """One library's pairs: score, hit, and whether the gene is in the fitting half (A)."""

    library: str
    source: str
    scores: np.ndarray
    hits: np.ndarray
    fit_half: np.ndarray

    @property
    def kind(self) -> str:
        return library_kind(self.library)


def held_out_split(library: str, universe: list[str], rng: np.random.Generator) -> SplitData:
    """`library`'s terms with a fifth of their members hidden; the genes that lost one, their visible and hidden
    memberships."""
    vocab = set(universe)
    lib = load_library(library)
    terms, inputs, hidden = [], [], []
    for term, genes in zip(lib.terms.term, lib.terms.genes):
        members = sorted(set(genes) & vocab)
        if not MIN_TERM <= len(members) <= MAX_TERM:
            continue
        hide = rng.random(len(members)) < HIDE
        if len(members) - hide.sum() < MIN_VISIBLE:
            hide[:] = False
        terms.append(term)
        inputs.append([g for g, h in zip(members, hide) if not h])
        hidden.append({g for g, h in zip(members, hide) if h})
    lost = sorted(set().union(*hidden))
    genes = sorted(rng.choice(lost, min(HELD_OUT_GENES, len(lost)), replace=False).tolist())
    known = membership([set(s) for s in inputs], genes)
    hits = membership(hidden, genes)
    return SplitData(terms, inputs, universe, [np.zeros(0, np.int64)] * len(terms), pd.DataFrame({"gene": genes}),
                     known, hits, {"terms": len(terms), "genes_with_a_hidden_term": len(lost), "genes": len(genes)})


def split_pairs(model, data: SplitData, library: str, source: str) -> Pairs:
    """The ranker's score of every (gene, term) the gene is not known in, and whether it is a hit."""
    z = score_terms(model, data).z
    genes = list(data.genes.gene)
    sim = model.predict([[g] for g in genes])[:, [model.column[g] for g in data.universe]]
    score = rank_scores(z, gene_centric(sim, data))
    fit_half = np.random.default_rng(SEED).random(len(genes)) < 0.5
    cand = ~data.known
    return Pairs(library, source, score[cand], data.hits[cand], np.broadcast_to(fit_half, cand.shape)[cand])


def collect_pairs(model, universe: list[str], log: Callable[[str], None] = print) -> tuple[list[Pairs], dict]:
    """Pairs of every time-split and held-out library, and each split's counts."""
    out, counts = [], {}
    for old, new in TIME_SPLIT.items():
        data = load_split(universe, old, new, require_hit=False)
        out.append(split_pairs(model, data, old, f"time split {old} -> {new}"))
        counts[old] = {"terms": len(data.terms), "genes": len(data.genes)}
        log(f"{old}: {len(out[-1].scores):,} pairs, {int(out[-1].hits.sum()):,} hits")
    rng = np.random.default_rng(SEED)
    for name in HOLD_OUT:
        data = held_out_split(name, universe, rng)
        out.append(split_pairs(model, data, name, f"held-out fifth of {name}"))
        counts[name] = data.counts
        log(f"{name}: {len(out[-1].scores):,} pairs, {int(out[-1].hits.sum()):,} hits")
    return out, counts


def fit(pairs: list[Pairs]) -> tuple[Calibration, pd.DataFrame]:
    """Tables fitted on half A per kind (and POOLED over all pairs), and their reliability on half B (columns
    kind, source, then `calibration.reliability`'s)."""
    groups: dict[str, list[Pairs]] = {}
    for p in pairs:
        groups.setdefault(p.kind, []).append(p)
    groups[POOLED] = pairs
    tables, rows = {}, []
    for kind, parts in groups.items():
        source = "; ".join(p.source for p in parts) if kind != POOLED else "every pair above"
        scores, hits, half = (np.concatenate([getattr(p, a) for p in parts]) for a in ("scores", "hits", "fit_half"))
        tables[kind] = fit_table(scores[half], hits[half], source)
        rows.append(reliability(tables[kind], scores[~half], hits[~half]).assign(kind=kind, source=source))
    frame = pd.concat(rows, ignore_index=True)
    return Calibration(tables), frame[["kind", "source", *[c for c in frame.columns if c not in ("kind", "source")]]]


@dataclass
class CalibrationResult:
    calibration: Calibration
    reliability: pd.DataFrame
    counts: dict
    model: dict
    seconds: float


def run_calibration(train_missing: bool = True, log: Callable[[str], None] = print) -> CalibrationResult:
    """The 2020 model's pairs on every split, the fitted tables and their reliability on the other half."""
    from .benchmark import gene_universe
    from .timesplit import load_model

    t0 = time.time()
    model, info = load_model(train_missing, log)
    pairs, counts = collect_pairs(model, gene_universe([model]), log)
    calibration, table = fit(pairs)
    calibration.info = {"model": info.get("path", ""), "fitted_on": "half A of each split's genes (seed 0)",
                        "command": "gsfm benchmark --calibrate", "splits": counts,
                        "half_b_worst_gap": {k: round(worst_gap(t), 4) for k, t in table.groupby("kind")}}
    return CalibrationResult(calibration, table, counts, info, time.time() - t0)

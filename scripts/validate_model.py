"""Model choices validated without the evaluation libraries (how the defaults in train.py were picked).

    python scripts/validate_model.py blend [MODEL_DIR]   # dae_weight on the training run's held-out sets
    python scripts/validate_model.py lolo                # head settings and extra data, leave one library out

`blend` scores the 2% of corpus sets that training held out (same seed, same split) with the reference protocol
(5 seeded 50/50 splits per set), for the item-item head plus w x the DAE. `lolo` fits the head without one
training library at a time and completes that library's sets (200 terms), with and without DrugMatrix in the corpus,
at set-size weights P = 1 and 0.5 (BETA = 0.5).
"""
from __future__ import annotations

import argparse

import numpy as np
import scipy.sparse as sp
import torch

import gsfm_model
from gsfm_model.benchmark import make_splits, score_splits, summarize
from gsfm_model.data.corpus import Recipe, build_corpus, load_recipe
from gsfm_model.data.libraries import load_library
from gsfm_model.model import Sets, item_item_rows, standardise
from gsfm_model.train import TrainConfig

WEIGHTS = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0]
FOLDS = ["ARCHS4_TFs_Coexp", "MGI_Mammalian_Phenotype_Level_4_2021", "dbGaP", "HPO"]


class BlendScorer:
    """standardise(head) + weight x standardise(DAE logits) of one model; weight None = the DAE alone."""

    def __init__(self, model, weight: float | None):
        self.genes, self.model, self.weight = model.genes, model, weight

    @torch.no_grad()
    def predict(self, gene_sets: list[list[str]]) -> np.ndarray:
        cols = self.model._columns(gene_sets)
        x = Sets(torch.from_numpy(np.concatenate(cols)), torch.from_numpy(np.r_[0, np.cumsum([len(c) for c in cols])]))
        dae = standardise(self.model.model(x)[0])
        if self.weight is None:
            return dae.numpy()
        return (standardise(self.model.model.item_item(x)) + self.weight * dae).numpy()


def blend(model_dir: str | None) -> None:
    model = gsfm_model.load(model_dir)
    corpus = build_corpus(load_recipe(model.config["corpus"]["recipe"]["name"]))
    tc = TrainConfig()
    order = np.random.default_rng(tc.seed).permutation(len(corpus))
    held_out = np.sort(order[:max(1, round(len(corpus) * tc.val_fraction))])
    sets = {f"set{i}": [corpus.genes[j] for j in corpus.matrix[i].indices] for i in held_out}
    splits = make_splits(sets, model.genes)
    print(f"{len(sets)} held-out sets of {len(corpus):,}")
    for w in [*WEIGHTS, None]:
        res = summarize(score_splits(BlendScorer(model, w), splits, model.genes))
        print(f"{'DAE alone' if w is None else f'head + {w} x DAE':18s} AUROC {res['auroc']:.4f}  AP {res['ap']:.4f}")


class HeadScorer:
    """Scores = the mean of W's rows over the input genes (what the item-item head does)."""

    def __init__(self, genes: list[str], w: np.ndarray):
        self.genes, self.w, self.col = genes, torch.from_numpy(w), {g: i for i, g in enumerate(genes)}  # float32

    def predict(self, gene_sets: list[list[str]]) -> np.ndarray:
        q = torch.zeros(len(gene_sets), len(self.genes))
        for k, s in enumerate(gene_sets):
            idx = [self.col[g] for g in s]
            q[k, idx] = 1.0 / len(idx)
        return (q @ self.w).numpy()


def gram(matrix: sp.csr_matrix, p: float) -> np.ndarray:
    """G = Xᵀ diag(size ** -p) X, dense [V, V] (additive over sets, so a library's part can be subtracted)."""
    sizes = np.maximum(np.diff(matrix.indptr), 1).astype(np.float32)
    return (sp.diags(sizes ** -p) @ matrix).T.tocsr().dot(matrix).toarray().astype(np.float32)


def head_weights(g: np.ndarray, beta: float = 0.5) -> np.ndarray:
    """W from a dense G, as fit_item_item computes it (float32 here)."""
    return item_item_rows(g.copy(), 0, np.maximum(np.diagonal(g), 1e-12), beta)


def lolo() -> None:
    libraries = [*load_recipe("default").libraries, "DrugMatrix"]
    corpus = build_corpus(Recipe(name="lolo", libraries=libraries))
    x, source = corpus.matrix.tocsr(), corpus.terms.library.to_numpy()
    for p in (1.0, 0.5):
        everything, drugmatrix = gram(x, p), gram(x[source == "DrugMatrix"], p)
        for fold in FOLDS:
            splits = make_splits(load_library(fold).gene_sets(), corpus.genes, max_terms=200)
            without_fold = everything - gram(x[source == fold], p)
            for with_dm in ((False, True) if p == 1.0 else (False,)):
                w = head_weights(without_fold if with_dm else without_fold - drugmatrix)
                res = summarize(score_splits(HeadScorer(corpus.genes, w), splits, corpus.genes))
                print(f"{fold:38s} P {p}  DrugMatrix {'in ' if with_dm else 'out'}  "
                      f"AUROC {res['auroc']:.4f}  AP {res['ap']:.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["blend", "lolo"])
    parser.add_argument("model_dir", nargs="?", help="model folder for blend (default: the default model)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    blend(args.model_dir) if args.what == "blend" else lolo()


if __name__ == "__main__":
    main()

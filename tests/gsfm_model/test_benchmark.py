"""The completion benchmark: protocol arithmetic, oracle bounds, baselines on real data, held-out-source rules."""
from __future__ import annotations

import numpy as np
import pytest

from gsfm_model.benchmark import (
    Contender,
    CooccurrenceScorer,
    ModelPartScorer,
    PopularityScorer,
    auroc,
    average_precision,
    check_allowed,
    evaluate,
    make_splits,
    model_training_libraries,
    score_splits,
    summarize,
)
from gsfm_model.benchmark_report import REPORT_END, REPORT_START, write_report
from gsfm_model.data.corpus import build_corpus
from gsfm_model.data.libraries import load_library
from gsfm_model.errors import InputError


class FixedScorer:
    """Scores every input the same way."""

    def __init__(self, scores: dict[str, float]):
        self.genes = list(scores)
        self.scores = np.asarray(list(scores.values()), np.float32)

    def predict(self, gene_sets: list[list[str]]) -> np.ndarray:
        return np.tile(self.scores, (len(gene_sets), 1))


class OracleScorer:
    """Knows the library: scores the genes of the term that contains the input (sign -1 reverses it)."""

    def __init__(self, sets: dict[str, list[str]], genes: list[str], sign: float = 1.0):
        self.genes = genes
        self.sets = [set(s) for s in sets.values()]
        self.sign = sign

    def predict(self, gene_sets: list[list[str]]) -> np.ndarray:
        out = np.zeros((len(gene_sets), len(self.genes)), np.float32)
        for i, s in enumerate(gene_sets):
            term = next(t for t in self.sets if set(s) <= t)
            out[i] = [self.sign * (g in term) for g in self.genes]
        return out


@pytest.fixture(scope="module")
def small():
    return build_corpus("small")


def test_auroc_by_hand():
    assert auroc(np.array([0.9, 0.8, 0.7, 0.6]), np.array([True, False, True, False])) == 0.75
    assert auroc(np.array([1.0, 1.0]), np.array([True, False])) == 0.5


def test_average_precision_matches_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(20):
        scores = rng.integers(0, 6, 50).astype(float)  # many ties
        y = rng.random(50) < 0.3
        assert average_precision(scores, y) == pytest.approx(metrics.average_precision_score(y, scores))


def test_protocol_on_toy_library():
    # Term A (10 genes) scores 2; term B (9 genes, too small to split) has 4 genes above A and 5 below.
    a = [f"A{i}" for i in range(10)]
    b = [f"B{i}" for i in range(9)]
    sets = {"A": a, "B": b}
    scorer = FixedScorer({**{g: 2.0 for g in a}, **{g: 3.0 for g in b[:4]}, **{g: 1.0 for g in b[4:]}})
    universe = sorted(a + b)
    splits = make_splits(sets, universe, seed=1)
    assert splits.terms == ["A"] * 5  # B is skipped: it cannot give two halves of 5
    for inp, hid in zip(splits.inputs, splits.hidden, strict=True):
        assert len(inp) == len(hid) == 5 and sorted(universe[i] for i in [*inp, *hid]) == a
    per_split = score_splits(scorer, splits, universe)
    # Candidates: 5 hidden A genes (positives, score 2), 4 B genes above and 5 below -> AUROC 25/45; AP 5/9.
    assert np.allclose(per_split.auroc, 5 / 9) and np.allclose(per_split.ap, 5 / 9)
    assert summarize(per_split) == pytest.approx({"auroc": 5 / 9, "ap": 5 / 9, "terms": 1})


def test_splits_are_seeded():
    sets = {"A": [f"A{i}" for i in range(20)], "B": [f"B{i}" for i in range(12)]}
    universe = sorted(sets["A"] + sets["B"])
    one, two = make_splits(sets, universe, seed=3), make_splits(sets, universe, seed=3)
    assert all(np.array_equal(x, y) for x, y in zip(one.inputs, two.inputs, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(one.inputs, make_splits(sets, universe, seed=4).inputs,
                                                         strict=True))


def test_oracle_gets_one_and_reversed_gets_zero(small):
    sets = load_library("KEGG_2021_Human").gene_sets()
    libs = small.recipe.libraries
    for sign, expected in ((1.0, 1.0), (-1.0, 0.0)):
        res = evaluate(Contender("oracle", OracleScorer(sets, small.genes, sign), libs), "KEGG_2021_Human",
                       small.genes, max_terms=8)
        assert res["terms"] == 8
        assert res["auroc"] == expected and (res["ap"] == 1.0) == (sign > 0)


def test_cooccurrence_beats_popularity_on_kegg(small):
    libs = small.recipe.libraries
    pop = evaluate(Contender("popularity", PopularityScorer(small), libs), "KEGG_2021_Human", small.genes,
                   max_terms=15)
    co = evaluate(Contender("co-occurrence", CooccurrenceScorer(small), libs), "KEGG_2021_Human", small.genes,
                  max_terms=15)
    assert 0.5 < pop["auroc"] < co["auroc"]
    assert co["ap"] > pop["ap"]


def test_cooccurrence_is_mean_jaccard(small):
    scorer = CooccurrenceScorer(small)
    x = small.matrix.toarray()[:, :50] > 0
    both = (x[:, :, None] & x[:, None, :]).sum(0)
    either = (x[:, :, None] | x[:, None, :]).sum(0)
    jac = np.where(either > 0, both / np.maximum(either, 1), 0.0)
    got = scorer.predict([small.genes[:3], small.genes[10:12]])
    assert np.allclose(got[0, :50], jac[:3].mean(0), atol=1e-6)
    assert np.allclose(got[1, :50], jac[10:12].mean(0), atol=1e-6)


def test_go_bp_refuses_scorers_trained_with_go(small):
    scorer = Contender("popularity", PopularityScorer(small), small.recipe.libraries)  # small has GO_MF, GO_CC
    with pytest.raises(InputError, match="no_go"):
        evaluate(scorer, "GO_Biological_Process_2023", small.genes, max_terms=3)
    with pytest.raises(InputError, match="trained on KEGG"):
        check_allowed("KEGG_2021_Human", ["Pfam", "KEGG_2021_Human"])
    check_allowed("GO_Biological_Process_2023", build_corpus("no_go").recipe.libraries)
    check_allowed("KEGG_2021_Human", small.recipe.libraries)


def test_model_training_libraries():
    assert "GO_BP" in model_training_libraries({"recipe": "default"})
    assert model_training_libraries({"corpus": {"recipe": {"name": "x", "libraries": ["Pfam"]}}}) == ["Pfam"]
    with pytest.raises(InputError):
        model_training_libraries({})


def test_write_report_keeps_other_sections(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(f"# Benchmarks\n\nintro\n\n{REPORT_START}\nold\n{REPORT_END}\n\n## Assistant\nkept\n")
    write_report(f"{REPORT_START}\nnew\n{REPORT_END}\n", path)
    text = path.read_text()
    assert "new" in text and "old" not in text and "## Assistant\nkept" in text and text.startswith("# Benchmarks")


def test_ablation_scores_each_part_of_the_model(small_model):
    """--ablate's scorers: the head alone and the DAE alone, which predict() blends."""
    import torch

    from gsfm_model.model import Sets, standardise

    sets = [["MLH1", "MSH2", "MSH6", "PMS2"], ["CDK1", "CCNB1", "CDC20"]]
    head, dae = (ModelPartScorer(small_model, part).predict(sets) for part in ("head", "dae"))
    cols = small_model._columns(sets)
    x = Sets(torch.from_numpy(np.concatenate(cols)), torch.tensor([0, len(cols[0]), len(cols[0]) + len(cols[1])]))
    with torch.no_grad():
        np.testing.assert_allclose(head, small_model.model.item_item(x).numpy(), rtol=1e-6)
        np.testing.assert_allclose(dae, small_model.model(x)[0].numpy(), rtol=1e-5, atol=1e-6)
    w = small_model.model.config.dae_weight
    blend = (standardise(torch.from_numpy(head)) + w * standardise(torch.from_numpy(dae))).numpy()
    for b, p in zip(blend, small_model.predict(sets), strict=True):  # the same per set, up to scale and shift
        assert np.corrcoef(b, p)[0, 1] > 0.9999
    libs = model_training_libraries(small_model.config)
    res = {part: evaluate(Contender(part, ModelPartScorer(small_model, part), libs), "KEGG_2021_Human",
                          small_model.genes, max_terms=10)["auroc"] for part in ("head", "dae")}
    assert res["head"] > res["dae"] > 0.55, res  # both above chance; the 3-epoch test DAE is the weaker
    with pytest.raises(InputError, match="part must be"):
        ModelPartScorer(small_model, "both").predict(sets)

"""The 2020 -> 2022 time split: metrics by hand, the gene selection checked against the SQLite tables, the guards."""
from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from gsfm_model import timesplit
from gsfm_model.benchmark_report import TIMESPLIT_END, TIMESPLIT_START, render_timesplit, write_report
from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.libraries import find_term, load_library
from gsfm_model.data.loaders import ON_DEMAND_LIBRARIES, build_all
from gsfm_model.data.releases import BIOC_2020, CURRENT
from gsfm_model.errors import InputError
from gsfm_model.timesplit import TimesplitResult, gene_metrics, score_terms, summarize_genes
from gsfm_model.timesplit_data import SplitData, go_id, load_split


class FixedScorer:
    def __init__(self, scores: dict[str, float]):
        self.genes = list(scores)
        self.scores = np.asarray(list(scores.values()), np.float32)

    def predict(self, gene_sets):
        return np.tile(self.scores, (len(gene_sets), 1))


def test_gene_metrics_by_hand():
    # gene 0: term 1 is known (and would be 2nd); candidates 0, 2, 3, 4 score 0.9, 0.7, 0.6, 0.5; hits are 2 and 4
    # gene 1: the two hits score highest
    scores = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.4], [0.5, 0.5]])
    known = np.zeros((5, 2), bool)
    known[1, 0] = True
    hits = np.zeros((5, 2), bool)
    hits[[2, 4], 0] = True
    hits[[3, 4], 1] = True
    m = gene_metrics(scores, known, hits, k=2)
    assert m.auroc.tolist() == [0.25, 1.0]  # gene 0: of the 4 positive-negative pairs only 0.7 > 0.6 is right
    assert m.hit_at_k.tolist() == [True, True] and m.precision_at_k.tolist() == [0.5, 1.0]
    assert m.candidates.tolist() == [4, 5] and m.hits.tolist() == [2, 2]
    m1 = gene_metrics(scores, known, hits, k=1)
    assert m1.hit_at_k.tolist() == [False, True] and m1.precision_at_k.tolist() == [0.0, 1.0]
    assert summarize_genes(m) == {"auroc": 0.625, "hits_at_10": 1.0, "precision_at_10": 0.75, "genes": 2}


def test_term_level_scores_new_members_among_genes_outside_the_2020_term():
    universe = list("ABCDEF")
    data = SplitData(terms=["GO:1"], inputs=[["A", "B"]], universe=universe, new_members=[np.array([2])],
                     genes=pd.DataFrame({"gene": ["C", "D"]}), known=np.zeros((1, 2), bool),
                     hits=np.array([[True, False]]), counts={})
    # A and B (the input) score highest but are not candidates; C (new) beats D, E, F
    scored = score_terms(FixedScorer({"A": 5, "B": 4, "C": 3, "D": 1, "E": 2, "F": 0}), data)
    assert scored.auroc.tolist() == [1.0]
    assert scored.raw.tolist() == [[3.0, 1.0]]
    assert scored.z[0] == pytest.approx((np.array([3.0, 1.0]) - 2.5) / np.std([5, 4, 3, 1, 2, 0]), rel=1e-5)
    swapped = score_terms(FixedScorer({"A": 5, "B": 4, "C": 0, "D": 1, "E": 2, "F": 3}), data)
    assert swapped.auroc.tolist() == [0.0]


@pytest.fixture(scope="module")
def split(real_data):
    build_all(only=["GO_BP_2020"])
    return load_split(sorted(load_library("GO_BP_2020").genes()))


def _direct(release, entrez: int) -> set[str]:
    with sqlite3.connect(release.orgdb_sqlite()) as con:
        return {t for (t,) in con.execute(
            "SELECT DISTINCT b.go_id FROM go_bp b JOIN genes g ON b._id = g._id "
            "WHERE g.gene_id = ? AND b.evidence NOT IN ('IEA', 'ND')", (str(entrez),))}


def test_selected_genes_meet_the_rule(split):
    genes = split.genes
    assert len(genes) > 100 and split.counts["with_a_hit"] == len(genes)
    assert genes.direct_2020.max() <= 3 and genes.gained_2022.min() >= 3
    assert "TP53" not in set(genes.gene) and "BRCA1" not in set(genes.gene)
    entrez = load_gene_table().drop_duplicates("symbol").set_index("symbol").entrez_id
    for row in genes.sample(5, random_state=0).itertuples():
        old, new = _direct(BIOC_2020, entrez[row.gene]), _direct(CURRENT, entrez[row.gene])
        assert len(old) == row.direct_2020 <= 3, row.gene
        assert len(new - old) >= row.gained_2022 >= 3, row.gene


def test_hits_are_terms_the_gene_joins_by_2022(split):
    old, new = load_library("GO_BP_2020"), load_library("GO_BP")
    rng = np.random.default_rng(0)
    for j in rng.choice(len(split.genes), 3, replace=False):
        gene = split.genes.gene[j]
        for i in np.flatnonzero(split.hits[:, j])[:3]:
            term = split.terms[i]
            assert gene not in find_term(old, f"({term})").genes and gene in find_term(new, f"({term})").genes
        for i in np.flatnonzero(split.known[:, j])[:3]:
            assert gene in find_term(old, f"({split.terms[i]})").genes
    sizes = [len(s) for s in split.inputs]
    assert min(sizes) >= 5 and max(sizes) <= 500
    assert go_id("apoptotic process (GO:0006915)") == "GO:0006915"


def test_the_2020_benchmark_refuses_a_model_trained_on_2022_data(real_data, tmp_path, monkeypatch):
    build_all(only=list(ON_DEMAND_LIBRARIES))
    folder = tmp_path / "timesplit_2020"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"")
    (folder / "config.json").write_text(json.dumps({"corpus": {"recipe": {"libraries": ["GO_BP_2020", "GO_BP"]}}}))
    monkeypatch.setattr(timesplit, "model_folder", lambda name: folder)
    with pytest.raises(InputError, match="library GO_BP is dated 2022-09-12"):
        timesplit.load_model(train_missing=False)
    monkeypatch.setattr(timesplit, "model_folder", lambda name: tmp_path / "none")
    with pytest.raises(InputError, match="gsfm train --recipe timesplit_2020"):
        timesplit.load_model(train_missing=False)


def test_report_section(tmp_path):
    genes = pd.DataFrame([("popularity (term size)", 0.79, 0.10, 0.01, 410),
                          ("co-occurrence (raw)", 0.90, 0.30, 0.07, 410), ("model (z)", 0.91, 0.50, 0.12, 410)],
                         columns=["scorer", "auroc", "hits_at_10", "precision_at_10", "genes"])
    terms = pd.DataFrame([("model", 0.9, 0.01, 6000)], columns=["scorer", "auroc", "ap", "terms"])
    counts = {"selected": 449, "in_vocabulary": 425, "with_a_hit": 410, "terms_gaining_members": 6000,
              "terms_ranked": 8850, "mean_hits_per_gene": 16.4, "mean_candidates_per_gene": 8841.0}
    corpus = {"recipe": "timesplit_2020", "cutoff": "2020-10-05", "sets": 25750, "genes": 19279, "universe": 19279,
              "libraries": {"GO_BP_2020": "Bioconductor org.Hs.eg.db 3.12 3.12.0-1 2020-09-23"}}
    section = render_timesplit(TimesplitResult(terms, genes, genes, counts, corpus, {}), "gsfm benchmark --timesplit")
    assert "Command: `gsfm benchmark --timesplit`" in section
    assert "| model (z) | 0.910 | 0.500 | 0.120 | 410 |" in section
    assert "hits@10: 0.500, target >= 0.55 and >= best baseline + 0.15 = 0.550: **0.050 short**" in section
    assert "median AUROC: 0.910, target >= co-occurrence + 0.02 = 0.920: **0.010 short**" in section
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n\n<!-- model-quality:start -->\nkeep\n<!-- model-quality:end -->\n")
    write_report(section, doc, TIMESPLIT_START, TIMESPLIT_END)
    write_report(section.replace("0.910", "0.911"), doc, TIMESPLIT_START, TIMESPLIT_END)
    text = doc.read_text()
    assert text.count(TIMESPLIT_START) == 1 and "| model (z) | 0.911 |" in text and "keep" in text

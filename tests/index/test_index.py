"""The index layer on the real small model: files, activations, exact search, AUROC, staleness, atomic builds."""
import json
import shutil

import numpy as np
import pytest

from gsfm_model.data.fileio import sha256_file
from gsfm_model.data.matrices import library_matrix
from index import GeneIndex, StaleIndexError, build_index
from index.build import completion_auroc

pytestmark = pytest.mark.usefixtures("real_data")


@pytest.fixture(scope="module")
def idx(small_index_dir, small_model_dir):
    return GeneIndex.load(small_index_dir, small_model_dir)


def test_build_writes_files_and_manifest(small_index_dir, small_model_dir, idx):
    files = {p.name for p in small_index_dir.iterdir()}
    assert files == {"manifest.json", "genes.txt", "genes.faiss", "terms.parquet", "terms.faiss", "centers.npz",
                     "activations.npy", "membership.npz", "text.parquet", "text.faiss"}
    manifest = json.loads((small_index_dir / "manifest.json").read_text())
    assert manifest["model"]["sha256"] == sha256_file(small_model_dir / "model.safetensors")
    assert set(manifest["libraries"]) == {"KEGG_2021_Human", "WikiPathway_2023_Human"}
    assert manifest["counts"]["terms"] == len(idx.terms) == idx.activations.shape[1]
    assert idx.activations.shape[0] == len(idx.genes) == idx.gene_vectors.ntotal
    # every indexed term is a real term of its library
    for lib, terms in idx.terms.groupby("library").term:
        assert set(terms) <= set(library_matrix(lib).terms.term)


def test_activations_are_the_models_logits_for_the_whole_term(idx, small_model):
    j = int(np.flatnonzero(idx.terms.term == "Proteasome")[0])
    genes = [idx.genes[i] for i in idx.membership[:, j].nonzero()[0]]
    logits = small_model.predict([genes])[0]
    np.testing.assert_allclose(idx.activations[:, j].astype(np.float32), logits, rtol=1e-2, atol=2e-2)
    assert idx.terms["mean"].iat[j] == pytest.approx(logits.mean(), abs=1e-3)
    assert idx.terms["std"].iat[j] == pytest.approx(logits.std(), rel=1e-3)
    # a gene's z for the term is its logit standardised across genes
    z = idx.gene_z("PSMA1")[j]
    assert z == pytest.approx((logits[idx.gene_pos["PSMA1"]] - logits.mean()) / logits.std(), abs=0.05)


def test_gene_search_is_exact_cosine_over_centred_embeddings(idx, small_model, small_index_dir):
    vectors = small_model.encode([[g] for g in idx.genes])
    vectors -= np.load(small_index_dir / "centers.npz")["gene_mean"]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows, sims = idx.nearest_genes("PSMA1", 10)
    exact = vectors @ vectors[idx.gene_pos["PSMA1"]]
    exact[idx.gene_pos["PSMA1"]] = -np.inf
    assert list(rows) == list(np.argsort(-exact)[:10])
    np.testing.assert_allclose(sims, np.sort(exact)[::-1][:10], atol=1e-4)


def test_term_auroc_is_a_real_confidence(idx):
    kegg = idx.terms[idx.terms.library == "KEGG_2021_Human"].auroc.dropna()
    assert len(kegg) > 250 and kegg.between(0, 1).all()
    assert kegg.median() > 0.5  # better than chance on held-out halves of real pathways


def test_completion_auroc_kernel_matches_mann_whitney():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 200)).round(1)  # rounding makes ties
    inputs = np.zeros((3, 200), bool)
    inputs[:, :10] = True
    positives = np.zeros((3, 200), bool)
    positives[:, 10:30] = True
    logits[:, 10:30] += 1
    candidates = rng.random((3, 200)) < 0.8
    got = completion_auroc(logits, inputs, positives, candidates)
    for r in range(3):
        cand = candidates[r] & ~inputs[r]
        pos, neg = logits[r][cand & positives[r]], logits[r][cand & ~positives[r]]
        assert got[r] == pytest.approx(mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg)))


def test_text_search_finds_interferon_pathways(idx):
    hits = idx.search_text("interferon gamma response", 5, kind="term")
    assert "interferon" in hits.name.iat[0].lower()
    assert (np.diff(hits.similarity) <= 1e-6).all()


def _copy(small_model_dir, small_index_dir, tmp_path):
    model, index = tmp_path / "model", tmp_path / "index"
    shutil.copytree(small_model_dir, model)
    shutil.copytree(small_index_dir, index)
    return model, index


def test_index_of_another_model_is_refused(small_model_dir, small_index_dir, tmp_path):
    model, index = _copy(small_model_dir, small_index_dir, tmp_path)
    GeneIndex.load(index, model)  # fresh copy: fine
    with open(model / "model.safetensors", "ab") as fh:  # the model changed (retrained)
        fh.write(b"\0")
    with pytest.raises(StaleIndexError, match="gsfm index build"):
        GeneIndex.load(index, model)


def test_index_over_changed_libraries_is_refused(small_model_dir, small_index_dir, tmp_path):
    model, index = _copy(small_model_dir, small_index_dir, tmp_path)
    manifest = json.loads((index / "manifest.json").read_text())
    manifest["libraries"]["KEGG_2021_Human"]["sha256"] = "0" * 64  # as if KEGG had been rebuilt since
    (index / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StaleIndexError, match="KEGG_2021_Human changed.*gsfm index build"):
        GeneIndex.load(index, model)


def test_stale_index_is_refused_by_the_tools(small_tools, small_model_dir, small_index_dir, tmp_path):
    model, index = _copy(small_model_dir, small_index_dir, tmp_path)
    with open(model / "model.safetensors", "ab") as fh:
        fh.write(b"\0")
    small_tools.configure(model, index)
    try:
        with pytest.raises(StaleIndexError, match="gsfm index build"):
            small_tools.predict_functions("TP53")
    finally:
        small_tools.configure(small_model_dir, small_index_dir)  # back to the session's test model


def test_missing_index_names_the_command(small_model_dir, tmp_path):
    with pytest.raises(Exception, match="gsfm index build"):
        GeneIndex.load(tmp_path / "nothing", small_model_dir)


def test_failed_build_leaves_the_previous_index_usable(small_model_dir, small_index_dir, tmp_path, monkeypatch):
    import index.build as build

    model, index = _copy(small_model_dir, small_index_dir, tmp_path)
    before = (index / "manifest.json").read_text()

    def boom(*args, **kwargs):
        raise RuntimeError("killed midway")

    monkeypatch.setattr(build, "embed_cached", boom)  # dies after activations were written
    with pytest.raises(RuntimeError, match="killed midway"):
        build_index(model, libraries=["KEGG_2021_Human"], out=index, text_genes=False)
    assert (index / "manifest.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index", "model"]  # no temp folder left behind
    assert len(GeneIndex.load(index, model).terms) > 1000  # still the old two-library index


def test_cli_index_info(small_model_dir, small_index_dir, capsys):
    from assistant.main import main

    main(["index", "info", "--model", str(small_model_dir), "--index", str(small_index_dir)])
    out = capsys.readouterr().out
    assert "status: up to date" in out and "KEGG_2021_Human" in out

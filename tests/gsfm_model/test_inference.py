"""The inference API (gsfm_model.load / GSFM), model folders of both layouts, and `gsfm complete`."""
import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import gsfm_model
from assistant.main import main
from gsfm_model.errors import DataError, InputError
from gsfm_model.inference import GSFM, MODEL_FILES


def test_load_without_a_trained_model_says_how_to_train(tmp_path, monkeypatch):
    monkeypatch.setenv("GSFM_HOME", str(tmp_path))
    with pytest.raises(DataError, match="gsfm train"):
        gsfm_model.load()
    with pytest.raises(DataError, match="No trained model"):
        gsfm_model.load(tmp_path / "nowhere")


def test_public_api(small_model):
    assert isinstance(small_model, GSFM) and gsfm_model.GSFM is GSFM
    assert isinstance(small_model.genes, list) and all(isinstance(g, str) for g in small_model.genes)
    scores = small_model.predict([["TP53", "MDM2", "CDKN1A"], ["ATP5F1A", "ATP5F1B"]])
    assert scores.shape == (2, len(small_model.genes)) and scores.dtype == np.float32
    emb = small_model.encode([["TP53"], ["TP53", "MDM2"]])
    assert emb.shape == (2, 64) and emb.dtype == np.float32
    assert not np.allclose(scores[0], scores[1]) and not np.allclose(emb[0], emb[1])


def test_round_trip_gives_identical_scores(small_model, tmp_path):
    sets = [["TP53", "MDM2"], ["GAPDH"], ["ATP5F1A", "ATP5F1B", "ATP5PO"]]
    path = small_model.save(tmp_path / "copy")
    assert sorted(p.name for p in path.iterdir()) == sorted(MODEL_FILES)
    again = gsfm_model.load(path, device="cpu")
    assert again.genes == small_model.genes
    assert again.config["corpus"] == small_model.config["corpus"]
    np.testing.assert_array_equal(again.predict(sets), small_model.predict(sets))
    np.testing.assert_array_equal(again.encode(sets), small_model.encode(sets))
    saved = load_file(path / "model.safetensors")  # the item-item head travels in model.safetensors
    assert saved["item_item.weight"].dtype == torch.float16
    assert torch.equal(saved["item_item.weight"], small_model.model.item_item.weight)
    assert again.model.config == small_model.model.config and again.model.config.item_item
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a model folder"):
        small_model.save(tmp_path / "other")


@pytest.mark.parametrize("change", ["missing", "unexpected", "shape"])
def test_weights_must_match_the_config(small_model_dir, tmp_path, change):
    folder = tmp_path / "broken"
    shutil.copytree(small_model_dir, folder)
    weights = load_file(folder / "model.safetensors")
    if change == "missing":
        del weights["decoder.layers.3.bias"]
    elif change == "unexpected":
        weights["decoder.layers.6.weight"] = torch.zeros(2, 2)
    else:
        weights["encoder.layers.3.weight"] = torch.zeros(3, 3)
    save_file(weights, folder / "model.safetensors")
    with pytest.raises(DataError, match="does not match"):
        gsfm_model.load(folder)


def test_unknown_genes_are_ignored_and_reported(small_model):
    norm = small_model.normalize(["tp53", "p53", "NOTAGENE1", "MDM2", "p21"])
    assert norm.symbols == ["TP53", "MDM2"]
    assert norm.unknown == ["NOTAGENE1"] and "p21" in norm.ambiguous
    np.testing.assert_array_equal(small_model.predict([["TP53", "MDM2", "NOTAGENE1", "p21"]]),
                                  small_model.predict([["tp53", "MDM2"]]))


def test_empty_or_unknown_sets_raise_input_error(small_model):
    with pytest.raises(InputError, match="empty"):
        small_model.predict([[]])
    with pytest.raises(InputError, match="NOTAGENE1.*NOTAGENE2"):
        small_model.predict([["NOTAGENE1", "NOTAGENE2"]])
    with pytest.raises(InputError, match="Gene set 1 "):
        small_model.encode([["TP53"], ["NOTAGENE1"]])
    with pytest.raises(InputError, match="list of gene sets"):
        small_model.predict(["TP53", "MDM2"])


def test_predict_batches_ten_thousand_sets(small_model):
    rng = np.random.default_rng(0)
    genes = np.array(small_model.genes)
    sets = [list(rng.choice(genes, rng.integers(1, 80), replace=False)) for _ in range(10_000)]
    scores = small_model.predict(sets)
    assert scores.shape == (10_000, len(genes)) and np.isfinite(scores).all()
    for i in (0, 1023, 1024, 9_999):  # the same scores as one set at a time, across batch boundaries
        np.testing.assert_allclose(scores[i], small_model.predict([sets[i]])[0], rtol=1e-5, atol=1e-5)


def test_encode_of_one_gene_is_its_embedding(small_model):
    genes = ["TP53", "MDM2", "BRCA1"]
    np.testing.assert_allclose(small_model.encode([[g] for g in genes]),
                               np.concatenate([small_model.encode([[g]]) for g in genes]), rtol=1e-5, atol=1e-6)
    assert small_model.encode([]).shape == (0, 64)


def test_complete_lists_the_best_new_genes(small_model):
    df = small_model.complete(["TP53", "MDM2", "NOTAGENE1"], top=10)
    assert list(df.columns) == ["rank", "gene", "score", "name"] and len(df) == 10
    assert df["rank"].tolist() == list(range(1, 11))
    assert not {"TP53", "MDM2"} & set(df.gene) and df.score.is_monotonic_decreasing
    scores = small_model.predict([["TP53", "MDM2"]])[0]
    ranked = np.array(small_model.genes)[np.argsort(-scores, kind="stable")]
    assert df.gene.tolist() == [g for g in ranked if g not in {"TP53", "MDM2"}][:10]
    assert df.name.str.len().gt(0).all()


def test_cli_complete(small_model_dir, tmp_path, capsys):
    genes_file = tmp_path / "genes.txt"
    genes_file.write_text("MDM2, CDKN1A\nNOTAGENE1\n")
    main(["complete", "TP53", "--file", str(genes_file), "--top", "5", "--model", str(small_model_dir)])
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert lines[0].split() == ["rank", "gene", "score", "name"] and len(lines) == 6
    assert "NOTAGENE1" in err
    main(["complete", "TP53", "MDM2", "--top", "3", "--model", str(small_model_dir), "--json"])
    records = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in records] == [1, 2, 3] and {"gene", "score", "name"} <= set(records[0])
    with pytest.raises(SystemExit) as exc:
        main(["complete", "NOTAGENE1", "--model", str(small_model_dir)])
    assert exc.value.code == 2 and "NOTAGENE1" in capsys.readouterr().err


# ---- the reference GSFM's published folder layout -----------------------------------------------------------
REF_VOCAB = ["<unk>", "<pad>", "TP53", "MDM2", "P53", "C1ORF112", "NOTAGENE1", "HER2", "BRCA1", "CDKN1A", "FAM46A"]
REF_GENES = ["TP53", "MDM2", "C1orf112", "ERBB2", "BRCA1", "CDKN1A", "TENT5A"]  # official symbols, first wins
REF_COLUMNS = [2, 3, 5, 7, 8, 9, 10]


def write_reference_folder(folder, depth, weighted_loss, d_model=4, seed=0):
    """A folder as MaayanLab/gsfm's PyTorchModelHubMixin writes it, with random weights."""
    gen = torch.Generator().manual_seed(seed)
    v = len(REF_VOCAB)
    enc = [v, *[d_model * 2 ** (n - 1) for n in range(depth, 1, -1)], d_model]
    dec = [d_model, *[d_model * 2 ** (n - 1) for n in range(1, depth)], v]
    weights = {}
    for name, widths in (("encoder", enc), ("decoder", dec)):
        for i, (a, b) in enumerate(zip(widths, widths[1:])):
            weights[f"{name}.layers.{3 * i}.weight"] = torch.randn(b, a, generator=gen)  # nn.Linear: [out, in]
            weights[f"{name}.layers.{3 * i}.bias"] = torch.randn(b, generator=gen)
    if weighted_loss == "balance":
        weights["bias"] = torch.ones(v)
    folder.mkdir()
    save_file(weights, folder / "model.safetensors")
    (folder / "vocab.txt").write_text("\n".join(REF_VOCAB) + "\n")
    (folder / "config.json").write_text(json.dumps({
        "vocab_size": v, "d_model": d_model, "depth": depth, "dropout": 0.2, "partition": 0,
        "weighted_loss": weighted_loss, "name": "GSFM_20250101", "file": "/src/gsfm/models/DAE.py",
        "creation_timestamp": "2025-01-01T00:00:00"}))
    return {k: v.numpy().astype(np.float64) for k, v in weights.items()}


def reference_forward(weights, depth, columns):
    """The reference DAE by hand: multi-hot over the whole vocab, pad column zeroed, MLPs with ReLU."""
    x = np.zeros(len(REF_VOCAB))
    x[columns] = 1
    x[1] = 0  # <pad>
    for name in ("encoder", "decoder"):
        for i in range(depth):
            x = weights[f"{name}.layers.{3 * i}.weight"] @ x + weights[f"{name}.layers.{3 * i}.bias"]
            if i < depth - 1:
                x = np.maximum(x, 0)
        if name == "encoder":
            embedding = x
    return embedding, x


@pytest.mark.parametrize(("depth", "weighted_loss"), [(1, "none"), (2, "none"), (3, "none"), (2, "balance")])
def test_reference_folder_scores_equal_the_reference_forward_pass(real_data, tmp_path, depth, weighted_loss):
    weights = write_reference_folder(tmp_path / "ref", depth, weighted_loss)
    model = gsfm_model.load(tmp_path / "ref", device="cpu")
    assert model.genes == REF_GENES
    query = ["tp53", "c1orf112", "BRCA1", "NOTAGENE1"]
    embedding, logits = reference_forward(weights, depth, [2, 5, 8])
    np.testing.assert_allclose(model.predict([query])[0], logits[REF_COLUMNS], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model.encode([query])[0], embedding, rtol=1e-5, atol=1e-5)
    # saved again in this project's layout, it still gives the same scores
    again = gsfm_model.load(model.save(tmp_path / "native"), device="cpu")
    np.testing.assert_array_equal(again.predict([query]), model.predict([query]))
    assert again.config["reference"]["name"] == "GSFM_20250101"


def test_reference_folder_with_wrong_weights_is_an_error(real_data, tmp_path):
    write_reference_folder(tmp_path / "ref", 2, "none")
    weights = load_file(tmp_path / "ref" / "model.safetensors")
    weights["encoder.layers.6.weight"] = torch.zeros(1)
    save_file(weights, tmp_path / "ref" / "model.safetensors")
    with pytest.raises(DataError, match="does not match"):
        gsfm_model.load(tmp_path / "ref")

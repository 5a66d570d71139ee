"""Training on the real small corpus: the loss falls, the folder is complete, resume is exact, torchrun works."""
import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file
from scipy.stats import rankdata

import gsfm_model
import gsfm_model.train
from gsfm_model.data.corpus import build_corpus
from gsfm_model.errors import InputError
from gsfm_model.model import Sets, standardise
from gsfm_model.train import train


def read_log(folder):
    return [json.loads(line) for line in (folder / "train_log.jsonl").read_text().splitlines()]


def test_loss_falls_on_real_data(small_model_dir):
    log = read_log(small_model_dir)
    assert [e["epoch"] for e in log] == list(range(1, len(log) + 1)) and len(log) >= 3
    assert log[-1]["train_loss"] < log[0]["train_loss"]
    assert log[-1]["val_loss"] < log[0]["val_loss"]
    assert all(np.isfinite(e["val_loss"]) and e["sets_per_s"] > 0 for e in log)


def auroc(scores, positive):
    ranks = rankdata(scores)  # ties (e.g. genes the head scores 0) share their mean rank
    n_pos = positive.sum()
    return (ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * (len(scores) - n_pos))


def held_out_completion(model):
    """(sets, inputs): the validation sets (never trained on, nor used to fit the head), each shuffled, and the
    first half of each as the input."""
    corpus = build_corpus("small")
    config = model.config
    n_val = round(len(corpus) * config["train_config"]["val_fraction"])
    val = np.random.default_rng(config["train_config"]["seed"]).permutation(len(corpus))[:n_val]
    rng = np.random.default_rng(0)
    all_sets = corpus.gene_sets()
    sets = [rng.permutation(all_sets[i]) for i in val]
    return sets, [list(s[: len(s) // 2]) for s in sets]


def mean_auroc(model, sets, inputs, scores):
    """Mean AUROC of the held-out halves among the genes not in the input."""
    genes = np.array(model.genes)
    aucs = []
    for s, inp, row in zip(sets, inputs, scores):
        candidate = ~np.isin(genes, inp)
        aucs.append(auroc(row[candidate], np.isin(genes[candidate], s[len(s) // 2:])))
    return float(np.mean(aucs))


def test_trained_model_completes_held_out_sets(small_model):
    """Half of each validation set ranks the other half well above chance; predict returns the item-item head
    plus dae_weight x the DAE (both standardised), and the head alone beats the DAE logits alone."""
    sets, inputs = held_out_completion(small_model)
    cfg = small_model.model.config
    assert cfg.item_item and cfg.dae_weight == gsfm_model.train.HEAD["dae_weight"] > 0
    scores = small_model.predict(inputs)
    columns = small_model._columns(inputs)
    x = Sets(torch.from_numpy(np.concatenate(columns)),
             torch.from_numpy(np.concatenate([[0], np.cumsum([len(c) for c in columns])])))
    with torch.no_grad():
        head = small_model.model.item_item(x)
        dae = small_model.model(x)[0]
    blend = standardise(head) + cfg.dae_weight * standardise(dae)
    assert (np.argsort(-scores, 1)[:, :50] == np.argsort(-blend.numpy(), 1)[:, :50]).mean() > 0.99  # same ranking
    head_auc, dae_auc = (mean_auroc(small_model, sets, inputs, s.numpy()) for s in (head, dae))
    assert dae_auc > 0.62
    assert head_auc > dae_auc + 0.05 and head_auc > 0.8, (head_auc, dae_auc)
    assert mean_auroc(small_model, sets, inputs, scores) > 0.8


def test_model_folder_contents(small_model_dir):
    files = sorted(str(p.relative_to(small_model_dir)) for p in small_model_dir.rglob("*") if p.is_file())
    assert files == ["checkpoint/optimizer.safetensors", "checkpoint/state.json", "config.json",
                     "model.safetensors", "train_log.jsonl", "vocab.txt"]
    config = json.loads((small_model_dir / "config.json").read_text())
    corpus = build_corpus("small")
    assert config["model_type"] == "gsfm-dae"
    assert config["vocab_size"] == len(corpus.genes) and config["d_model"] == 64 and config["depth"] == 2
    assert config["corpus"]["fingerprint"] == corpus.fingerprint()
    assert config["corpus"]["recipe"]["libraries"] == ["GO_MF", "GO_CC", "Pfam"]
    assert config["corpus"]["data_versions"] == corpus.data_versions
    assert config["training"]["epochs"] == len(read_log(small_model_dir))
    assert config["training"]["val_loss"] == read_log(small_model_dir)[-1]["val_loss"]
    assert config["item_item"] and config["training"]["item_item_seconds"] >= 0  # the head, fitted in the run
    weights = load_file(small_model_dir / "model.safetensors")
    assert weights["item_item.weight"].dtype == np.float16 and weights["item_item.weight"].any()
    assert (small_model_dir / "vocab.txt").read_text().splitlines() == corpus.genes


def assert_same_run(folder, reference):
    """Bit-identical weights, and the same losses and learning rates epoch by epoch."""
    weights, expected = load_file(folder / "model.safetensors"), load_file(reference / "model.safetensors")
    assert weights.keys() == expected.keys()
    for key in weights:
        np.testing.assert_array_equal(weights[key], expected[key], err_msg=key)
    complete = [e for e in read_log(folder) if not e.get("partial")]
    for a, b in zip(complete, read_log(reference), strict=True):
        assert (a["epoch"], a["train_loss"], a["val_loss"], a["lr"]) == (b["epoch"], b["train_loss"], b["val_loss"],
                                                                          b["lr"])


def test_resume_after_interruption_equals_an_uninterrupted_run(small_model_dir, tmp_path):
    epochs = len(read_log(small_model_dir))
    out = tmp_path / "resumed"
    train(preset="small", out=out, epochs=1, minutes=0, seed=0, show_progress=False)  # "killed" after epoch 1
    assert len(read_log(out)) == 1
    train(preset="small", out=out, epochs=epochs, minutes=0, seed=0, resume=True, show_progress=False)
    assert_same_run(out, small_model_dir)
    # resuming a finished run trains nothing more
    train(preset="small", out=out, epochs=epochs, minutes=0, seed=0, resume=True, show_progress=False)
    assert len(read_log(out)) == epochs
    # another seed is another run: refuse to resume it
    with pytest.raises(InputError, match="Cannot resume"):
        train(preset="small", out=out, epochs=epochs + 1, seed=1, resume=True, show_progress=False)


def test_budget_stops_in_mid_epoch_and_resume_continues_exactly(small_model_dir, tmp_path, monkeypatch):
    epochs = len(read_log(small_model_dir))
    out = tmp_path / "budget"
    clock = itertools.count()  # a fake clock: one second passes per reading, so the stop point is reproducible
    with monkeypatch.context() as m:
        m.setattr(gsfm_model.train, "monotonic", lambda: next(clock))
        train(preset="small", out=out, epochs=epochs, minutes=0.75, seed=0, show_progress=False)
    log = read_log(out)
    assert log[-1]["partial"] and 1 < log[-1]["epoch"] < 2 and len(log) == 2
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["progress"]["epoch"] == 1 and state["progress"]["batch"] > 0
    train(preset="small", out=out, epochs=epochs, minutes=0, seed=0, resume=True, show_progress=False)
    assert_same_run(out, small_model_dir)


def test_refuses_to_overwrite_a_folder_that_is_not_a_model(real_data, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a model folder"):
        train(preset="small", out=tmp_path, epochs=1, show_progress=False)
    assert (tmp_path / "notes.txt").exists()


def test_torchrun_two_processes(real_data, tmp_path):
    """DistributedDataParallel with 2 CPU processes (gloo): one short epoch, only rank 0 writes."""
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "gsfm_model.train", "--preset", "small", "--epochs", "1", "--minutes", "0", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines() == [str(out)]  # printed by rank 0 only
    log = read_log(out)
    assert len(log) == 1 and log[0]["processes"] == 2 and np.isfinite(log[0]["val_loss"])
    model = gsfm_model.load(out, device="cpu")
    assert model.predict([["TP53", "MDM2"]]).shape == (1, len(model.genes))

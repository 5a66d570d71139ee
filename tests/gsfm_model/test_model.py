"""The network, its loss and batch construction (gsfm_model/model.py), on toy sets checked against torch/numpy."""
import numpy as np
import pytest
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from gsfm_model.errors import InputError
from gsfm_model.model import (
    GeneSetDAE,
    GSFMConfig,
    ItemItemHead,
    Sets,
    SparseLinear,
    fit_item_item,
    make_batch,
    standardise,
)


def toy_sets(n_sets=16, n_genes=40, seed=0):
    rng = np.random.default_rng(seed)
    dense = np.zeros((n_sets, n_genes), np.float32)
    for i in range(n_sets):
        dense[i, rng.choice(n_genes, rng.integers(3, 12), replace=False)] = 1
    return sp.csr_matrix(dense)


def test_reference_architecture_widths_and_weight_names():
    model = GeneSetDAE(GSFMConfig(vocab_size=1000))
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes == {
        "encoder.layers.0.weight": (1000, 512), "encoder.layers.0.bias": (512,),  # SparseLinear: [V, out]
        "encoder.layers.3.weight": (256, 512), "encoder.layers.3.bias": (256,),
        "decoder.layers.0.weight": (256, 256), "decoder.layers.0.bias": (256,),
        "decoder.layers.3.weight": (1000, 256), "decoder.layers.3.bias": (1000,),
    }
    assert GSFMConfig(vocab_size=10, d_model=8, depth=3).encoder_widths() == [10, 32, 16, 8]
    assert GSFMConfig(vocab_size=10, d_model=8, depth=3).decoder_widths() == [8, 8, 16, 10]
    assert [type(m).__name__ for m in model.encoder.layers] == ["SparseLinear", "ReLU", "Dropout", "Linear"]
    assert model.encoder.layers[2].p == 0.2


@pytest.mark.parametrize("bad", [{"loss": "mse"}, {"scored": "some"}, {"mask_fraction": 1.0}, {"depth": 0}])
def test_config_rejects_bad_options(bad):
    with pytest.raises(InputError):
        GSFMConfig(vocab_size=10, **bad)


def test_config_round_trips_through_a_dict():
    cfg = GSFMConfig(vocab_size=10, d_model=8, mask_fraction=0.3, scored="hidden", loss="softmax", pos_weight=2.0,
                     item_item=True, item_p=1.5, item_beta=0.75, dae_weight=0.25)
    assert GSFMConfig.from_dict({**cfg.to_dict(), "corpus": {}, "model_type": "x"}) == cfg
    # a config.json written before the item-item head existed loads as the pure DAE it is
    old = {k: v for k, v in cfg.to_dict().items() if not k.startswith(("item_", "dae_"))}
    assert not GSFMConfig.from_dict(old).item_item and GeneSetDAE(GSFMConfig.from_dict(old)).item_item is None


def test_sparse_linear_equals_dense_linear_on_the_multi_hot_vector():
    m = toy_sets()
    layer = SparseLinear(m.shape[1], 7)
    dense_in = torch.from_numpy(m.toarray()).requires_grad_(False)
    out = layer(Sets.from_csr(m))
    expected = dense_in @ layer.weight + layer.bias
    torch.testing.assert_close(out, expected)
    out.square().sum().backward()
    grad = layer.weight.grad.clone()
    layer.weight.grad = None
    (dense_in @ layer.weight + layer.bias).square().sum().backward()
    torch.testing.assert_close(grad, layer.weight.grad)


def test_forward_returns_logits_and_loss():
    m = toy_sets()
    cfg = GSFMConfig(vocab_size=m.shape[1], d_model=8)
    model = GeneSetDAE(cfg).eval()
    x, targets, scored = make_batch(m, cfg, np.random.default_rng(0))
    logits, loss = model(x)
    assert logits.shape == (16, 40) and loss is None
    logits2, loss = model(x, targets, scored)
    torch.testing.assert_close(logits, logits2)
    torch.testing.assert_close(loss, F.binary_cross_entropy_with_logits(logits, torch.from_numpy(m.toarray())))
    torch.testing.assert_close(model.encode(x), model.encoder(x))
    assert model.encode(x).shape == (16, 8)


def test_make_batch_without_masking_reconstructs_the_whole_set():
    m = toy_sets()
    x, targets, scored = make_batch(m, GSFMConfig(vocab_size=40), np.random.default_rng(0))
    assert scored is None
    np.testing.assert_array_equal(targets.numpy(), m.toarray())
    np.testing.assert_array_equal(x.genes.numpy(), m.indices)
    np.testing.assert_array_equal(x.offsets.numpy(), m.indptr)


@pytest.mark.parametrize("scored_mode", ["all", "hidden"])
def test_make_batch_masks_a_fraction_of_each_set(scored_mode):
    m = toy_sets()
    cfg = GSFMConfig(vocab_size=40, mask_fraction=0.5, scored=scored_mode)
    x, targets, scored = make_batch(m, cfg, np.random.default_rng(1))
    dense = m.toarray().astype(bool)
    for i in range(m.shape[0]):
        visible = set(x.genes[x.offsets[i]:x.offsets[i + 1]].tolist())
        members = set(np.flatnonzero(dense[i]).tolist())
        hidden = members - visible
        assert visible < members and len(hidden) == int(len(members) * 0.5)
        if scored_mode == "all":
            assert set(np.flatnonzero(targets[i].numpy()).tolist()) == members
        else:
            assert set(np.flatnonzero(targets[i].numpy()).tolist()) == hidden
            assert set(np.flatnonzero(~scored[i].numpy()).tolist()) == visible
    if scored_mode == "all":
        assert scored is None
    # the same rng seed gives the same mask; another seed a different one
    again = make_batch(m, cfg, np.random.default_rng(1))[0]
    other = make_batch(m, cfg, np.random.default_rng(2))[0]
    assert torch.equal(again.genes, x.genes) and not torch.equal(other.genes, x.genes)


def test_masking_keeps_at_least_one_gene_visible():
    m = sp.csr_matrix(np.array([[1, 0, 0, 0], [1, 1, 0, 0]], np.float32))
    x, _, _ = make_batch(m, GSFMConfig(vocab_size=4, mask_fraction=0.9), np.random.default_rng(0))
    assert x.offsets.tolist() == [0, 1, 2]


def test_hidden_scoring_ignores_the_visible_genes():
    m = toy_sets()
    cfg = GSFMConfig(vocab_size=40, d_model=8, mask_fraction=0.5, scored="hidden")
    model = GeneSetDAE(cfg)
    x, targets, scored = make_batch(m, cfg, np.random.default_rng(0))
    logits = torch.randn(16, 40)
    loss = model.loss(logits, targets, scored)
    changed = torch.where(scored, logits, logits + 5.0)  # move only the visible (unscored) entries
    torch.testing.assert_close(model.loss(changed, targets, scored), loss)
    expected = (F.binary_cross_entropy_with_logits(logits, targets, reduction="none") * scored).mean()
    torch.testing.assert_close(loss, expected)


def test_pos_weight_weights_the_members():
    m = toy_sets()
    cfg = GSFMConfig(vocab_size=40, pos_weight=3.0)
    x, targets, scored = make_batch(m, cfg, np.random.default_rng(0))
    logits = torch.randn(16, 40)
    per_entry = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    expected = (per_entry * (1 + 2 * targets)).mean()
    torch.testing.assert_close(GeneSetDAE(cfg).loss(logits, targets, scored), expected)


def test_softmax_loss_is_the_multinomial_likelihood_of_the_hidden_genes():
    m = toy_sets()
    cfg = GSFMConfig(vocab_size=40, d_model=8, mask_fraction=0.5, scored="hidden", loss="softmax")
    x, targets, scored = make_batch(m, cfg, np.random.default_rng(0))
    logits = torch.randn(16, 40)
    loss = GeneSetDAE(cfg).loss(logits, targets, scored)
    expected = []
    for i in range(16):
        allowed = scored[i].numpy()
        logp = torch.log_softmax(logits[i][allowed], 0).numpy()
        pos = targets[i].numpy()[allowed] == 1
        expected.append(-logp[pos].mean())
    assert loss.item() == pytest.approx(float(np.mean(expected)), rel=1e-5)


def test_output_bias_starts_at_the_gene_frequencies():
    model = GeneSetDAE(GSFMConfig(vocab_size=4, d_model=8))
    freq = np.array([0.5, 0.01, 0.0, 0.2])
    model.init_output_bias(freq)
    np.testing.assert_allclose(torch.sigmoid(model.decoder.layers[-1].bias).detach().numpy(),
                               [0.5, 0.01, 1e-6, 0.2], rtol=1e-4)


# ---- the item-item head -------------------------------------------------------------------------------------
def dense_item_item(dense, p, beta):
    """W by the formula, on the dense 0/1 matrix [n, V]."""
    sizes = dense.sum(1)
    g = dense.T @ (dense * sizes[:, None] ** -p)  # [V, V]
    d = np.diag(g).copy()
    w = g / np.sqrt(d)[:, None] / d[None, :] ** beta
    np.fill_diagonal(w, 0)
    return w


@pytest.mark.parametrize(("p", "beta"), [(1.0, 0.5), (1.5, 0.75), (0.0, 0.5)])
def test_item_item_head_equals_the_dense_formula(p, beta):
    rng = np.random.default_rng(0)
    x = sp.csr_matrix((rng.random((300, 40)) < 0.15).astype(np.float32))
    x = x[np.diff(x.indptr) > 0]
    ref = dense_item_item(x.toarray().astype(np.float64), p, beta)
    w = fit_item_item(x, p, beta, block=16)  # several blocks, the last one partial
    assert w.dtype == np.float16 and w.shape == (40, 40)
    np.testing.assert_allclose(w.astype(np.float64), ref, atol=2e-3, rtol=2e-3)
    head = ItemItemHead(40)
    head.fit(x, p, beta)
    got = head(Sets(torch.tensor([1, 2, 3, 4]), torch.tensor([0, 3, 4]))).numpy()  # sets {1, 2, 3} and {4}
    assert got.dtype == np.float32 and got.shape == (2, 40)
    np.testing.assert_allclose(got[0], ref[[1, 2, 3]].mean(0), atol=2e-3)
    np.testing.assert_allclose(got[1], ref[4], atol=2e-3)


def test_item_item_head_is_a_float16_buffer_not_a_parameter():
    model = GeneSetDAE(GSFMConfig(vocab_size=30, d_model=8, item_item=True))
    assert model.state_dict()["item_item.weight"].dtype == torch.float16
    assert model.state_dict()["item_item.weight"].shape == (30, 30)
    assert "item_item.weight" not in dict(model.named_parameters())
    assert "item_item.weight" not in GeneSetDAE(GSFMConfig(vocab_size=30, d_model=8)).state_dict()


@pytest.mark.parametrize("dae_weight", [0.0, 0.5])
def test_scores_combine_the_head_and_the_dae(dae_weight):
    m = toy_sets()
    x = Sets.from_csr(m)
    plain = GeneSetDAE(GSFMConfig(vocab_size=40, d_model=8)).eval()
    torch.testing.assert_close(plain.scores(x), plain(x)[0])  # no head: the DAE logits
    model = GeneSetDAE(GSFMConfig(vocab_size=40, d_model=8, item_item=True, dae_weight=dae_weight)).eval()
    model.item_item.fit(m, 1.0, 0.5)
    head, logits = model.item_item(x), model(x)[0]
    scores = model.scores(x)
    if dae_weight == 0:
        torch.testing.assert_close(scores, head)
    else:  # on the head's scale, ranked as standardised head + dae_weight x standardised logits
        expected = standardise(head) + dae_weight * standardise(logits)
        torch.testing.assert_close(standardise(scores), standardise(expected), atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(scores.std(1), head.std(1) * expected.std(1), atol=1e-4, rtol=1e-4)

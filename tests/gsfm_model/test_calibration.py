"""Calibration: the kernels by hand, the shipped table, and the procedure on the real time split (a small 2020 model
fitted on half the genes, checked on the other half)."""
from __future__ import annotations

import numpy as np
import pytest

from gsfm_model.calibration import (
    CALIBRATION_FILE,
    POOLED,
    TOLERANCE,
    Calibration,
    KindTable,
    bin_edges,
    fit_table,
    pool_adjacent_violators,
    reliability,
    worst_gap,
)
from gsfm_model.calibration_data import HOLD_OUT, TIME_SPLIT, Pairs, fit, split_pairs
from gsfm_model.data.kinds import library_kind
from gsfm_model.errors import DataError


def test_pool_adjacent_violators_by_hand():
    np.testing.assert_allclose(pool_adjacent_violators(np.array([0.1, 0.3, 0.2, 0.4]), np.array([1, 1, 1, 1])),
                               [0.1, 0.25, 0.25, 0.4])
    np.testing.assert_allclose(pool_adjacent_violators(np.array([0.5, 0.1, 0.2]), np.array([1, 3, 1])),
                               [0.2, 0.2, 0.2])  # (0.5 + 0.3) / 4 = 0.2, then 0.2 joins
    up = np.array([0.0, 0.1, 0.2])
    np.testing.assert_allclose(pool_adjacent_violators(up, np.ones(3)), up)


def test_fit_table_bins_and_rates_by_hand():
    scores = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    hits = np.array([0, 0, 1, 0, 1, 1], bool)
    table = fit_table(scores, hits, "hand", edges=[2.0, 4.0])  # bins [.., 2), [2, 4), [4, ..)
    assert table.pairs == [2, 2, 2] and table.hits == [0, 1, 2] and table.rate == [0.0, 0.5, 1.0]
    np.testing.assert_allclose(table.confidence(np.array([-9.0, 2.0, 3.9, 4.0, 99.0])), [0, 0.5, 0.5, 1, 1])
    rel = reliability(table, np.array([0.0, 3.0, 3.5, 10.0]), np.array([1, 0, 0, 1], bool))
    assert rel.observed.tolist() == [1.0, 0.0, 1.0] and rel.pairs.tolist() == [1, 2, 1]
    assert worst_gap(rel) == 1.0


def test_bin_edges_keep_enough_pairs_above_each_edge():
    scores = np.arange(10_000, dtype=float)
    edges = bin_edges(scores, quantiles=(0.5, 0.9, 0.99, 0.999), min_pairs=50)
    assert len(edges) == 3  # 0.999 would leave 10 pairs above it
    assert edges == sorted(edges) and edges[-1] == pytest.approx(9899.01)


def test_a_kind_without_a_table_reads_the_pooled_one(tmp_path):
    pooled = KindTable([0.0], [0.01, 0.2], [10, 10], [0, 2], "pooled")
    own = KindTable([1.0], [0.0, 0.5], [10, 10], [0, 5], "own")
    cal = Calibration({POOLED: pooled, "co-expression": own})
    np.testing.assert_allclose(cal.confidence(["co-expression", "TF target (ChIP)"], np.array([2.0, 2.0])),
                               [0.5, 0.2])
    back = Calibration.load(cal.save(tmp_path / "c.json"))
    assert back.kinds == cal.kinds
    (tmp_path / "bad.json").write_text('{"kinds": {"x": {"edges": [')
    with pytest.raises(DataError, match="gsfm benchmark --calibrate"):
        Calibration.load(tmp_path / "bad.json")


def test_the_shipped_table_covers_every_calibrated_kind_and_held_on_half_b():
    cal = Calibration.load(CALIBRATION_FILE)
    kinds = {library_kind(lib) for lib in (*TIME_SPLIT, *HOLD_OUT)}
    assert kinds | {POOLED} == set(cal.kinds)
    for kind, table in cal.kinds.items():
        assert np.all(np.diff(table.rate) >= 0) and len(table.rate) == len(table.edges) + 1, kind
        assert cal.info["half_b_worst_gap"][kind] <= TOLERANCE, kind  # recorded by `gsfm benchmark --calibrate`


@pytest.fixture(scope="module")
def small_2020_model(real_data, tmp_path_factory):
    """The small preset trained on the 2020 recipe (3 epochs): the time split's procedure at test scale."""
    import gsfm_model
    from gsfm_model.train import train

    out = tmp_path_factory.mktemp("models") / "small_2020"
    train(preset="small", out=out, recipe="timesplit_2020", epochs=3, minutes=0, seed=0, show_progress=False)
    return gsfm_model.load(out)


def test_calibration_holds_on_the_real_time_split(small_2020_model):
    """Fitted on half A of the rarely annotated genes, every bin's observed rate on half B is within TOLERANCE."""
    from gsfm_model.timesplit_data import load_split

    data = load_split(list(small_2020_model.genes), require_hit=False)
    pairs = split_pairs(small_2020_model, data, "GO_BP_2020", "time split")
    assert pairs.hits.sum() > 1000 and pairs.fit_half.any() and not pairs.fit_half.all()
    cal, rel = fit([pairs])
    bp = rel[rel.kind == library_kind("GO_BP")]
    assert len(bp) >= 5 and bp.predicted.is_monotonic_increasing
    assert worst_gap(bp) <= TOLERANCE, bp
    assert bp.observed.iat[-1] > 10 * bp.observed.iat[0]  # the score separates confirmed from unconfirmed pairs
    shuffled = Pairs("GO_BP_2020", "shuffled", pairs.scores, np.random.default_rng(0).permutation(pairs.hits),
                     pairs.fit_half)
    flat = fit([shuffled])[1]
    assert flat.predicted.max() < 5 * pairs.hits.mean()  # no signal: the table stays near the base rate

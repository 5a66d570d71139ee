"""The gene-centric ranking kernels on a hand-made example (numbers checked by hand)."""
import numpy as np
from scipy import sparse

from gsfm_model.ranking import (
    VOTE_WEIGHT,
    column_z,
    grouped_column_z,
    neighbour_vote,
    rank_scores,
    top_neighbours,
    vote_for,
)


def test_top_neighbours_keeps_the_k_most_similar_and_never_the_query_itself():
    sim = np.array([[1.0, 0.9, 0.2, 0.5], [0.1, 1.0, 0.3, -0.4]], dtype=np.float32)
    w = top_neighbours(sim, 2, exclude=np.array([0, 1])).toarray()  # [genes, queries]
    np.testing.assert_allclose(w[:, 0], [0, 0.9, 0, 0.5])
    np.testing.assert_allclose(w[:, 1], [0.1, 0, 0.3, 0])  # -0.4 is never picked, and itself is excluded


def test_neighbour_vote_sums_powered_similarities_of_members():
    sim = np.array([[0.0, 0.8, 0.5, 0.1]], dtype=np.float32)
    members = np.array([[0, 1, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]], dtype=bool)  # 3 terms x 4 genes
    sizes = members.sum(1)
    votes = neighbour_vote(sim, members, sizes, k=2, power=2.0, alpha=0.0)[:, 0]
    np.testing.assert_allclose(votes, [0.8**2 + 0.5**2, 0.0, 0.8**2], rtol=1e-6)
    shares = neighbour_vote(sim, members, sizes, k=2, power=1.0, alpha=1.0)[:, 0]
    np.testing.assert_allclose(shares, [(0.8 + 0.5) / 2, 0.0, 0.8 / 2], rtol=1e-6)


def test_vote_for_one_gene_equals_the_batch_vote():
    rng = np.random.default_rng(0)
    sim = rng.random((1, 30)).astype(np.float32) - 0.2
    sim[0, 3] = 1.0  # the query itself: the most similar, never a voter
    members = rng.random((12, 30)) < 0.3  # 12 terms x 30 genes
    sizes = members.sum(1)
    batch = neighbour_vote(sim, members, sizes, k=5, power=2.0, alpha=0.5, exclude=np.array([3]))[:, 0]
    one = vote_for(sim[0], sparse.csr_matrix(members.T), sizes, k=5, power=2.0, alpha=0.5, exclude=3)
    np.testing.assert_allclose(one, batch, rtol=1e-5)
    assert not np.allclose(one, vote_for(sim[0], sparse.csr_matrix(members.T), sizes, k=5, power=2.0, alpha=0.5))


def test_rank_scores_standardise_within_each_library_then_weight_the_vote():
    z = np.array([[1.0], [2.0], [3.0], [10.0], [20.0]])
    vote = np.array([[3.0], [2.0], [1.0], [0.0], [5.0]])
    groups = np.array([0, 0, 0, 1, 1])
    got = rank_scores(z, vote, groups)[:, 0]
    first = column_z(z[:3]) + VOTE_WEIGHT * column_z(vote[:3])
    second = column_z(z[3:]) + VOTE_WEIGHT * column_z(vote[3:])
    np.testing.assert_allclose(got, np.concatenate([first, second])[:, 0])
    assert got[4] == got.max() and got[3] == got.min()  # library 1's scale (10, 20) does not swamp library 0
    np.testing.assert_allclose(grouped_column_z(z), column_z(z))  # one group

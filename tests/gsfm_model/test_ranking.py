"""The gene-centric ranking kernels on a hand-made example (numbers checked by hand)."""
import numpy as np

from gsfm_model.ranking import column_z, combine, neighbour_vote, top_neighbours


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


def test_combine_adds_column_z_scores_with_weights():
    a = np.array([[1.0], [2.0], [3.0]])
    b = np.array([[3.0], [2.0], [1.0]])
    np.testing.assert_allclose(column_z(a)[:, 0], [-1.2247449, 0, 1.2247449], rtol=1e-6)
    np.testing.assert_allclose(combine([a, b], [1.0, 2.0])[:, 0], column_z(a)[:, 0] + 2 * column_z(b)[:, 0])
    assert np.argmax(combine([a, b], [1.0, 2.0])[:, 0]) == 0  # the heavier part wins

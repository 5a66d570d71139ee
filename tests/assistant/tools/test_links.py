"""gene_links: the model's pairwise evidence, on the small model trained on the real libraries."""
import numpy as np
import pytest

from gsfm_model.errors import InputError


def test_neighbour_ranks_agree_with_similar_genes(small_tools):
    links = small_tools.gene_links(["MLH1", "PMS2"])
    pair = links.pairs.iloc[0]
    assert (pair.gene_a, pair.gene_b) == ("MLH1", "PMS2")
    neighbours = small_tools.similar_genes("MLH1", k=1000).gene.tolist()
    assert neighbours.index("PMS2") + 1 == pair.rank_b_for_a  # the rank is the place in similar_genes' list
    assert pair.share == pytest.approx(max(pair.rank_b_for_a, pair.rank_a_for_b) / pair.n_ranked)
    assert pair.strength == small_tools.views.strength(rank_share=pair.share)


def test_shared_terms_hold_for_every_gene(small_tools):
    links = small_tools.gene_links(["MLH1", "PMS2", "MSH2"])
    assert len(links.pairs) == 3 and list(links.completion.gene) == ["MLH1", "PMS2", "MSH2"]
    shared = links.shared
    mismatch = shared[shared.term.str.contains("Mismatch repair", case=False)]
    assert not mismatch.empty and (mismatch.n_known == 3).all()  # all three are in KEGG's mismatch repair
    for genes in shared.status:
        assert len(genes) == 3 and all(s.split()[1] in ("known", "predicted,") for s in genes)
    predicted = shared[shared.n_known < 3]
    assert (predicted.min_confidence >= small_tools.views.MODERATE).all()


def test_a_close_pair_ranks_better_than_a_random_one(small_tools):
    from assistant.tools.state import coding_genes

    coding = coding_genes()
    rng = np.random.default_rng(0)
    close = small_tools.gene_links(["MLH1", "PMS2"]).pairs.share.iloc[0]
    random = [small_tools.gene_links(list(rng.choice(coding, 2, replace=False))).pairs.share.iloc[0]
              for _ in range(10)]
    assert close < np.median(random)


def test_gene_links_needs_two_to_five_known_genes(small_tools):
    with pytest.raises(InputError, match="2 to 5"):
        small_tools.gene_links(["MLH1"])
    with pytest.raises(InputError, match="2 to 5"):
        small_tools.gene_links(["MLH1", "PMS2", "MSH2", "MSH6", "EXO1", "PMS1"])
    links = small_tools.gene_links(["MLH1", "PMS2", "FOOBAR1"])
    assert links.unmapped == ["FOOBAR1"]

"""Preranked GSEA against an independent computation (GSEApy's prerank) on a seeded ranking of real genes and
real KEGG terms: the same ES and leading edges, NES of the same sign and size, p-values in the same order."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from assistant.tools.ranked import gsea
from gsfm_model.data.libraries import load_library
from gsfm_model.errors import InputError

pytestmark = pytest.mark.usefixtures("real_data")
KEGG = "KEGG_2021_Human"


@pytest.fixture(scope="module")
def ranking() -> pd.Series:
    """3,000 KEGG genes with a seeded normal statistic; 6 pathways shifted up and 4 down."""
    lib = load_library(KEGG)
    rng = np.random.default_rng(7)
    genes = sorted({g for gs in lib.terms.genes for g in gs})
    genes = list(rng.choice(genes, 3000, replace=False))
    stat = pd.Series(rng.normal(size=len(genes)), index=genes)
    terms = lib.terms.set_index("term").genes
    for i, term in enumerate(["Ribosome", "Proteasome", "Spliceosome", "DNA replication", "Cell cycle",
                              "Oxidative phosphorylation", "ECM-receptor interaction", "Focal adhesion",
                              "Complement and coagulation cascades", "Neuroactive ligand-receptor interaction"]):
        members = [g for g in terms[term] if g in stat.index]
        stat[members] += 1.2 if i < 6 else -1.2
    return stat


def test_gsea_matches_gseapy_prerank(ranking):
    import gseapy

    ours = gsea(ranking, libraries=[KEGG], min_size=15, max_size=500, permutations=1000, seed=0)
    sets = {t: list(g) for t, g in zip(load_library(KEGG).terms.term, load_library(KEGG).terms.genes)}
    ref = gseapy.prerank(rnk=ranking.sort_values(ascending=False), gene_sets=sets, min_size=15, max_size=500,
                         permutation_num=1000, seed=0, threads=1, outdir=None, verbose=False).res2d
    ref = ref.set_index("Term").loc[ours.term]
    ref_es, ref_nes = ref.ES.to_numpy(float), ref.NES.to_numpy(float)
    assert len(ours) > 100
    np.testing.assert_allclose(ours.es.to_numpy(), ref_es, atol=1e-9)
    assert (np.sign(ours.nes.to_numpy()) == np.sign(ref_nes)).all()
    np.testing.assert_allclose(ours.nes.to_numpy(), ref_nes, rtol=0.1, atol=0.1)
    assert all(set(le) == set(r.split(";")) for le, r in zip(ours.leading_edge, ref.Lead_genes))
    assert spearmanr(ours.p_value.to_numpy(), ref["NOM p-val"].to_numpy(float)).statistic > 0.9
    significant = set(ours.term[ours.fdr <= 0.05])
    assert {"Ribosome", "Proteasome", "ECM-receptor interaction"} <= significant
    assert ours.set_index("term").nes["Focal adhesion"] < 0 < ours.set_index("term").nes["Spliceosome"]


def test_gsea_is_seeded_and_refuses_short_rankings(ranking):
    first = gsea(ranking, libraries=[KEGG], permutations=200, seed=3)
    again = gsea(ranking, libraries=[KEGG], permutations=200, seed=3)
    pd.testing.assert_frame_equal(first, again)
    with pytest.raises(InputError, match="at least 50 genes"):
        gsea(ranking.head(20), libraries=[KEGG])
    with pytest.raises(InputError, match="permutations must be between"):
        gsea(ranking, libraries=[KEGG], permutations=5)

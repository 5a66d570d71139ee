"""The tool layer (the notebook API) on real data and the real small model: biology, statistics, input handling."""
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control, fisher_exact

from assistant.tools import genes as gene_tools
from assistant.tools.sets import MODEL_PERMUTATIONS
from assistant.tools.terms import term_members
from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.matrices import library_matrix
from gsfm_model.errors import InputError

INTERFERON = ["ISG15", "IFIT1", "IFIT3", "MX1", "OAS1", "IRF7", "STAT1", "IFI6", "IFI44L", "RSAD2", "OAS2", "MX2"]
KEGG = "KEGG_2021_Human"

pytestmark = pytest.mark.usefixtures("real_data")


@pytest.fixture(scope="module")
def tools(small_tools):
    return small_tools


def kegg_term(name: str) -> list[str]:
    lm = library_matrix(KEGG)
    i = int(np.flatnonzero(lm.terms.term == name)[0])
    return lm.genes[lm.matrix[i].indices].tolist()


# ---- enrichment: statistics checked against scipy -----------------------------------------------------------
def test_enrich_matches_fisher_exact_by_hand():
    p53 = kegg_term("p53 signaling pathway")
    genes = p53[:6] + ["ACTB", "GAPDH", "ALB", "INS"]  # 6 members, 4 non-members, all in KEGG
    universe = set(library_matrix(KEGG).genes)
    df = pd.DataFrame(tools_enrich(genes))
    row = df[df.term == "p53 signaling pathway"].iloc[0]
    N, K, n, k = len(universe), len(p53), len([g for g in genes if g in universe]), 6
    assert (row.background_size, row.term_size, row.list_size, row.overlap) == (N, K, n, k)
    table = [[k, K - k], [n - k, N - K - n + k]]
    assert row.p_value == pytest.approx(fisher_exact(table, alternative="greater").pvalue, rel=1e-9)
    a, b, c, d = k, K - k, n - k, N - K - n + k
    assert row.odds_ratio == pytest.approx(a * d / max(b * c, 1))
    assert sorted(row.genes) == sorted(p53[:6])
    # BH within the library, over every term with at least one universe gene
    from assistant import tools

    full = tools.enrich(genes, libraries=[KEGG], min_overlap=0)
    assert len(full) == (library_matrix(KEGG).sizes > 0).sum()
    np.testing.assert_allclose(full.fdr, false_discovery_control(full.p_value, method="bh"), rtol=1e-9)


def tools_enrich(genes, **kw):
    from assistant import tools

    return tools.enrich(genes, libraries=[KEGG], **kw)


def test_enrich_honours_a_custom_background():
    p53 = kegg_term("p53 signaling pathway")
    others = [g for g in library_matrix(KEGG).genes if g not in set(p53)][:300]
    background = p53[:40] + others + ["NOTAGENE1"]
    genes = p53[:5] + p53[50:52] + others[:3]  # p53[50:52] are outside the background
    df = tools_enrich(genes, background=background)
    row = df[df.term == "p53 signaling pathway"].iloc[0]
    N, K, n, k = 340, 40, 8, 5  # universe = background genes in KEGG; term restricted to it
    assert (row.background_size, row.term_size, row.list_size, row.overlap) == (N, K, n, k)
    table = [[k, K - k], [n - k, N - K - n + k]]
    assert row.p_value == pytest.approx(fisher_exact(table, alternative="greater").pvalue, rel=1e-9)
    assert set(df.attrs["unmapped"]) == set(p53[50:52])
    assert set(g for gs in df.genes for g in gs) <= set(background)


def test_interferon_list_top_term_is_interferon():
    from assistant import tools

    df = tools.enrich(INTERFERON[:7])  # the brief's list, against every default library
    assert df.p_value.is_monotonic_increasing
    curated = df[df.library.isin(["GO_BP", "GO_Biological_Process_2023", KEGG, "WikiPathway_2023_Human"])]
    assert re.search("interferon|virus|symbiont", curated.term.iat[0], re.I), curated.term.iat[0]
    assert any("interferon" in t.lower() for t in curated.term.head(3)), curated.term.head(3).tolist()
    go = df[df.library == "GO_BP"]
    assert "interferon" in go.term.iat[0].lower() and go.fdr.iat[0] < 1e-6
    assert set(go.genes.iat[0]) <= set(INTERFERON)


def test_enrich_reports_unmapped_and_rejects_bad_input():
    from assistant import tools

    df = tools.enrich(INTERFERON + ["NOTAGENE1", "notagene2"], libraries=[KEGG])
    assert set(df.attrs["unmapped"]) == {"NOTAGENE1", "notagene2"}
    assert "NOTAGENE1" in df.attrs["note"]
    with pytest.raises(InputError, match="empty"):
        tools.enrich([])
    with pytest.raises(InputError, match="empty"):
        tools.enrich("  ")
    with pytest.raises(InputError, match="5,000"):
        tools.enrich(["TP53"] * 5001)
    with pytest.raises(InputError, match="None of the genes"):
        tools.enrich(["NOTAGENE1", "NOTAGENE2"])
    with pytest.raises(InputError, match="Unknown libraries"):
        tools.enrich(INTERFERON, libraries=["NoSuchLibrary"])


# ---- model tools ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pathway", ["Oxidative phosphorylation", "Ribosome", "Synaptic vesicle cycle",
                                     "ABC transporters"])
def test_completion_ranks_hidden_pathway_members_above_random_genes(tools, pathway):
    members = [g for g in kegg_term(pathway) if g in tools.context().vocab_pos]
    rng = np.random.default_rng(0)
    rng.shuffle(members)
    given, hidden = members[: len(members) // 2], members[len(members) // 2:]
    df = tools.complete_gene_set(given, top=100_000)
    assert df.input.sum() == len(given) and set(df.gene[df.input]) == set(given)
    ranks = dict(zip(df.gene, df["rank"]))
    others = [g for g in df.gene[~df.input] if g not in set(members)]
    random_genes = rng.choice(others, 500, replace=False)
    auroc = np.mean([[ranks[h] < ranks[r] for r in random_genes] for h in hidden])
    assert auroc > 0.75, auroc  # hidden members beat random genes (the small model reaches ~0.86-0.94)


def test_complete_gene_set_columns(tools):
    df = tools.complete_gene_set(["PSMA1", "PSMA2", "PSMB1", "NOTAGENE1"], top=10)
    assert list(df.columns) == ["rank", "gene", "name", "score", "z", "input"]
    assert (~df.input).sum() == 10 and df["rank"].is_monotonic_increasing
    assert df.attrs["unmapped"] == ["NOTAGENE1"]
    assert df.score.between(0, 1).all()


def test_predict_functions_lists_by_the_ranker_most_confident_first(tools):
    from assistant.tools.genes import LISTED_SCORE
    from assistant.tools.state import context
    from assistant.tools.views import strength

    df = tools.predict_functions("ATP5F1A", top=100_000)
    assert len(df) > 0
    assert list(df.columns) == ["library", "term", "kind", "label", "confidence", "strength", "known", "rank_score",
                                "z", "score", "term_auroc", "term_size"]
    assert (df.rank_score >= LISTED_SCORE).all()
    novel = df[~df.known]
    assert novel.confidence.is_monotonic_decreasing and df[df.known].confidence.isna().all()
    expected = context().calibration.confidence(novel.kind.to_numpy(), novel.rank_score.to_numpy())
    np.testing.assert_allclose(novel.confidence, expected)  # the kind's calibrated rate for the ranker's score
    assert [strength(c, known=k) for c, k in zip(df.confidence, df.known)] == df.strength.tolist()
    for row in df.itertuples():  # known = already a member of the term in its library
        lm = library_matrix(row.library)
        i = int(np.flatnonzero(lm.terms.term == row.term)[0])
        assert row.known == ("ATP5F1A" in set(lm.genes[lm.matrix[i].indices]))
    assert df.known.any()  # its oxidative phosphorylation pathways are among its top predictions
    only_novel = tools.predict_functions("ATP5F1A", top=100_000, novel_only=True)
    assert not only_novel.known.any() and len(only_novel) == (~df.known).sum()
    only_kegg = tools.predict_functions("ATP5F1A", libraries=[KEGG], top=100_000)
    assert (only_kegg.library == KEGG).all()
    with pytest.raises(InputError, match="top must be 1 or more"):
        tools.predict_functions("ATP5F1A", top=-5)


def test_similar_genes_of_a_proteasome_subunit_are_proteasome_genes(tools):
    df = tools.similar_genes("PSMA1", k=10)
    assert list(df.columns) == ["gene", "name", "similarity", "n_known_terms", "known_functions"]
    rank = df.similarity * df.n_known_terms / (df.n_known_terms + gene_tools.SUPPORT_PRIOR)
    assert "PSMA1" not in set(df.gene) and rank.is_monotonic_decreasing  # rarely seen genes are shrunk
    assert df.gene.str.startswith("PSM").sum() >= 5, df.gene.tolist()


def test_single_gene_tools_normalise_and_refuse_unknowns(tools):
    assert tools.gene_info("p53").symbol.iat[0] == "TP53"  # alias -> official symbol
    info = tools.gene_info("TP53").iloc[0]
    assert info["name"] == "tumor protein p53" and info.location.startswith("chr17")
    assert info.n_known_terms > 10 and bool(info.in_model) is True
    vocab = tools.context().vocab_pos
    rare = next(g for g in load_gene_table().symbol if g not in vocab)  # a known gene the model never scores
    assert bool(tools.gene_info(rare).in_model.iat[0]) is False and tools.gene_info(rare).in_model.iat[0] is not None
    with pytest.raises(InputError, match="did you mean"):
        tools.predict_functions("STAT11")
    with pytest.raises(InputError, match="not a known human gene"):
        tools.similar_genes("NOTAGENE1")
    with pytest.raises(InputError, match="one symbol"):
        tools.predict_functions("TP53 MDM2")


def test_search_terms_returns_real_terms(tools):
    df = tools.search_terms("interferon gamma response", k=5)
    assert list(df.columns) == ["library", "term", "kind", "label", "description", "similarity", "term_size"]
    assert "interferon" in df.term.iat[0].lower()
    with pytest.raises(InputError):
        tools.search_terms(" ")


def test_gsfm_enrich_keeps_the_lists_test_and_tests_the_models_genes_by_permutation(tools):
    libraries = [KEGG, "WikiPathway_2023_Human"]
    df = tools.gsfm_enrich(INTERFERON, libraries=libraries, add=30)
    plain = tools.enrich(INTERFERON, libraries=libraries)
    added = df.attrs["added"]
    assert len(added) == 30 and not set(added) & set(INTERFERON)
    assert df[["term", "fdr"]].equals(plain[["term", "fdr"]])  # the p-values are the list's own, nothing else
    for row in df.head(50).itertuples():
        assert set(row.added_genes) <= set(added) and set(row.added_genes) <= set(term_members(row.library, row.term))
        assert 0 < row.model_p <= 1 and row.model_supported == (row.model_fdr <= 0.05 and row.overlap >= 2)
    assert (df.model_p >= 1 / (MODEL_PERMUTATIONS + 1)).all()
    assert (df.model_p[df.added_genes.map(len) == 0] == 1).all() and (df.added_genes.map(len) > 0).any()


def test_hypotheses_are_structured_and_grounded(tools):
    for subject in (["ATP5F1A"], INTERFERON):
        result = tools.hypotheses(subject, k=4)
        hyp, ev = result.hypotheses, result.evidence
        assert 1 <= len(hyp) <= 4
        assert set(ev.id) <= set(hyp.id) and hyp.experiment.str.len().gt(10).all()
        assert hyp.strength.isin(["strong", "moderate", "weak"]).all()
        for row in hyp.itertuples():
            assert row.term in set(library_matrix(row.library).terms.term)


def test_tools_are_safe_to_share_between_threads(tools):
    genes = ["PSMA1", "STAT1", "TP53", "ATP5F1A"] * 4
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda g: tools.predict_functions(g).term.tolist(), genes))
    assert all(r == results[i % 4] for i, r in enumerate(results))


def test_similar_genes_are_protein_coding_unless_asked(tools, monkeypatch):
    monkeypatch.setattr(gene_tools, "SUPPORT_PRIOR", 0.0)  # the filter alone (the shrinkage demotes rare genes too)
    table = load_gene_table()
    coding = set(table.symbol[table.gene_type == "protein-coding"])
    genes = [g for g in table.symbol[table.gene_type != "protein-coding"] if g in tools.context().vocab_pos][:5]
    assert genes  # the model knows some non-coding genes
    for gene in genes:
        assert set(tools.similar_genes(gene, k=30).gene) <= coding
    others = [g for g in table.symbol[table.gene_type != "protein-coding"] if g in tools.context().vocab_pos][:300]
    wide = [set(tools.similar_genes(g, k=50, protein_coding_only=False).gene) for g in others]
    assert any(w - coding for w in wide)  # the others take part on request

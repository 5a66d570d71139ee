"""How results are shown to the model: short, spread across libraries, one row per term."""
import pandas as pd

from assistant.tools.registry import ToolBox
from assistant.tools.views import DESCRIPTION_CHARS, NEIGHBOUR_TERMS, PER_LIBRARY, VIEWS, functions_view, term_key


def test_gene_functions_view_puts_novel_predictions_first_across_libraries(small_tools):
    call = ToolBox().run("gene_functions", {"gene": "CDK1"})
    full, view = call.result, functions_view(call.result)
    assert full["known"].any() and (~full["known"]).any()  # CDK1 has both in the small index
    status = view["status"].tolist()
    assert status == sorted(status, key=lambda s: s != "novel")  # every novel row before every known row
    assert view.groupby(["status", "library"]).size().max() <= PER_LIBRARY
    novel = full[~full["known"]]
    assert view["label"].iloc[0] == novel["label"].iloc[0]  # the best novel prediction leads
    assert call.summary.splitlines()[1].startswith("- Predicted (")  # the model reads it as a prediction
    assert not view["label"].map(term_key).duplicated().any()
    assert {"confidence", "strength"} <= set(view.columns) and "term_auroc" not in view.columns


def test_a_term_from_two_releases_is_shown_once():
    two_releases = ["Response To Type II Interferon (GO:0034341)", "response to interferon-gamma (GO:0034341)"]
    assert term_key(two_releases[0]) == term_key(two_releases[1])
    assert term_key("abnormal tibia morphology MP:0000558") != term_key("abnormal joint morphology MP:0002932")
    assert term_key("Mismatch  repair") == term_key("mismatch repair")
    df = pd.DataFrame({
        "term": ["negative regulation of X (GO:0043518)", "Negative Regulation Of X (GO:0043518)", "Y pathway"],
        "library": ["GO_BP", "GO_Biological_Process_2023", "KEGG"],
        "confidence": [0.3, 0.29, 0.1], "known": [False, False, False],
    })
    assert functions_view(df)["library"].tolist() == ["GO_BP", "KEGG"]


def test_neighbour_and_search_views_are_short():
    neighbours = pd.DataFrame({"gene": ["A"], "name": ["a"], "similarity": [0.5],
                               "known_functions": [["t1", "t2", "t3"]]})
    assert VIEWS["similar_genes"](neighbours)["known_functions"].iloc[0] == ["t1", "t2", "t3"][:NEIGHBOUR_TERMS]
    long = "The nucleotide-excision repair process that carries out preferential repair of DNA lesions " * 3
    hits = pd.DataFrame({"term": ["T"], "library": ["GO_BP"], "similarity": [0.7], "description": [long]})
    short = VIEWS["search_gene_sets"](hits)["description"].iloc[0]
    assert short.endswith("...") and len(short) <= DESCRIPTION_CHARS + 3 and long.startswith(short[:-3])


def test_enrichment_view_reads_processes_first_nests_parents_and_marks_non_significant_rows():
    from assistant.tools.views import enrichment_view

    genes = ["A", "B", "C"]
    df = pd.DataFrame({
        "library": ["ARCHS4_TFs_Coexp", "GO_BP", "GO_BP", "GO_BP", "KEGG_2021_Human"],
        "term": ["ZNFX1 human tf ARCHS4 coexpression", "response to virus (GO:0009615)",
                 "defense response to virus (GO:0051607)", "response to stimulus (GO:0050896)", "Measles"],
        "overlap": [3, 3, 3, 3, 1], "term_size": [300, 400, 200, 9000, 100],
        "p_value": [1e-12, 1e-10, 1e-9, 1e-8, 0.2], "fdr": [1e-10, 1e-8, 1e-8, 1e-7, 0.6],
        "odds_ratio": [9.0] * 5, "combined_score": [50.0] * 5, "genes": [genes, genes, genes, genes, ["A"]],
    })
    view = enrichment_view(df)
    assert view.label.tolist()[0] == "defense response to virus (GO:0051607)"  # the most specific of the three
    assert set(view.related.iat[0]) == {"response to virus (GO:0009615)", "response to stimulus (GO:0050896)"}
    assert view.kind.tolist()[:2] == ["biological process or pathway", "co-expression"]  # a function before
    assert view.status.tolist() == ["significant", "significant", "not significant"]  # co-expression evidence
    assert view.overlap_k_of_n.iat[0] == "3/200"

"""The claim check, on real tool results: each sentence that misreads a row is rewritten from it or removed."""
import numpy as np
import pytest

from assistant.chat.claims import check_claims, score_claims
from assistant.chat.evaluate import abstained
from assistant.tools.registry import ToolBox, computed_call

MUSCLE = "PAX3 PAX7 MYOD1 MYF5 MYOG DES TTN MYH3 CHRNA1 ACTA1".split()
INTERFERON = "IRF1 STAT1 GBP1 GBP2 CXCL10 IDO1 IRF8 SOCS1 CIITA JAK2".split()


def enrichment(genes, library):
    from assistant import tools

    call = computed_call("enrich_genes", {"genes": genes}, tools.enrich(genes, libraries=[library]))
    return [call], call.summary


@pytest.fixture(scope="module")
def mouse(real_data):
    return enrichment(MUSCLE, "MGI_Mammalian_Phenotype_Level_4_2021")


def test_a_mouse_phenotype_read_as_a_function_is_rewritten_from_its_row(mouse):
    calls, evidence = mouse
    check = check_claims("These genes are involved in abnormal muscle development.", calls, evidence)
    assert check.problems == ["reads a mouse phenotype row as something else"]
    assert "mouse mutants show abnormal muscle development" in check.text and "involved in" not in check.text
    assert check.passed_before == 0 and check.passed_after == check.claims_after > 0


def test_a_sentence_that_reads_the_row_right_is_kept(mouse):
    calls, evidence = mouse
    fdr = calls[0].result.fdr.iat[0]
    sentence = f"Mouse mutants of these genes show abnormal muscle development (FDR {fdr:.2g})."
    check = check_claims(sentence, calls, evidence)
    assert check.text == sentence and not check.rewritten and check.passed_before == check.claims_before == 2


def test_a_wrong_number_for_a_row_fails(mouse):
    calls, evidence = mouse
    claims, passed, problems = score_claims("Mouse mutants show abnormal muscle development (FDR 0.5).", calls,
                                            evidence)
    assert claims == 2 and passed == 1 and problems == ["number 0.5 is not the named row's"]


def test_co_expression_read_as_regulation_by_a_factor_is_rewritten(real_data):
    calls, evidence = enrichment(MUSCLE, "ARCHS4_TFs_Coexp")
    check = check_claims("The transcription factor MYOG regulates these genes.", calls, evidence)
    assert check.problems == ["reads a co-expression row as something else"]
    assert "co-expressed with MYOG" in check.text


def test_a_wikipathways_term_called_a_go_term_is_rewritten(real_data):
    calls, evidence = enrichment(INTERFERON, "WikiPathway_2023_Human")
    label = calls[0].result.label.iat[0]  # e.g. 'Type II Interferon Signaling (WikiPathways WP619)'
    name = label.split(" (WikiPathways")[0]
    check = check_claims(f"The GO term {name} stands out.", calls, evidence)
    assert check.problems == ["calls a WikiPathway_2023_Human term a GO term"]
    assert check.rewritten and "GO term" not in check.text


def test_enriched_is_said_only_of_a_significant_row(real_data):
    from gsfm_model.data.genes import load_gene_table

    table = load_gene_table()
    pool = sorted(table.symbol[table.gene_type == "protein-coding"])
    rng = np.random.default_rng(7)
    for _ in range(10):  # a random list with no significant KEGG term (nearly every one)
        calls, evidence = enrichment(list(rng.choice(pool, 12, replace=False)), "KEGG_2021_Human")
        if not (calls[0].result.fdr <= 0.05).any():
            break
    best = calls[0].result.label.iat[0].replace(" (KEGG pathway)", "")
    text = f"The list is enriched for {best}. These genes are significantly enriched in several pathways."
    check = check_claims(text, calls, evidence)
    assert "calls a non-significant row enriched" in check.problems
    assert "claims enrichment where no row is significant" in check.problems
    assert check.removed == ["These genes are significantly enriched in several pathways."]
    assert check.text.startswith("Not significant") and abstained("No gene set is significantly enriched. "
                                                                   + check.text)


def test_a_prediction_stated_as_a_fact_is_rewritten(small_tools):
    box = ToolBox()
    call = box.run("gene_functions", {"gene": "CDK1"})
    view = small_tools.views.functions_view(call.result)
    novel = view[view.status == "novel"].iloc[0]
    name = small_tools.views.core_name(novel.label)
    check = check_claims(f"CDK1 takes part in {name}.", box.calls, call.summary)
    assert check.problems == ["states a prediction as a fact"]
    assert check.text.startswith("Predicted (") and "may take part in" in check.text
    assert check_claims(f"CDK1 may take part in {name}.", box.calls, call.summary).problems == []


def test_a_studied_gene_called_unknown_is_caught(small_tools):
    box = ToolBox()
    call = box.run("gene_functions", {"gene": "TP53", "known_first": True})
    assert call.result.known.any()
    check = check_claims("The function of TP53 is unknown.", box.calls, call.summary)
    assert check.problems == ["calls TP53 unknown, but it has known annotations"] and check.text == ""

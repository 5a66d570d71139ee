"""Routing: the tool calls a question obviously needs."""
import pytest

from assistant.chat.guards import screen_question
from assistant.chat.routing import route
from assistant.tools.inputs import ContextData, parse_context


@pytest.mark.parametrize(
    ("question", "context", "intent", "tool"),
    [
        ("What might C1orf112 do?", None, "gene", "gene_functions"),
        ("Which genes group with TMEM41B?", None, "similar", "similar_genes"),
        ("Which genes behave most like TMEM263 across gene sets?", None, "similar", "similar_genes"),
        ("Brainstorm testable hypotheses for FAM210A.", None, "hypotheses", "gene_hypotheses"),
        ("Find gene sets about interferon gamma response.", None, "search", "search_gene_sets"),
        ("Explain the enrichment of TP53 MDM2 CDKN1A BAX BBC3.", None, "enrich", "enrich_genes"),
        ("What are these genes enriched for?", "STAT1 IRF1 GBP1", "enrich", "enrich_genes"),
        ("Which genes are missing from this list?", "MLH1 MSH2 MSH6", "complete", "complete_gene_set"),
        ("What hypotheses explain why these came up together?", "MLH1 MSH2", "hypotheses", "gene_hypotheses"),
        ("hello", None, "help", None),
        # "genes like X" in its phrasings: neighbours, not the gene's functions
        ("Which genes co-vary with TMEM263?", None, "similar", "similar_genes"),
        ("Find genes similar to FAM210A.", None, "similar", "similar_genes"),
        ("Which genes move together with MCM2?", None, "similar", "similar_genes"),
        ("Genes like ATG16L1?", None, "similar", "similar_genes"),
        ("What resembles C16orf72 most across gene sets?", None, "similar", "similar_genes"),
        # two to five named genes: the evidence that they act together
        ("Do ATG7 and TMEM41B act in the same process?", None, "links", "gene_links"),
        ("My screen hit CXorf38 and C7orf50 together", None, "links", "gene_links"),
        ("Are SQSTM1 and NBR1 linked?", None, "links", "gene_links"),
        ("Do ATG7 and SQSTM1 interact?", None, "links", "gene_links"),
        ("TP53 MDM2 CDKN1A", None, "links", "gene_links"),
        ("Do ATG7 and TMEM41B act in the same process? Suggest an experiment.", None, "hypotheses", "gene_links"),
    ],
)
def test_route(real_data, question, context, intent, tool):
    data = parse_context(context)
    plan = route(question, screen_question(question), data)
    assert plan.intent == intent
    assert (plan.calls[0][0] if plan.calls else None) == tool
    if context and tool:
        assert plan.calls[0][1] == {}  # the pasted list is used by reference, never copied by the model


def test_follow_up_uses_the_previous_gene(real_data):
    question = "and what about its paralog?"
    plan = route(question, screen_question(question), ContextData(), last_genes=["FAM210A"])
    assert plan.calls == [("similar_genes", {"gene": "FAM210A"})]


def test_a_question_about_what_is_known_asks_for_known_terms_first(real_data):
    for question in ("What is known about TP53?", "What are the known functions of BRCA1?"):
        plan = route(question, screen_question(question), ContextData())
        assert plan.calls == [("gene_functions", {"gene": question.split()[-1].rstrip("?"), "known_first": True})]
    plan = route("What might C1orf112 do?", screen_question("What might C1orf112 do?"), ContextData())
    assert plan.calls == [("gene_functions", {"gene": "C1orf112"})]


def test_two_genes_with_a_request_for_experiments_get_the_link_then_hypotheses(real_data):
    question = "Do ATG7 and TMEM41B act in the same process? Suggest an experiment."
    plan = route(question, screen_question(question), ContextData())
    assert [name for name, _ in plan.calls] == ["gene_links", "gene_hypotheses"]
    assert plan.calls[0][1] == {"genes": ["ATG7", "TMEM41B"]}

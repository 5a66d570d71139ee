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

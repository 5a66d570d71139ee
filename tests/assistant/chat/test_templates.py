"""The no-LLM mode: routed tool calls and templated answers, on the real gene table and the small model."""
import pytest

from assistant.chat.agent import Assistant
from gsfm_model.errors import InputError


@pytest.fixture()
def rules(small_tools):
    return Assistant(backend="none")


def test_gene_question(rules):
    answer = rules.ask("What might TMEM41B do?")
    assert answer.mode == "rules" and rules.backend_info["mode"] == "rules"
    assert [c.name for c in answer.tool_calls] == ["gene_info", "gene_functions", "similar_genes"]
    assert answer.text.startswith("**No-LLM mode**")
    neighbours = answer.tool_calls[2].result
    assert neighbours.gene.iloc[0] in answer.text and f"{neighbours.similarity.iloc[0]:.3g}" in answer.text
    functions = answer.tool_calls[1].result
    assert len(functions) and functions.label.iloc[0] in answer.text
    assert set(answer.timings) == {"total_s", "first_token_s", "llm_s", "tools_s"}


def test_enrichment_of_a_pasted_list_with_injection(rules, injection):
    answer = rules.ask("Summarise this list.", context=injection)
    (call,) = answer.tool_calls
    assert call.name == "enrich_genes" and call.args["genes"] == ["MLH1", "MSH2", "MSH6", "PMS2", "EXO1"]
    best = call.result.sort_values("p_value_plain").label.iloc[0]
    assert best in answer.text
    assert "HACKED" not in answer.text and "pirate" not in answer.text
    assert "FOOBAR1" in answer.text and "were ignored" in answer.text


def test_term_search(rules):
    answer = rules.ask("Find gene sets about interferon signaling.")
    (call,) = answer.tool_calls
    assert call.name == "search_gene_sets" and "interferon" in call.args["query"]
    assert call.result.label.iloc[0] in answer.text
    assert "interferon" in call.result.term.iloc[0].lower()


def test_fake_gene_is_refused_without_tools(rules):
    answer = rules.ask("What does FOOBAR1 do?")
    assert answer.mode == "refusal" and answer.tool_calls == []
    assert "I don't know that gene" in answer.text and "FOOBAR1" in answer.text


def test_gene_outside_the_model_is_an_error_not_an_invention(rules):
    answer = rules.ask("Which genes group with C1orf112?")  # a real gene the small model never saw
    (call,) = answer.tool_calls
    assert call.error and "could not answer" in answer.text


def test_follow_up_remembers_the_gene(rules):
    rules.ask("What might TMEM41B do?")
    answer = rules.ask("And which genes group with it?")
    assert [(c.name, c.args) for c in answer.tool_calls] == [("similar_genes", {"gene": "TMEM41B"})]
    rules.reset()
    assert rules.ask("And which genes group with it?").tool_calls == []  # no gene to refer to: help text


def test_bad_input(rules, real_data):
    with pytest.raises(InputError):
        rules.ask("   ")
    with pytest.raises(InputError):
        rules.ask("TP53 " * 2000)
    from gsfm_model.data.genes import load_gene_table

    too_many = "\n".join(load_gene_table().symbol.head(6000))
    answer = rules.ask("Enrich this list.", context=too_many)
    assert answer.tool_calls[0].error and "could not answer" in answer.text

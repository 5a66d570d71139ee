"""The app's handlers in-process, on the real data and the small model: each result of the gene set page is
computed once, and "Explain these results" hands the computed results to the chat."""
from collections import Counter

import pytest

from assistant.app import handlers
from assistant.tools import inputs, sets
from assistant.tools.views import enrichment_view

GENES = "CDK1 CCNB1 CDC20 PLK1 BUB1 AURKA MAD2L1 NOTAGENE1"


@pytest.fixture
def counts(monkeypatch):
    """How often the list is normalised, completed by the model, and tested for enrichment."""
    seen = Counter()

    def count(module, name):
        original = getattr(module, name)

        def counted(*args, **kwargs):
            seen[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    for module, name in ((inputs, "normalize"), (sets, "_complete"), (sets, "_enrich")):
        count(module, name)
    return seen


def test_gene_set_page_computes_each_result_once(small_tools, counts):
    summary, bars, enrichment, augmented, completed, downloads, context = handlers.analyse_gene_set(GENES, None, [])
    # one normalisation; one completion; one enrichment (the model's genes are tested by permutation, not Fisher)
    assert counts == {"normalize": 1, "_complete": 1, "_enrich": 1}
    assert "7 of 8 entries mapped" in summary and "NOTAGENE1" in summary
    assert len(enrichment) and len(augmented) and completed.input.sum() == 7
    assert [c.name for c in context["results"]] == ["enrich_genes", "complete_gene_set"]


def test_explain_these_results_does_not_recompute(small_tools, counts):
    *_, results = handlers.analyse_gene_set(GENES, None, [])
    question, context, _ = handlers.explain_results(results)
    counts.clear()
    factory = handlers.AssistantFactory("none")
    history, _, session, _ = list(handlers.chat_turn(question, [], None, context, factory))[-1]
    assert counts["_enrich"] == 0 and counts["_complete"] == 0  # the chat took the page's results
    given = results["results"][0].result
    answer = history[-1]["content"]
    top = enrichment_view(given).label.iloc[0]
    assert "enrich_genes" in answer and top in answer  # and its answer rests on them

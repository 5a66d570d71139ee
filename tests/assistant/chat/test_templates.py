"""The no-LLM mode: routed tool calls and templated answers, on the real gene table and the small model."""
import pytest

from assistant.chat.agent import Assistant
from assistant.tools.views import enrichment_view
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
    best = enrichment_view(call.result).label.iloc[0]
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


def test_a_pasted_de_table_is_read_as_a_table(rules):
    """Headers and numbers are not genes; the up genes are enriched, the down genes named separately."""
    up = ["ISG15", "IFIT1", "IFIT3", "MX1", "OAS1", "IRF7", "STAT1", "RSAD2"]
    rows = [f"{g}\t{3.1}\t1e-20" for g in up] + ["COL1A1\t-2.4\t1e-9", "ACTB\t0.1\t0.8", "NOTAGENE7\t2\t1e-5"]
    answer = rules.ask("Explain these results:\ngene\tlog2FoldChange\tpadj\n" + "\n".join(rows))
    (call,) = answer.tool_calls
    assert call.name == "enrich_genes" and call.args["genes"] == up
    assert "I don't know that gene" not in answer.text and "log2FoldChange" not in answer.text.split("read as")[0]
    assert "read as a DE table: 8 up and 1 down" in answer.text and "NOTAGENE7" in answer.text


def test_a_random_list_is_not_called_enriched(rules):
    import numpy as np

    from assistant.tools.state import coding_genes

    pool = coding_genes()
    checked = 0
    for seed in range(5):
        genes = list(np.random.default_rng(seed).choice(pool, 12, replace=False))
        answer = rules.ask("Explain these genes: " + " ".join(genes))
        (call,) = [c for c in answer.tool_calls if c.name == "enrich_genes"]
        if (call.result.fdr <= 0.05).any():
            continue  # this draw happens to share a significant term; the rule is about lists that do not
        assert "No gene set is significantly enriched" in answer.text
        assert "Gene sets enriched in the list" not in answer.text
        checked += 1
    assert checked >= 2  # most random lists share no significant term


def test_gsea_of_a_pasted_table(rules):
    """'Run GSEA' on a pasted DE table: the whole ranking, not the significant genes; no-LLM prose per row."""
    import numpy as np

    from gsfm_model.data.matrices import library_matrix

    genes = list(library_matrix("KEGG_2021_Human").genes[:120])
    stat = np.random.default_rng(0).normal(size=len(genes))
    rows = "\n".join(f"{g},{s:.3f},{abs(s) / 10:.4f}" for g, s in zip(genes, stat))
    answer = rules.ask("Run GSEA on this ranked list:\ngene,stat,padj\n" + rows)
    names = [c.name for c in answer.tool_calls]
    assert names[0] == "gsea_ranked" and not answer.tool_calls[0].error
    assert len(answer.tool_calls[0].result) > 10 and "NES" in answer.text
    plain = rules.ask("Run GSEA please")  # no table: no GSEA
    assert "gsea_ranked" not in [c.name for c in plain.tool_calls]

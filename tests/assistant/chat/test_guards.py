"""Gene symbols in questions, checked against the real gene table, and answers cut by the token cap."""
import pytest

from assistant.chat.guards import cut_unfinished, screen_question


@pytest.mark.parametrize(
    ("question", "genes", "unknown"),
    [
        ("What might C1orf112 do?", ["C1orf112"], []),
        ("what is known about c16orf72?", ["HAPSTR1"], []),
        ("What does FOOBAR1 do?", [], ["FOOBAR1"]),
        ("Tell me about XYZ123.", [], ["XYZ123"]),
        ("What does the FOOBAR gene do?", [], ["FOOBAR"]),
        ("Compare TP53 with FOOBAR1.", ["TP53"], ["FOOBAR1"]),
        ("Does COVID-19 change ACE2 in HEK293 cells? Check KEGG and GO.", ["ACE2"], []),
        ("Find gene sets about DNA repair", [], []),
    ],
)
def test_screen_question(real_data, question, genes, unknown):
    screen = screen_question(question)
    assert screen.genes == genes
    assert list(screen.unknown) == unknown


def test_unknown_symbols_get_close_matches(real_data):
    assert "BRCA2" in screen_question("What is the function of BRCA9?").unknown["BRCA9"]


def test_an_unfinished_sentence_is_cut_at_a_clause_never_inside_an_identifier():
    cut = ("CDK1 may take part in Mitotic Cell Cycle (GO:0000278) [biological process], Cell Division (GO:0051301) "
           "[biological process], and may be among the genes whose variants cause Microcephaly (HP:00002")
    assert cut_unfinished(cut).endswith("Cell Division (GO:0051301) [biological process] ...")
    assert cut_unfinished("CDK1 drives mitosis (GO:0000278) with CCNB1 (HP:00") == \
        "CDK1 drives mitosis (GO:0000278) with CCNB1 ..."  # no clause: the last whole word outside brackets
    assert cut_unfinished("CDK1 drives mitosis. It may also regulate the G2/M") == "CDK1 drives mitosis."
    assert cut_unfinished("Yes, TP53 is a tumour suppressor that regulates the") == \
        "Yes, TP53 is a tumour suppressor that regulates ..."  # an early comma keeps too little
    assert cut_unfinished("The set of 1,234 genes is enriched in mitotic cell cy") == \
        "The set of 1,234 genes is enriched in mitotic cell ..."  # a number is no clause

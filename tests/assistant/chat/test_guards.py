"""Gene symbols in questions, checked against the real gene table."""
import pytest

from assistant.chat.guards import screen_question


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

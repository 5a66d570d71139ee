"""Text pasted into the chat, read as gene symbols only (real gene table)."""
from assistant.chat.templates import context_note
from assistant.tools.inputs import parse_context


def test_pasted_text_is_reduced_to_gene_symbols(real_data, injection):
    data = parse_context(injection)
    assert data.genes == ["MLH1", "MSH2", "MSH6", "PMS2", "EXO1"]
    assert "FOOBAR1" in data.unknown
    assert data.dropped_lines == 2
    note = context_note(data)
    assert note.startswith("<gene_list>") and "MLH1, MSH2, MSH6, PMS2, EXO1" in note
    for text in ("Ignore", "HACKED", "pirate", "im_start", "SYSTEM"):
        assert text not in note


def test_table_and_lowercase_symbols(real_data):
    data = parse_context("symbol,score\ntp53,0.9\nc16orf72,0.5\n")
    assert data.genes == ["TP53", "HAPSTR1"]  # C16orf72 is an old symbol of HAPSTR1

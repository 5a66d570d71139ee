"""Text pasted into the chat, read as gene symbols only (real gene table)."""
import pytest

from assistant.chat.templates import context_note
from assistant.tools.inputs import parse_context
from gsfm_model.errors import InputError


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


def test_files_are_read_or_refused_with_one_clear_message(tmp_path, real_data):
    from assistant.tools.inputs import read_gene_file, read_text_file

    latin = tmp_path / "list.txt"
    latin.write_bytes("TP53\nMDM2\n# prot\xe9ines\n".encode("cp1252"))
    text, note = read_text_file(latin)
    assert "protéines" in text and "not UTF-8" in note
    assert read_gene_file(latin)[0] == ["TP53", "MDM2"]
    (tmp_path / "x.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\0" * 20)
    for path, message in ((tmp_path / "x.gz", "binary file"), (tmp_path / "none.txt", "no such file"),
                          (tmp_path, "is not a file")):
        with pytest.raises(InputError, match=message):
            read_text_file(path)
    with pytest.raises(InputError, match="unsupported file type"):
        read_gene_file(tmp_path / "x.gz")


def test_a_background_smaller_than_the_list_is_refused(real_data):
    from assistant import tools

    with pytest.raises(InputError, match="fewer than the 3 genes of the list"):
        tools.enrich(["TP53", "MDM2", "CDKN1A"], background=["TP53", "MDM2"])


def test_pasted_entrez_and_ensembl_ids_are_read(real_data):
    assert parse_context("9636\n3434\n4599\n").genes == ["ISG15", "IFIT1", "MX1"]  # mostly whole numbers: Entrez
    mixed = parse_context("ENSG00000187608.10, Isg15\nMX1 2.5 1e-5 7")
    assert mixed.genes == ["ISG15", "MX1"]  # numbers beside symbols are values, not IDs

"""Gene table and symbol normalisation, on the real org.Hs.eg.db 3.16 data."""
import pandas as pd
import pytest

from gsfm_model.data import genes as G
from gsfm_model.data.genes import SymbolMapper, load_gene_table, normalize


def test_gene_table_has_protein_coding_genes(real_data):
    genes = load_gene_table()
    assert (genes.gene_type == "protein-coding").sum() >= 19_000
    tp53 = genes[genes.symbol == "TP53"].iloc[0]
    assert tp53.entrez_id == 7157
    assert tp53.chromosome == "17" and tp53.cytoband.startswith("17p13")
    assert "P53" in tp53.aliases
    coding = genes[genes.gene_type == "protein-coding"]
    assert coding.symbol.is_unique


@pytest.mark.parametrize("raw,official", [
    ("TP53", "TP53"), ("tp53", "TP53"), ("p53", "TP53"),      # case and alias
    ("c1orf112", "C1orf112"),                                  # official symbol with lower-case letters
    ("HER2", "ERBB2"), ("MLL", "KMT2A"), ("MARCH1", "MARCHF1"),  # aliases and previous symbols
    ("Oct4", "POU5F1"),                                        # one protein-coding candidate among pseudogenes
])
def test_normalize_maps_case_and_aliases(real_data, raw, official):
    result = normalize([raw])
    assert result.symbols == [official]
    assert result.mapping == {raw: official}


def test_normalize_reports_ambiguous_and_unknown(real_data):
    result = normalize(["SEPT2", "FOOBAR1", "TP53", "tp53", "", "XYZ123"])
    assert result.symbols == ["TP53"]                 # duplicates collapse, order kept
    assert set(result.ambiguous["SEPT2"]) == {"SEPTIN2", "SEPTIN6"}  # reported, not guessed
    assert result.unknown == ["FOOBAR1", "XYZ123"]
    msg = result.message()
    assert "FOOBAR1" in msg and "SEPT2" in msg


def test_official_symbol_wins_over_alias():
    genes = pd.DataFrame({
        "entrez_id": [1, 2], "symbol": ["AAA1", "BBB1"], "name": ["a", "b"],
        "gene_type": ["protein-coding", "protein-coding"], "chromosome": ["1", "2"], "cytoband": ["", ""],
        "aliases": [["BBB1X"], ["AAA1", "SHARED"]], "ensembl_ids": [["ENSG00000000001"], []],
    })
    mapper = SymbolMapper(genes)
    assert mapper.lookup("aaa1") == "AAA1"        # BBB1 lists AAA1 as an alias, but AAA1 is official
    assert mapper.lookup("bbb1x") == "AAA1"
    assert mapper.lookup("shared") == "BBB1"
    assert mapper.lookup("nothing") is None


def test_close_matches_suggests_real_symbols(real_data):
    from gsfm_model.data.genes import default_mapper

    assert default_mapper().close_matches("STAT11")[0] == "STAT1"
    assert "TP53" in default_mapper().close_matches("TP53X")


def test_every_identifier_type_maps_and_says_how(real_data):
    """Ensembl (with and without a version), Entrez, mouse symbols, aliases and symbols, mixed in one list."""
    table = load_gene_table()
    isg15 = table[table.symbol == "ISG15"].iloc[0]
    ensembl = isg15.ensembl_ids[0]
    raw = [ensembl, f"{ensembl}.10", str(isg15.entrez_id), "3434", "Ifit1", "Isg15", "p53", "STAT1", "stat2",
           "Oas1a", "ENSMUSG00000035692", "ENSG99999999999", "999999999", "FOOBAR1"]
    result = normalize(raw)
    assert result.symbols == ["ISG15", "IFIT1", "TP53", "STAT1", "STAT2"]
    assert [result.reasons[r] for r in raw] == [
        G.ENSEMBL, G.ENSEMBL, G.ENTREZ, G.ENTREZ, G.RODENT, G.RODENT, G.ALIAS, G.OFFICIAL, G.CASE,
        G.UNKNOWN_RODENT, G.NOT_HUMAN_ENSEMBL, G.UNKNOWN_ENSEMBL, G.UNKNOWN_ENTREZ, G.UNKNOWN_SYMBOL]
    assert result.mapping["3434"] == "IFIT1" and result.mapping[f"{ensembl}.10"] == "ISG15"
    msg = result.message()
    assert "2 mouse/rat-style symbols mapped" in msg and "orthologs by symbol" in msg
    assert "no human gene of that name: Oas1a" in msg and "not human gene IDs: ENSMUSG00000035692" in msg
    assert "not recognised as human gene symbols: FOOBAR1" in msg


def test_an_ensembl_id_of_two_genes_is_ambiguous_unless_one_is_protein_coding(real_data):
    table = load_gene_table()
    shared = table.explode("ensembl_ids").dropna(subset=["ensembl_ids"]).groupby("ensembl_ids").symbol.agg(list)
    shared = shared[shared.map(len) == 2]
    coding = set(table.symbol[table.gene_type == "protein-coding"])
    both = next(e for e, syms in shared.items() if all(s in coding for s in syms))
    one = next(e for e, syms in shared.items() if sum(s in coding for s in syms) == 1)
    result = normalize([both, one])
    assert sorted(result.ambiguous[both]) == sorted(shared[both])
    assert result.mapping[one] in coding and result.reasons[one] == G.ENSEMBL

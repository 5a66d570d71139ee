"""Every built-in loader, checked on the real downloaded data."""
import pytest

from gsfm_model.data.libraries import find_term, list_libraries, load_library
from gsfm_model.data.loaders import EVALUATION_LIBRARIES, PYENRICHR_LIBRARIES


def _term(lib_name, pattern):
    return find_term(load_library(lib_name), pattern)


def test_list_shows_every_library_with_provenance(real_data):
    df = list_libraries().set_index("library")
    expected = {"GO_BP", "GO_MF", "GO_CC", "Pfam", "PROSITE", "gene2pubmed", "HPO", *PYENRICHR_LIBRARIES}
    assert expected <= set(df.index)
    assert df.loc["GO_BP", "terms_5_2000"] >= 9_000
    assert df.loc["GO_MF", "terms_5_2000"] >= 1_500 and df.loc["GO_CC", "terms_5_2000"] >= 1_000
    assert df.loc["Pfam", "terms_5_2000"] >= 1_000 and df.loc["HPO", "terms_5_2000"] >= 6_000
    assert df.loc["KEGG_2021_Human", "terms"] == 320
    assert df.loc["GO_BP", "licence"] == "Artistic-2.0"
    assert df.loc["ChEA_2022", "licence"].startswith("CC BY-NC-SA 4.0")
    assert set(df.index[df.category == "evaluation"]) == set(EVALUATION_LIBRARIES)


def test_go_is_propagated_and_named(real_data):
    # propagation: every gene of a child term is in its parent ("type I interferon signaling" is_a
    # "cytokine-mediated signaling pathway")
    child = _term("GO_BP", "type I interferon signaling pathway (GO:0060337)")
    parent = _term("GO_BP", "cytokine-mediated signaling pathway (GO:0019221)")
    assert {"STAT1", "STAT2", "IFNAR1"} <= set(child.genes)
    assert set(child.genes) <= set(parent.genes)
    assert "interferon" in child.description.lower()
    assert "MCM2" in _term("GO_CC", "MCM complex (GO:0042555)").genes
    assert "ATP binding (GO:0005524)" in set(load_library("GO_MF").terms.term)


def test_protein_families(real_data):
    kinase = _term("Pfam", "PF00069")  # protein kinase domain
    assert {"MAPK1", "CDK1", "AKT1"} <= set(kinase.genes)
    assert len(load_library("PROSITE").terms) > 500


def test_gene2pubmed_is_paper_sets(real_data):
    lib = load_library("gene2pubmed")
    sizes = lib.terms.genes.str.len()
    assert sizes.min() >= 5 and sizes.max() <= 2000 and len(lib.terms) > 20_000
    assert lib.terms.term.str.startswith("PMID:").all()


def test_hpo(real_data):
    micro = _term("HPO", "Microcephaly (HP:0000252)")
    assert {"ASPM", "MCPH1", "CDK5RAP2"} <= set(micro.genes)
    assert micro.description  # definitions from hp.obo


def test_enrichr_libraries_are_normalised(real_data):
    kegg = load_library("KEGG_2021_Human")
    ribosome = find_term(kegg, "Ribosome")
    assert "RPL3" in ribosome.genes
    assert kegg.provenance.licence.startswith("CC BY-NC-SA")
    chea = load_library("ChEA_2022")
    assert len(chea.terms) == 757


@pytest.mark.parametrize("name", ["GO_BP", "HPO", "KEGG_2021_Human"])
def test_library_genes_are_official_symbols(real_data, name):
    from gsfm_model.data.genes import default_mapper

    official = set(default_mapper().official.values())
    assert load_library(name).genes() <= official

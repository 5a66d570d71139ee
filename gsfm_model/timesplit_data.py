"""The data of the 2020 -> 2022 time split: GO BP terms of both releases and the rarely annotated genes.

2020 = Bioconductor 3.12 (GO_BP_2020, the direct `go_bp` table of its org.Hs.eg.db), 2022 = Bioconductor 3.16
(GO_BP and its `go_bp` table). Genes are matched by Entrez ID and named by their 2022 symbols; GO IDs of 2020 that
became secondary IDs by 2022 are read as their 2022 primary ID (GO.db 3.16's `go_synonym`).

- Terms: every 2020 GO BP term of MIN_TERM..MAX_TERM genes (propagated, as the 2020 library has it).
- Genes (the use case): genes with <= MAX_DIRECT distinct BP terms directly annotated with an evidence code other than
  IEA (and ND, "no data") in 2020 that gain >= MIN_GAIN such terms by 2022 (terms directly annotated in 2022 with
  non-IEA evidence that the gene lacked with non-IEA evidence in 2020).
- A gene's hit is a 2020 term that does not contain it in 2020 and does in 2022 (propagated, GO_BP).
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data.genes import load_gene_table
from .data.libraries import load_library
from .data.releases import BIOC_2020, CURRENT, Release

OLD_LIBRARY, NEW_LIBRARY = "GO_BP_2020", "GO_BP"
MIN_TERM, MAX_TERM = 5, 500
MAX_DIRECT, MIN_GAIN = 3, 3
NOT_ANNOTATION = ("IEA", "ND")  # electronic annotations, and ND ("no biological data": annotated to the root)
_GO_ID = re.compile(r"\((GO:\d{7})\)$")


def go_id(term: str) -> str:
    """'name (GO:0006915)' -> 'GO:0006915' (the term itself if it carries no GO ID)."""
    hit = _GO_ID.search(term)
    return hit.group(1) if hit else term


def secondary_ids() -> dict[str, str]:
    """GO IDs that are secondary in GO.db 3.16 -> their primary ID (merged terms keep their old IDs as synonyms)."""
    with sqlite3.connect(CURRENT.godb_sqlite()) as con:
        rows = con.execute("SELECT s.secondary, t.go_id FROM go_synonym s JOIN go_term t ON s._id = t._id "
                           "WHERE s.secondary IS NOT NULL").fetchall()
    return dict(rows)


def go_sets(library: str, rename: dict[str, str] | None = None) -> dict[str, set[str]]:
    """GO ID -> genes of a GO library (IDs renamed through `rename`, e.g. secondary -> primary)."""
    rename, lib = rename or {}, load_library(library)
    out: dict[str, set[str]] = {}
    for term, genes in zip(lib.terms.term, lib.terms.genes):
        out.setdefault(rename.get(go_id(term), go_id(term)), set()).update(genes)
    return out


def direct_bp(release: Release) -> pd.DataFrame:
    """Direct BP annotations of a release with evidence other than NOT_ANNOTATION: columns symbol (2022), go_id
    (distinct pairs). Genes absent from the 2022 gene table are dropped."""
    with sqlite3.connect(release.orgdb_sqlite()) as con:
        pairs = pd.read_sql_query(
            f"SELECT DISTINCT g.gene_id AS entrez_id, b.go_id FROM go_bp b JOIN genes g ON b._id = g._id "
            f"WHERE b.evidence NOT IN ({','.join('?' * len(NOT_ANNOTATION))})", con, params=list(NOT_ANNOTATION))
    symbol = load_gene_table().set_index("entrez_id").symbol
    pairs["symbol"] = pairs.entrez_id.astype("int64").map(symbol)
    return pairs.dropna(subset=["symbol"])[["symbol", "go_id"]].drop_duplicates()


def genes_2020() -> list[str]:
    """The 2022 symbols of every gene in the 2020 gene table (Entrez IDs that still exist in 2022)."""
    with sqlite3.connect(BIOC_2020.orgdb_sqlite()) as con:
        ids = pd.read_sql_query("SELECT gene_id FROM genes", con).gene_id.astype("int64")
    symbol = load_gene_table().set_index("entrez_id").symbol
    return sorted(set(ids.map(symbol).dropna()))


def select_genes(old: pd.DataFrame, new: pd.DataFrame, universe: list[str], rename: dict[str, str],
                 max_direct: int = MAX_DIRECT, min_gain: int = MIN_GAIN) -> pd.DataFrame:
    """The rarely annotated genes that gain terms (the rule in the module docstring).

    old, new: `direct_bp` of 2020 and 2022; universe: the 2020 genes; rename: 2020 GO IDs that are secondary in 2022
    -> their primary ID (so a merged term is not counted as gained). Columns: gene, direct_2020, gained_2022.
    """
    n_old = old.groupby("symbol").size().reindex(universe, fill_value=0)
    had = set(zip(old.symbol, old.go_id.map(lambda t: rename.get(t, t))))
    fresh = new[[(s, t) not in had for s, t in zip(new.symbol, new.go_id)]]
    n_gain = fresh.groupby("symbol").size().reindex(universe, fill_value=0)
    keep = (n_old <= max_direct) & (n_gain >= min_gain)
    return pd.DataFrame({"gene": n_old.index[keep], "direct_2020": n_old[keep].to_numpy(),
                         "gained_2022": n_gain[keep].to_numpy()}).reset_index(drop=True)


@dataclass
class SplitData:
    """Everything the scorers are judged on.

    terms: the 2020 GO IDs scored (MIN_TERM..MAX_TERM genes in 2020), inputs: their 2020 members, universe: the
    scorers' genes; new_members[i]: universe columns that join term i by 2022 (empty if none);
    genes: the selected genes (a frame, see `select_genes`, restricted to the universe and to genes with >= 1 hit);
    known, hits: bool [n_terms, n_genes], the gene is in the 2020 term / joins it by 2022; counts: the selection's
    steps.
    """

    terms: list[str]
    inputs: list[list[str]]
    universe: list[str]
    new_members: list[np.ndarray]
    genes: pd.DataFrame
    known: np.ndarray
    hits: np.ndarray
    counts: dict


def term_inputs(old_sets: dict[str, set[str]], universe: list[str]) -> tuple[list[str], list[list[str]]]:
    """The 2020 terms of MIN_TERM..MAX_TERM genes with >= 1 universe gene, and their 2020 members (sorted)."""
    vocab = set(universe)
    ids = sorted(t for t, g in old_sets.items() if MIN_TERM <= len(g) <= MAX_TERM and g & vocab)
    return ids, [sorted(old_sets[t]) for t in ids]


def membership(sets: list[set[str]], genes: list[str]) -> np.ndarray:
    """bool [len(sets), len(genes)]: gene j is in set i."""
    pos = {g: j for j, g in enumerate(genes)}
    out = np.zeros((len(sets), len(genes)), dtype=bool)
    for i, members in enumerate(sets):
        out[i, [pos[g] for g in members if g in pos]] = True
    return out


def load_split(universe: list[str], old_library: str = OLD_LIBRARY, new_library: str = NEW_LIBRARY,
               require_hit: bool = True) -> SplitData:
    """Terms, new members, selected genes and their known/hit terms, over the scorers' gene `universe`.

    The genes are chosen by their BP annotations (module docstring); their terms and hits are read from
    `old_library` (2020) and `new_library` (2022), e.g. GO_MF_2020 and GO_MF. require_hit: keep only the genes with
    >= 1 hit (the benchmark; calibration keeps every chosen gene).
    """
    rename = secondary_ids()
    old_sets, new_sets = go_sets(old_library, rename), go_sets(new_library)
    terms, inputs = term_inputs(old_sets, universe)
    col = {g: i for i, g in enumerate(universe)}
    new_members = [np.asarray(sorted(col[g] for g in new_sets.get(t, set()) - old_sets[t] if g in col), np.int64)
                   for t in terms]
    chosen = select_genes(direct_bp(BIOC_2020), direct_bp(CURRENT), genes_2020(), rename)
    counts = {"selected": len(chosen)}
    chosen = chosen[chosen.gene.isin(col)].reset_index(drop=True)
    counts["in_vocabulary"] = len(chosen)
    known = membership([old_sets[t] for t in terms], list(chosen.gene))
    hits = membership([new_sets.get(t, set()) for t in terms], list(chosen.gene)) & ~known
    has_hit = hits.any(axis=0)
    counts["with_a_hit"] = int(has_hit.sum())
    counts["terms_gaining_members"] = int(sum(len(m) > 0 for m in new_members))
    keep = has_hit if require_hit else np.ones(len(chosen), bool)
    return SplitData(terms, inputs, universe, new_members, chosen[keep].reset_index(drop=True),
                     known[:, keep], hits[:, keep], counts)

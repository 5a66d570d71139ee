"""The gene table (Bioconductor org.Hs.eg.db 3.16) and the one identifier resolver: symbols, aliases and previous
symbols, Ensembl gene IDs (with or without a version), Entrez IDs, and mouse or rat symbols by symbol."""
from __future__ import annotations

import difflib
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from pyarrow import ArrowException

from ..errors import DataError
from .fileio import atomic_write, parquet_readable, unreadable
from .paths import cache_dir
from .sources import ORGDB, orgdb_sqlite

GENE_COLUMNS = ["entrez_id", "symbol", "name", "gene_type", "chromosome", "cytoband", "aliases", "ensembl_ids"]
_ENSEMBL = re.compile(r"(ENSG\d{11})(\.\d+)?", re.IGNORECASE)
_OTHER_ENSEMBL = re.compile(r"ENS[A-Z]*[GTP]\d{11}(\.\d+)?", re.IGNORECASE)  # mouse genes, transcripts, proteins
_ENTREZ = re.compile(r"\d{1,9}")
_RODENT = re.compile(r"[A-Z][a-z0-9-]*[a-z][a-z0-9-]*")  # Isg15, Oas1a, Ifit1bl2: mouse/rat style
_SEPARATORS = re.compile(r"[\s,;|]+")
_QUOTES = "\"'()[]{}"


def split_gene_text(text: str | Iterable[str]) -> list[str]:
    """The one gene-list parser: entries of pasted text or a list, in order.

    Text is split on whitespace, commas, semicolons and pipes; lines starting with `#` are comments; quotes and
    brackets around an entry are dropped. A list is taken item by item (each stripped). Empty entries are dropped;
    duplicates are kept (normalisation removes them and reports what it did).
    """
    if isinstance(text, str):
        lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        items = [tok.strip(_QUOTES) for line in lines for tok in _SEPARATORS.split(line)]
    else:
        items = [str(item).strip() for item in text]
    return [item for item in items if item]


def genes_path():
    return cache_dir("libraries") / "genes.parquet"


def build_gene_table(force: bool = False) -> pd.DataFrame:
    """Read genes from org.Hs.eg.sqlite and store them as `genes.parquet` in the cache.

    Columns: entrez_id (int), symbol, name, gene_type, chromosome, cytoband, aliases (list of str), ensembl_ids
    (list of Ensembl gene IDs, unversioned).
    """
    path = genes_path()
    if path.exists() and not force and parquet_readable(path):
        return load_gene_table()
    with sqlite3.connect(orgdb_sqlite()) as con:
        genes = pd.read_sql_query(
            """SELECT g._id, g.gene_id AS entrez_id, i.symbol, i.gene_name AS name, t.gene_type,
                      c.chromosome, l.cytogenetic_location AS cytoband
               FROM genes g JOIN gene_info i ON g._id = i._id
               LEFT JOIN genetype t ON g._id = t._id
               LEFT JOIN (SELECT _id, group_concat(chromosome, ',') AS chromosome
                          FROM chromosomes GROUP BY _id) c ON g._id = c._id
               LEFT JOIN (SELECT _id, group_concat(cytogenetic_location, ',') AS cytogenetic_location
                          FROM cytogenetic_locations GROUP BY _id) l ON g._id = l._id""",
            con,
        )
        alias = pd.read_sql_query("SELECT _id, alias_symbol FROM alias", con)
        ensembl = pd.read_sql_query("SELECT _id, ensembl_id FROM ensembl", con)
    alias = alias.merge(genes[["_id", "symbol"]], on="_id")
    alias = alias[alias.alias_symbol != alias.symbol]
    aliases = alias.groupby("_id").alias_symbol.agg(lambda s: sorted(set(s)))
    genes["aliases"] = genes._id.map(aliases).apply(lambda a: a if isinstance(a, list) else [])
    ensembl_ids = ensembl.groupby("_id").ensembl_id.agg(lambda s: sorted(set(s)))
    genes["ensembl_ids"] = genes._id.map(ensembl_ids).apply(lambda a: a if isinstance(a, list) else [])
    genes["entrez_id"] = genes.entrez_id.astype("int64")
    genes = genes[GENE_COLUMNS].sort_values("entrez_id").reset_index(drop=True)
    with atomic_write(path) as tmp:
        genes.to_parquet(tmp, index=False)
    load_gene_table.cache_clear()
    return genes


@lru_cache(maxsize=1)
def load_gene_table() -> pd.DataFrame:
    """The gene table from the cache (see `build_gene_table` for its columns)."""
    path = genes_path()
    if not path.exists():
        raise DataError("The gene table is not built yet. Run `gsfm data build` first.")
    try:
        genes = pd.read_parquet(path)
    except (OSError, ArrowException) as exc:
        raise unreadable(path, exc, "Run `gsfm setup` (or `gsfm data build`) to rebuild it.") from exc
    if "ensembl_ids" not in genes.columns:  # built by an older release: rebuild from the downloaded database
        load_gene_table.cache_clear()
        return build_gene_table(force=True)
    for column in ("aliases", "ensembl_ids"):
        genes[column] = genes[column].apply(list)
    return genes


GENES_PROVENANCE = {
    "source": "Bioconductor org.Hs.eg.db (Debian r-bioc-org.hs.eg.db)",
    "version": ORGDB.version,
    "date": "2022-09-12",
    "licence": "Artistic-2.0",
    "url": ORGDB.fallback_url,
}


# Why an input became what it became (NormalizedGenes.reasons)
OFFICIAL, CASE, ALIAS, ENSEMBL, ENTREZ, RODENT = ("official symbol", "official symbol (case)", "alias or previous "
                                                  "symbol", "Ensembl gene ID", "Entrez Gene ID",
                                                  "mouse/rat symbol, human ortholog by symbol")
UNKNOWN_SYMBOL = "not a human gene symbol, alias or ID"
UNKNOWN_RODENT = "mouse/rat-style symbol with no human gene of that name (orthologs are matched by symbol only)"
UNKNOWN_ENSEMBL = "not a human Ensembl gene ID in org.Hs.eg.db 3.16"
UNKNOWN_ENTREZ = "not an Entrez Gene ID in org.Hs.eg.db 3.16"
NOT_HUMAN_ENSEMBL = "an Ensembl ID of another species, or of a transcript or protein: give human gene IDs (ENSG...)"


@dataclass
class NormalizedGenes:
    """Result of mapping user identifiers to official symbols.

    symbols: official symbols, in input order, without duplicates.
    mapping: input string -> official symbol, for every input that mapped.
    unknown: inputs that match no symbol, alias or ID.
    ambiguous: inputs that are aliases (or Ensembl IDs) of several genes -> the candidate official symbols.
    reasons: every input -> why it became what it became (OFFICIAL, ALIAS, ENSEMBL, ... or why it did not map).
    """

    symbols: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def renamed(self) -> dict[str, str]:
        """Inputs that were mapped to a different official symbol (aliases, previous symbols, IDs, case)."""
        return {raw: sym for raw, sym in self.mapping.items() if raw != sym}

    def by_reason(self, reason: str) -> list[str]:
        return [raw for raw, why in self.reasons.items() if why == reason]

    def message(self) -> str:
        """One line telling the user what could not be mapped, and what was mapped by ID or as an ortholog ('' when
        every input was a human symbol or alias)."""
        parts = []
        rodent, ids = self.by_reason(RODENT), self.by_reason(ENSEMBL) + self.by_reason(ENTREZ)
        if rodent:
            parts.append(f"{len(rodent)} mouse/rat-style symbols mapped to human genes of the same symbol "
                         f"(orthologs by symbol, as Enrichr does)")
        if ids:
            parts.append(f"{len(ids)} Ensembl/Entrez IDs mapped to symbols")
        for reason, label in ((UNKNOWN_RODENT, "mouse/rat-style symbols with no human gene of that name"),
                              (UNKNOWN_ENSEMBL, "unknown Ensembl IDs"), (NOT_HUMAN_ENSEMBL, "not human gene IDs"),
                              (UNKNOWN_ENTREZ, "unknown Entrez IDs"),
                              (UNKNOWN_SYMBOL, "not recognised as human gene symbols")):
            items = self.by_reason(reason)
            if items:
                parts.append(f"{label}: {', '.join(items[:20])}" + (f" (+{len(items) - 20} more)"
                                                                     if len(items) > 20 else ""))
        if self.ambiguous:
            parts.append("ambiguous (use the official symbol): " + "; ".join(
                f"{k} -> {'/'.join(v[:5])}" for k, v in list(self.ambiguous.items())[:10]))
        return ". ".join(parts)


class SymbolMapper:
    """The one identifier resolver: official symbols, aliases and previous symbols (case-insensitive), Ensembl gene
    IDs (a version suffix is ignored), Entrez Gene IDs, and mouse/rat symbols (Isg15 -> ISG15: the human gene of
    the same symbol, the convention Enrichr uses for other species).

    An official symbol always wins over an alias. An alias (or Ensembl ID) shared by several genes is ambiguous and
    never guessed, except that when exactly one candidate is protein-coding (the others pseudogenes or ncRNAs,
    e.g. OCT4 -> POU5F1) that candidate is taken.
    """

    def __init__(self, genes: pd.DataFrame):
        self.official: dict[str, str] = {}
        # protein-coding genes first, so they win the rare case-insensitive collisions
        order = genes.assign(_pc=genes.gene_type != "protein-coding").sort_values(["_pc", "entrez_id"])
        for sym in order.symbol:
            self.official.setdefault(sym.upper(), sym)
        self.exact = set(genes.symbol)
        coding = set(genes.symbol[genes.gene_type == "protein-coding"])
        self.coding_keys = sorted(s.upper() for s in coding)
        by_alias, by_ensembl = _index(genes, "aliases", str.upper), _index(genes, "ensembl_ids", str.upper)
        self.alias = {a: _prefer_coding(s, coding) for a, s in by_alias.items() if a not in self.official}
        self.ensembl = {e: _prefer_coding(s, coding) for e, s in by_ensembl.items()}
        self.entrez = dict(zip(genes.entrez_id.astype(str), genes.symbol))

    def resolve(self, identifier: str) -> tuple[str | list[str] | None, str]:
        """(official symbol, a list of candidates, or None) and the reason (module constants)."""
        raw = identifier.strip()
        key = raw.upper()
        if (found := _ENSEMBL.fullmatch(raw)) is not None:
            hits = self.ensembl.get(found.group(1).upper())
            return (hits[0] if len(hits) == 1 else hits, ENSEMBL) if hits else (None, UNKNOWN_ENSEMBL)
        if _OTHER_ENSEMBL.fullmatch(raw):
            return None, NOT_HUMAN_ENSEMBL
        if _ENTREZ.fullmatch(raw):
            return (self.entrez[raw], ENTREZ) if raw in self.entrez else (None, UNKNOWN_ENTREZ)
        rodent = raw not in self.exact and _RODENT.fullmatch(raw) is not None
        if key in self.official:
            return self.official[key], RODENT if rodent else OFFICIAL if raw in self.exact else CASE
        hits = self.alias.get(key)
        if hits:
            return (hits[0] if len(hits) == 1 else hits), ALIAS
        return None, UNKNOWN_RODENT if rodent else UNKNOWN_SYMBOL

    def lookup(self, symbol: str) -> str | list[str] | None:
        """Official symbol, a list of candidates (ambiguous) or None (unknown)."""
        return self.resolve(symbol)[0]

    def normalize(self, symbols: Iterable[str]) -> NormalizedGenes:
        """Map identifiers to official symbols; say for each why (and report unknown and ambiguous ones)."""
        out = NormalizedGenes()
        seen: set[str] = set()
        for raw in symbols:
            raw = str(raw).strip()
            if not raw or raw in out.reasons:
                continue
            hit, out.reasons[raw] = self.resolve(raw)
            if hit is None:
                out.unknown.append(raw)
            elif isinstance(hit, list):
                out.ambiguous[raw] = hit
            else:
                out.mapping[raw] = hit
                if hit not in seen:
                    seen.add(hit)
                    out.symbols.append(hit)
        return out

    def close_matches(self, symbol: str, n: int = 5) -> list[str]:
        """Official symbols that look like `symbol` (for 'did you mean' messages), protein-coding first."""
        key = symbol.strip().upper()
        hits = difflib.get_close_matches(key, self.coding_keys, n=n, cutoff=0.7)
        hits += difflib.get_close_matches(key, self.official.keys(), n=n, cutoff=0.8)
        return list(dict.fromkeys(self.official[h] for h in hits))[:n]


def _index(genes: pd.DataFrame, column: str, key) -> dict[str, set[str]]:
    """key(value) -> the symbols whose list column `column` holds that value."""
    out: dict[str, set[str]] = defaultdict(set)
    for sym, values in zip(genes.symbol, genes[column]):
        for v in values:
            out[key(v)].add(sym)
    return out


def _prefer_coding(candidates: set[str], coding: set[str]) -> list[str]:
    """An alias's candidates; when exactly one is protein-coding (the rest pseudogenes, ncRNAs...), just it."""
    hits = sorted(candidates & coding)
    return hits if len(hits) == 1 else sorted(candidates)


@lru_cache(maxsize=1)
def default_mapper() -> SymbolMapper:
    """The mapper over the cached gene table."""
    return SymbolMapper(load_gene_table())


def normalize(symbols: Iterable[str]) -> NormalizedGenes:
    """Map symbols to official human gene symbols (case-insensitive, aliases resolved)."""
    return default_mapper().normalize(symbols)

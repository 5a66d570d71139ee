"""The gene table (Bioconductor org.Hs.eg.db 3.16) and gene symbol normalisation."""
from __future__ import annotations

import difflib
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from ..errors import DataError
from .fileio import atomic_write
from .paths import cache_dir
from .sources import ORGDB, orgdb_sqlite

GENE_COLUMNS = ["entrez_id", "symbol", "name", "gene_type", "chromosome", "cytoband", "aliases"]
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

    Columns: entrez_id (int), symbol, name, gene_type, chromosome, cytoband, aliases (list of str).
    """
    path = genes_path()
    if path.exists() and not force:
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
    alias = alias.merge(genes[["_id", "symbol"]], on="_id")
    alias = alias[alias.alias_symbol != alias.symbol]
    aliases = alias.groupby("_id").alias_symbol.agg(lambda s: sorted(set(s)))
    genes["aliases"] = genes._id.map(aliases).apply(lambda a: a if isinstance(a, list) else [])
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
    genes = pd.read_parquet(path)
    genes["aliases"] = genes.aliases.apply(list)
    return genes


GENES_PROVENANCE = {
    "source": "Bioconductor org.Hs.eg.db (Debian r-bioc-org.hs.eg.db)",
    "version": ORGDB.version,
    "date": "2022-09-12",
    "licence": "Artistic-2.0",
    "url": ORGDB.fallback_url,
}


@dataclass
class NormalizedGenes:
    """Result of mapping user symbols to official symbols.

    symbols: official symbols, in input order, without duplicates.
    mapping: input string -> official symbol, for every input that mapped.
    unknown: inputs that match no symbol or alias.
    ambiguous: inputs that are aliases of several genes -> the candidate official symbols.
    """

    symbols: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)

    @property
    def renamed(self) -> dict[str, str]:
        """Inputs that were mapped to a different official symbol (aliases, previous symbols, case)."""
        return {raw: sym for raw, sym in self.mapping.items() if raw != sym}

    def message(self) -> str:
        """One line telling the user what could not be mapped ('' when everything mapped)."""
        parts = []
        if self.unknown:
            parts.append(f"not recognised as human gene symbols: {', '.join(self.unknown[:20])}"
                         + (f" (+{len(self.unknown) - 20} more)" if len(self.unknown) > 20 else ""))
        if self.ambiguous:
            parts.append("ambiguous aliases (use the official symbol): " + "; ".join(
                f"{k} -> {'/'.join(v[:5])}" for k, v in list(self.ambiguous.items())[:10]))
        return ". ".join(parts)


class SymbolMapper:
    """Case-insensitive mapping of symbols, aliases and previous symbols to official symbols.

    An official symbol always wins over an alias. An alias shared by several genes is ambiguous and never
    guessed, except that when exactly one candidate is protein-coding (the others pseudogenes or ncRNAs,
    e.g. OCT4 -> POU5F1) that candidate is taken.
    """

    def __init__(self, genes: pd.DataFrame):
        self.official: dict[str, str] = {}
        # protein-coding genes first, so they win the rare case-insensitive collisions
        order = genes.assign(_pc=genes.gene_type != "protein-coding").sort_values(["_pc", "entrez_id"])
        for sym in order.symbol:
            self.official.setdefault(sym.upper(), sym)
        by_alias: dict[str, set[str]] = defaultdict(set)
        for sym, aliases in zip(genes.symbol, genes.aliases):
            for a in aliases:
                by_alias[a.upper()].add(sym)
        coding = set(genes.symbol[genes.gene_type == "protein-coding"])
        self.coding_keys = sorted(s.upper() for s in coding)
        self.alias = {a: _prefer_coding(s, coding) for a, s in by_alias.items() if a not in self.official}

    def lookup(self, symbol: str) -> str | list[str] | None:
        """Official symbol, a list of candidates (ambiguous alias) or None (unknown)."""
        key = symbol.strip().upper()
        if key in self.official:
            return self.official[key]
        hits = self.alias.get(key)
        if not hits:
            return None
        return hits[0] if len(hits) == 1 else hits

    def normalize(self, symbols: Iterable[str]) -> NormalizedGenes:
        """Map symbols to official symbols; report unknown and ambiguous ones."""
        out = NormalizedGenes()
        seen: set[str] = set()
        for raw in symbols:
            raw = str(raw).strip()
            if not raw or raw in out.mapping or raw in out.ambiguous or raw in out.unknown:
                continue
            hit = self.lookup(raw)
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

"""Gene-set libraries: named terms -> official gene symbols, plus descriptions and provenance.

Every source is stored the same way, as `$GSFM_HOME/libraries/<name>.parquet` with one row per term
(columns `term`, `description`, `genes`) and the provenance in the parquet metadata.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import DataError, InputError
from .fileio import atomic_write, unreadable
from .paths import cache_dir

_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")


@dataclass
class Provenance:
    """Where a library came from."""

    source: str
    version: str = ""
    date: str = ""
    licence: str = ""
    url: str = ""
    category: str = ""  # e.g. "ontology", "pathway", "literature", "expression", "evaluation"
    notes: str = ""


@dataclass
class GeneSetLibrary:
    """A library: `terms` has columns term (str), description (str), genes (list[str], official symbols)."""

    name: str
    terms: pd.DataFrame
    provenance: Provenance
    stats: dict = field(default_factory=dict)  # e.g. unmapped symbol counts from the build

    def gene_sets(self, min_size: int = 1, max_size: int | None = None) -> dict[str, list[str]]:
        """term -> genes, keeping terms with min_size <= size <= max_size."""
        sizes = self.terms.genes.str.len()
        keep = (sizes >= min_size) & (sizes <= (max_size or sizes.max()))
        return dict(zip(self.terms.term[keep], self.terms.genes[keep]))

    def genes(self) -> set[str]:
        """All genes in the library."""
        return {g for gs in self.terms.genes for g in gs}


def library_path(name: str) -> Path:
    if not _NAME.match(name):
        raise InputError(f"Invalid library name {name!r}: use letters, digits, '_', '.', '+' or '-'.")
    return cache_dir("libraries") / f"{name}.parquet"


def make_terms(sets: dict[str, list[str]], descriptions: dict[str, str] | None = None) -> pd.DataFrame:
    """Build the `terms` frame from term -> genes (drops empty terms, sorts genes)."""
    descriptions = descriptions or {}
    rows = [(t, descriptions.get(t, ""), sorted(set(g))) for t, g in sets.items() if g]
    return pd.DataFrame(rows, columns=["term", "description", "genes"])


def save_library(lib: GeneSetLibrary) -> Path:
    """Write a library to the cache atomically."""
    if lib.terms.empty:
        raise DataError(f"Library {lib.name} has no terms with known genes; nothing was written.")
    table = pa.Table.from_pandas(lib.terms[["term", "description", "genes"]], preserve_index=False)
    meta = {b"gsfm": json.dumps({"name": lib.name, "provenance": asdict(lib.provenance),
                                 "stats": lib.stats}).encode()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    path = library_path(lib.name)
    with atomic_write(path) as tmp:
        pq.write_table(table, tmp)
    load_library.cache_clear()
    return path


REPAIR_DATA = "Run `gsfm setup` (or `gsfm data build`) to rebuild it from the verified downloads."


def _read_meta(path: Path) -> dict:
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta.get(b"gsfm", b"{}"))


@lru_cache(maxsize=64)
def load_library(name: str) -> GeneSetLibrary:
    """Load a library from the cache by name (see `list_libraries`)."""
    path = library_path(name)
    if not path.exists():
        known = ", ".join(available_libraries()) or "none yet (run `gsfm data build`)"
        raise DataError(f"Library {name!r} is not in the cache. Available: {known}.")
    try:
        meta = _read_meta(path)
        terms = pd.read_parquet(path)
    except (OSError, pa.ArrowException) as exc:
        raise unreadable(path, exc, REPAIR_DATA) from exc
    terms["genes"] = terms.genes.apply(list)
    return GeneSetLibrary(name, terms, Provenance(**meta["provenance"]), meta.get("stats", {}))


def available_libraries() -> list[str]:
    """Names of the libraries in the cache."""
    return sorted(p.stem for p in cache_dir("libraries").glob("*.parquet") if p.stem != "genes")


def list_libraries() -> pd.DataFrame:
    """One row per cached library.

    Columns: library, terms, terms_5_2000 (terms of 5..2000 genes), genes, source, version, date,
    licence, category.
    """
    rows = []
    for name in available_libraries():
        path = library_path(name)
        meta = _read_meta(path)
        sizes = pq.read_table(path, columns=["genes"]).column("genes")
        sizes = pa.compute.list_value_length(sizes).to_numpy()
        genes = pq.read_table(path, columns=["genes"]).column("genes").combine_chunks().flatten()
        prov = meta.get("provenance", {})
        rows.append({
            "library": name, "terms": len(sizes), "terms_5_2000": int(((sizes >= 5) & (sizes <= 2000)).sum()),
            "genes": len(pa.compute.unique(genes)), "source": prov.get("source", ""),
            "version": prov.get("version", ""), "date": prov.get("date", ""),
            "licence": prov.get("licence", ""), "category": prov.get("category", ""),
        })
    return pd.DataFrame(rows, columns=["library", "terms", "terms_5_2000", "genes", "source", "version",
                                       "date", "licence", "category"])


def find_term(lib: GeneSetLibrary, term: str) -> pd.Series:
    """A library's row for `term`: exact match, else case-insensitive, else a unique substring match."""
    terms = lib.terms
    for mask in (terms.term == term, terms.term.str.lower() == term.lower()):
        if mask.any():
            return terms[mask].iloc[0]
    hits = terms[terms.term.str.contains(term, case=False, regex=False)]
    if len(hits) == 1:
        return hits.iloc[0]
    if hits.empty:
        raise InputError(f"No term matching {term!r} in {lib.name}. Try `gsfm data show {lib.name}` "
                         "with part of the term's name.")
    raise InputError(f"{len(hits)} terms in {lib.name} match {term!r}, e.g. "
                     + "; ".join(hits.term.head(5)) + ". Give the exact term name.")

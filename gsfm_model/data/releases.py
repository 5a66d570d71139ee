"""Bioconductor releases as sources of libraries: the current one (3.16, 2022) and the 2020 snapshot (3.12).

The libraries of the current release carry their usual names (GO_BP, Pfam, ...) and the symbols of its own gene
table. A snapshot's libraries carry a suffix (GO_BP_2020, ...): its genes are mapped by Entrez ID to the official
symbols of the current gene table (symbols change between releases; genes absent from it are dropped), so that the
two releases can be compared gene by gene. Each snapshot library is dated by its own source in the release's
`map_metadata` table (Entrez Gene, GO, UniProt), which is what dated recipes (`Recipe.cutoff`) check.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..errors import DataError
from .genes import GENES_PROVENANCE, load_gene_table
from .libraries import Provenance
from .sources import GODB, GODB_2020, ORGDB, ORGDB_2020, Package, godb_sqlite, orgdb_sqlite

# org.Hs.eg.db map names (table map_metadata) behind each kind of library
SOURCE_MAPS = {"go": ("GO2ALLEGS",), "pfam": ("PFAM",), "prosite": ("PROSITE",), "pubmed": ("PMID",)}
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%b%d", "%a %b %d %H:%M:%S %Y")


@dataclass(frozen=True)
class Release:
    """One Bioconductor release of org.Hs.eg.db and GO.db.

    suffix: appended to the names of its libraries ("" for the current release).
    remap: map genes by Entrez ID to the current gene table's symbols (a snapshot) instead of the release's own.
    """

    name: str
    suffix: str
    orgdb: Package
    godb: Package
    remap: bool

    def orgdb_sqlite(self) -> Path:
        return orgdb_sqlite(self.orgdb)

    def godb_sqlite(self) -> Path:
        return godb_sqlite(self.godb)

    def symbols(self, con: sqlite3.Connection) -> pd.Series:
        """org.Hs.eg.db `_id` -> official symbol (a snapshot's genes absent from the current gene table left out)."""
        if not self.remap:
            return pd.read_sql_query("SELECT _id, symbol FROM gene_info", con).set_index("_id").symbol
        ids = pd.read_sql_query("SELECT _id, gene_id FROM genes", con)
        current = load_gene_table().set_index("entrez_id").symbol
        return pd.Series(ids.gene_id.astype("int64").map(current).to_numpy(), index=ids._id).dropna()

    def provenance(self, con: sqlite3.Connection, kind: str, category: str, notes: str = "") -> Provenance:
        """The provenance of a library of this release; a snapshot's date is its source's own date."""
        if not self.remap:
            return Provenance(source="Bioconductor org.Hs.eg.db", version=GENES_PROVENANCE["version"],
                              date=GENES_PROVENANCE["date"], licence="Artistic-2.0", url=GENES_PROVENANCE["url"],
                              category=category, notes=notes)
        dates = source_dates(con, SOURCE_MAPS[kind])
        notes = (f"{self.name} snapshot; genes mapped by Entrez ID to the symbols of org.Hs.eg.db "
                 f"{ORGDB.version}, genes absent there dropped; source dates {dates}" + (f"; {notes}" if notes else ""))
        return Provenance(source=f"Bioconductor org.Hs.eg.db {self.name} (Debian {self.orgdb.suite})",
                          version=self.orgdb.version, date=max(dates.values()), licence="Artistic-2.0",
                          url=f"apt-get download {self.orgdb.name}={self.orgdb.version} (Debian {self.orgdb.suite})",
                          category=category, notes=notes)


CURRENT = Release("3.16", "", ORGDB, GODB, remap=False)
BIOC_2020 = Release("3.12", "_2020", ORGDB_2020, GODB_2020, remap=True)


def iso_date(text: str) -> str:
    """An org.Hs.eg.db date ('2020-Sep23', '2020-09-10', 'Mon Oct  5 00:18:02 2020') as YYYY-MM-DD."""
    text = " ".join(text.split())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise DataError(f"Unrecognised source date {text!r} in org.Hs.eg.db's map_metadata.")


def source_dates(con: sqlite3.Connection, maps: tuple[str, ...]) -> dict[str, str]:
    """Source name -> ISO date of the given org.Hs.eg.db maps (e.g. GO2ALLEGS: Gene Ontology and Entrez Gene)."""
    rows = con.execute(f"SELECT source_name, source_date FROM map_metadata WHERE map_name IN "
                       f"({','.join('?' * len(maps))})", maps).fetchall()
    if not rows:
        raise DataError(f"org.Hs.eg.db has no map_metadata for {maps}; the package is not the expected release.")
    return {name: iso_date(date) for name, date in rows}


def go_source_date(release: Release) -> str:
    """The date of the GO ontology of a release's GO.db (metadata GOSOURCEDATE)."""
    with sqlite3.connect(release.godb_sqlite()) as con:
        row = con.execute("SELECT value FROM metadata WHERE name = 'GOSOURCEDATE'").fetchone()
    return iso_date(row[0]) if row else ""

"""Gene lists in and tables out for the Gradio app: parse pasted text and uploaded files, write TSVs.

Uploaded files are read as text and never executed; they are size-checked before reading, and the
only files written are TSV downloads inside a fresh temporary folder.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import pandas as pd

from gsfm_model.data.gmt import parse_gmt
from gsfm_model.errors import DataError, InputError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_GENES = 5000
UPLOAD_TYPES = [".txt", ".csv", ".tsv", ".tab", ".gmt", ".grp"]
GENE_COLUMNS = ("gene", "genes", "symbol", "symbols", "gene_symbol", "gene symbol", "gene_name", "hgnc_symbol")
_SPLIT = re.compile(r"[\s,;|]+")


def parse_gene_text(text: str) -> list[str]:
    """Gene symbols from pasted text: one per line or separated by spaces, commas, semicolons or tabs.

    Lines starting with `#` are comments. Order is kept and duplicates dropped.
    """
    genes: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        genes.extend(tok.strip("\"'") for tok in _SPLIT.split(line))
    return _dedupe(genes)


def _dedupe(genes: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for g in genes:
        if g and g not in seen:
            seen.add(g)
            out.append(g)
    return out


def _table_genes(text: str, delimiter: str) -> list[str]:
    """Genes from a CSV/TSV: the column named like 'gene'/'symbol' if there is a header, else column 1."""
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r and any(c.strip() for c in r)]
    if not rows:
        return []
    header = [c.strip().lower() for c in rows[0]]
    column = next((header.index(name) for name in GENE_COLUMNS if name in header), None)
    if column is not None:
        rows = rows[1:]
    else:
        column = 0
    return _dedupe([r[column].strip() for r in rows if len(r) > column and not r[0].startswith("#")])


def read_gene_file(path: str | Path) -> tuple[list[str], str]:
    """Gene symbols from an uploaded txt/csv/tsv/gmt file, and a note on how the file was read.

    A GMT file contributes its first gene set (the note names it and says how many were skipped).
    Raises InputError for files that are too large, not text, or of an unsupported type.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise InputError(f"{path.name}: unsupported file type; upload one of {', '.join(UPLOAD_TYPES)}.")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise InputError(f"{path.name} is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
    if suffix == ".gmt":
        try:
            sets, _ = parse_gmt(path)
        except DataError as exc:
            raise InputError(str(exc)) from exc
        name, genes = next(iter(sets.items()))
        note = f"gene set '{name}' from {path.name}"
        if len(sets) > 1:
            note += f" (the first of {len(sets)} sets; the others were ignored)"
        return _dedupe([g.strip() for g in genes]), note
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name} is not UTF-8 text; save it as plain text and upload it again.") from exc
    if suffix in (".csv", ".tsv", ".tab"):
        genes = _table_genes(text, "," if suffix == ".csv" else "\t")
    else:
        genes = parse_gene_text(text)
    return genes, path.name


def collect_genes(text: str | None, file: str | None) -> tuple[list[str], str]:
    """The gene list from an uploaded file if given, else from pasted text; with a note on its source."""
    if file:
        genes, note = read_gene_file(file)
    else:
        genes, note = parse_gene_text(text or ""), "pasted list"
    if not genes:
        raise InputError("No gene symbols found: paste symbols (one per line) or upload a txt/csv/tsv/gmt file.")
    if len(genes) > MAX_GENES:
        raise InputError(f"{len(genes)} genes given; the limit is {MAX_GENES}. Shorten the list and try again.")
    return genes, note


def write_tsvs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Write each non-empty table as `<name>.tsv` in a new temporary folder; return the paths."""
    folder = Path(tempfile.mkdtemp(prefix="gsfm-app-"))
    paths = []
    for name, df in tables.items():
        if df is None or df.empty:
            continue
        path = folder / f"{name}.tsv"
        df.to_csv(path, sep="\t", index=False)
        paths.append(str(path))
    return paths

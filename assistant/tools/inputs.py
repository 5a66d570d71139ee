"""What users hand the tools, read in one place: gene lists (a list, pasted text, an uploaded file, text pasted
into the chat), mapped to official symbols, with one report of what each entry became.

Splitting is `gsfm_model.data.genes.split_gene_text` (the one gene-list parser); mapping is
`gsfm_model.data.genes.normalize`. Uploaded files are size-checked before they are read, read as text and never
executed.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gsfm_model.data.genes import (
    ALIAS,
    ENSEMBL,
    ENTREZ,
    RODENT,
    UNKNOWN_SYMBOL,
    NormalizedGenes,
    default_mapper,
    normalize,
    split_gene_text,
)
from gsfm_model.data.gmt import parse_gmt
from gsfm_model.errors import DataError, InputError

MAX_GENES = 5000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_TYPES = [".txt", ".csv", ".tsv", ".tab", ".gmt", ".grp"]
GENE_COLUMNS = ("gene", "genes", "symbol", "symbols", "gene_symbol", "gene symbol", "gene_name", "hgnc_symbol")
MAX_NAMED = 20  # entries named per line of a report

# -- gene lists -----------------------------------------------------------------------------------------------


def gene_list(genes: str | Iterable[str], what: str = "gene list") -> list[str]:
    """The entries of a gene list (text or list), refusing an empty list and one over MAX_GENES entries."""
    items = split_gene_text(genes)
    if not items:
        raise InputError(f"The {what} is empty: give at least one gene symbol, e.g. ['TP53', 'MDM2'].")
    if len(items) > MAX_GENES:
        raise InputError(f"The {what} has {len(items):,} entries; the limit is {MAX_GENES:,}. "
                         "Send the most relevant genes (e.g. the top hits) instead.")
    return items


def _named(items: list[str]) -> str:
    return ", ".join(items[:MAX_NAMED]) + (" …" if len(items) > MAX_NAMED else "")


@dataclass
class Mapped:
    """A normalised gene list: the symbols used, and what was left out with the reason (`note`, one line)."""

    symbols: list[str]
    unmapped: list[str] = field(default_factory=list)
    note: str = ""
    found: NormalizedGenes | None = None  # the normalisation behind it (for the mapping report)

    def restrict(self, keep: set[str] | dict, where: str) -> Mapped:
        """The same list without (and reporting) the symbols not in `keep`; InputError when none is left."""
        missing = [s for s in self.symbols if s not in keep]
        if not missing:
            return self
        inputs = {v: k for k, v in self.found.mapping.items()} if self.found else {}
        note = ". ".join(filter(None, [self.note, f"not in {where}: {_named(missing)}"]))
        kept = Mapped([s for s in self.symbols if s in keep], self.unmapped + [inputs.get(s, s) for s in missing],
                      note, self.found)
        if not kept.symbols:
            raise InputError("None of the genes could be used. " + note + ".")
        return kept


def map_genes(genes: str | Iterable[str], keep: set[str] | dict | None = None, where: str = "the model") -> Mapped:
    """Normalise a gene list; with `keep`, also drop (and report) symbols not in it."""
    found = normalize(gene_list(genes))
    mapped = Mapped(found.symbols, list(found.unknown) + list(found.ambiguous), found.message(), found)
    if not mapped.symbols:
        raise InputError("None of the genes could be used. " + mapped.note + ".")
    return mapped if keep is None else mapped.restrict(keep, where)


def one_gene(symbol: str | None, keep: set[str] | dict | None = None, where: str = "the model") -> str:
    """The official symbol of one gene (symbol, alias, or an autocomplete label 'SYMBOL — name'), or InputError
    with a 'did you mean'."""
    text = (symbol or "").split(" — ")[0].strip() if isinstance(symbol, str | None) else ""
    if not text:
        raise InputError("Give one gene symbol, e.g. 'TP53'.")
    if len(split_gene_text(text)) != 1:
        raise InputError(f"{symbol!r} is several genes; this tool takes one symbol (use a gene-list tool).")
    found = normalize([text])
    if found.ambiguous:
        raise InputError(f"{text!r} is an alias of several genes ({', '.join(found.ambiguous[text])}); "
                         "use the official symbol.")
    if not found.symbols:
        near = default_mapper().close_matches(text)
        raise InputError(f"{text!r} is not a known human gene symbol or alias"
                         + (f"; did you mean {', '.join(near)}?" if near else "."))
    gene = found.symbols[0]
    if keep is not None and gene not in keep:
        raise InputError(f"{gene} is a known gene but not in {where} (it was too rarely seen in the training "
                         "gene sets), so there is nothing to predict for it.")
    return gene


def mapping_table(found: NormalizedGenes) -> pd.DataFrame:
    """What every input became and why: columns input, symbol ('' when not mapped; 'A/B' when ambiguous), how."""
    rows = [(raw, found.mapping.get(raw) or "/".join(found.ambiguous.get(raw, [])), why)
            for raw, why in found.reasons.items()]
    return pd.DataFrame(rows, columns=["input", "symbol", "how"])


def mapping_report(mapped: Mapped, n_inputs: int, source: str) -> str:
    """The one report of what a list's entries became, as markdown: counts, then the entries that were not plain
    human symbols, grouped by what happened to them (IDs, orthologs, aliases, unmapped with the reason)."""
    found = mapped.found or NormalizedGenes(symbols=mapped.symbols)
    lines = [f"**{len(mapped.symbols)} of {n_inputs} entries mapped** ({source})."]
    pairs = lambda items: ", ".join(f"{k} → {found.mapping[k]}" for k in items[:MAX_NAMED])  # noqa: E731
    for reason, title in ((ENSEMBL, "Ensembl IDs"), (ENTREZ, "Entrez IDs"),
                          (RODENT, "Mouse/rat symbols, mapped to the human gene of the same symbol"),
                          (ALIAS, "Aliases and previous symbols, renamed")):
        items = found.by_reason(reason)
        if items:
            lines.append(f"- **{title}** ({len(items)}): {pairs(items)}" + (" …" if len(items) > MAX_NAMED else ""))
    if found.ambiguous:
        lines.append("- **Ambiguous** (left out; use the official symbol): "
                     + "; ".join(f"{k} → {'/'.join(v[:4])}" for k, v in list(found.ambiguous.items())[:MAX_NAMED]))
    unknown = {}
    for raw in found.unknown:
        unknown.setdefault(found.reasons.get(raw, UNKNOWN_SYMBOL), []).append(raw)
    for reason, items in unknown.items():
        lines.append(f"- **Unmapped** ({len(items)}; {reason}): {_named(items)}")
    return "\n".join(lines)


# -- files ----------------------------------------------------------------------------------------------------


def _dedupe(genes: list[str]) -> list[str]:
    return list(dict.fromkeys(genes))


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


def read_text_file(path: str | Path) -> tuple[str, str]:
    """The text of a file and a note ('' or how it was decoded): UTF-8 (with or without a BOM), else Windows-1252 /
    Latin-1 with a note. A missing, unreadable, too large or binary file raises InputError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file." if not path.exists() else f"{path} is not a file.")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise InputError(f"{path.name} is {size / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from exc
    if b"\0" in data[:8192] or data[:4] in (b"PK\x03\x04", b"%PDF") or data[:2] == b"\x1f\x8b":
        raise InputError(f"{path.name} is a binary file (e.g. a spreadsheet, PDF or archive); save it as plain text "
                         f"or CSV/TSV and try again.")
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), f"{path.name} is not UTF-8; read as Windows-1252/Latin-1"


def read_gene_file(path: str | Path, any_type: bool = False) -> tuple[list[str], str]:
    """Gene identifiers from a txt/csv/tsv/gmt file, and a note on how the file was read.

    A CSV/TSV contributes its gene column (named like 'gene'/'symbol', else the first column); a GMT file its first
    gene set (the note names it and says how many were skipped). any_type: read other suffixes as plain text (the
    CLI); else (uploads) only UPLOAD_TYPES are accepted. Raises InputError for files that are missing, too large,
    binary, or of an unsupported type.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in UPLOAD_TYPES and not any_type:
        raise InputError(f"{path.name}: unsupported file type; upload one of {', '.join(UPLOAD_TYPES)}.")
    text, decoded = read_text_file(path)
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
    note = "; ".join(filter(None, [path.name, decoded]))
    if suffix in (".csv", ".tsv", ".tab"):
        return _table_genes(text, "," if suffix == ".csv" else "\t"), note
    return _dedupe(split_gene_text(text)), note


def collect_genes(text: str | None, file: str | None) -> tuple[list[str], str]:
    """The gene list from an uploaded file if given, else from pasted text; with a note on its source."""
    if file:
        genes, note = read_gene_file(file)
    else:
        genes, note = _dedupe(split_gene_text(text or "")), "pasted list"
    if not genes:
        raise InputError("No gene symbols found: paste symbols (one per line) or upload a txt/csv/tsv/gmt file.")
    if len(genes) > MAX_GENES:
        raise InputError(f"{len(genes)} genes given; the limit is {MAX_GENES}. Shorten the list and try again.")
    return genes, note


# -- text pasted into the chat --------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
_NUMBER_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?$")
_INJECTION_RE = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instruction|prompt|rule|above|previous|everything)"
    r"|\b(you are|act as|pretend|system prompt|jailbreak|respond with|reply with|say|print|output)\b"
    r"|<\|?/?(im_start|im_end|system|tool_call|tool_response)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class ContextData:
    """What was usable in pasted text: official symbols, unrecognised entries, ignored prose lines."""

    genes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    dropped_lines: int = 0
    table_note: str = ""  # how a pasted expression table was read (`tables.table_context`)


def _is_prose(tokens: list[str], line: str) -> bool:
    """A line of sentences or instructions rather than gene symbols or a table row."""
    if _INJECTION_RE.search(line):
        return True
    mapper = default_mapper()
    words = [t for t in tokens if t.isalpha() and t.islower() and len(t) > 1 and t.upper() not in mapper.official]
    return len(words) >= 3 and len(words) >= 0.4 * len(tokens)


def parse_context(text: str | None) -> ContextData:
    """Gene identifiers from text pasted into the chat (a list or a table): official symbols kept in order,
    everything else only counted; prose and instruction-like lines are dropped, so pasted text reaches the tools
    (and a language model) only as official gene symbols. Numbers are skipped, unless most entries are whole
    numbers: then they are read as Entrez Gene IDs."""
    data = ContextData()
    mapper = default_mapper()
    seen: set[str] = set()
    rows = []
    for line in (text or "").splitlines():
        tokens = split_gene_text(line)
        if tokens and _is_prose(tokens, line):
            data.dropped_lines += 1
        elif tokens:
            rows.append(tokens)
    tokens = [t for row in rows for t in row]
    entrez = sum(t.isdigit() for t in tokens) >= max(3, 0.5 * len(tokens))
    for token in tokens:
        if (_NUMBER_RE.match(token) and not (entrez and token.isdigit())) or len(token) > 30:
            continue
        hit = mapper.lookup(token)
        if isinstance(hit, str):
            if hit not in seen:
                seen.add(hit)
                data.genes.append(hit)
        elif token not in data.unknown and _TOKEN_RE.fullmatch(token):
            data.unknown.append(token)
    return data


def attach(df: pd.DataFrame, mapped: Mapped | None = None, **extra) -> pd.DataFrame:
    """`df` with a fresh index and the tools' metadata: attrs["unmapped"] and attrs["note"] (and `extra`)."""
    df = df.reset_index(drop=True)
    df.attrs.update({"unmapped": mapped.unmapped if mapped else [], "note": mapped.note if mapped else "", **extra})
    return df

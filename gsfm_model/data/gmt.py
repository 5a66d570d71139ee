"""GMT and Enrichr text libraries: from a file, a URL, or Enrichr's download endpoint by name."""
from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from ..errors import DataError
from .genes import default_mapper
from .libraries import GeneSetLibrary, Provenance, make_terms
from .sources import fetch_url

ENRICHR_URL = "https://maayanlab.cloud/Enrichr"


def parse_gmt(path: str | os.PathLike) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Read a GMT or Enrichr text file: `term <TAB> description <TAB> gene <TAB> gene ...`.

    Gene fields like `TP53,1.0` (Enrichr weights) keep the symbol. Returns (term -> raw genes,
    term -> description). Raises DataError naming the file and line on malformed input.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"Cannot read {path}: {exc.strerror}.") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line} is not valid UTF-8 (byte {exc.start}). "
                        "Save the file as UTF-8 text and try again.") from exc
    sets: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        genes = [g.split(",")[0].strip() for g in fields[2:]]
        genes = [g for g in genes if g]
        if len(fields) < 3 or not fields[0].strip() or not genes:
            raise DataError(f"{path}: line {n} is not a gene set: expected 'name<TAB>description<TAB>gene"
                            f"<TAB>gene...', got {line[:80]!r}.")
        term = fields[0].strip()
        sets.setdefault(term, []).extend(genes)
        descriptions.setdefault(term, fields[1].strip())
    if not sets:
        raise DataError(f"{path} holds no gene sets (the file is empty or only comments).")
    return sets, descriptions


def normalize_sets(sets: dict[str, list[str]]) -> tuple[dict[str, list[str]], dict]:
    """Map every set's genes to official symbols, dropping unknown and ambiguous ones."""
    mapper = default_mapper()
    cache: dict[str, str | None] = {}
    out: dict[str, list[str]] = {}
    for term, genes in sets.items():
        mapped = []
        for g in genes:
            if g not in cache:
                hit = mapper.lookup(g)
                cache[g] = hit if isinstance(hit, str) else None
            if cache[g]:
                mapped.append(cache[g])
        out[term] = mapped
    stats = {"symbols": len(cache), "unmapped_symbols": sum(v is None for v in cache.values())}
    return out, stats


def library_from_gmt(path: str | os.PathLike, name: str | None = None,
                     provenance: Provenance | None = None) -> GeneSetLibrary:
    """A library from a GMT / Enrichr text file, symbols normalised."""
    path = Path(path)
    sets, descriptions = parse_gmt(path)
    sets, stats = normalize_sets(sets)
    terms = make_terms(sets, descriptions)
    if terms.empty:
        raise DataError(f"{path}: none of the genes are recognised human gene symbols.")
    prov = provenance or Provenance(source=f"file {path.name}", url=str(path.resolve()), category="user")
    return GeneSetLibrary(name or path.name.split(".")[0], terms, prov, stats)


def library_from_url(url: str, name: str | None = None) -> GeneSetLibrary:
    """A library from a GMT / Enrichr text file at a URL (downloaded once into the cache)."""
    fname = Path(urllib.parse.urlparse(url).path).name or "library.gmt"
    path = fetch_url(url, fname)
    return library_from_gmt(path, name, Provenance(source="url", url=url, category="user"))


def enrichr_library(name: str, base_url: str | None = None) -> GeneSetLibrary:
    """Download an Enrichr library by name (cached). `base_url` or $GSFM_ENRICHR_URL overrides the server."""
    base = (base_url or os.environ.get("GSFM_ENRICHR_URL") or ENRICHR_URL).rstrip("/")
    url = f"{base}/geneSetLibrary?mode=text&libraryName={urllib.parse.quote(name)}"
    path = fetch_url(url, f"enrichr_{name}.txt")
    try:
        return library_from_gmt(path, name, Provenance(
            source="Enrichr", url=url, category="enrichr",
            licence="see https://maayanlab.cloud/Enrichr/#libraries (per-library terms)"))
    except DataError:
        path.unlink(missing_ok=True)  # an error page is not a library: do not keep it
        raise

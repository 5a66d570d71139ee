"""Grounding checks: the gene symbols, term names and numbers an answer states, and whether each appears in
the evidence (tool results and the user's own input); sentences that do not are removed."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from gsfm_model.data.genes import default_mapper

from .guards import NOT_GENES

_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_CLAIM_NUMBER_RE = re.compile(r"(?<![\w.:])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w:]|\.\d)")
TERM_ID_RE = re.compile(r"\s*[\(\[]?\b(?:GO|HP|MP):\d+[\)\]]?\s*$|\s+WP\d+$")
TERM_LIBRARY_SKIP = ("DrugMatrix", "gene2pubmed", "ChEA_2022", "ARCHS4_TFs_Coexp", "Pfam", "PROSITE")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*\-(])")


def norm(text: str) -> str:
    """Lower-case words and digits only, single-spaced (for matching names in text)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@lru_cache(maxsize=1)
def term_names() -> frozenset[str]:
    """Normalised names (two words or more) of every term the tools can return (the default libraries)."""
    import pyarrow.parquet as pq

    from gsfm_model.data.libraries import library_path
    from gsfm_model.data.matrices import default_libraries

    names: set[str] = set()
    for lib in default_libraries():
        if lib in TERM_LIBRARY_SKIP:
            continue
        for term in pq.read_table(library_path(lib), columns=["term"]).column("term").to_pylist():
            name = norm(TERM_ID_RE.sub("", term))
            if name.count(" ") >= 1 and len(name) >= 8:
                names.add(name)
    return frozenset(names)


def gene_symbols(text: str) -> list[str]:
    """The official gene symbols a text names (as written, 3+ characters, not a common abbreviation), in order."""
    official = default_mapper().official
    return [w for w in _WORD_RE.findall(text) if len(w) > 2 and official.get(w.upper()) == w and w not in NOT_GENES]


def claims(text: str) -> dict[str, list[str]]:
    """Gene symbols, term names and numbers stated in an answer."""
    genes = sorted(set(gene_symbols(text)))
    words = norm(text).split()
    names = term_names()
    terms: set[str] = set()
    for i in range(len(words)):
        for n in range(12, 1, -1):
            phrase = " ".join(words[i:i + n])
            if phrase in names:
                terms.add(phrase)
                break
    numbers = sorted({m.group(0).lstrip("+") for m in _CLAIM_NUMBER_RE.finditer(text) if _counts(m.group(0))})
    return {"genes": genes, "terms": sorted(terms), "numbers": numbers}


def _counts(number: str) -> bool:
    """Numbers worth checking: any decimal, or an integer of two digits or more."""
    return "." in number or "e" in number.lower() or len(number.lstrip("+-")) >= 2


def _significant(number: str) -> int:
    mantissa = re.split(r"[eE]", number.lstrip("+-"))[0].replace(".", "").lstrip("0")
    return max(1, len(mantissa))


def _number_grounded(number: str, evidence_numbers: set[float], evidence_text: str) -> bool:
    """The number appears in the evidence, as written or rounded to as many significant digits."""
    if number in evidence_text:
        return True
    value, digits = float(number), _significant(number)
    return any(float(f"{x:.{digits}g}") == value for x in evidence_numbers)


def grounding(answer: str, evidence: str) -> dict[str, Any]:
    """Which claims of `answer` appear in `evidence` (tool outputs plus the user's own input)."""
    found = claims(answer)
    evidence_norm = norm(evidence)
    evidence_upper = {w.upper() for w in _WORD_RE.findall(evidence)}
    evidence_numbers = {float(m.group(0)) for m in _CLAIM_NUMBER_RE.finditer(evidence)}
    ungrounded = {
        "genes": [g for g in found["genes"] if g.upper() not in evidence_upper],
        "terms": [t for t in found["terms"] if t not in evidence_norm],
        "numbers": [n for n in found["numbers"] if not _number_grounded(n, evidence_numbers, evidence)],
    }
    total = sum(len(v) for v in found.values())
    bad = sum(len(v) for v in ungrounded.values())
    return {"claims": total, "grounded": total - bad, "ungrounded": ungrounded}


def drop_ungrounded(text: str, evidence: str) -> tuple[str, list[str]]:
    """`text` without the sentences whose gene symbols, term names or numbers are not in `evidence`.

    Returns the kept text (line structure preserved) and the removed sentences.
    """
    kept_lines, removed = [], []
    for line in text.splitlines():
        kept = []
        for sentence in _SENTENCE_RE.split(line):
            bad = grounding(sentence, evidence)["ungrounded"]
            (removed if any(bad.values()) else kept).append(sentence)
        if kept or not line.strip():
            kept_lines.append(" ".join(kept))
    return "\n".join(kept_lines).strip(), removed


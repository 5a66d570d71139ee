"""A label a person can read for each term of a library, by the library's kind (`gsfm_model.data.kinds`, re-exported
here so that every front end and the language model's views read kinds from the views).

Labels never leave an identifier bare: a term with no offline name (Pfam, PROSITE, a PubMed paper) gets a label that
says what it is and that its name is not available offline.
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence

from gsfm_model.data.kinds import (  # noqa: F401  (re-exported)
    BUILT_IN,
    COEXPRESSION,
    COMPONENT,
    DISEASE,
    DOMAIN,
    DRUG,
    FUNCTION,
    GROUP_OF,
    HUMAN_PHENOTYPE,
    KIND_GROUPS,
    KIND_ORDER,
    LITERATURE,
    MOUSE_PHENOTYPE,
    OTHER,
    PROCESS,
    TF_TARGET,
    library_kind,
)


def _chea(term: str) -> str:
    """'NFE2 27457419 ChIP-Seq LIVER Mouse' -> 'bound by NFE2 in mouse liver (ChIP-seq, PMID 27457419; ChEA)'."""
    tokens = term.split()
    if len(tokens) < 3 or not tokens[1].isdigit():
        return f"ChIP target set {term} (ChEA)"
    tf, pmid, rest = tokens[0], tokens[1], tokens[3:]
    assay = re.sub(r"^chip-", "ChIP-", tokens[2].lower())  # ChIP-Seq, Chip-Seq, ChIP-ChIP -> ChIP-seq, ChIP-chip
    species = next((t for t in rest if re.search(r"Human|Mouse|Rat", t)), "")
    context = [t.lower() if t.isalpha() and t.isupper() and len(t) > 3 else t for t in rest if t != species]
    where = " ".join(filter(None, [re.sub(r"^(Wistar|SD)?", "", species).lower(), *context]))
    return f"bound by {tf}" + (f" in {where}" if where else "") + f" ({assay}, PMID {pmid}; ChEA)"


def _drug(term: str) -> str:
    """'Cisplatin-2.5 mg/kg in saline-Rat-Kidney-5d-up' -> 'up in rat kidney 5d after Cisplatin 2.5 mg/kg ...'."""
    drug, sep, rest = term.partition("-Rat-")
    parts = rest.split("-")
    if not sep or len(parts) < 3:
        return f"drug response set {term} (DrugMatrix)"
    direction = {"up": "up", "dn": "down"}.get(parts[-1], parts[-1])
    treatment = re.sub(r"-(?=[\d.]+ ?(mg|ug|g)/)", " ", drug)
    return f"{direction} in rat {'-'.join(parts[:-2]).lower()} {parts[-2]} after {treatment} (DrugMatrix)"


def _domain(library: str, term: str, members: Sequence[str]) -> str:
    what = "protein domain family" if library.startswith("Pfam") else "protein motif or domain"
    shared = f", shared with {', '.join(members[:3])}" if members else ""
    return f"{what} {term} ({library}; name not available offline){shared}"


def term_label(library: str, term: str, members: Sequence[str] = ()) -> str:
    """A label a person can read for one term; `members` (a few of its genes) name a domain family."""
    kind = library_kind(library)
    if kind == DOMAIN and re.fullmatch(r"(PF|PS)\d{5}", term):
        return _domain(library, term, members)
    if library.startswith("ChEA"):
        return _chea(term)
    if library.startswith("ARCHS4"):
        return f"co-expressed with {term.split()[0]} (ARCHS4)"
    if library.startswith("DrugMatrix"):
        return _drug(term)
    if re.fullmatch(r"PMID:\d+", term):
        return f"genes of PubMed paper {term[5:]} ({library}; title not available offline)"
    found = re.fullmatch(r"(.+?)\s+\(?((?:MP|HP):\d{7})\)?", term)
    if kind in (MOUSE_PHENOTYPE, HUMAN_PHENOTYPE) and found:
        return f"{kind}: {found.group(1)} ({found.group(2)})"
    found = re.fullmatch(r"(.+?)\s+(WP\d+)", term)
    if found:
        return f"{found.group(1)} (WikiPathways {found.group(2)})"
    if kind == DISEASE:
        return f"GWAS trait: {html.unescape(term)} ({library})"
    if kind == PROCESS and not re.search(r"\(GO:\d{7}\)", term):
        return f"{term} ({'KEGG pathway' if library.startswith('KEGG') else library})"
    return term if re.search(r"\((GO|HP|MP):\d{7}\)", term) else f"{term} ({library})"

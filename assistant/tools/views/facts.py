"""Result rows as facts already phrased by the kind of evidence: "mouse mutants of X show ...", "bound by F in
ChIP-seq", "co-expressed with G". The language model reads these lines instead of raw term names, the no-LLM answer
prints them, and the claim check (`assistant.chat.claims`) rewrites a misread sentence from them; `CUES` says which
words a sentence about a row of each kind must use.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from .cells import format_cell
from .kinds import (
    COEXPRESSION,
    COMPONENT,
    DISEASE,
    DOMAIN,
    DRUG,
    FUNCTION,
    HUMAN_PHENOTYPE,
    LITERATURE,
    MOUSE_PHENOTYPE,
    OTHER,
    PROCESS,
    TF_TARGET,
)

# kind -> (known relation, predicted relation, a list enriched for ...): {g} the gene, {t} the term as the relation
# reads it (`relation_term`).
RELATIONS = {
    PROCESS: ("{g} takes part in {t}", "{g} may take part in {t}", "genes of {t}"),
    FUNCTION: ("{g} has the molecular function {t}", "{g} may have the molecular function {t}",
               "genes with the molecular function {t}"),
    COMPONENT: ("{g} is found in {t}", "{g} may be found in {t}", "genes found in {t}"),
    DOMAIN: ("{g} has a {t}", "{g} may have a {t}", "genes with a {t}"),
    HUMAN_PHENOTYPE: ("variants in {g} are linked to the human phenotype {t}",
                      "{g} may be among the genes whose variants cause the human phenotype {t}",
                      "genes linked to the human phenotype {t}"),
    MOUSE_PHENOTYPE: ("mouse mutants of {g} show {t}", "{g} may be among the genes whose mouse mutants show {t}",
                      "genes whose mouse mutants show {t}"),
    DISEASE: ("{g} is linked to {t} in GWAS", "{g} may be linked to {t} in GWAS", "genes linked to {t} in GWAS"),
    TF_TARGET: ("{g} is {t}", "{g} may be {t}", "genes {t}"),
    COEXPRESSION: ("{g} is {t}", "{g} may be {t}", "genes {t}"),
    DRUG: ("{g} goes {t}", "{g} may go {t}", "genes that go {t}"),
    LITERATURE: ("{g} is among the {t}", "{g} may belong with the {t}", "the {t}"),
    OTHER: ("{g} is in the gene set {t}", "{g} may belong to the gene set {t}", "the gene set {t}"),
}
FUNCTION_KINDS = (PROCESS, FUNCTION, COMPONENT)
# Words a sentence about a row of each kind must use, so that it reads the evidence as what it is.
CUES = {
    HUMAN_PHENOTYPE: r"phenotyp|patient|variant|mutation|mutat|clinical|disorder|syndrome|HPO|human",
    MOUSE_PHENOTYPE: r"mouse|mice|murine|knock-?out|mutant|phenotyp",
    DISEASE: r"GWAS|trait|genome-wide|associat|linked|risk|disease",
    TF_TARGET: r"\bbound\b|\bbind|ChIP|occup|target",
    COEXPRESSION: r"co-?express|expressed (together|with)|expression (correlat|pattern)|ARCHS4",
    DRUG: r"drug|treat|exposure|after|response|DrugMatrix",
    LITERATURE: r"paper|PubMed|PMID|publication|stud|literature",
    DOMAIN: r"domain|motif|family|Pfam|PROSITE",
}
LIST_GENES = 4  # input genes named per enrichment line
ADDED_GENES = 3  # model-added genes named per enrichment line
_PREFIX_RE = re.compile(r"^(?:human phenotype|mouse phenotype|GWAS trait): ")
_SOURCE_RE = re.compile(r"\s*\((?:GO:\d{7}|HP:\d{7}|MP:\d{7}|KEGG pathway|WikiPathways WP\d+|ARCHS4|[A-Za-z0-9_]+)\)$")
_PARTNER_RE = re.compile(r"^(?:bound by|co-expressed with) (\S+)")


def relation_term(label: str) -> str:
    """The term as a relation reads it: the label without its kind prefix ('mouse phenotype: ...')."""
    return _PREFIX_RE.sub("", label)


def core_name(label: str) -> str:
    """The term's name without prefix and source ('autophagosome assembly' from 'autophagosome assembly
    (GO:0000045)'): what a sentence naming the row contains."""
    return _SOURCE_RE.sub("", relation_term(label)).strip()


def partner(label: str) -> str:
    """The factor or gene a ChIP or co-expression label names ('bound by NFE2 in ...' -> 'NFE2'), else ''."""
    found = _PARTNER_RE.match(label)
    return found.group(1) if found else ""


def gene_fact(gene: str, label: str, kind: str, known: bool, confidence: float | None = None,
              strength_word: str = "") -> str:
    """One prediction or annotation of a gene as a sentence: 'Known: mouse mutants of X show ...' or
    'Predicted (moderate, confidence 0.31): X may take part in ...'."""
    known_text, predicted_text, _ = RELATIONS.get(kind, RELATIONS[OTHER])
    relation = (known_text if known else predicted_text).format(g=gene, t=relation_term(label))
    if known:
        return f"Known: {relation} [{kind}]."
    return f"Predicted ({strength_word}, confidence {confidence:.2g}): {relation} [{kind}]."


def list_fact(label: str, kind: str, significant: bool, fdr: float, genes: list[str], overlap: str = "") -> str:
    """One enrichment row as a sentence: 'Significant (FDR 1e-05; 8 of 120 term genes: A, B, C and 5 more): the
    list is enriched for genes of ...' or 'Not significant (FDR 0.37; ...): ... not evidence of enrichment'."""
    phrase = RELATIONS.get(kind, RELATIONS[OTHER])[2].format(t=relation_term(label))
    shown = ", ".join(genes[:LIST_GENES]) + (f" and {len(genes) - LIST_GENES} more" if len(genes) > LIST_GENES else "")
    k, _, n = overlap.partition("/")
    where = f"; {k} of {n} term genes: {shown}" if n else f"; {shown}"
    if significant:
        return f"Significant (FDR {fdr:.2g}{where}): the list is enriched for {phrase} [{kind}]."
    return f"Not significant (FDR {fdr:.2g}{where}): {phrase} [{kind}]; not evidence of enrichment."


# -- one line of prose per row of each tool's view ------------------------------------------------------------

Line = Callable[[pd.Series, str], str]  # (view row, subject: the gene or genes asked about) -> one sentence


def _function_line(r: pd.Series, subject: str) -> str:
    return gene_fact(subject, r["label"], r["kind"], r.get("status") != "novel", r.get("confidence"),
                     r.get("strength", ""))


def _neighbour_line(r: pd.Series, subject: str) -> str:
    known = list(r.get("known_functions", []) or [])[:2]
    return f"{r['gene']} (similarity {format_cell(r['similarity'])}" + (f"; known for {'; '.join(known)})" if known
                                                                          else ")")


def _enrichment_line(r: pd.Series, subject: str) -> str:
    text = list_fact(r["label"], r["kind"], r.get("status", "significant") == "significant", float(r["fdr"]),
                     list(r.get("input_genes", []) or []), r.get("overlap_k_of_n", ""))
    added = list(r.get("added_genes", []) or [])
    if added:
        more = f" and {len(added) - ADDED_GENES} more" if len(added) > ADDED_GENES else ""
        text += (f" The model would add {', '.join(added[:ADDED_GENES])}{more} (model association FDR "
                 f"{format_cell(r['model_fdr'])}).")
    return text


def _gsea_line(r: pd.Series, subject: str) -> str:
    flag = "" if r["status"] == "significant" else "; not significant, not evidence of enrichment"
    phrase = RELATIONS.get(r["kind"], RELATIONS[OTHER])[2].format(t=relation_term(r["label"]))
    return (f"{'Significant' if not flag else 'Not significant'} (NES {format_cell(r['nes'])}, FDR "
            f"{format_cell(r['fdr'])}{flag}): {phrase} sit at the {r['direction']} [{r['kind']}]; leading edge: "
            f"{format_cell(list(r['leading_edge']))}.")


def _search_line(r: pd.Series, subject: str) -> str:
    return f"{r['label']} ({r['kind']}; similarity {format_cell(r['similarity'])})"


def _hypothesis_line(r: pd.Series, subject: str) -> str:
    return f"{r['claim']}. Evidence ({r['strength']}): {r['evidence']}. Test: {r['experiment']}."


def _completion_line(r: pd.Series, subject: str) -> str:
    return f"{r['gene']} (z {format_cell(r['z'])})"


def _link_line(r: pd.Series, subject: str) -> str:
    return f"{r['finding']}." if r["strength"] == "known" else f"{r['finding']} ({r['strength']})."


LINES: dict[str, Line] = {
    "gene_functions": _function_line,
    "enrich_genes": _enrichment_line,
    "gsea_ranked": _gsea_line,
    "search_gene_sets": _search_line,
    "gene_hypotheses": _hypothesis_line,
    "gene_links": _link_line,
}  # tools whose rows are listed one per line in prose (the others run on in one sentence)
FACT_TOOLS = ("gene_functions", "enrich_genes", "gsea_ranked", "similar_genes", "gene_links")  # the model reads
# these as fact lines, not as a table


def row_line(name: str) -> Line:
    """The function that writes one row of tool `name`'s view as a sentence (given the subject)."""
    if name in LINES:
        return LINES[name]
    return _neighbour_line if name == "similar_genes" else _completion_line


def top_result(name: str, view: pd.DataFrame, subject: str = "the gene") -> str:
    """The first row of tool `name`'s view with its evidence (scores, strength, novel or known), as one sentence;
    "" for an empty view and for gene_info."""
    return "" if name == "gene_info" or view.empty else row_line(name)(view.iloc[0], subject)


def subject_of(args: dict) -> str:
    """What a tool call is about, as its fact lines name it: the gene, the query, or the genes."""
    genes = args.get("genes") or []
    return args.get("gene") or args.get("query") or (" and ".join(genes) if 0 < len(genes) <= 3 else "the list")

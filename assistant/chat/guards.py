"""Deterministic guards around the language model: gene symbols in a question are checked against the gene
table before any model runs (unknown ones get "I don't know that gene" with close matches), and the model's
answer is cut at its last finished sentence and cleared of looping lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gsfm_model.data.genes import default_mapper

from ..llm.text import line_key
from .prompts import load_prompt

# Upper-case words and symbol-shaped tokens in questions that are not gene symbols.
NOT_GENES = frozenset(
    """A AN AND OR NOT THE OF IN ON TO FOR IS IT ME MY WE US UK USA OK I ID IDS TOP ALL ANY VS
    DNA RNA MRNA MIRNA LNCRNA SIRNA SHRNA RNAI CDNA GO BP MF CC KEGG HPO GSEA AUROC AUC FDR PMID NCBI HGNC
    OMIM MGI CHEA ARCHS4 MSIGDB ENRICHR WIKIPATHWAYS REACTOME TCGA GTEX CCLE GWAS SNP SNPS QTL EQTL PPI TF TFS
    PCR QPCR RT-QPCR CRISPR CRISPRI CRISPRA KO WT TSV CSV PDF API MCP LLM AI GSFM FAQ TLDR ATP ADP GTP NAD NADH
    ROS ER UPR ECM EMT HIV HPV EBV COVID COVID-19 SARS SARS-COV-2 MERS H2O CO2 O2 HEK293 HEK293T HELA MCF7
    MCF-7 K562 HEPG2 A549 U2OS IPSC IPSCS ESC ESCS NK MHC UTR ORF ORFS CRISPR-CAS9 CAS9 GFP YFP RFP
    FACS ELISA IF IHC WB MS LC-MS SCRNA-SEQ RNA-SEQ CHIP-SEQ ATAC-SEQ P-VALUE Q-VALUE
    DESEQ2 DESEQ EDGER LIMMA SEURAT SCANPY GSEAPY CLUSTERPROFILER DAVID GPROFILER STRING LOG2FC LFC PADJ""".split()
)
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
SEARCH_RE = re.compile(r"gene sets?|terms?\b|pathways? (about|for|related|involved|of|in)|search|find "
                       r"(pathways|sets|terms)|which (pathways|gene sets|terms)|genes (involved|associated) in"
                       r"|libraries? (about|for)", re.I)  # gene-set-by-topic questions


@dataclass
class Screen:
    """Gene symbols found in a question: known (official symbols) and not human genes (with close matches)."""

    genes: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # token as written -> official symbol
    unknown: dict[str, list[str]] = field(default_factory=dict)


def _gene_shaped(token: str) -> bool:
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    if not has_alpha or token.upper() in NOT_GENES or re.fullmatch(r"\d+(st|nd|rd|th|s|x|kb|bp|d)", token, re.I):
        return False
    return has_digit or (len(token) >= 2 and token.isupper())


def screen_question(question: str) -> Screen:
    """Check every gene-shaped token of `question` against the gene table.

    A token with a digit (TP53, c1orf112, FOOBAR1) may be an official symbol or an alias; an
    all-capitals token without one (KIT, SET) counts only as an official symbol, since aliases such
    as FOR or ATP are ordinary words. Unknown tokens with a digit, or next to the word "gene", are
    reported as not human genes; other unknown capitals (KEGG, DNA) are ignored unless the question
    names no gene at all.
    """
    mapper = default_mapper()
    screen = Screen()
    suspects: dict[str, list[str]] = {}
    lowered = question.lower()
    for token in _TOKEN_RE.findall(question.replace("'s ", " ")):
        token = token.rstrip(".")
        if not _gene_shaped(token):
            continue
        has_digit = any(c.isdigit() for c in token)
        hit = mapper.lookup(token) if has_digit else mapper.official.get(token.upper())
        if hit is None and "-" in token:
            hit = mapper.lookup(token.replace("-", ""))
        if isinstance(hit, str):
            if hit not in screen.genes:
                screen.genes.append(hit)
            if hit.upper() != token.upper():
                screen.renamed[token] = hit
        elif isinstance(hit, list):
            screen.unknown[token] = hit  # ambiguous alias: ask for the official symbol
        elif has_digit or re.search(rf"\bgenes?\s+{re.escape(token.lower())}\b|\b{re.escape(token.lower())}\s+gene",
                                    lowered):
            screen.unknown[token] = mapper.close_matches(token)
        else:
            suspects[token] = mapper.close_matches(token)
    if not screen.genes and not screen.unknown and suspects and not SEARCH_RE.search(question):
        screen.unknown.update(suspects)
    return screen


def unknown_gene_text(unknown: dict[str, list[str]]) -> str:
    """The deterministic answer for symbols that are not human genes."""
    lines = []
    for token, matches in unknown.items():
        hint = f" Close matches: {', '.join(matches)}." if matches else " No close matches either."
        lines.append(load_prompt("unknown_gene").format(symbol=token) + hint)
    return "\n".join(lines)


_SENTENCE_END_RE = re.compile(r"(?<!\be\.g)(?<!\bi\.e)[.!?][)\]\"'*]*(?=\s|$)|\n")


def _outside_brackets(text: str) -> list[int]:
    """Positions in `text` that lie outside every (...) and [...] (a cut there leaves no identifier half-written)."""
    depth, out = 0, []
    for i, ch in enumerate(text):
        depth = depth + 1 if ch in "([" else max(depth - 1, 0) if ch in ")]" else depth
        if depth == 0:
            out.append(i)
    return out


def cut_unfinished(text: str) -> str:
    """`text` (cut off by the token cap) up to its last finished sentence or line. When none finished: up to its
    last clause in its second half (a comma or semicolon), else its last whole word, outside brackets, with "..."."""
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(text)]
    if not ends:
        outside = _outside_brackets(text)
        cut = max((i for i in outside if text[i] in ",;" and text[i + 1:i + 2] == " " and i >= len(text) // 2),
                  default=None)  # a clause of the second half ("1,234" is no clause; "Yes," keeps too little)
        if cut is None:
            cut = max((i for i in outside if text[i].isspace()), default=len(text))
        return text[:cut].rstrip(" ,;") + " ..."
    lines = text[: ends[-1]].rstrip().split("\n")
    while len(lines) > 1 and not line_key(lines[-1]):  # a list marker ('4.') whose item was cut off
        lines.pop()
    return "\n".join(lines).rstrip()


def drop_repeated_lines(text: str) -> str:
    """`text` with every repeat of an earlier non-blank line (list markers aside) removed: small models can loop
    on a list."""
    seen: set[str] = set()
    kept = []
    for line in text.splitlines():
        key = line_key(line)
        if key in seen and any(ch.isalnum() for ch in key):  # table rules like |---|---| may repeat
            continue
        seen.add(key)
        kept.append(line)
    return "\n".join(kept)

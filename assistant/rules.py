"""Deterministic parts of the assistant, and the whole of its no-LLM mode.

- `parse_context`: gene symbols out of a pasted list or table; prose and instruction-like lines are
  dropped, so pasted text reaches tools (and a language model) only as official gene symbols.
- `screen_question`: gene-like tokens in a question, checked against the gene table; symbols that are
  not human genes get a deterministic "I don't know that gene" with close matches.
- `route`: the obvious tool calls for a question (intent rules). The no-LLM mode runs them and fills
  the templates in `prompts/rules_*.txt`; the LLM mode uses them as a pre-routed first step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from gsfm_model.data.genes import default_mapper

from .lc_tools import VIEWS, ToolCall, _notes, fmt_value, load_prompt

MAX_LISTED = 8  # items named per list in templated prose
CONTEXT_GENES_SHOWN = 25  # pasted genes the model reads (the tools get them all; see prompts/context.txt)

# Upper-case words and symbol-shaped tokens in questions that are not gene symbols.
NOT_GENES = frozenset(
    """A AN AND OR NOT THE OF IN ON TO FOR IS IT ME MY WE US UK USA OK I ID IDS TOP ALL ANY VS
    DNA RNA MRNA MIRNA LNCRNA SIRNA SHRNA RNAI CDNA GO BP MF CC KEGG HPO GSEA AUROC AUC FDR PMID NCBI HGNC
    OMIM MGI CHEA ARCHS4 MSIGDB ENRICHR WIKIPATHWAYS REACTOME TCGA GTEX CCLE GWAS SNP SNPS QTL EQTL PPI TF TFS
    PCR QPCR RT-QPCR CRISPR CRISPRI CRISPRA KO WT TSV CSV PDF API MCP LLM AI GSFM FAQ TLDR ATP ADP GTP NAD NADH
    ROS ER UPR ECM EMT HIV HPV EBV COVID COVID-19 SARS SARS-COV-2 MERS H2O CO2 O2 HEK293 HEK293T HELA MCF7
    MCF-7 K562 HEPG2 A549 U2OS IPSC IPSCS ESC ESCS NK MHC UTR ORF ORFS CRISPR-CAS9 CAS9 GFP YFP RFP
    FACS ELISA IF IHC WB MS LC-MS SCRNA-SEQ RNA-SEQ CHIP-SEQ ATAC-SEQ P-VALUE Q-VALUE""".split()
)
_TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
_SPLIT_RE = re.compile(r"[\s,;|]+")
_NUMBER_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?$")
_INJECTION_RE = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instruction|prompt|rule|above|previous|everything)"
    r"|\b(you are|act as|pretend|system prompt|jailbreak|respond with|reply with|say|print|output)\b"
    r"|<\|?/?(im_start|im_end|system|tool_call|tool_response)",
    re.IGNORECASE | re.DOTALL,
)
_FOLLOW_UP_RE = re.compile(r"\b(it|its|it's|this|that|the gene|they|them|their|these|those)\b", re.I)
_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("hypotheses", re.compile(r"hypothes|brainstorm|testable|experiment|what (should|could|can) (we|i) test"
                              r"|ideas? (for|about|to)|follow[- ]?up stud", re.I)),
    ("complete", re.compile(r"\bcomplet|missing|\bexpand|\bextend|augment|what (other|else|more) genes? "
                            r"(belong|should|might|could|would)|add (more )?genes", re.I)),
    ("similar", re.compile(r"similar|neighbo|groups? with|related genes|genes (like|related)|functionally related"
                           r"|paralog|partner|interact|co-?occur|cluster|works? with|associated genes|closest genes",
                           re.I)),
    ("enrich", re.compile(r"enrich|over-?represent|gene list|these genes|this list|my genes|pasted|hits|"
                          r"what do (these|they) have in common|explain (the|my|this|these)", re.I)),
    ("search", _SEARCH_RE := re.compile(r"gene sets?|terms?\b|pathways? (about|for|related|involved|of|in)|search|find "
                          r"(pathways|sets|terms)|which (pathways|gene sets|terms)|genes (involved|associated) in"
                          r"|libraries? (about|for)", re.I)),
]
_CHATTER = frozenset(
    "hello hey thanks thank you please can could would what which who how why are the and for with this that "
    "does your there about tell help".split()
)
_TOPIC_RE = re.compile(
    r"\b(?:about|for|related to|involved in|associated with|on|matching|mention(?:ing)?|of)\s+(.+)$", re.I
)
_TOPIC_STOP = re.compile(
    r"\b(find|search|show|list|give|me|the|a|an|related to|gene sets?|terms?|pathways?|libraries|which|what|are"
    r"|is|there|any|please|can you|could you|all)\b",
    re.I,
)


# -- pasted data -----------------------------------------------------------------------------------


@dataclass
class ContextData:
    """What was usable in pasted text: official symbols, unrecognised entries, ignored prose lines."""

    genes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    dropped_lines: int = 0


def _is_prose(tokens: list[str], line: str) -> bool:
    """A line of sentences or instructions rather than gene symbols or a table row."""
    if _INJECTION_RE.search(line):
        return True
    mapper = default_mapper()
    words = [t for t in tokens if t.isalpha() and t.islower() and len(t) > 1 and t.upper() not in mapper.official]
    return len(words) >= 3 and len(words) >= 0.4 * len(tokens)


def parse_context(text: str | None) -> ContextData:
    """Gene symbols from pasted text or a table: symbols kept in order, everything else only counted."""
    data = ContextData()
    if not text:
        return data
    mapper = default_mapper()
    seen: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        tokens = [t.strip("\"'()[]{}") for t in _SPLIT_RE.split(line) if t.strip("\"'()[]{}")]
        if _is_prose(tokens, line):
            data.dropped_lines += 1
            continue
        for token in tokens:
            if _NUMBER_RE.match(token) or len(token) > 30:
                continue
            hit = mapper.lookup(token)
            if isinstance(hit, str):
                if hit not in seen:
                    seen.add(hit)
                    data.genes.append(hit)
            elif token not in data.unknown and _TOKEN_RE.fullmatch(token):
                data.unknown.append(token)
    return data


def context_note(data: ContextData) -> str:
    """The pasted list as the model sees it: delimited official symbols, never the raw text."""
    if not data.genes and not data.unknown:
        return ""
    more = ", ..." if len(data.genes) > CONTEXT_GENES_SHOWN else ""
    genes = ", ".join(data.genes[:CONTEXT_GENES_SHOWN]) + more
    return load_prompt("context").format(
        n_genes=len(data.genes),
        genes=genes or "(none)",
        n_unknown=len(data.unknown),
        dropped=data.dropped_lines,
    )


# -- gene symbols in questions -----------------------------------------------------------------------


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
    if not screen.genes and not screen.unknown and suspects and not _SEARCH_RE.search(question):
        screen.unknown.update(suspects)
    return screen


def unknown_gene_text(unknown: dict[str, list[str]]) -> str:
    """The deterministic answer for symbols that are not human genes."""
    lines = []
    for token, matches in unknown.items():
        hint = f" Close matches: {', '.join(matches)}." if matches else " No close matches either."
        lines.append(load_prompt("unknown_gene").format(symbol=token) + hint)
    return "\n".join(lines)


_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_CLAIM_NUMBER_RE = re.compile(r"(?<![\w.:])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w:]|\.\d)")
TERM_ID_RE = re.compile(r"\s*[\(\[]?\b(?:GO|HP|MP):\d+[\)\]]?\s*$|\s+WP\d+$")
TERM_LIBRARY_SKIP = ("DrugMatrix", "gene2pubmed", "ChEA_2022", "ARCHS4_TFs_Coexp", "Pfam", "PROSITE")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*\-(])")


# -- grounding -------------------------------------------------------------------------------------------


def norm(text: str) -> str:
    """Lower-case words and digits only, single-spaced (for matching names in text)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@lru_cache(maxsize=1)
def term_names() -> frozenset[str]:
    """Normalised names (two words or more) of every term in the installed libraries."""
    import pyarrow.parquet as pq

    from gsfm_model.data.libraries import available_libraries, library_path

    names: set[str] = set()
    for lib in available_libraries():
        if lib in TERM_LIBRARY_SKIP:
            continue
        for term in pq.read_table(library_path(lib), columns=["term"]).column("term").to_pylist():
            name = norm(TERM_ID_RE.sub("", term))
            if name.count(" ") >= 1 and len(name) >= 8:
                names.add(name)
    return frozenset(names)


def claims(text: str) -> dict[str, list[str]]:
    """Gene symbols, term names and numbers stated in an answer."""
    official = default_mapper().official
    genes = sorted({w for w in _WORD_RE.findall(text)
                    if w.upper() in official and official[w.upper()] == w and len(w) > 2 and w not in NOT_GENES})
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


# -- routing ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What the question asks for, and the tool calls that answer it."""

    intent: str  # gene | similar | enrich | complete | hypotheses | search | help
    genes: list[str] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def search_topic(question: str) -> str:
    """The topic words of a term-search question ('gene sets about X' -> 'X')."""
    text = question.strip().rstrip("?.! ")
    match = _TOPIC_RE.search(text)
    topic = match.group(1) if match else text
    topic = _TOPIC_STOP.sub(" ", topic)
    return " ".join(topic.split()) or text


def _has_topic(question: str) -> bool:
    """Whether a question without genes still names a topic worth a term search (not 'hello')."""
    words = [w for w in re.findall(r"[a-z]{3,}", question.lower()) if w not in _CHATTER]
    return len(words) >= 2


def route(
    question: str,
    screen: Screen,
    context: ContextData,
    last_genes: list[str] | None = None,
    full: bool = False,
) -> Plan:
    """The tool calls that a question obviously needs.

    Args:
        question: the user's question.
        screen: the question's gene symbols (`screen_question`).
        context: the pasted gene list (`parse_context`).
        last_genes: genes of the previous turn, for follow-ups ("and its paralog?").
        full: add the supporting calls a templated answer needs (gene facts and neighbours).
    """
    genes = list(screen.genes)
    if not genes and last_genes and _FOLLOW_UP_RE.search(question) and not context.genes:
        genes = list(last_genes)
    listed = context.genes or (genes if len(genes) >= 3 else [])
    intent = next((name for name, regex in _INTENTS if regex.search(question)), None)
    if intent == "search" and (genes or listed):
        intent = None  # "which pathways is TP53 in?" asks about the gene
    if intent is None:
        intent = "enrich" if listed else "gene" if genes else "search" if _has_topic(question) else "help"
    if intent in ("gene", "similar") and (not genes or len(genes) >= 3):
        intent = "complete" if intent == "similar" and listed else "enrich" if listed else intent
    if intent == "enrich" and not listed:
        intent = "gene" if genes else "search"
    list_args = {} if context.genes else {"genes": listed or genes}
    plan = Plan(intent, genes=listed or genes)
    if intent == "gene" and genes:
        plan.calls = [("gene_info", {"gene": genes[0]})] if full else []
        plan.calls.append(("gene_functions", {"gene": genes[0]}))
        if full:
            plan.calls.append(("similar_genes", {"gene": genes[0]}))
    elif intent == "similar" and genes:
        plan.calls = [("similar_genes", {"gene": genes[0]})]
    elif intent == "enrich":
        plan.calls = [("enrich_genes", list_args)]
    elif intent == "complete" and plan.genes:
        plan.calls = [("complete_gene_set", list_args)]
    elif intent == "hypotheses" and plan.genes:
        plan.calls = [("gene_hypotheses", list_args)]
    elif intent == "search":
        plan.calls = [("search_gene_sets", {"query": search_topic(question)})]
    else:
        plan.intent = "help"
    return plan


# -- templated prose ----------------------------------------------------------------------------------


def _f(value: Any) -> str:
    return fmt_value(value)


def _function_line(r: pd.Series) -> str:
    status = f"{r['strength']} novel prediction" if r.get("status") == "novel" else "already annotated"
    auroc = f", term AUROC {_f(r['term_auroc'])}" if r["term_auroc"] == r["term_auroc"] else ""  # NaN: no AUROC
    return f"{r['term']} ({r['library']}; z {_f(r['z'])}{auroc}; {status})"


def _neighbour_line(r: pd.Series) -> str:
    known = list(r.get("known_functions", []) or [])[:2]
    return f"{r['gene']} ({_f(r['similarity'])}" + (f"; known for {'; '.join(known)})" if known else ")")


def _enrichment_line(r: pd.Series) -> str:
    genes = list(r.get("input_genes", []) or [])
    text = f"{r['term']} ({r['library']}; {len(genes)} input genes: {_f(genes)}; FDR {_f(r['fdr'])}"
    added = list(r.get("added_genes", []) or [])
    if added:
        text += f"; GSFM adds {_f(added)}, FDR with them {_f(r['fdr_with_gsfm'])}"
    return text + ")"


def _search_line(r: pd.Series) -> str:
    return f"{r['term']} ({r['library']}; similarity {_f(r['similarity'])})"


def _hypothesis_line(r: pd.Series) -> str:
    return f"{r['claim']}. Evidence ({r['strength']}): {r['evidence']}. Test: {r['experiment']}."


LINES: dict[str, Callable[[pd.Series], str]] = {
    "gene_functions": _function_line,
    "enrich_genes": _enrichment_line,
    "search_gene_sets": _search_line,
    "gene_hypotheses": _hypothesis_line,
}


def render_call(call: ToolCall) -> str:
    """Templated prose for one tool result (its `prompts/rules_<tool>.txt` template)."""
    if call.error:
        return load_prompt("rules_error").format(tool=call.name, error=call.error)
    view = VIEWS[call.name](call.result)
    subject = call.args.get("gene") or call.args.get("query") or _f(call.args.get("genes", []))
    if view.empty:
        note = _notes(call.result)
        return load_prompt("rules_empty").format(tool=call.name, subject=subject) + (
            f" ({'; '.join(note)})" if note else "")
    if call.name == "gene_info":
        r = view.iloc[0]
        facts = [f"{k.replace('_', ' ')}: {_f(v)}" for k, v in r.items() if k != "symbol" and _f(v) not in ("", "0")]
        return load_prompt("rules_gene_info").format(gene=r["symbol"], facts="; ".join(facts))
    top = view.head(MAX_LISTED)
    line = _row_line(call.name)
    if call.name in LINES:
        rows = "\n".join(f"- {line(r)}" for _, r in top.iterrows())
    else:
        rows = ", ".join(line(r) for _, r in top.iterrows())
    return load_prompt(f"rules_{call.name}").format(subject=subject, n=len(top), rows=rows)


def _row_line(name: str) -> Callable[[pd.Series], str]:
    if name in LINES:
        return LINES[name]
    return _neighbour_line if name == "similar_genes" else lambda r: f"{r['gene']} (z {_f(r['z'])})"


def top_result(name: str, view: pd.DataFrame) -> str:
    """The first row of tool `name`'s result view (VIEWS) with its evidence (scores, strength, novel or known), as
    one line; "" for an empty view and for gene_info."""
    return "" if name == "gene_info" or view.empty else _row_line(name)(view.iloc[0])


def rules_answer(plan: Plan, calls: list[ToolCall], screen: Screen, context: ContextData) -> str:
    """The complete no-LLM answer: label, notes on the input, then one paragraph per tool result."""
    parts = [load_prompt("rules_header")]
    parts += input_notes(screen, context)
    if plan.intent == "help" or not calls:
        parts.append(load_prompt("rules_help"))
    parts += [render_call(call) for call in calls]
    return "\n\n".join(p for p in parts if p)


def input_notes(screen: Screen, context: ContextData) -> list[str]:
    """Deterministic notes about the user's input: renamed symbols, unknown genes, ignored text."""
    notes = []
    if screen.renamed:
        notes.append("Symbols read as: " + ", ".join(f"{k} = {v}" for k, v in screen.renamed.items()) + ".")
    if screen.unknown:
        notes.append(unknown_gene_text(screen.unknown))
    if context.unknown:
        shown = ", ".join(context.unknown[:MAX_LISTED]) + (" ..." if len(context.unknown) > MAX_LISTED else "")
        notes.append(f"{len(context.unknown)} entries of the pasted list are not human gene symbols: {shown}.")
    if context.dropped_lines:
        notes.append(
            f"{context.dropped_lines} line(s) of the pasted text were not gene symbols (prose or instructions) "
            "and were ignored."
        )
    return notes

"""Routing: the tool calls a question obviously needs (intent rules). The no-LLM mode runs them and fills the
templates; the LLM mode runs them as a pre-routed first step."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.tools.inputs import ContextData
from assistant.tools.links import MAX_LINK_GENES

from .guards import SEARCH_RE, Screen

_FOLLOW_UP_RE = re.compile(r"\b(it|its|it's|this|that|the gene|they|them|their|these|those)\b", re.I)
_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("hypotheses", re.compile(r"hypothes|brainstorm|testable|experiment|what (should|could|can) (we|i) test"
                              r"|ideas? (for|about|to)|follow[- ]?up stud", re.I)),
    ("complete", re.compile(r"\bcomplet|missing|\bexpand|\bextend|augment|what (other|else|more) genes? "
                            r"(belong|should|might|could|would)|add (more )?genes", re.I)),
    ("links", re.compile(r"same (process|pathway|complex|function)|\btogether\b|\blink(ed)?\b|connected"
                         r"|relationship between|related to each other|in common", re.I)),
    ("similar", re.compile(r"similar|neighbo|groups? with|related genes|genes (like|related)|functionally related"
                           r"|paralog|partner|interact|co-?occur|cluster|works? with|associated genes|closest genes"
                           r"|behaves? (most )?like|most like|resembl|co-?var(y|ies)|covar",
                           re.I)),
    ("gsea", re.compile(r"\bgsea\b|ranked list|whole (ranking|table|list)|(go|goes|going) (up or down|down or up)",
                        re.I)),
    ("enrich", re.compile(r"enrich|over-?represent|gene list|these genes|this list|my genes|pasted|hits|"
                          r"what do (these|they) have in common|explain (the|my|this|these)", re.I)),
    ("search", SEARCH_RE),
]
_KNOWN_RE = re.compile(r"what is known|what'?s known|known (functions?|roles?|about|for)|well[- ]known|annotat"
                       r"|established|textbook", re.I)  # asks what is known: the answer leads with known terms
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



@dataclass
class Plan:
    """What the question asks for, and the tool calls that answer it."""

    intent: str  # gene | links | similar | enrich | gsea | complete | hypotheses | search | help
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
    if intent == "gsea" and not context.table_note:
        intent = None  # GSEA needs a pasted table
    if intent == "search" and (genes or listed):
        intent = None  # "which pathways is TP53 in?" asks about the gene
    few = not context.genes and 2 <= len(genes) <= MAX_LINK_GENES
    pair_words = intent in ("enrich", "similar") and len(genes) == 2 and not re.search(r"\bgenes\b", question, re.I)
    if few and (intent in (None, "gene", "links") or pair_words):
        intent = "links"  # two to five named genes: do they act together?
    elif intent == "links":
        intent = "enrich" if listed else "similar" if genes else None  # "genes that move together with X"
    if intent is None:
        intent = "enrich" if listed else "gene" if genes else "search" if _has_topic(question) else "help"
    if intent in ("gene", "similar") and (not genes or len(genes) >= 3):
        intent = "complete" if intent == "similar" and listed else "enrich" if listed else intent
    if intent == "enrich" and not listed:
        intent = "gene" if genes else "search"
    plan = Plan(intent, genes=listed or genes)
    plan.calls = _calls(intent, question, genes, listed, context, few, full)
    if not plan.calls:
        plan.intent = "help"
    return plan


def _calls(intent: str, question: str, genes: list[str], listed: list[str], context: ContextData, few: bool,
           full: bool) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls of an intent (none: the question is answered with help)."""
    list_args = {} if context.genes else {"genes": listed or genes}
    calls: list[tuple[str, dict[str, Any]]] = []
    if intent == "gene" and genes:
        calls = [("gene_info", {"gene": genes[0]})] if full else []
        known = {"known_first": True} if _KNOWN_RE.search(question) else {}
        calls.append(("gene_functions", {"gene": genes[0], **known}))
        if full:
            calls.append(("similar_genes", {"gene": genes[0]}))
    elif intent == "links":
        calls = [("gene_links", {"genes": genes})]
        if full and len(genes) >= 3:
            calls.append(("enrich_genes", {"genes": genes}))
    elif intent == "similar" and genes:
        calls = [("similar_genes", {"gene": genes[0]})]
    elif intent == "enrich":
        calls = [("enrich_genes", list_args)]
    elif intent == "gsea":
        calls = [("gsea_ranked", {}), ("enrich_genes", list_args)] if listed else [("gsea_ranked", {})]
    elif intent == "complete" and (listed or genes):
        calls = [("complete_gene_set", list_args)]
    elif intent == "hypotheses" and (listed or genes):
        calls = [("gene_hypotheses", list_args)]
        if few:  # a few named genes: the evidence for the link comes first
            calls.insert(0, ("gene_links", {"genes": genes}))
    elif intent == "search":
        calls = [("search_gene_sets", {"query": search_topic(question)})]
    return calls

"""Routing: the tool calls a question obviously needs (intent rules). The no-LLM mode runs them and fills the
templates; the LLM mode runs them as a pre-routed first step."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.tools.inputs import ContextData

from .guards import SEARCH_RE, Screen

_FOLLOW_UP_RE = re.compile(r"\b(it|its|it's|this|that|the gene|they|them|their|these|those)\b", re.I)
_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("hypotheses", re.compile(r"hypothes|brainstorm|testable|experiment|what (should|could|can) (we|i) test"
                              r"|ideas? (for|about|to)|follow[- ]?up stud", re.I)),
    ("complete", re.compile(r"\bcomplet|missing|\bexpand|\bextend|augment|what (other|else|more) genes? "
                            r"(belong|should|might|could|would)|add (more )?genes", re.I)),
    ("similar", re.compile(r"similar|neighbo|groups? with|related genes|genes (like|related)|functionally related"
                           r"|paralog|partner|interact|co-?occur|cluster|works? with|associated genes|closest genes"
                           r"|behaves? (most )?like|most like|resembl",
                           re.I)),
    ("gsea", re.compile(r"\bgsea\b|ranked list|whole (ranking|table|list)|(go|goes|going) (up or down|down or up)",
                        re.I)),
    ("enrich", re.compile(r"enrich|over-?represent|gene list|these genes|this list|my genes|pasted|hits|"
                          r"what do (these|they) have in common|explain (the|my|this|these)", re.I)),
    ("search", SEARCH_RE),
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
    if intent == "gsea" and not context.table_note:
        intent = None  # GSEA needs a pasted table
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
    elif intent == "gsea":
        plan.calls = [("gsea_ranked", {}), ("enrich_genes", list_args)] if listed else [("gsea_ranked", {})]
    elif intent == "complete" and plan.genes:
        plan.calls = [("complete_gene_set", list_args)]
    elif intent == "hypotheses" and plan.genes:
        plan.calls = [("gene_hypotheses", list_args)]
    elif intent == "search":
        plan.calls = [("search_gene_sets", {"query": search_topic(question)})]
    else:
        plan.intent = "help"
    return plan



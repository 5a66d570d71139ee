"""The templated text of the assistant, and the whole of its no-LLM mode: the pasted list as the model sees it,
one paragraph per tool result (`prompts/rules_*.txt`), notes on the input, and the evidence line."""

from __future__ import annotations

import re
from typing import Any

from assistant.tools.hypotheses import experiment_for, link_experiment
from assistant.tools.inputs import ContextData
from assistant.tools.registry import ToolCall
from assistant.tools.views import (
    LINES,
    MAX_ROWS,
    ROWS,
    VIEWS,
    format_cell,
    known_first,
    markdown_table,
    notes,
    row_line,
    subject_of,
    top_result,
)

from .guards import Screen, unknown_gene_text
from .prompts import load_prompt
from .routing import Plan

MAX_LISTED = 8  # items named per list in templated prose
CONTEXT_GENES_SHOWN = 25  # pasted genes the model reads (the tools get them all; see prompts/context.txt)


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


def render_call(call: ToolCall) -> str:
    """Templated prose for one tool result (its `prompts/rules_<tool>.txt` template)."""
    if call.error:
        return load_prompt("rules_error").format(tool=call.name, error=call.error)
    view = VIEWS[call.name](call.result)
    subject = call.args.get("gene") or call.args.get("query") or format_cell(call.args.get("genes", []))
    if view.empty:
        note = notes(call.result)
        return load_prompt("rules_empty").format(tool=call.name, subject=subject) + (
            f" ({'; '.join(note)})" if note else "")
    if call.name == "gene_info":
        r = view.iloc[0]
        facts = [f"{k.replace('_', ' ')}: {format_cell(v)}" for k, v in r.items()
                 if k != "symbol" and format_cell(v) not in ("", "0")]
        return load_prompt("rules_gene_info").format(gene=r["symbol"], facts="; ".join(facts))
    top = view.head(MAX_LISTED)
    line, about = row_line(call.name), subject_of(call.args)  # fact lines say "the list"; the template names genes
    if call.name in LINES:
        rows = "\n".join(f"- {line(r, about)}" for _, r in top.iterrows())
    else:
        rows = ", ".join(line(r, about) for _, r in top.iterrows())
    template = f"rules_{call.name}"
    if call.name in ("enrich_genes", "gsea_ranked") and "status" in view.columns \
            and not (view["status"] == "significant").any():
        template += "_none"  # nothing passes the bar: say so first, name no process as shared
    return load_prompt(template).format(subject=subject, n=len(top), rows=rows)


def rules_answer(plan: Plan, calls: list[ToolCall], screen: Screen, context: ContextData) -> str:
    """The complete no-LLM answer: label, notes on the input, then one paragraph per tool result."""
    parts = [load_prompt("rules_header")]
    parts += input_notes(screen, context)
    if plan.intent == "help" or not calls:
        parts.append(load_prompt("rules_help"))
    parts += abstentions([c for c in calls if c.name not in ENRICHMENT_TOOLS])  # enrichment prose says it itself
    parts += [render_call(call) for call in calls]
    parts.append(next_step(calls))
    return "\n\n".join(p for p in parts if p)


def input_notes(screen: Screen, context: ContextData) -> list[str]:
    """Deterministic notes about the user's input: renamed symbols, unknown genes, ignored text."""
    out = []
    if screen.renamed:
        out.append("Symbols read as: " + ", ".join(f"{k} = {v}" for k, v in screen.renamed.items()) + ".")
    if screen.unknown:
        out.append(unknown_gene_text(screen.unknown))
    if context.unknown:
        shown = ", ".join(context.unknown[:MAX_LISTED]) + (" ..." if len(context.unknown) > MAX_LISTED else "")
        out.append(f"{len(context.unknown)} entries of the pasted list are not human gene symbols: {shown}.")
    if context.table_note:
        out.append(f"The pasted text was read as {context.table_note}.")
    if context.dropped_lines:
        out.append(
            f"{context.dropped_lines} line(s) of the pasted text were not gene symbols (prose or instructions) "
            "and were ignored."
        )
    return out


def sources_line(calls: list[ToolCall], top: bool = True) -> str:
    """The evidence line: which tools (and libraries) the answer rests on, with each one's top result (unless
    `top` is false: the results are shown whole)."""
    used = []
    for call in calls:
        if call.error:
            continue
        view = VIEWS[call.name](call.result) if call.name in VIEWS else None
        libraries = _libraries(call.result if view is None else view)
        label = f"{call.name} ({', '.join(libraries)})" if libraries else call.name
        best = "" if view is None or not top else top_result(call.name, view, subject_of(call.args))
        label += f", top result: {best}" if best else ""
        if label not in used:
            used.append(label)
    if not used:
        return ""
    return load_prompt("sources").format(sources=used[0] if len(used) == 1 else "".join(f"\n- {u}" for u in used))


def _libraries(result: Any) -> list[str]:
    frame = result if hasattr(result, "columns") else None
    if frame is None or "library" not in frame.columns:
        return []
    return [str(x) for x in frame["library"].head(8).unique()]


def result_tables(calls: list[ToolCall]) -> list[str]:
    """Each successful call's result as a markdown table of the rows the model was shown."""
    tables = []
    for call in calls:
        if call.error or call.name not in VIEWS:
            continue
        view = VIEWS[call.name](call.result)
        if hasattr(view, "columns") and not view.empty:
            rows = ROWS.get(call.name, MAX_ROWS)
            tables.append(f"{call.name}:\n\n{markdown_table(view, rows)}")
    return tables


ENRICHMENT_TOOLS = ("enrich_genes", "gsea_ranked")


def _nothing_significant(call: ToolCall) -> bool:
    view = VIEWS[call.name](call.result)
    return "status" in view.columns and not (view["status"] == "significant").any()


def _weak_functions(call: ToolCall) -> bool:
    """Every new prediction is weak, for a gene whose answer leads with them (not a well-studied gene's)."""
    if known_first(call.result):
        return False
    view = VIEWS[call.name](call.result)
    novel = view[view["status"] == "novel"] if "status" in view.columns else view.iloc[:0]
    return not novel.empty and not novel["strength"].isin(["strong", "moderate"]).any()


def _no_link(call: ToolCall) -> bool:
    links = call.result
    return links.shared.empty and not (links.pairs["strength"] != "weak").any()


def abstentions(calls: list[ToolCall]) -> list[str]:
    """Deterministic first sentences for results that support no claim: an enrichment with no significant term,
    a gene whose predictions are all weak, genes with no sign of a link."""
    out = []
    for call in (c for c in calls if not c.error and c.result is not None):
        if call.name in ENRICHMENT_TOOLS and _nothing_significant(call):
            out.append(load_prompt("abstain_enrichment"))
        elif call.name == "gene_functions" and _weak_functions(call):
            out.append(load_prompt("abstain_functions").format(gene=call.args.get("gene", "the gene")))
        elif call.name == "gene_links" and _no_link(call):
            out.append(load_prompt("abstain_links").format(subject=subject_of(call.args)))
    return out


NEXT_STEP_RE = re.compile(r"\b(test|experiment|knock|assay|CRISPR|co-?IP|validat|ChIP|imag|measure)", re.I)


def next_step(calls: list[ToolCall]) -> str:
    """One experiment that would test the answer's best prediction or link ("" when there is none)."""
    for call in (c for c in calls if not c.error and c.result is not None):
        if call.name == "gene_functions":
            view = VIEWS[call.name](call.result)
            novel = view[view["status"] == "novel"] if "status" in view.columns else view.iloc[:0]
            if novel.empty:
                continue
            best = novel.iloc[0]
            _, template = experiment_for(best["library"])
            experiment = template.format(subject=call.args["gene"], term=best["label"],
                                         partners="the term's known members")
            return f"To test the best prediction: {experiment}."
        if call.name == "gene_links" and not call.result.shared.empty:
            genes, term = list(call.result.completion.gene), call.result.shared["label"].iloc[0]
            return f"To test the link: {link_experiment(genes[0], genes[1], term)}, or co-immunoprecipitate the two."
    return ""


def only_enrichment_without_findings(calls: list[ToolCall]) -> bool:
    """Every successful call is an enrichment with no significant term: the model's prose is not kept."""
    done = [c for c in calls if not c.error and c.result is not None]
    return bool(done) and all(c.name in ENRICHMENT_TOOLS and _nothing_significant(c) for c in done)


def end_on_a_finding(text: str, calls: list[ToolCall]) -> str:
    """An answer that ends on a colon ('...the most significant are:') loses that sentence and ends instead on the
    tools' best result, so it always states its key finding."""
    stripped = text.rstrip()
    if not stripped.endswith(":"):
        return text
    cut = max(stripped.rfind(". ", 0, len(stripped) - 1), stripped.rfind("\n", 0, len(stripped) - 1))
    head = stripped[:cut + 1].rstrip() if cut > 0 else ""
    best = next((top_result(c.name, VIEWS[c.name](c.result), subject_of(c.args)) for c in calls
                 if not c.error and c.name in VIEWS and c.result is not None), "")
    return "\n\n".join(p for p in (head, f"Top result: {best}." if best else "") if p)

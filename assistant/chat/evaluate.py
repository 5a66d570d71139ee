"""`gsfm eval-agent`: how well the assistant answers real questions.

Per question (a JSONL file: `eval_questions.jsonl`, or `eval_realworld.jsonl` with random lists, identifiers, DE
tables, two-gene and "genes like X" questions): the tools it must call, facts it must / must not contain, whether it
must refuse an unknown gene, abstain (a random list: nothing is significantly enriched; two unrelated genes: no sign
of a link), and whether it must cite its tool result. A question with `random_genes` {n, seed} gets a random list of
n protein-coding genes of the model, drawn at run time with that seed, as its pasted list. Measured:
- tool choice: share of questions whose required tools were all called (none for a fake gene);
- abstention: share of the questions that must abstain that did, and named no enriched process;
- claims (`claims.score_claims`): share of the answers' claims about result rows that are right (term of the
  right gene, wording fitting the kind of evidence, predictions hedged, "enriched" only when significant, numbers of
  the row), before and after the claim check;
- key finding: share of answers that are not empty, do not end on a colon, and state the key finding (a top result,
  or the abstention);
- grounding: share of the gene symbols, gene set term names and numbers in answers that appear in the
  conversation's tool outputs (or in the user's own question and pasted list);
- refusals: fake genes answered with "I don't know that gene", and invented functions (a tool run on
  a fake symbol, or an answer without the refusal);
- latency per turn (median, p95) and time to first token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.tools.registry import ToolCall
from assistant.tools.views import VIEWS
from gsfm_model.data.genes import default_mapper

from .claims import ENRICHED_RE, NEGATION_RE, score_claims
from .eval_report import Outcome, Report
from .grounding import TERM_ID_RE, grounding, norm
from .guards import screen_question

DEFAULT_QUESTIONS = Path(__file__).with_name("eval_questions.jsonl")
REALWORLD_QUESTIONS = Path(__file__).with_name("eval_realworld.jsonl")
REFUSAL = "i don't know that gene"
ABSTAINED = ("no gene set is significantly enriched", "shows no sign that")
# What a label adds around a term's name: "mouse phenotype: ...", "GWAS trait: ...", a trailing "(KEGG pathway)".
_LABEL_TAIL_RE = re.compile(r"^(?:human phenotype|mouse phenotype|GWAS trait): |\s*\([^()]*\)\s*$")


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Questions from a JSONL file, one JSON object per line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def random_genes(n: int, seed: int) -> list[str]:
    """n protein-coding genes of the loaded model, drawn with `seed` (sorted pool, so the draw is reproducible)."""
    import numpy as np

    from assistant.tools.state import coding_genes

    return sorted(np.random.default_rng(seed).choice(coding_genes(), n, replace=False).tolist())


def materialise(q: dict[str, Any]) -> dict[str, Any]:
    """The question with its random list (if any) drawn and pasted as its context."""
    if "random_genes" not in q:
        return q
    spec = q["random_genes"]
    return {**q, "context": "\n".join(random_genes(int(spec["n"]), int(spec["seed"])))}


# -- scoring -------------------------------------------------------------------------------------


def _table(call: ToolCall) -> pd.DataFrame | None:
    if call.error or call.result is None:
        return None
    return call.result.hypotheses if call.name == "gene_hypotheses" else call.result


def result_text(call: ToolCall, rows: int = 50) -> str:
    """A tool result as text for grounding checks: the summary plus the first rows of its table."""
    if _table(call) is None:
        return call.summary
    with pd.option_context("display.max_colwidth", None, "display.width", None):
        return call.summary + "\n" + VIEWS[call.name](call.result).head(rows).to_string()


def top_labels(call: ToolCall, n: int = 5) -> list[str]:
    """Terms or genes in the first rows of a result: an answer citing its result names one of them."""
    if _table(call) is None:
        return []
    view = VIEWS[call.name](call.result)
    column = next((c for c in ("gene", "label", "term") if c in view.columns), None)
    if call.name == "gene_hypotheses":  # each claim quotes its term's label
        quoted = [m.group(1) for c in call.result.hypotheses["claim"].head(n) if (m := re.search(r"'(.+?)'", c))]
        return [_LABEL_TAIL_RE.sub("", TERM_ID_RE.sub("", q)) for q in quoted]
    if column is None:
        return []
    return [_LABEL_TAIL_RE.sub("", TERM_ID_RE.sub("", str(v))) for v in view[column].head(n)]


def key_labels(call: ToolCall, n: int = 5) -> list[str]:
    """What an answer must name to state a call's key finding: its top labels (for gene_links, the shared terms
    or, when there are none, the genes)."""
    if call.name != "gene_links":
        return top_labels(call, n)
    if call.error or call.result is None:
        return []
    shared = call.result.shared
    if shared.empty:
        return list(call.result.completion.gene)
    return [TERM_ID_RE.sub("", str(v)).strip() for v in shared["label"].head(n)]


def abstained(text: str) -> bool:
    """The answer says nothing is enriched (or linked) and names no enriched process."""
    lower = text.lower()
    positive = any(ENRICHED_RE.search(s) and not NEGATION_RE.search(s) for s in re.split(r"(?<=[.!?])\s+|\n", text))
    return any(a in lower for a in ABSTAINED) and not positive


# -- running -----------------------------------------------------------------------------------------


def score(q: dict[str, Any], answer: Any, evidence: str) -> Outcome:
    """Score one answer against its question's expectations."""
    text = answer.text
    lower = text.lower()
    called = [c.name for c in answer.tool_calls]
    required = q.get("tools", [])
    tools_ok = set(required) <= set(called) and (bool(required) or not called)
    refuse = bool(q.get("refuse"))
    refused = REFUSAL in lower
    fake = [t for t in re.findall(r"[A-Za-z0-9]+", q["question"]) if t.upper() in _fake_symbols(q)]
    ran_on_fake = any(f.upper() in json.dumps(c.args).upper() for c in answer.tool_calls for f in fake)
    contains_ok = all(s.lower() in lower for s in q.get("must_contain", [])) and not any(
        s.lower() in lower for s in q.get("must_not_contain", [])
    ) and (not q.get("must_contain_any") or any(s.lower() in lower for s in q["must_contain_any"]))
    labels = [lab for c in answer.tool_calls if c.name in required for lab in key_labels(c)]
    names_key = any(norm(lab) and norm(lab) in norm(text) for lab in labels) if labels else None
    cites = names_key if q.get("cite_result") else None
    must_abstain, did_abstain = bool(q.get("abstain")), abstained(text)
    key_ok = bool(text.strip()) and not text.rstrip().endswith(":") and (
        did_abstain if must_abstain else did_abstain or names_key is not False)
    rows = score_claims(text, answer.tool_calls, evidence)
    before = (answer.claims["claims_before"], answer.claims["passed_before"]) if answer.claims else rows[:2]
    g = grounding(text, evidence)
    raw = grounding("\n".join([text, *answer.removed]), evidence)
    return Outcome(
        id=q["id"], use=q.get("use", ""), question=q["question"], answer=text, mode=answer.mode,
        tools_called=called, tools_ok=tools_ok, refuse=refuse, refused=refused,
        invented=refuse and (not refused or ran_on_fake), contains_ok=contains_ok, cites_result=cites,
        claims=g["claims"], grounded=g["grounded"], ungrounded=g["ungrounded"],
        removed=len(answer.removed), raw_claims=raw["claims"], raw_grounded=raw["grounded"],
        abstain=must_abstain, abstained=did_abstain, key_ok=key_ok, row_claims=rows[0], row_passed=rows[1],
        row_claims_before=before[0], row_passed_before=before[1],
        total_s=answer.timings["total_s"], first_token_s=answer.timings.get("first_token_s"),
        errors=[f"{c.name}: {c.error}" for c in answer.tool_calls if c.error],
    )


def _fake_symbols(q: dict[str, Any]) -> set[str]:
    if not q.get("refuse"):
        return set()
    mapper = default_mapper()
    tokens = re.findall(r"[A-Za-z0-9]+", q["question"])
    return {t.upper() for t in tokens if any(c.isdigit() for c in t) and mapper.lookup(t) is None}


def run_evaluation(
    backend: str | None,
    questions: Path = DEFAULT_QUESTIONS,
    preroute: bool = True,
    limit: int | None = None,
    progress: Callable[[str], None] | None = None,
    details: Path | None = None,
    **backend_opts: Any,
) -> Report:
    """Ask every question (after its earlier turns, if any) in a fresh conversation and score it.

    `details`: a JSONL file that gets each outcome as soon as it is scored.
    """
    from .agent import Assistant

    if details:
        details.parent.mkdir(parents=True, exist_ok=True)
        details.write_text("", encoding="utf-8")

    assistant = Assistant(backend=backend, preroute=preroute, **backend_opts)
    items = load_questions(questions)[:limit]
    outcomes = []
    for i, q in enumerate(items, 1):
        q = materialise(q)
        assistant.reset()
        matches = screen_question(q["question"]).unknown.values()  # the refusal's close matches
        evidence = [q["question"], q.get("context") or "", *(" ".join(m) for m in matches)]
        for earlier in q.get("turns", []):
            prior = assistant.ask(earlier)
            evidence += [earlier, *(result_text(c) for c in prior.tool_calls)]
        answer = assistant.ask(q["question"], q.get("context"))
        evidence += [result_text(c) for c in answer.tool_calls]
        outcome = score(q, answer, "\n".join(evidence))
        outcomes.append(outcome)
        if details:
            with details.open("a", encoding="utf-8") as f:
                f.write(json.dumps(asdict(outcome), ensure_ascii=False) + "\n")
        if progress:
            flag = "ok" if outcome.tools_ok and outcome.contains_ok else "MISS"
            progress(f"[{i}/{len(items)}] {flag} {outcome.total_s:5.1f}s {q['id']} {outcome.tools_called} "
                     f"grounded {outcome.grounded}/{outcome.claims}")
    shown = questions.resolve().relative_to(Path.cwd()) if questions.resolve().is_relative_to(Path.cwd()) else questions
    return Report(assistant.backend_info, preroute, outcomes, str(shown))


def report_from_details(details: Path, backend: str | None, questions: Path = DEFAULT_QUESTIONS,
                        **backend_opts: Any) -> Report:
    """The report of an earlier run, from the outcomes it wrote to `details` (no question is asked again)."""
    from ..llm import get_backend

    preroute = backend_opts.pop("preroute", True)
    outcomes = [Outcome(**json.loads(line)) for line in details.read_text(encoding="utf-8").splitlines() if line]
    info = get_backend(backend, **backend_opts).describe()
    info.update(mode="llm" if any(x.mode == "llm" for x in outcomes) else "rules", fallback_reason=None)
    return Report(info, preroute, outcomes, str(questions))

"""`gsfm eval-agent`: how well the assistant answers real questions.

Per question (`eval_questions.jsonl`): the tools it must call, facts it must / must not contain,
whether it must refuse an unknown gene, and whether it must cite its tool result. Measured:
- tool choice: share of questions whose required tools were all called (none for a fake gene);
- grounding: share of the gene symbols, gene set term names and numbers in answers that appear in
  the conversation's tool outputs (or in the user's own question and pasted list);
- refusals: fake genes answered with "I don't know that gene", and invented functions (a tool run on
  a fake symbol, or an answer without the refusal);
- latency per turn (median, p95) and time to first token.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.tools.registry import ToolCall
from assistant.tools.views import VIEWS
from gsfm_model.data.genes import default_mapper

from .grounding import TERM_ID_RE, grounding, norm
from .guards import screen_question

DEFAULT_QUESTIONS = Path(__file__).with_name("eval_questions.jsonl")
REFUSAL = "i don't know that gene"
SECTION = "## Assistant"
# What a label adds around a term's name: "mouse phenotype: ...", "GWAS trait: ...", a trailing "(KEGG pathway)".
_LABEL_TAIL_RE = re.compile(r"^(?:human phenotype|mouse phenotype|GWAS trait): |\s*\([^()]*\)\s*$")


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Questions from a JSONL file, one JSON object per line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


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
    if call.name == "gene_hypotheses":
        view, column = call.result.hypotheses, "term"
    if column is None:
        return []
    return [_LABEL_TAIL_RE.sub("", TERM_ID_RE.sub("", str(v))) for v in view[column].head(n)]


# -- running -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One scored question."""

    id: str
    use: str
    question: str
    answer: str
    mode: str
    tools_called: list[str]
    tools_ok: bool
    refuse: bool
    refused: bool
    invented: bool
    contains_ok: bool
    cites_result: bool | None
    claims: int
    grounded: int
    ungrounded: dict[str, list[str]]
    removed: int  # model sentences the grounding filter dropped
    raw_claims: int  # claims before that filter
    raw_grounded: int
    total_s: float
    first_token_s: float | None
    errors: list[str] = field(default_factory=list)


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
    )
    cites = None
    if q.get("cite_result"):
        labels = [lab for c in answer.tool_calls if c.name in required for lab in top_labels(c)]
        cites = any(norm(lab) and norm(lab) in norm(text) for lab in labels) if labels else None
    g = grounding(text, evidence)
    raw = grounding("\n".join([text, *answer.removed]), evidence)
    return Outcome(
        id=q["id"], use=q.get("use", ""), question=q["question"], answer=text, mode=answer.mode,
        tools_called=called, tools_ok=tools_ok, refuse=refuse, refused=refused,
        invented=refuse and (not refused or ran_on_fake), contains_ok=contains_ok, cites_result=cites,
        claims=g["claims"], grounded=g["grounded"], ungrounded=g["ungrounded"],
        removed=len(answer.removed), raw_claims=raw["claims"], raw_grounded=raw["grounded"],
        total_s=answer.timings["total_s"], first_token_s=answer.timings.get("first_token_s"),
        errors=[f"{c.name}: {c.error}" for c in answer.tool_calls if c.error],
    )


def _fake_symbols(q: dict[str, Any]) -> set[str]:
    if not q.get("refuse"):
        return set()
    mapper = default_mapper()
    tokens = re.findall(r"[A-Za-z0-9]+", q["question"])
    return {t.upper() for t in tokens if any(c.isdigit() for c in t) and mapper.lookup(t) is None}


@dataclass
class Report:
    """All outcomes of one run, with the settings that produced them."""

    backend: dict[str, Any]
    preroute: bool
    outcomes: list[Outcome]
    questions_file: str

    def metrics(self) -> dict[str, Any]:
        """The headline numbers."""
        o = self.outcomes
        fake = [x for x in o if x.refuse]
        cites = [x for x in o if x.cites_result is not None]
        totals = [x.total_s for x in o if x.mode != "refusal"]
        firsts = [x.first_token_s for x in o if x.mode != "refusal" and x.first_token_s is not None]
        claims = sum(x.claims for x in o)
        return {
            "questions": len(o),
            "tool_choice": _share(x.tools_ok for x in o),
            "grounding": _ratio(sum(x.grounded for x in o), claims),
            "claims": claims,
            "grounding_before_filter": _ratio(sum(x.raw_grounded for x in o), sum(x.raw_claims for x in o)),
            "removed_sentences": sum(x.removed for x in o),
            "refusals": f"{sum(x.refused for x in fake)}/{len(fake)}",
            "invented_for_fake_genes": sum(x.invented for x in fake),
            "facts_ok": _share(x.contains_ok for x in o),
            "cites_result": _share(x.cites_result for x in cites),
            "median_turn_s": statistics.median(totals) if totals else None,
            "p95_turn_s": _p95(totals),
            "median_first_token_s": statistics.median(firsts) if firsts else None,
            "p95_first_token_s": _p95(firsts),
        }

    def title(self) -> str:
        """Sub-heading naming the configuration."""
        b = self.backend
        model = f", model {b.get('model')}" if b.get("mode") == "llm" else ""
        route = "pre-routing on" if self.preroute else "pre-routing off"
        return f"### {b.get('backend')} backend ({b.get('mode')} mode{model}, {route})"

    def summary_markdown(self, command: str | None = None) -> str:
        """The configuration's sub-section: headline table, per-use table, failures."""
        m = self.metrics()
        fmt = _fmt
        lines = [self.title(), ""]
        if command:
            lines += [f"Command: `{command}`", ""]
        if self.backend.get("fallback_reason"):
            lines += [f"Note: the LLM was unavailable ({self.backend['fallback_reason']}); rules mode ran.", ""]
        lines += [
            "| questions | tool choice | grounding (claims) | before filter (sentences removed) | fake genes refused "
            "| invented for fake genes | facts present | cites its result | turn median / p95 "
            "| first token median / p95 |",
            "|---|---|---|---|---|---|---|---|---|---|",
            f"| {m['questions']} | {fmt(m['tool_choice'], '%')} | {fmt(m['grounding'], '%')} ({m['claims']}) "
            f"| {fmt(m['grounding_before_filter'], '%')} ({m['removed_sentences']}) "
            f"| {m['refusals']} | {m['invented_for_fake_genes']} | {fmt(m['facts_ok'], '%')} "
            f"| {fmt(m['cites_result'], '%')} | {fmt(m['median_turn_s'], 's')} / {fmt(m['p95_turn_s'], 's')} "
            f"| {fmt(m['median_first_token_s'], 's')} / {fmt(m['p95_first_token_s'], 's')} |",
            "",
            "| use | questions | tool choice | facts present | cites its result | turn median |",
            "|---|---|---|---|---|---|",
        ]
        for use in dict.fromkeys(x.use for x in self.outcomes):
            group = [x for x in self.outcomes if x.use == use]
            cites = [x.cites_result for x in group if x.cites_result is not None]
            lines.append(
                f"| {use} | {len(group)} | {fmt(_share(x.tools_ok for x in group), '%')} "
                f"| {fmt(_share(x.contains_ok for x in group), '%')} | {fmt(_share(cites), '%')} "
                f"| {fmt(statistics.median(x.total_s for x in group), 's')} |"
            )
        failures = [x for x in self.outcomes if not (x.tools_ok and x.contains_ok) or x.invented
                    or any(x.ungrounded.values())]
        if failures:
            lines += ["", "Misses (tool choice, facts, grounding):", ""]
            for x in failures:
                bad = {k: v for k, v in x.ungrounded.items() if v}
                lines.append(
                    f"- {x.id} {x.question!r}: called {x.tools_called or 'nothing'}"
                    + ("" if x.tools_ok else " (wrong tools)")
                    + ("" if x.contains_ok else " (facts missing or forbidden text present)")
                    + (f"; ungrounded {bad}" if bad else "")
                )
        return "\n".join(lines)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _share(values: Iterable[bool | None]) -> float | None:
    values = [bool(v) for v in values]
    return sum(values) / len(values) if values else None


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.0f}%" if unit == "%" else f"{value:.1f} s"


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


def write_report(report: Report, path: Path, command: str | None = None) -> None:
    """(Re)write this configuration's sub-section inside the file's '## Assistant' section."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = report.summary_markdown(command).rstrip() + "\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == SECTION), None)
    if start is None:
        intro = (f"\n{SECTION}\n\nThe assistant answers real questions ({report.questions_file}); see "
                 "`assistant/evaluate.py` for what each number means.\n\n")
        path.write_text(text.rstrip("\n") + "\n" + intro + block, encoding="utf-8")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    section = list(lines[start:end])
    while section and not section[-1].strip():
        section.pop()
    title = report.title()
    sub = next((i for i, line in enumerate(section) if line.strip() == title), None)
    if sub is None:
        section += ["\n", block]
    else:
        sub_end = next((i for i in range(sub + 1, len(section)) if section[i].startswith("### ")), len(section))
        section[sub:sub_end] = [block, *(["\n"] if sub_end < len(section) else [])]
    tail = ["\n", *lines[end:]] if end < len(lines) else []
    path.write_text("".join([*lines[:start], *section, *tail]), encoding="utf-8")

"""The report of `gsfm eval-agent`: headline metrics, per-use table and misses of one configuration, written into
the '## Assistant' section of a markdown file (docs/benchmarks.md)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECTION = "## Assistant"


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
    abstain: bool  # the question must abstain
    abstained: bool
    key_ok: bool  # not empty, not ending on a colon, states the key finding
    row_claims: int  # claims about result rows (claims.score_claims), after the check
    row_passed: int
    row_claims_before: int  # ... in the model's own text, before the check
    row_passed_before: int
    total_s: float
    first_token_s: float | None
    errors: list[str] = field(default_factory=list)


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
            "abstention": _share(x.abstained for x in o if x.abstain),
            "abstain_questions": sum(x.abstain for x in o),
            "row_claims": _ratio(sum(x.row_passed for x in o), sum(x.row_claims for x in o)),
            "row_claims_n": sum(x.row_claims for x in o),
            "row_claims_before": _ratio(sum(x.row_passed_before for x in o), sum(x.row_claims_before for x in o)),
            "row_claims_before_n": sum(x.row_claims_before for x in o),
            "key_finding": _share(x.key_ok for x in o if x.mode != "refusal"),
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
        name = Path(self.questions_file).name
        questions = "" if name == "eval_questions.jsonl" else f", {name}"
        return f"### {b.get('backend')} backend ({b.get('mode')} mode{model}, {route}{questions})"

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
            "| abstention | claims right after the check (before) | states its key finding |",
            "|---|---|---|",
            f"| {fmt(m['abstention'], '%')} of {m['abstain_questions']} | {fmt(m['row_claims'], '%')} of "
            f"{m['row_claims_n']} ({fmt(m['row_claims_before'], '%')} of {m['row_claims_before_n']}) "
            f"| {fmt(m['key_finding'], '%')} |",
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
                    or any(x.ungrounded.values()) or (x.abstain and not x.abstained)
                    or (x.mode != "refusal" and not x.key_ok) or x.row_passed < x.row_claims]
        if failures:
            lines += ["", "Misses (tool choice, facts, grounding):", ""]
            for x in failures:
                bad = {k: v for k, v in x.ungrounded.items() if v}
                lines.append(
                    f"- {x.id} {x.question!r}: called {x.tools_called or 'nothing'}"
                    + ("" if x.tools_ok else " (wrong tools)")
                    + ("" if x.contains_ok else " (facts missing or forbidden text present)")
                    + (" (did not abstain)" if x.abstain and not x.abstained else "")
                    + ("" if x.key_ok or x.mode == "refusal" else " (key finding not stated)")
                    + (f" ({x.row_claims - x.row_passed} wrong claims)" if x.row_passed < x.row_claims else "")
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

"""Claim-level checking of a model's answer against the result rows it rests on.

Each sentence's claims are found and checked:
- a term it names must be a row of the tools' results, for the gene it names (not another gene's row);
- its wording must fit the row's kind of evidence (`views.CUES`: a mouse-phenotype row is read as what mutant mice
  show, a co-expression row as co-expression, a ChIP row as binding), and a WikiPathways or KEGG term is no "GO term";
- a predicted (novel) row is stated as a prediction (with a hedge such as "may" or "predicted"), not as a fact;
- "enriched" or "significant" only for a significant row, and never when no row is significant;
- each number belongs to a row it names (or, with no row named, appears in the evidence);
- a gene with known annotations is not called unknown.
A sentence that fails is rewritten from its rows' fact lines (`views.facts`), or removed when it names no row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.tools.registry import ToolCall
from assistant.tools.views import CUES, FUNCTION_KINDS, VIEWS, core_name, partner, row_line, subject_of
from assistant.tools.views.kinds import COEXPRESSION, TF_TARGET

from .grounding import _CLAIM_NUMBER_RE, _counts, _number_grounded, gene_symbols, norm

CHECKED_TOOLS = ("gene_functions", "enrich_genes", "gsea_ranked")
HEDGE_RE = re.compile(r"\b(may|might|could|predict\w*|potential\w*|likely|suggest\w*|possib\w*|hypothes\w*|"
                      r"candidate|novel|propos\w*|perhaps|putative\w*|confidence|would)\b", re.I)
ENRICHED_RE = re.compile(r"enrich|over-?represent|\bsignificant", re.I)
NEGATION_RE = re.compile(r"\b(not|no|none|nothing|neither|nor|without)\b|n't", re.I)
GO_WORD_RE = re.compile(r"\bGO\b(?!:\d)")  # the word, not an identifier such as GO:0006119
UNKNOWN_RE = re.compile(r"\b(unknown|not known|uncharacteri[sz]ed|no known|poorly characteri[sz]ed)\b", re.I)
FACTOR_RE = re.compile(r"transcription factor|\bTFs?\b|factor|regulat|bound|bind|ChIP|co-?express|expression|target",
                       re.I)  # a sentence that names a factor as such (not only as a member of a gene list)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*\-(])")
MIN_KEY_CHARS = 6  # a term name shorter than this (after normalising) is too common to mark a mention


@dataclass(frozen=True)
class Row:
    """One result row a sentence can make a claim about."""

    tool: str
    subject: str  # the gene (or genes) the call was about
    keys: tuple[str, ...]  # normalised names whose presence marks a mention
    kind: str
    library: str
    novel: bool  # a prediction, not an annotation (gene_functions)
    significant: bool | None  # enrichment rows; None for others
    fact: str  # the row's fact line: what a failing sentence is rewritten to


@dataclass
class Check:
    """The claims of an answer and how many passed, before and after the rewrite."""

    text: str
    rewritten: list[tuple[str, str]] = field(default_factory=list)  # (sentence, its replacement)
    removed: list[str] = field(default_factory=list)
    claims_before: int = 0
    passed_before: int = 0
    claims_after: int = 0
    passed_after: int = 0
    problems: list[str] = field(default_factory=list)  # one per failed claim, before the rewrite


def result_rows(calls: list[ToolCall]) -> list[Row]:
    """The rows of the checked tools' views, with their mention keys and fact lines."""
    rows = []
    for call in calls:
        if call.error or call.result is None or call.name not in CHECKED_TOOLS:
            continue
        view, line, subject = VIEWS[call.name](call.result), row_line(call.name), subject_of(call.args)
        for _, r in view.iterrows():
            keys = [k for k in (norm(core_name(r["label"])),) if len(k) >= MIN_KEY_CHARS]
            keys += [norm(p) for p in (partner(r["label"]),) if p]
            status = r.get("status", "")
            rows.append(Row(call.name, subject, tuple(keys), r["kind"], r.get("library", ""), status == "novel",
                            None if call.name == "gene_functions" else status == "significant",
                            line(r, subject)))
    return rows


def _spans(padded: str, key: str) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(key) + 2) for m in re.finditer(re.escape(f" {key} "), padded)]


def _mentions(sentence: str, rows: list[Row]) -> list[Row]:
    """The rows a sentence names: by the term's name (a name inside a longer named one does not count), or by the
    factor of a ChIP or co-expression row when the sentence speaks of a factor or of expression."""
    padded = f" {norm(sentence)} "
    factor_talk = bool(FACTOR_RE.search(sentence))
    found = {}
    for i, r in enumerate(rows):
        keys = r.keys if factor_talk or r.kind not in (TF_TARGET, COEXPRESSION) else r.keys[:1]
        spans = [span for k in keys for span in _spans(padded, k)]
        if spans:
            found[i] = spans
    inside = lambda a, b: b[0] <= a[0] and a[1] <= b[1] and a != b  # noqa: E731
    return [rows[i] for i, spans in found.items()
            if not all(any(inside(a, b) for j, other in found.items() if j != i for b in other) for a in spans)]


def _gene_before(sentence: str, row: Row) -> str | None:
    """The gene symbol named last before the sentence names the row: whom the claim is about."""
    padded = f" {norm(sentence)} "
    where = min((span[0] for k in row.keys for span in _spans(padded, k)), default=len(padded))
    found = [(m.start(), g) for g in set(gene_symbols(sentence))
             for m in re.finditer(re.escape(f" {norm(g)} "), padded) if m.start() < where]
    return max(found)[1] if found else None


def _row_problems(sentence: str, r: Row, positive_enriched: bool, known: bool = False) -> list[str]:
    """What one sentence gets wrong about one row it names."""
    problems = []
    cue = CUES.get(r.kind)
    if cue and not re.search(cue, sentence, re.I):
        problems.append(f"reads a {r.kind} row as something else")
    elif r.kind in FUNCTION_KINDS and GO_WORD_RE.search(sentence) and not r.library.startswith("GO"):
        problems.append(f"calls a {r.library} term a GO term")
    if r.novel and not known and not HEDGE_RE.search(sentence):
        problems.append("states a prediction as a fact")
    if r.significant is False and positive_enriched:
        problems.append("calls a non-significant row enriched")
    return problems


def _problems(sentence: str, named: list[Row], rows: list[Row], evidence: str) -> tuple[int, int, list[str]]:
    """(claims, failed claims, problems) of one sentence: one claim per row it names, one per number, and one for
    an enrichment claim that names no row."""
    positive_enriched = bool(ENRICHED_RE.search(sentence)) and not NEGATION_RE.search(sentence)
    subjects = {r.subject for r in rows if r.tool == "gene_functions"}
    whom = {id(r): _gene_before(sentence, r) for r in named if r.tool == "gene_functions"}
    about_other = [r for r in named if whom.get(id(r)) not in (None, r.subject)]
    misattributed = [f"gives {r.subject}'s row to {whom[id(r)]}" for r in about_other if whom[id(r)] in subjects]
    named = [r for r in named if r not in about_other]  # a sentence about a neighbour's own terms
    known_keys = {k for r in named if not r.novel for k in r.keys}  # the same term known from another release
    per_row = [_row_problems(sentence, r, positive_enriched, known=bool(set(r.keys) & known_keys)) for r in named]
    problems = misattributed + [p for row in per_row for p in row]
    claims, failed = len(named) + len(misattributed), len(misattributed) + sum(bool(row) for row in per_row)
    studied = {r.subject for r in rows if r.tool == "gene_functions" and not r.novel}
    first = next(iter(gene_symbols(sentence)), None)
    target = first if first in subjects else next(iter(subjects)) if len(subjects) == 1 else None
    if UNKNOWN_RE.search(sentence) and target in studied:
        claims, failed = claims + 1, failed + 1
        problems.append(f"calls {target} unknown, but it has known annotations")
    enrichment = [r for r in rows if r.significant is not None]
    if positive_enriched and not named and enrichment and not any(r.significant for r in enrichment):
        claims, failed = claims + 1, failed + 1
        problems.append("claims enrichment where no row is significant")
    numbers = [m.group(0).lstrip("+") for m in _CLAIM_NUMBER_RE.finditer(sentence) if _counts(m.group(0))]
    wrong = [f"number {n} is not the named row's" for n in numbers if not _number_fits(n, named, rows, evidence)]
    return claims + len(numbers), failed + len(wrong), problems + wrong


def _numbers_of(text: str) -> set[float]:
    return {float(m.group(0)) for m in _CLAIM_NUMBER_RE.finditer(text)}


def _number_fits(number: str, named: list[Row], rows: list[Row], evidence: str) -> bool:
    """A number is a named row's, or (when it belongs to no other row) appears in the evidence."""
    own = " ".join(r.fact for r in named)
    if named and _number_grounded(number, _numbers_of(own), own):
        return True
    others = " ".join(r.fact for r in rows if r not in named)
    if named and _number_grounded(number, _numbers_of(others), others):
        return False  # another row's number
    return _number_grounded(number, _numbers_of(evidence), evidence)


def _sentences(text: str) -> list[list[str]]:
    return [_SENTENCE_RE.split(line) for line in text.splitlines()]


def score_claims(text: str, calls: list[ToolCall], evidence: str,
                 rows: list[Row] | None = None) -> tuple[int, int, list[str]]:
    """(claims, passed, problems) of `text` against the calls' rows (`rows`: `result_rows(calls)`, if computed)."""
    rows = result_rows(calls) if rows is None else rows
    claims, failed, problems = 0, 0, []
    for line in _sentences(text):
        for sentence in line:
            n, bad, why = _problems(sentence, _mentions(sentence, rows), rows, evidence)
            claims, failed, problems = claims + n, failed + bad, problems + why
    return claims, claims - failed, problems


def check_claims(text: str, calls: list[ToolCall], evidence: str, rows: list[Row] | None = None) -> Check:
    """`text` with each sentence whose claims fail rewritten from its rows' fact lines (or removed)."""
    rows = result_rows(calls) if rows is None else rows
    out = Check(text="")
    stated: set[str] = set()
    kept_lines = []
    for line in _sentences(text):
        kept = []
        for sentence in line:
            named = _mentions(sentence, rows)
            n, failed, bad = _problems(sentence, named, rows, evidence)
            out.claims_before += n
            out.passed_before += n - failed
            out.problems += bad
            if not bad:
                kept.append(sentence)
                stated.update(r.fact for r in named)
                continue
            facts = [r.fact for r in named if r.fact not in stated]
            stated.update(facts)
            if facts:
                kept.append(" ".join(dict.fromkeys(facts)))
                out.rewritten.append((sentence, kept[-1]))
            else:
                out.removed.append(sentence)
        if kept or not line or not "".join(line).strip():
            kept_lines.append(" ".join(kept))
    out.text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept_lines)).strip()
    out.claims_after, out.passed_after, _ = score_claims(out.text, calls, evidence, rows)
    return out

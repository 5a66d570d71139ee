"""The assistant: a LangChain agent over the GSFM tools, with deterministic guards around it.

One turn:
1. The pasted context is reduced to official gene symbols (`tools.inputs.parse_context`): it is data, and
   its prose or instruction-like lines never reach the model.
2. Gene-like tokens in the question are checked against the gene table; if every one is unknown the
   answer is a deterministic "I don't know that gene" with close matches, and no model runs.
3. Intent rules pick the obvious first tool call (pre-routing); its compact result goes into the
   conversation as if the model had called it.
4. `langchain.agents.create_agent` runs the model, which may call more tools (capped), and writes
   the prose. Any model failure falls back to the templated no-LLM answer, and says so.
5. The model's sentences are checked: those naming genes, terms or numbers not in the tool results are removed
   (`grounding`), and those that misread a result row are rewritten from it (`claims`).
6. The answer gets deterministic notes (unknown or renamed symbols) and an evidence line.

An `Assistant` holds one conversation; use one per user session (it is not thread-safe).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage

from assistant.tools import serving, state
from assistant.tools.inputs import ContextData, parse_context
from assistant.tools.registry import SPECS, ToolBox, ToolCall
from assistant.tools.tables import split_off_table, table_context
from gsfm_model.errors import GSFMError, InputError

from ..llm import LLMError, get_backend
from ..llm.errors import describe_failure
from .claims import Check, check_claims, result_rows, score_claims
from .grounding import drop_ungrounded
from .guards import Screen, cut_unfinished, drop_repeated_lines, screen_question, unknown_gene_text
from .lc_tools import langchain_tools
from .prompts import load_prompt
from .routing import Plan, route
from .templates import (
    NEXT_STEP_RE,
    abstentions,
    context_note,
    end_on_a_finding,
    input_notes,
    next_step,
    only_enrichment_without_findings,
    render_call,
    result_tables,
    rules_answer,
    sources_line,
)
from .turns import Answer, Event, Output, Turn

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
SHOWN_WHOLE = {"gene_hypotheses"}  # tools whose results are listed under the model's prose, not summarised by it
TABLE_RE = re.compile(r"\b(as|in|into) a table\b|\btabulate|\btabular|\bshow (me )?the table", re.IGNORECASE)  # the
# answer shows the result tables


def _load_tool_context() -> None:
    """Load the GSFM model, its index and the text-search model (what the first tool calls would wait for) while
    the user types."""
    from assistant import tools
    from index.text import load_encoder

    try:
        tools.context()
        load_encoder()
    except GSFMError as exc:  # the first tool call reports it
        log.info("tool context not loaded ahead: %s", exc)


class Assistant:
    """Answers gene questions with the GSFM tools, through a language model or by rules.

    Args:
        backend: "local", "openai", "none" (no-LLM mode) or None for the configured default.
        preroute: run the rule-picked first tool call before the model (helps small models).
        max_tool_rounds: most tool-calling rounds the model may take per turn.
        history_turns: past turns (question and answer) kept as conversation memory.
        **backend_opts: `LLMSettings` fields (model_path, base_url, model, n_ctx, ...).
    """

    def __init__(
        self,
        backend: str | None = None,
        *,
        preroute: bool = True,
        max_tool_rounds: int = 2,
        history_turns: int = 4,
        **backend_opts: Any,
    ) -> None:
        self._backend = get_backend(backend, **backend_opts)
        self.preroute = preroute
        self.max_tool_rounds = max_tool_rounds
        self.history_turns = history_turns
        self._toolbox = ToolBox()
        self._history: list[BaseMessage] = []
        self._evidence: list[str] = []  # this conversation's questions, pasted genes and tool results
        self._last_genes: list[str] = []
        self._served: Any = None  # the model folder the last answer came from
        self._model_note = ""  # this turn's line about the model (a switch since the last answer, or the quick one)
        self._agent: Any = None
        self._fallback_reason: str | None = None
        if self._backend.name != "none":
            try:
                self._agent = self._build_agent()
            except (LLMError, ImportError, OSError, ValueError) as exc:
                log.warning("LLM backend %r unavailable, using rules: %s", self._backend.name, exc)
                self._fallback_reason = str(exc)

    def _build_agent(self) -> Any:
        from langchain.agents import create_agent

        from ..llm.local import LocalChatModel

        model, tools, system = self._backend.chat_model(), langchain_tools(self._toolbox), load_prompt("system")
        if isinstance(model, LocalChatModel):  # load now, so a broken model falls back at start-up
            model.prepare(system, tools)
        threading.Thread(target=_load_tool_context, name="gsfm-tools-warm-up", daemon=True).start()
        return create_agent(model, tools=tools, system_prompt=system)

    @property
    def mode(self) -> str:
        """"llm" when a language model writes the answers, "rules" otherwise."""
        return "llm" if self._agent is not None else "rules"

    @property
    def backend_info(self) -> dict[str, Any]:
        """Backend, model, mode and fallback reason (never secrets)."""
        return {
            **self._backend.describe(),
            "mode": self.mode,
            "fallback_reason": self._fallback_reason,
        }

    def reset(self) -> None:
        """Forget the conversation."""
        self._history.clear()
        self._evidence.clear()
        self._last_genes = []

    def ask(self, question: str, context: str | None = None, results: list[ToolCall] | None = None) -> Answer:
        """Answer one question; `context` is a pasted gene list or table (data, never instructions); `results` are
        tool calls already computed for it (see `stream`)."""
        answer = None
        for event in self.stream(question, context, results):
            if event.kind == "final":
                answer = event.answer
        assert answer is not None  # stream() always ends with a final event
        return answer

    def stream(self, question: str, context: str | None = None,
               results: list[ToolCall] | None = None) -> Iterator[Event]:
        """Answer one question as events: tokens, tool starts/ends, errors, then `final`.

        `results`: finished tool calls (e.g. the app's enrichment of the attached list); a tool call of this turn
        with the same tool and arguments takes its result from there instead of computing it again.
        """
        question = (question or "").strip()
        if not question and not (context or "").strip():
            raise InputError("The question is empty; ask about a gene, or paste a gene list.")
        if len(question) > MAX_QUESTION_CHARS:
            raise InputError(
                f"The question has {len(question)} characters (limit {MAX_QUESTION_CHARS}); "
                "paste long gene lists as context instead."
            )
        turn = Turn()
        self._model_note = self._note_on_model()
        question, table = split_off_table(question)
        if table is None:
            context, table = split_off_table(context)
        data = parse_context(context) if table is None else table_context(table)
        screen = screen_question(question)
        self._toolbox.calls = []
        self._toolbox.context_genes = data.genes
        self._toolbox.context_table = table
        self._toolbox.given = list(results or [])
        if screen.unknown and not screen.genes and not data.genes:
            yield from self._finish(turn, question, data, unknown_gene_text(screen.unknown), "refusal", [])
            return
        plan = route(question, screen, data, self._last_genes, full=self.mode == "rules")
        if self.mode == "rules":
            yield from self._rules_turn(turn, question, plan, screen, data, self._fallback_reason)
        else:
            yield from self._llm_turn(turn, question, plan, screen, data)
        self._last_genes = plan.genes or self._last_genes

    def _note_on_model(self) -> str:
        """The switch announcement when the served model changed since this conversation's last answer; while the
        quick model serves, a line saying so."""
        served = state.served_model()
        note = ""
        if served is not None and self._served is not None and served != self._served:
            note = serving.switch_note(self._served, served)
        elif served is not None and serving.is_quick(served):
            note = serving.QUICK_NOTE
        self._served = served or self._served
        return note

    # -- the two modes ------------------------------------------------------------------------------

    def _run_calls(self, plan: Plan) -> Iterator[Event]:
        for name, args in plan.calls:
            yield Event("tool_start", tool_call=ToolCall(name, dict(args)))
            yield Event("tool_end", tool_call=self._toolbox.run(name, args))

    def _rules_turn(
        self,
        turn: Turn,
        question: str,
        plan: Plan,
        screen: Screen,
        data: ContextData,
        reason: str | None,
        run: bool = True,
    ) -> Iterator[Event]:
        if run:
            yield from self._run_calls(plan)
        text = rules_answer(plan, self._toolbox.calls, screen, data)
        if reason:
            text = load_prompt("fallback").format(reason=reason.split(". ")[0][:200]) + "\n\n" + text
        yield from self._finish(turn, question, data, text, "rules", self._toolbox.calls)

    def _llm_turn(self, turn: Turn, question: str, plan: Plan, screen: Screen, data: ContextData) -> Iterator[Event]:
        user = "\n\n".join(p for p in (question, context_note(data)) if p)
        messages: list[BaseMessage] = [*self._history, HumanMessage(user)]
        if self.preroute and plan.calls:
            yield from self._run_calls(plan)
            ids = [f"call_{uuid.uuid4().hex[:24]}" for _ in plan.calls]
            messages.append(
                AIMessage(
                    content="",
                    tool_calls=[
                        {"name": name, "args": args, "id": i, "type": "tool_call"}
                        for (name, args), i in zip(plan.calls, ids, strict=True)
                    ],
                )
            )
            messages += [
                ToolMessage(content=call.summary, tool_call_id=i, name=call.name)
                for call, i in zip(self._toolbox.calls, ids, strict=True)
            ]
        if self._toolbox.calls and only_enrichment_without_findings(self._toolbox.calls):
            yield from self._nothing_to_claim(turn, question, screen, data)  # no model: it would have nothing to say
            return
        final = Output()
        try:
            yield from self._run_agent(turn, messages, final)
        except Exception as exc:  # any model failure falls back to the rules answer, in one readable line
            reason = describe_failure(exc)
            log.warning("answering by rules: %s", reason)
            log.debug("the language model failed", exc_info=True)
            yield Event("error", text=f"{reason[0].upper()}{reason[1:]}; answering by rules.")
            yield from self._rules_turn(turn, question, plan, screen, data, reason, run=not self._toolbox.calls)
            return
        calls = self._toolbox.calls
        text, shown, removed, check, claims = self._checked_prose(question, data, final)
        notes = input_notes(screen, data)
        footer = sources_line(calls, top=not shown)
        full = "\n\n".join(p for p in (*notes, text, *shown, footer) if p)
        yield from self._finish(turn, question, data, full, "llm", calls, memory_text=text, removed=removed,
                                checked=(check.rewritten, claims))

    def _checked_prose(self, question: str, data: ContextData, final: Output
                       ) -> tuple[str, list[str], list[str], Check, dict[str, int]]:
        """The model's prose after every check (grounding, claims, abstentions, a finding at the end, a next step),
        the results shown whole under it, the removed sentences, the claim check and its counts."""
        evidence = "\n".join([*self._evidence, question, " ".join(data.genes),
                              *(c.summary for c in self._toolbox.calls)])
        text = cut_unfinished(final.text.strip()) if final.finish_reason == "length" else final.text.strip()
        calls, shown = self._toolbox.calls, []  # results shown whole under the prose
        rows = result_rows(calls)  # the claim check's view of the results, computed once
        claims_before = score_claims(text, calls, evidence, rows)
        text, removed = drop_ungrounded(drop_repeated_lines(text), evidence)
        text = drop_repeated_lines(text)  # a numbered loop repeats once its ungrounded numbers are dropped
        check = check_claims(text, calls, evidence, rows)
        text, removed = check.text, removed + check.removed
        if not text or only_enrichment_without_findings(calls):  # nothing grounded, or nothing to claim: the
            text = "\n\n".join(render_call(call) for call in calls)  # tools' own prose, which says so first
        else:
            text = "\n\n".join([*abstentions(calls), end_on_a_finding(text, calls)])
            if not NEXT_STEP_RE.search(text):
                text = "\n\n".join(p for p in (text, next_step(calls)) if p)
        if not text.strip():
            text = "\n\n".join(render_call(call) for call in calls)
        elif TABLE_RE.search(question):
            shown = result_tables(calls)
        else:  # hypotheses with their evidence and experiments: listed exactly, the model's prose frames them
            shown = [render_call(c) for c in calls if c.name in SHOWN_WHOLE and not c.error]
        if check.rewritten:
            text += "\n\n" + load_prompt("rewritten").format(n=len(check.rewritten))
        if removed:
            text += "\n\n" + load_prompt("removed").format(n=len(removed))
        claims = {"claims_before": claims_before[0], "passed_before": claims_before[1],
                  "claims_after": check.claims_after, "passed_after": check.passed_after}
        return text, shown, removed, check, claims

    def _nothing_to_claim(self, turn: Turn, question: str, screen: Screen, data: ContextData) -> Iterator[Event]:
        """The answer when every pre-routed result is an enrichment with no significant term: it says so, from the
        results themselves (the model's prose would not be kept)."""
        calls = self._toolbox.calls
        text = "\n\n".join(render_call(call) for call in calls)
        full = "\n\n".join(p for p in (*input_notes(screen, data), text, sources_line(calls)) if p)
        yield from self._finish(turn, question, data, full, "llm", calls, memory_text=text)

    def _run_agent(self, turn: Turn, messages: list[BaseMessage], final: Output) -> Iterator[Event]:
        """Stream the LangChain agent: model tokens, tool events, and (into `final`) the answer."""
        from langgraph.errors import GraphRecursionError

        first_in_graph = emitted = len(self._toolbox.calls)
        config = {"recursion_limit": 2 * self.max_tool_rounds + 1}
        started = time.perf_counter()
        streamed = False  # whether the current model message came as tokens
        try:
            for mode, chunk in self._agent.stream({"messages": messages}, config, stream_mode=["messages", "updates"]):
                if mode == "messages":
                    message, meta = chunk
                    if isinstance(message, AIMessageChunk) and meta.get("langgraph_node") == "model" and message.text:
                        turn.first_token = turn.first_token or time.perf_counter()
                        streamed = True
                        yield Event("token", text=message.text)
                    continue
                for update in (chunk or {}).values():
                    for message in (update or {}).get("messages", []):
                        if isinstance(message, AIMessage):
                            final.text = "" if message.tool_calls else message.text
                            final.finish_reason = message.response_metadata.get("finish_reason")
                            if not message.tool_calls and not streamed and message.text:
                                turn.first_token = turn.first_token or time.perf_counter()
                                yield Event("token", text=message.text)
                            for call in message.tool_calls:
                                yield Event("tool_start", tool_call=ToolCall(call["name"], dict(call["args"])))
                            streamed = False
                        elif isinstance(message, ToolMessage):
                            for call in self._toolbox.calls[emitted:]:
                                yield Event("tool_end", tool_call=call)
                            emitted = len(self._toolbox.calls)
        except GraphRecursionError:
            log.info("tool-call cap reached after %d rounds", self.max_tool_rounds)
        for call in self._toolbox.calls[emitted:]:
            yield Event("tool_end", tool_call=call)
        tools_in_graph = sum(c.seconds for c in self._toolbox.calls[first_in_graph:])
        turn.llm_s += time.perf_counter() - started - tools_in_graph

    def _finish(
        self,
        turn: Turn,
        question: str,
        data: ContextData,
        text: str,
        mode: str,
        calls: list[ToolCall],
        memory_text: str | None = None,
        removed: list[str] | None = None,
        checked: tuple[list[tuple[str, str]], dict[str, int]] = ([], {}),
    ) -> Iterator[Event]:
        """Emit the rest of the text, remember the turn, and send the final event."""
        if self._model_note == serving.QUICK_NOTE:
            text = f"{text}\n\n_{self._model_note}_"
        elif self._model_note:  # a switch: said first
            text = f"**{self._model_note}**\n\n{text}"
        if turn.first_token is None:
            turn.first_token = time.perf_counter()
            yield Event("token", text=text)
        remembered = "\n\n".join(p for p in (question, context_note(data)) if p)
        self._history += [HumanMessage(remembered), AIMessage(memory_text or text)]
        self._history = self._history[-2 * self.history_turns:]
        self._evidence += [question, " ".join(data.genes), *(c.summary for c in calls)]
        answer = Answer(text=text, tool_calls=list(calls), timings=turn.timings(calls), mode=mode,
                        removed=removed or [], rewritten=checked[0], claims=checked[1])
        yield Event("final", text=text, answer=answer)

    def __repr__(self) -> str:
        return f"Assistant({self.backend_info!r})"


__all__ = ["SPECS", "Answer", "Assistant", "Event", "ToolCall"]

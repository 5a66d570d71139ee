"""What the app does when a user acts: chat turns, gene look-up, gene set analysis, and handing results to the
chat. Each handler calls the tools or the assistant and shapes their results for the page; no logic of its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr
import pandas as pd

from assistant import tools
from assistant.tools.inputs import collect_genes, mapping_report, one_gene
from assistant.tools.registry import computed_call
from assistant.tools.views import display_frame
from gsfm_model.errors import GSFMError

from .line import BUSY, WAITING, ChatLine
from .plots import dot_plot
from .render import gene_card, pca_2d, tool_step, write_tsvs

MAP_NEIGHBOURS = 30
CHAT_SLOTS = 4  # chats answered at once by a server backend or the no-LLM mode
SHOWN_ROWS = 100  # rows of an enrichment table sent to the browser (the TSV download has them all)


class AssistantFactory:
    """Creates per-session assistants with the backend chosen at start-up.

    If the language model was unavailable at start-up, sessions use the no-LLM mode straight away
    instead of retrying it, and the banner says why.
    """

    def __init__(self, backend: str | None):
        from assistant.chat.agent import Assistant

        probe = Assistant(backend=backend)
        self.info: dict[str, Any] = dict(probe.backend_info)
        self.backend = "none" if self.info.get("mode") == "rules" else backend
        self._first: Any = probe
        local_llm = self.info.get("backend") == "local" and self.info.get("mode") == "llm"
        self.line = ChatLine(slots=1 if local_llm else CHAT_SLOTS)  # one llama.cpp model answers one at a time

    def new(self) -> Any:
        """A fresh Assistant (the start-up probe is handed out once, to the first session)."""
        from assistant.chat.agent import Assistant

        first, self._first = self._first, None
        return first if first is not None else Assistant(backend=self.backend)



def _user_message(text: str, context: dict | None) -> dict[str, Any]:
    if context:
        text += f"\n\n*Attached: {context['label']}*"
    return {"role": "user", "content": text}


def chat_turn(message: str, history: list[dict] | None, session: Any, context: dict | None,
              factory: AssistantFactory) -> Iterator[tuple[list[dict], str, Any, dict | None]]:
    """Run one question through the session's assistant, yielding the growing chat after each event. A question
    waits in the factory's line (shown its place), or is told to come back when the line is full."""
    message = (message or "").strip()
    history = list(history or [])
    if not message:
        yield history, "", session, context
        return
    ticket = factory.line.join()
    if ticket is None:  # the question stays in the box, to be sent again
        yield [*history, {"role": "assistant", "content": BUSY.format(n=factory.line.waiting())}], message, \
            session, context
        return
    session = session or factory.new()
    history.append(_user_message(message, context))
    yield history, "", session, None
    admitted = False
    try:
        for place in factory.line.wait(ticket):
            yield [*history, {"role": "assistant", "content": WAITING.format(place=place)}], "", session, None
        admitted = True
        yield from _answer(message, history, session, context)
    finally:
        if admitted:
            factory.line.leave()


def _answer(message: str, history: list[dict], session: Any, context: dict | None
            ) -> Iterator[tuple[list[dict], str, Any, dict | None]]:
    """Stream the assistant's events into the chat."""
    answer_at: int | None = None  # index of the streamed answer message
    pending: dict[str, list[int]] = {}  # tool name -> indexes of its open steps
    try:
        given = context.get("results") if context else None
        for ev in session.stream(message, context=context["text"] if context else None, results=given):
            if ev.kind == "token":
                if answer_at is None:
                    history.append({"role": "assistant", "content": ""})
                    answer_at = len(history) - 1
                history[answer_at]["content"] += ev.text or ""
            elif ev.kind == "tool_start" and ev.tool_call is not None:
                if answer_at is not None:  # text before a tool call was the model thinking aloud
                    del history[answer_at]
                    answer_at = None
                call = ev.tool_call
                history.append(tool_step(call.name, call.args, pending=True))
                pending.setdefault(call.name, []).append(len(history) - 1)
            elif ev.kind == "tool_end" and ev.tool_call is not None:
                call = ev.tool_call
                step = tool_step(call.name, call.args, call.result, call.error, call.seconds)
                open_steps = pending.get(call.name)
                if open_steps:
                    history[open_steps.pop(0)] = step
                else:
                    history.append(step)
            elif ev.kind == "final":
                text = ev.answer.text if ev.answer is not None else (ev.text or "")
                if answer_at is None:
                    history.append({"role": "assistant", "content": text})
                else:
                    history[answer_at]["content"] = text
            elif ev.kind == "error":
                history.append({"role": "assistant", "content": f"⚠ {ev.text}"})
            yield history, "", session, None
    except GSFMError as exc:
        history.append({"role": "assistant", "content": f"⚠ {exc}"})
        yield history, "", session, None


def example_text(event: gr.SelectData) -> str:
    """The text of the example a user clicked."""
    return event.value["text"]


def clear_chat(session: Any) -> tuple[list, Any, None]:
    """Forget the conversation (the session keeps its assistant)."""
    if session is not None:
        session.reset()
    return [], session, None


def neighbourhood_map(symbol: str, neighbours: pd.DataFrame) -> pd.DataFrame:
    """2-D PCA of the embeddings of a gene and its nearest neighbours (columns x, y, gene, group, similarity)."""
    similar = neighbours[neighbours.gene != symbol].head(MAP_NEIGHBOURS)
    genes = [symbol, *similar.gene]
    xy = pca_2d(tools.gene_embeddings(genes))
    return pd.DataFrame({"x": xy[:, 0].round(4), "y": xy[:, 1].round(4), "gene": genes,
                         "group": ["query"] + ["neighbour"] * len(similar),
                         "similarity": [1.0, *similar.similarity.round(3)]})


def lookup_gene(query: str, libraries: list[str] | None, novel_only: bool):
    """Gene facts, predicted functions, similar genes and the neighbourhood map for one gene."""
    try:
        symbol = one_gene(query)
        info = tools.gene_info(symbol)
        if not bool(info.in_model.iat[0]):
            return gene_card(info), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), symbol
        predictions = tools.predict_functions(symbol, libraries=libraries or None, top=50, novel_only=novel_only)
        similar = tools.similar_genes(symbol, k=MAP_NEIGHBOURS)
        points = neighbourhood_map(symbol, similar)
    except GSFMError as exc:
        raise gr.Error(str(exc)) from exc
    card = gene_card(info)
    if predictions.attrs.get("note"):
        card += f"\n\n{predictions.attrs['note']}"
    return card, display_frame(predictions), display_frame(similar), points, symbol


def explain_gene(symbol: str | None) -> tuple[str, None, gr.Tabs]:
    """Put a question about the looked-up gene in the chat box and switch to the chat."""
    if not symbol:
        raise gr.Error("Look up a gene first.")
    question = (f"What might {symbol} do? Explain its predicted functions, the genes it groups with, "
                "and how strong the evidence is.")
    return question, None, gr.Tabs(selected="chat")



ENRICH_SHOWN = ["label", "kind", "library", "overlap", "term_size", "fdr", "odds_ratio", "genes"]
GSFM_SHOWN = ["label", "kind", "library", "overlap", "fdr", "added_genes", "model_fdr"]


def analyse_gene_set(text: str | None, file: str | None, libraries: list[str] | None,
                     background: str | None = None):
    """Enrichment, GSFM-augmented enrichment and the GSFM-completed set for a pasted or uploaded list, each
    computed once; the results also go to the chat (see `explain_results`), which does not recompute them."""
    try:
        genes, note = collect_genes(text, file)
        analysis = tools.analyse_gene_set(genes, libraries=libraries or None, background=background or None)
    except GSFMError as exc:
        raise gr.Error(str(exc)) from exc
    summary = mapping_report(analysis.mapped, len(genes), note)
    enrichment, augmented, completed = analysis.enrichment, analysis.gsfm_enrichment, analysis.completed
    bars = dot_plot(enrichment)
    downloads = write_tsvs({"enrichment": enrichment, "gsfm_enrichment": augmented,
                            "augmented_gene_set": completed})
    symbols = analysis.mapped.symbols
    # The assistant reads context as data and keeps only gene symbols (tools.inputs.parse_context), so the
    # attachment is the mapped list itself; the results travel with it, and its tools take them from there.
    context = {"label": f"the gene list from the Gene set tab ({len(symbols)} genes)", "text": "\n".join(symbols),
               "results": [computed_call("enrich_genes", {"genes": symbols}, augmented),
                           computed_call("complete_gene_set", {"genes": symbols}, completed)]}
    return (summary, bars, display_frame(enrichment[ENRICH_SHOWN].head(SHOWN_ROWS)),
            display_frame(augmented[GSFM_SHOWN].head(SHOWN_ROWS)), display_frame(completed), downloads, context)


def explain_results(results: dict | None) -> tuple[str, dict, gr.Tabs]:
    """Put a question about the latest enrichment in the chat box, attach the tables, switch to the chat."""
    if not results:
        raise gr.Error("Run an enrichment first.")
    question = ("Explain the enrichment of the attached gene list in prose: which biological themes stand out, "
                "which terms and genes support them, and which genes GSFM would add.")
    return question, results, gr.Tabs(selected="chat")


"""The Gradio app: a chat with the GSFM assistant, a gene page and a gene set (enrichment) page.

`gsfm app` (options in app_cli.py) or `python -m assistant.app` starts it on http://127.0.0.1:7860.
The GSFM model and indexes are loaded once per process and shared read-only by every session; each
browser session gets its own `Assistant` (its conversation memory) in a `gr.State`.
"""

from __future__ import annotations

import html
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import gradio as gr
import numpy as np
import pandas as pd

from gsfm_model.errors import GSFMError, InputError

from .app_io import MAX_UPLOAD_BYTES, UPLOAD_TYPES, collect_genes, write_tsvs
from .app_render import backend_banner, gene_card, pca_2d, tool_step

TITLE = "GSFM assistant"
AUTH_ENV = ("GSFM_APP_USER", "GSFM_APP_PASSWORD")
MAP_NEIGHBOURS = 30
SHOWN_ROWS = 100  # rows of an enrichment table sent to the browser (the TSV download has them all)

EXAMPLES = [
    ("Uncharacterised gene", "What might C1orf112 do? How strong is the evidence?"),
    ("Explain an enrichment", "Explain the enrichment of this gene list: IFNG STAT1 IRF1 CXCL10 GBP1 GBP2 "
                              "TAP1 PSMB9 HLA-DRA CIITA IDO1 SOCS1"),
    ("Notebook-style", "Which genes are most similar to ATG7? Then complete the set ATG5, ATG7, ATG12, BECN1."),
    ("Brainstorm hypotheses", "Brainstorm testable hypotheses about TMEM161B, each with its evidence and an "
                              "experiment that would test it."),
]

CSS = """
#backend-banner p { margin: 0; font-size: 0.92em; }
.gsfm-bars { font-size: 0.88em; }
.gsfm-bars h4 { margin: 0.3em 0; }
.gsfm-bar-row { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr) 4.5em; gap: 0.5em;
  align-items: center; margin: 2px 0; }
.gsfm-bar-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.gsfm-bar { height: 0.9em; border-radius: 3px; }
.gsfm-bar-value { text-align: right; font-variant-numeric: tabular-nums; }
"""


# ---------------------------------------------------------------- shared, loaded once per process


def _tools():
    from . import tools

    return tools


@lru_cache(maxsize=1)
def _gene_search_table() -> pd.DataFrame:
    """Every gene with what the autocomplete matches on: symbol, aliases and name (upper case)."""
    from gsfm_model.data.genes import load_gene_table

    genes = load_gene_table()
    aliases = genes.aliases.map(lambda a: "|" + "|".join(a).upper() + "|")
    names = genes.name.fillna("")
    return pd.DataFrame({"symbol": genes.symbol, "key": genes.symbol.str.upper(), "aliases": aliases,
                         "name": names.str.upper(), "label": genes.symbol + " — " + names, "alias_list": genes.aliases,
                         "other": (genes.gene_type != "protein-coding").astype(int)})


def gene_suggestions(text: str, limit: int = 30) -> list[tuple[str, str]]:
    """Autocomplete entries `("SYMBOL — name · aliases", SYMBOL)` for typed text, best first.

    Order: exact symbol, exact alias, symbol prefix, alias prefix, then words in the name; within each,
    protein-coding genes and shorter symbols first.
    """
    query = (text or "").split(" — ")[0].strip().upper()
    if not query:
        return []
    table = _gene_search_table()
    tiers = [table.key == query, table.aliases.str.contains(f"|{query}|", regex=False),
             table.key.str.startswith(query), table.aliases.str.contains(f"|{query}", regex=False)]
    if len(query) >= 3:
        tiers.append(table.name.str.contains(query, regex=False))
    tier = np.select(tiers, range(len(tiers)), default=-1)
    hits = table[tier >= 0].assign(tier=tier[tier >= 0], length=lambda d: d.key.str.len())
    hits = hits.sort_values(["tier", "other", "length", "key"]).head(limit)
    out = []
    for label, symbol, aliases in zip(hits.label, hits.symbol, hits.alias_list, strict=True):
        # the matching aliases first, so that the box's own filter (on the label) keeps the entry
        shown = sorted(aliases, key=lambda a: not a.upper().startswith(query))[:4]
        out.append((label + (f" · {', '.join(shown)}" if shown else ""), symbol))
    return out


class LatestOnly:
    """Numbers each session's requests so that a slow, stale answer never overwrites a newer one.

    Every key press asks for suggestions (trigger_mode "multiple"); answers can finish out of order.
    """

    def __init__(self, max_sessions: int = 10_000):
        self._lock = threading.Lock()
        self._latest: OrderedDict[str, int] = OrderedDict()
        self._max = max_sessions

    def begin(self, session: str) -> int:
        """Register a request; returns its number."""
        with self._lock:
            number = self._latest.pop(session, 0) + 1
            self._latest[session] = number
            if len(self._latest) > self._max:
                self._latest.popitem(last=False)
            return number

    def is_latest(self, session: str, number: int) -> bool:
        """Whether no newer request of this session has arrived since `begin` returned `number`."""
        with self._lock:
            return self._latest.get(session) == number


_SUGGEST_ORDER = LatestOnly()


def suggest_genes(event: gr.KeyUpData, request: gr.Request) -> gr.Dropdown:
    """The gene box's choices for what has been typed so far (skipped if a newer key press came in)."""
    session = request.session_hash or ""
    number = _SUGGEST_ORDER.begin(session)
    choices = gene_suggestions(event.input_value)
    return gr.Dropdown(choices=choices) if _SUGGEST_ORDER.is_latest(session, number) else gr.skip()


@lru_cache(maxsize=1)
def library_choices() -> list[str]:
    """The libraries the tools use by default (each can be picked on its own)."""
    from gsfm_model.data.matrices import default_libraries

    return sorted(default_libraries())


def resolve_gene(query: str | None) -> str:
    """The official symbol for a symbol, alias or autocomplete label; InputError if none or ambiguous."""
    from gsfm_model.data.genes import default_mapper, normalize

    text = (query or "").split(" — ")[0].strip()
    if not text:
        raise InputError("Type a gene symbol or alias (for example TP53) and pick it from the list.")
    found = normalize([text])
    if found.symbols:
        return found.symbols[0]
    if found.ambiguous:
        raise InputError(f"'{text}' is an alias of several genes ({', '.join(found.ambiguous[text])}); "
                         "pick the official symbol.")
    hint = default_mapper().close_matches(text)
    raise InputError(f"'{text}' is not a human gene symbol or alias."
                     + (f" Did you mean {', '.join(hint)}?" if hint else ""))


class AssistantFactory:
    """Creates per-session assistants with the backend chosen at start-up.

    If the language model was unavailable at start-up, sessions use the no-LLM mode straight away
    instead of retrying it, and the banner says why.
    """

    def __init__(self, backend: str | None):
        from . import Assistant

        probe = Assistant(backend=backend)
        self.info: dict[str, Any] = dict(probe.backend_info)
        self.backend = "none" if self.info.get("mode") == "rules" else backend
        self._first: Any = probe

    def new(self) -> Any:
        """A fresh Assistant (the start-up probe is handed out once, to the first session)."""
        from . import Assistant

        first, self._first = self._first, None
        return first if first is not None else Assistant(backend=self.backend)


# ---------------------------------------------------------------- chat


def _user_message(text: str, context: dict | None) -> dict[str, Any]:
    if context:
        text += f"\n\n*Attached: {context['label']}*"
    return {"role": "user", "content": text}


def chat_turn(message: str, history: list[dict] | None, session: Any, context: dict | None,
              factory: AssistantFactory) -> Iterator[tuple[list[dict], str, Any, dict | None]]:
    """Run one question through the session's assistant, yielding the growing chat after each event."""
    message = (message or "").strip()
    history = list(history or [])
    if not message:
        yield history, "", session, context
        return
    session = session or factory.new()
    history.append(_user_message(message, context))
    yield history, "", session, None
    answer_at: int | None = None  # index of the streamed answer message
    pending: dict[str, list[int]] = {}  # tool name -> indexes of its open steps
    try:
        for ev in session.stream(message, context=context["text"] if context else None):
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


def _example_text(event: gr.SelectData) -> str:
    return event.value["text"]


def clear_chat(session: Any) -> tuple[list, Any, None]:
    """Forget the conversation (the session keeps its assistant)."""
    if session is not None:
        session.reset()
    return [], session, None


# ---------------------------------------------------------------- gene page


def _display(df: pd.DataFrame | None, digits: int = 3) -> pd.DataFrame:
    """A copy for display: floats to `digits` significant digits, list cells joined, metadata dropped."""
    if df is None:
        return pd.DataFrame()
    out = df.copy()
    out.attrs = {}
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: float(f"{v:.{digits}g}"))
        elif out[col].map(lambda v: isinstance(v, list | tuple | np.ndarray)).any():
            out[col] = out[col].map(lambda v: ", ".join(map(str, v)) if isinstance(v, list | tuple | np.ndarray)
                                    else v)
    return out


def neighbourhood_map(symbol: str, neighbours: pd.DataFrame) -> pd.DataFrame:
    """2-D PCA of the embeddings of a gene and its nearest neighbours (columns x, y, gene, group, similarity)."""
    similar = neighbours[neighbours.gene != symbol].head(MAP_NEIGHBOURS)
    genes = [symbol, *similar.gene]
    xy = pca_2d(_tools().gene_embeddings(genes))
    return pd.DataFrame({"x": xy[:, 0].round(4), "y": xy[:, 1].round(4), "gene": genes,
                         "group": ["query"] + ["neighbour"] * len(similar),
                         "similarity": [1.0, *similar.similarity.round(3)]})


def lookup_gene(query: str, libraries: list[str] | None, novel_only: bool):
    """Gene facts, predicted functions, similar genes and the neighbourhood map for one gene."""
    try:
        symbol = resolve_gene(query)
        tools = _tools()
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
    return card, _display(predictions), _display(similar), points, symbol


def explain_gene(symbol: str | None) -> tuple[str, None, gr.Tabs]:
    """Put a question about the looked-up gene in the chat box and switch to the chat."""
    if not symbol:
        raise gr.Error("Look up a gene first.")
    question = (f"What might {symbol} do? Explain its predicted functions, the genes it groups with, "
                "and how strong the evidence is.")
    return question, None, gr.Tabs(selected="chat")


# ---------------------------------------------------------------- gene set page


ENRICH_SHOWN = ["term", "library", "overlap", "term_size", "fdr", "odds_ratio", "genes"]
GSFM_SHOWN = ["term", "library", "overlap", "fdr", "fdr_plain", "added_genes"]


def bar_chart_html(tables: dict[str, pd.DataFrame], top: int = 10) -> str:
    """Horizontal bar charts (HTML) of −log10 FDR for the top terms of each enrichment table, side by side."""
    colours = ["#4f7cac", "#c06c3e"]
    blocks = []
    for (title, df), colour in zip(tables.items(), colours, strict=False):
        if df is None or df.empty:
            blocks.append(f"<div><h4>{html.escape(title)}</h4><p>No terms.</p></div>")
            continue
        head = df.sort_values("fdr", kind="stable").head(top)
        values = -np.log10(head.fdr.astype(float).clip(lower=1e-300))
        peak = float(values.max()) or 1.0
        rows = []
        for term, lib, value in zip(head.term, head.library, values, strict=True):
            tip = html.escape(f"{term} ({lib})")
            width = max(2.0, 100.0 * float(value) / peak)
            rows.append(f'<div class="gsfm-bar-row" title="{tip}"><span class="gsfm-bar-label">{html.escape(str(term))}'
                        f'</span><div class="gsfm-bar" style="width:{width:.1f}%;background:{colour}"></div>'
                        f'<span class="gsfm-bar-value">{value:.2f}</span></div>')
        blocks.append(f"<div><h4>{html.escape(title)} <small>(−log10 FDR)</small></h4>{''.join(rows)}</div>")
    return ('<div class="gsfm-bars" style="display:grid;grid-template-columns:1fr 1fr;gap:1.5em">'
            + "".join(blocks) + "</div>")


def _mapping_summary(genes: list[str], note: str) -> tuple[list[str], str]:
    from gsfm_model.data.genes import normalize

    found = normalize(genes)
    lines = [f"**{len(found.symbols)} of {len(genes)} symbols mapped** ({note})."]
    if found.unknown:
        lines.append(f"- **Unmapped** ({len(found.unknown)}): {', '.join(found.unknown[:50])}"
                     + (" …" if len(found.unknown) > 50 else ""))
    if found.ambiguous:
        lines.append("- **Ambiguous aliases** (left out; use the official symbol): "
                     + "; ".join(f"{k} → {'/'.join(v[:4])}" for k, v in list(found.ambiguous.items())[:20]))
    renamed = {k: v for k, v in found.mapping.items() if k != v}
    if renamed:
        lines.append("- **Renamed** to official symbols: "
                     + ", ".join(f"{k} → {v}" for k, v in list(renamed.items())[:20]))
    if not found.symbols:
        raise InputError("None of the symbols is a known human gene symbol or alias. "
                         + " ".join(line.lstrip("- ") for line in lines[1:]))
    return found.symbols, "\n".join(lines)


def analyse_gene_set(text: str | None, file: str | None, libraries: list[str] | None):
    """Enrichment, GSFM-augmented enrichment and the GSFM-completed set for a pasted or uploaded list."""
    try:
        genes, note = collect_genes(text, file)
        symbols, summary = _mapping_summary(genes, note)
        tools = _tools()
        libs = libraries or None
        enrichment = tools.enrich(symbols, libraries=libs)
        augmented_enrichment = tools.gsfm_enrich(symbols, libraries=libs)
        completed = tools.complete_gene_set(symbols, top=50)
    except GSFMError as exc:
        raise gr.Error(str(exc)) from exc
    bars = bar_chart_html({"Enrichment": enrichment, "GSFM-augmented enrichment": augmented_enrichment})
    downloads = write_tsvs({"enrichment": enrichment, "gsfm_enrichment": augmented_enrichment,
                            "augmented_gene_set": completed})
    # The assistant reads context as data and keeps only gene symbols (assistant.rules.parse_context), so
    # the attachment is the mapped list itself; its tools recompute the tables shown here.
    context = {"label": f"the gene list from the Gene set tab ({len(symbols)} genes)", "text": "\n".join(symbols)}
    return (summary, bars, _display(enrichment[ENRICH_SHOWN].head(SHOWN_ROWS)),
            _display(augmented_enrichment[GSFM_SHOWN].head(SHOWN_ROWS)), _display(completed), downloads, context)


def explain_results(results: dict | None) -> tuple[str, dict, gr.Tabs]:
    """Put a question about the latest enrichment in the chat box, attach the tables, switch to the chat."""
    if not results:
        raise gr.Error("Run an enrichment first.")
    question = ("Explain the enrichment of the attached gene list in prose: which biological themes stand out, "
                "which terms and genes support them, and which genes GSFM would add.")
    return question, results, gr.Tabs(selected="chat")


# ---------------------------------------------------------------- layout


def build_app(backend: str | None = None) -> gr.Blocks:
    """The Blocks app; the assistant backend is resolved once here (see AssistantFactory)."""
    factory = AssistantFactory(backend)
    upload_mb = MAX_UPLOAD_BYTES // 2**20
    chat_limit = 1 if factory.info.get("backend") == "local" and factory.info.get("mode") == "llm" else 4

    def run_chat(message, history, session, context):
        yield from chat_turn(message, history, session, context, factory)

    with gr.Blocks(title=TITLE) as demo:
        session = gr.State(None)  # this browser session's Assistant
        context = gr.State(None)  # a table attached to the next question: {"label", "text"}
        gene_symbol = gr.State(None)
        results = gr.State(None)
        gr.Markdown(f"## {TITLE}: Gene Set Foundation Model")
        gr.Markdown(backend_banner(factory.info), elem_id="backend-banner")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(
                    show_label=False, height="68vh", min_height=460, elem_id="chatbot", buttons=["copy_all"],
                    feedback_options=None, group_consecutive_messages=False,
                    examples=[{"text": q, "display_text": f"{t}: {q}"} for t, q in EXAMPLES],
                    placeholder="Ask about a gene, paste a gene list, or pick an example.",
                )
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Ask the assistant…", scale=8,
                                          elem_id="chat-input", max_lines=8)
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="chat-send")
                    new = gr.Button("New chat", scale=1, min_width=80, variant="secondary")
            with gr.Tab("Gene", id="gene"):
                with gr.Row(equal_height=True):
                    gene = gr.Dropdown(choices=gene_suggestions("C1orf112"), value=None, allow_custom_value=True,
                                       label="Gene (type a symbol, alias or name)", scale=4, elem_id="gene-input")
                    gene_libs = gr.Dropdown(choices=library_choices(), multiselect=True, scale=3,
                                            label="Libraries (empty: all)")
                    novel = gr.Checkbox(label="Novel only", scale=1, min_width=120)
                    lookup = gr.Button("Look up", variant="primary", scale=1, elem_id="gene-lookup")
                with gr.Row():
                    with gr.Column(scale=2):
                        info = gr.Markdown(elem_id="gene-info")
                        explain_gene_btn = gr.Button("Explain this gene in the chat")
                    gene_map = gr.ScatterPlot(x="x", y="y", color="group", tooltip=["gene", "similarity"], height=320,
                                              x_title="PC 1", y_title="PC 2", label="Neighbourhood (PCA of embeddings)",
                                              color_map={"query": "#c0392b", "neighbour": "#4f7cac"}, scale=3)
                predictions = gr.Dataframe(label="Predicted functions (click a header to sort)", max_height=420,
                                           interactive=False, wrap=True, elem_id="predictions")
                similar = gr.Dataframe(label="Similar genes", max_height=320, interactive=False)
            with gr.Tab("Gene set", id="geneset"):
                with gr.Row():
                    pasted = gr.Textbox(lines=9, label="Paste gene symbols", placeholder="One per line, or separated "
                                        "by spaces or commas", scale=3, elem_id="geneset-text")
                    with gr.Column(scale=2):
                        upload = gr.File(label=f"…or upload a list (txt, csv, tsv, gmt; ≤ {upload_mb} MB)",
                                         file_types=UPLOAD_TYPES, type="filepath", height=120,
                                         elem_id="geneset-file")
                        set_libs = gr.Dropdown(choices=library_choices(), multiselect=True,
                                               label="Libraries (empty: all)")
                        run = gr.Button("Run enrichment", variant="primary", elem_id="geneset-run")
                summary = gr.Markdown(elem_id="geneset-summary")
                bars = gr.HTML()
                enrichment = gr.Dataframe(label=f"Enrichment (top {SHOWN_ROWS}; the TSV has all)", max_height=380,
                                          interactive=False)
                gsfm_enrichment = gr.Dataframe(label=f"GSFM-augmented enrichment (top {SHOWN_ROWS}; fdr_plain: "
                                               "the list alone)", max_height=380, interactive=False)
                completed = gr.Dataframe(label="Augmented gene set (input = in your list)", max_height=320,
                                         interactive=False)
                with gr.Row():
                    downloads = gr.File(label="Download (TSV)", file_count="multiple", interactive=False, scale=3)
                    explain_set_btn = gr.Button("Explain these results in the chat", scale=1, variant="primary")

        chat_io = dict(fn=run_chat, inputs=[question, chatbot, session, context],
                       outputs=[chatbot, question, session, context], concurrency_limit=chat_limit,
                       concurrency_id="chat")
        question.submit(api_name="chat", **chat_io)
        send.click(api_name=False, **chat_io)
        chatbot.example_select(_example_text, inputs=None, outputs=question, api_name=False,
                               queue=False).then(api_name=False, **chat_io)
        new.click(clear_chat, inputs=session, outputs=[chatbot, session, context], api_name=False)
        chatbot.clear(clear_chat, inputs=session, outputs=[chatbot, session, context], api_name=False)

        gene_io = dict(fn=lookup_gene, inputs=[gene, gene_libs, novel],
                       outputs=[info, predictions, similar, gene_map, gene_symbol])
        gene.key_up(suggest_genes, inputs=None, outputs=gene, queue=False, show_progress="hidden", api_name=False,
                    trigger_mode="multiple")
        lookup.click(api_name="gene_lookup", **gene_io)
        gene.select(api_name=False, **gene_io)
        explain_gene_btn.click(explain_gene, inputs=gene_symbol, outputs=[question, context, tabs],
                               api_name=False).then(api_name=False, **chat_io)

        run.click(analyse_gene_set, inputs=[pasted, upload, set_libs], api_name="enrich_genes",
                  outputs=[summary, bars, enrichment, gsfm_enrichment, completed, downloads, results])
        explain_set_btn.click(explain_results, inputs=results, outputs=[question, context, tabs],
                              api_name=False).then(api_name=False, **chat_io)
    demo.queue(default_concurrency_limit=4, max_size=64)
    return demo


def _auth() -> tuple[str, str] | None:
    user, password = (os.environ.get(v) for v in AUTH_ENV)
    if bool(user) != bool(password):
        raise InputError(f"Set both {AUTH_ENV[0]} and {AUTH_ENV[1]} for basic auth, or neither.")
    return (user, password) if user else None


def warm_up() -> None:
    """Load the gene table, model, index, library matrices and text-search model now, so that the first user does
    not wait."""
    from gsfm_model.data.matrices import default_libraries, library_matrix
    from index.text import load_encoder

    try:
        _gene_search_table()
        _tools().context()
        for name in default_libraries():
            library_matrix(name)
        load_encoder()
    except GSFMError as exc:  # the app still starts; each page then shows this error when used
        print(f"warning: {exc}", file=sys.stderr, flush=True)


def launch(host: str = "127.0.0.1", port: int = 7860, backend: str | None = None, share: bool = False) -> None:
    """Build the app and serve it (blocks until interrupted)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    auth = _auth()
    demo = build_app(backend)
    threading.Thread(target=warm_up, name="gsfm-warm-up", daemon=True).start()
    print(f"GSFM app on http://{host}:{port}" + (" (basic auth on)" if auth else ""), flush=True)
    demo.launch(server_name=host, server_port=port, share=share, auth=auth, max_file_size=MAX_UPLOAD_BYTES,
                theme=gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]),
                css=CSS, footer_links=["api"], show_error=True)


if __name__ == "__main__":
    from .app_cli import main

    main()

"""The Gradio app: a chat with the GSFM assistant, a gene page, a gene set (enrichment) page and an experiment page
(a DE table or ranked list: enrichment of its up/down genes, GSEA, plots).

`gsfm app` (options in options.py) or `python -m assistant.app` starts it on http://127.0.0.1:7860.
The GSFM model and indexes are loaded once per process and shared read-only by every session; each
browser session gets its own `Assistant` (its conversation memory) in a `gr.State`.
"""

from __future__ import annotations

import os
import sys
import threading
from types import SimpleNamespace

import gradio as gr

from assistant import tools
from assistant.tools.inputs import MAX_UPLOAD_BYTES, UPLOAD_TYPES
from gsfm_model.errors import GSFMError, InputError

from . import handlers as h
from .experiment import analyse_table, gsea_plot
from .render import backend_banner, model_banner
from .suggest import gene_search_table, gene_suggestions, library_choices, suggest_genes

TITLE = "GSFM assistant"
AUTH_ENV = ("GSFM_APP_USER", "GSFM_APP_PASSWORD")

EXAMPLES = [
    ("Uncharacterised gene", "What might C1orf112 do? How strong is the evidence?"),
    ("Explain an enrichment", "Explain the enrichment of this gene list: IFNG STAT1 IRF1 CXCL10 GBP1 GBP2 "
                              "TAP1 PSMB9 HLA-DRA CIITA IDO1 SOCS1"),
    ("Notebook-style", "Which genes are most similar to ATG7? Then complete the set ATG5, ATG7, ATG12, BECN1."),
    ("Brainstorm hypotheses", "Brainstorm testable hypotheses about TMEM161B, each with its evidence and an "
                              "experiment that would test it."),
]

MODEL_POLL_S = 15  # how often an open page refreshes the model line (it announces the switch to the full model)

CSS = """
#backend-banner p, #model-banner p { margin: 0; font-size: 0.92em; }
"""


def _chat_tab() -> SimpleNamespace:
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
    return SimpleNamespace(chatbot=chatbot, question=question, send=send, new=new)


def _gene_tab() -> SimpleNamespace:
    with gr.Row(equal_height=True):
        gene = gr.Dropdown(choices=gene_suggestions("C1orf112"), value=None, allow_custom_value=True,
                           label="Gene (type a symbol, alias or name)", scale=4, elem_id="gene-input")
        libraries = gr.Dropdown(choices=library_choices(), multiselect=True, scale=3, label="Libraries (empty: all)")
        novel = gr.Checkbox(label="Novel only", scale=1, min_width=120)
        lookup = gr.Button("Look up", variant="primary", scale=1, elem_id="gene-lookup")
    with gr.Row():
        with gr.Column(scale=2):
            info = gr.Markdown(elem_id="gene-info")
            explain = gr.Button("Explain this gene in the chat")
        gene_map = gr.ScatterPlot(x="x", y="y", color="group", tooltip=["gene", "similarity"], height=320,
                                  x_title="PC 1", y_title="PC 2", label="Neighbourhood (PCA of embeddings)",
                                  color_map={"query": "#c0392b", "neighbour": "#4f7cac"}, scale=3)
    predictions = gr.Dataframe(label="Predicted functions (click a header to sort)", max_height=420,
                               interactive=False, wrap=True, elem_id="predictions")
    similar = gr.Dataframe(label="Similar genes", max_height=320, interactive=False)
    return SimpleNamespace(gene=gene, libraries=libraries, novel=novel, lookup=lookup, info=info, explain=explain,
                           gene_map=gene_map, predictions=predictions, similar=similar)


def _gene_set_tab() -> SimpleNamespace:
    with gr.Row():
        pasted = gr.Textbox(lines=9, label="Paste gene symbols", placeholder="One per line, or separated "
                            "by spaces or commas", scale=3, elem_id="geneset-text")
        with gr.Column(scale=2):
            upload = gr.File(label=f"…or upload a list (txt, csv, tsv, gmt; ≤ {MAX_UPLOAD_BYTES // 2**20} MB)",
                             file_types=UPLOAD_TYPES, type="filepath", height=120, elem_id="geneset-file")
            libraries = gr.Dropdown(choices=library_choices(), multiselect=True, label="Libraries (empty: all)")
            background = gr.Textbox(lines=2, label="Background genes (optional: every gene that could have been "
                                    "in the list, e.g. all measured genes)", elem_id="geneset-background")
            run = gr.Button("Run enrichment", variant="primary", elem_id="geneset-run")
    summary = gr.Markdown(elem_id="geneset-summary")
    bars = gr.Plot(label="Enrichment dot plot", elem_id="geneset-dots")
    enrichment = gr.Dataframe(label=f"Enrichment (top {h.SHOWN_ROWS}; the TSV has all)", max_height=380,
                              interactive=False)
    gsfm_enrichment = gr.Dataframe(label=f"What the model adds (top {h.SHOWN_ROWS}; fdr: your list, Fisher; "
                                   "model_fdr: the model's genes against random lists)", max_height=380,
                                   interactive=False)
    completed = gr.Dataframe(label="Augmented gene set (input = in your list)", max_height=320, interactive=False)
    with gr.Row():
        downloads = gr.File(label="Download (TSV)", file_count="multiple", interactive=False, scale=3)
        explain = gr.Button("Explain these results in the chat", scale=1, variant="primary")
    return SimpleNamespace(pasted=pasted, upload=upload, libraries=libraries, background=background, run=run,
                           explain=explain, outputs=[summary, bars, enrichment, gsfm_enrichment, completed, downloads])


def _experiment_tab() -> SimpleNamespace:
    with gr.Row():
        upload = gr.File(label="DE table or ranked list (CSV/TSV: DESeq2, edgeR, limma, Seurat, scanpy)",
                         file_types=[".csv", ".tsv", ".tab", ".txt"], type="filepath", height=120,
                         elem_id="experiment-file", scale=3)
        with gr.Column(scale=2):
            direction = gr.Radio(["up", "down", "all"], value="up", label="Genes to enrich (padj <= 0.05, "
                                 "|log2FC| >= 1)", elem_id="experiment-direction")
            libraries = gr.Dropdown(choices=library_choices(), multiselect=True, label="Libraries (empty: all)")
            run = gr.Button("Analyse the table", variant="primary", elem_id="experiment-run")
    summary = gr.Markdown(elem_id="experiment-summary")
    dots = gr.Plot(label="Enrichment dot plot", elem_id="experiment-dots")
    enrichment = gr.Dataframe(label="Enrichment of the selected genes (background: the table's genes)",
                              max_height=320, interactive=False)
    gsea = gr.Dataframe(label="Preranked GSEA of the whole table", max_height=320, interactive=False)
    term = gr.Dropdown(label="GSEA term to plot", choices=[], elem_id="experiment-term")
    curve = gr.Plot(label="GSEA running score", elem_id="experiment-curve")
    with gr.Row():
        downloads = gr.File(label="Download (TSV)", file_count="multiple", interactive=False, scale=3)
        explain = gr.Button("Explain these results in the chat", scale=1, variant="primary",
                            elem_id="experiment-explain")
    return SimpleNamespace(upload=upload, direction=direction, libraries=libraries, run=run, term=term,
                           curve=curve, explain=explain,
                           outputs=[summary, dots, enrichment, gsea, term, curve, downloads])


def _wire(chat: SimpleNamespace, gene: SimpleNamespace, sets: SimpleNamespace, exp: SimpleNamespace,
          tabs: gr.Tabs, factory: h.AssistantFactory) -> None:
    """Connect the components to the handlers; the API names are `/chat`, `/gene_lookup` and `/enrich_genes`."""
    session = gr.State(None)  # this browser session's Assistant
    context = gr.State(None)  # what is attached to the next question: {"label", "text", "results"}
    gene_symbol, results = gr.State(None), gr.State(None)

    def run_chat(message, history, session, context):
        yield from h.chat_turn(message, history, session, context, factory)

    # one handler more than the line holds: it tells a question beyond the line, at once, that the assistant is busy
    chat_io = dict(fn=run_chat, inputs=[chat.question, chat.chatbot, session, context],
                   outputs=[chat.chatbot, chat.question, session, context],
                   concurrency_limit=factory.line.slots + factory.line.max_waiting + 1, concurrency_id="chat")
    chat.question.submit(api_name="chat", **chat_io)
    chat.send.click(api_name=False, **chat_io)
    chat.chatbot.example_select(h.example_text, inputs=None, outputs=chat.question, api_name=False,
                                queue=False).then(api_name=False, **chat_io)
    for clear in (chat.new.click, chat.chatbot.clear):
        clear(h.clear_chat, inputs=session, outputs=[chat.chatbot, session, context], api_name=False)

    gene_io = dict(fn=h.lookup_gene, inputs=[gene.gene, gene.libraries, gene.novel],
                   outputs=[gene.info, gene.predictions, gene.similar, gene.gene_map, gene_symbol])
    gene.gene.key_up(suggest_genes, inputs=None, outputs=gene.gene, queue=False, show_progress="hidden",
                     api_name=False, trigger_mode="multiple")
    gene.lookup.click(api_name="gene_lookup", **gene_io)
    gene.gene.select(api_name=False, **gene_io)
    gene.explain.click(h.explain_gene, inputs=gene_symbol, outputs=[chat.question, context, tabs],
                       api_name=False).then(api_name=False, **chat_io)

    sets.run.click(h.analyse_gene_set, inputs=[sets.pasted, sets.upload, sets.libraries, sets.background],
                   api_name="enrich_genes", outputs=[*sets.outputs, results])
    sets.explain.click(h.explain_results, inputs=results, outputs=[chat.question, context, tabs],
                       api_name=False).then(api_name=False, **chat_io)
    table_state, table_results = gr.State(None), gr.State(None)
    exp.run.click(analyse_table, inputs=[exp.upload, exp.direction, exp.libraries], api_name="analyse_table",
                  outputs=[*exp.outputs, table_state, table_results])
    exp.term.change(gsea_plot, inputs=[exp.term, table_state], outputs=exp.curve, api_name=False)
    exp.explain.click(h.explain_results, inputs=table_results, outputs=[chat.question, context, tabs],
                      api_name=False).then(api_name=False, **chat_io)


def build_app(backend: str | None = None) -> gr.Blocks:
    """The Blocks app; the assistant backend is resolved once here (see `handlers.AssistantFactory`)."""
    factory = h.AssistantFactory(backend)
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"## {TITLE}: Gene Set Foundation Model")
        gr.Markdown(backend_banner(factory.info), elem_id="backend-banner")
        model_line = gr.Markdown("**Model:** loading…", elem_id="model-banner")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                chat = _chat_tab()
            with gr.Tab("Gene", id="gene"):
                gene = _gene_tab()
            with gr.Tab("Gene set", id="geneset"):
                sets = _gene_set_tab()
            with gr.Tab("Experiment", id="experiment"):
                exp = _experiment_tab()
        _wire(chat, gene, sets, exp, tabs, factory)
        banner = dict(fn=model_banner, outputs=model_line, api_name=False, queue=False, show_progress="hidden")
        demo.load(**banner)
        gr.Timer(MODEL_POLL_S).tick(**banner)
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
    from index.text import load_encoder

    try:
        gene_search_table()
        tools.warm_up()
        print(tools.state.model_status(), flush=True)
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


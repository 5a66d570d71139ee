"""The gene box's autocomplete (symbol, alias or name, best first) and the library picker's choices."""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

import gradio as gr
import numpy as np
import pandas as pd

from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.matrices import default_libraries


@lru_cache(maxsize=1)
def gene_search_table() -> pd.DataFrame:
    """Every gene with what the autocomplete matches on: symbol, aliases and name (upper case)."""
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
    table = gene_search_table()
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
    return sorted(default_libraries())


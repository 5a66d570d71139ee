"""Free-text search over term names and definitions, and over gene names (MiniLM sentence embeddings; by words in
the quick index a fresh machine serves first, which says so in the result's note)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from gsfm_model.errors import InputError

from .inputs import attach
from .state import context, gene_names
from .terms import with_kind_and_label


def search_terms(text: str, k: int = 10) -> pd.DataFrame:
    """Gene sets whose name or description matches free text (MiniLM sentence embeddings, cosine; word TF-IDF
    cosine in an index built without embeddings, with attrs["note"] saying so).

    Columns: library, term, kind (what evidence the library is, e.g. 'co-expression'),
    label (the term as a person reads it),
    description, similarity, term_size.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("Give some words to search for, e.g. 'interferon gamma response'.")
    if not 1 <= k <= 500:
        raise InputError("k must be between 1 and 500.")
    index = context().index
    hits = index.search_text(text.strip(), k, kind="term")
    sizes = index.terms.set_index(["library", "term"])["size"]
    df = pd.DataFrame({"library": hits.library, "term": hits.name, "description": hits.description,
                       "similarity": hits.similarity.astype(np.float64),
                       "term_size": [int(sizes.get((lib, t), 0)) for lib, t in zip(hits.library, hits.name)]})
    return attach(with_kind_and_label(df), note=_search_note(index))


def search_genes(text: str, k: int = 10) -> pd.DataFrame:
    """Genes whose name or aliases match free text (e.g. 'heat shock protein 70').

    Columns: gene, name, similarity.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("Give some words to search for, e.g. 'heat shock protein'.")
    index = context().index
    hits = index.search_text(text.strip(), k, kind="gene")
    return attach(pd.DataFrame({"gene": hits.name, "name": gene_names(hits.name),
                                 "similarity": hits.similarity.astype(np.float64)}), note=_search_note(index))


def _search_note(index) -> str:
    if index.text_search == "meaning":
        return ""
    return ("Matched by shared words: search by meaning (sentence embeddings) comes with the full model's index, "
            "which is being built.")



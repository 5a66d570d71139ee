"""Tools about one gene: its facts and known annotations, its predicted functions, its neighbours."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.matrices import library_matrix
from gsfm_model.errors import InputError
from index.store import GeneIndex

from .inputs import Mapped, attach, one_gene
from .state import Context, context, gene_names, in_model, libraries_or_default, protein_coding
from .terms import labels, with_kind_and_label

Z_LISTED = 1.645  # a gene-term pair is listed if z > Z_LISTED (or, for a pure DAE, logit > 0: the reference rule)
# Neighbours are ranked by similarity x n / (n + SUPPORT_PRIOR), n = the neighbour's known terms in the indexed
# libraries, so that genes seen in only a few gene sets do not crowd out well-supported ones (0: by similarity).
# 20 was chosen with `python scripts/bench_neighbours.py --seed 1 --support-prior 20 50 100 200` (docs/benchmarks.md).
SUPPORT_PRIOR = 20.0
# Libraries whose smallest known terms describe a gene best, in order of preference.
FUNCTION_LIBRARIES = ("GO_BP", "GO_Biological_Process_2023", "KEGG_2021_Human", "WikiPathway_2023_Human",
                      "GO_MF", "GO_CC")


def gene_annotations(symbol: str, libraries: Iterable[str] | None = None) -> pd.DataFrame:
    """Known annotations of one gene: the terms that contain it, most specific (smallest) first.

    Columns: library, term, kind (what evidence the library is, e.g. 'co-expression'),
    label (the term as a person reads it), term_size.
    """
    gene = one_gene(symbol)
    rows = []
    for name in libraries_or_default(libraries):
        lm = library_matrix(name)
        col = lm.gene_pos.get(gene)
        if col is None:
            continue
        hits = lm.matrix[:, col].nonzero()[0]
        rows += [(name, lm.terms.term.iat[i], int(lm.sizes[i])) for i in hits]
    df = pd.DataFrame(rows, columns=["library", "term", "term_size"]).sort_values(["term_size", "library", "term"])
    return attach(with_kind_and_label(df, exclude=[gene]))


def gene_info(symbol: str) -> pd.DataFrame:
    """Facts about one gene (one row).

    Columns: symbol, name, gene_type, location (chromosome and cytoband), aliases (list), entrez_id,
    in_model (whether the model scores it), n_known_terms (annotations across the default libraries),
    libraries (list of 'LIBRARY (n terms)'), top_terms (up to 10 most specific known terms, 'label [library]').
    """
    gene = one_gene(symbol)
    table = load_gene_table()
    row = table[table.symbol == gene].iloc[0]
    ann = gene_annotations(gene)
    counts = ann.library.value_counts()
    info = {
        "symbol": gene, "name": row["name"], "gene_type": row.gene_type,
        "location": f"chr{row.chromosome} {row.cytoband or ''}".strip() if row.chromosome else "",
        "aliases": list(row.aliases), "entrez_id": int(row.entrez_id),
        "in_model": in_model(gene),
        "n_known_terms": len(ann),
        "libraries": [f"{lib} ({n})" for lib, n in counts.items()],
        "top_terms": [f"{label} [{lib}]" for lib, label in zip(ann.library, ann.label)][:10],
    }
    return attach(pd.DataFrame([info]))


def predict_functions(gene: str, libraries: Iterable[str] | str | None = None, top: int = 25,
                      novel_only: bool = False) -> pd.DataFrame:
    """Terms the model predicts for one gene, from the precomputed term activations.

    Every indexed term was fed to the model whole; the gene's logit is standardised across all genes within
    the term (z), which ranks far better than the raw score for rarely annotated genes. Listed if z > 1.645
    (a pure-DAE model also lists logit > 0, the reference app's rule); ranked by z (novel_only keeps only terms
    the gene is not yet annotated to).

    Columns: library, term, kind (what evidence the library is, e.g. 'co-expression'),
    label (the term as a person reads it), score (the model's score: sigmoid of the logit for a pure DAE, the
    item-item head's cosine-scale score otherwise), z, known (the gene is already in the term),
    term_auroc (the term's completion AUROC, a per-term confidence), term_size.
    """
    ctx = context()
    gene = one_gene(gene, ctx.vocab_pos)
    logits, z, known = gene_scores(ctx, gene)
    keep = listed(ctx, logits, z)
    if libraries is not None:
        keep &= ctx.index.terms.library.isin(libraries_or_default(libraries)).to_numpy()
    if novel_only:
        keep &= ~known
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(-z[rows], kind="stable")][:top]
    note = "" if len(rows) else f"No term passes the listing rule (z > {Z_LISTED}) for {gene}."
    return attach(function_frame(ctx, gene, rows, logits, z, known), Mapped([gene], [], note))


def score_column(ctx: Context, raw: np.ndarray) -> np.ndarray:
    """The score column: a probability for a pure DAE's logits, the raw score for the item-item head."""
    return 1 / (1 + np.exp(-raw)) if ctx.model.scores_are_logits else raw


def listed(ctx: Context, raw: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The listing rule: z > 1.645, or (pure DAE only, whose scores are logits) logit > 0."""
    keep = z > Z_LISTED
    return keep | (raw > 0) if ctx.model.scores_are_logits else keep


def gene_scores(ctx: Context, gene: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(logit, z, known) of one gene for every indexed term."""
    terms = ctx.index.terms
    logits = ctx.index.gene_logits(gene).astype(np.float64)
    known = np.zeros(len(terms), dtype=bool)
    known[ctx.index.known_terms(gene)] = True
    return logits, (logits - terms["mean"].to_numpy()) / terms["std"].to_numpy(), known


def function_frame(ctx: Context, gene: str, rows: np.ndarray, logits: np.ndarray, z: np.ndarray,
                   known: np.ndarray) -> pd.DataFrame:
    """predict_functions' columns for the given term rows of `gene`."""
    terms = ctx.index.terms
    return with_kind_and_label(pd.DataFrame({
        "library": terms.library.to_numpy()[rows], "term": terms.term.to_numpy()[rows],
        "score": score_column(ctx, logits[rows]), "z": z[rows], "known": known[rows],
        "term_auroc": terms.auroc.to_numpy()[rows].astype(np.float64), "term_size": terms["size"].to_numpy()[rows],
    }), exclude=[gene])


def similar_genes(gene: str, k: int = 20, protein_coding_only: bool = True) -> pd.DataFrame:
    """Nearest genes by the model's gene embeddings (cosine), with what each is known for; protein-coding genes
    only unless `protein_coding_only` is false (pseudogenes and ncRNAs then take part too). Ranked by similarity
    shrunk for genes known in few terms: similarity x n / (n + SUPPORT_PRIOR), n = n_known_terms.

    Columns: gene, name, similarity, n_known_terms (terms it is in, across indexed libraries: a measure of
    how well studied it is), known_functions (labels of its 3 most specific terms, preferring 10+ genes, from
    the first of GO_BP, GO_Biological_Process_2023, KEGG, WikiPathways, GO_MF, GO_CC that annotates it).
    """
    ctx = context()
    gene = one_gene(gene, ctx.vocab_pos)
    if not 1 <= k <= 1000:
        raise InputError("k must be between 1 and 1000.")
    allowed = protein_coding() if protein_coding_only else ctx.vocab_pos
    rows, sims = ctx.index.nearest_genes(gene, min(len(ctx.index.genes) - 1, 4 * k + 50))
    genes = [ctx.index.genes[r] for r in rows]
    keep = np.array([i for i, g in enumerate(genes) if g in ctx.vocab_pos and g in allowed], dtype=np.int64)
    support = np.array([len(ctx.index.known_terms(genes[i])) for i in keep], dtype=np.float64)
    rank = sims[keep] * support / (support + SUPPORT_PRIOR) if SUPPORT_PRIOR else sims[keep]
    chosen = np.argsort(-rank, kind="stable")[:k]
    genes = [genes[keep[i]] for i in chosen]
    df = pd.DataFrame({"gene": genes, "name": gene_names(genes), "similarity": sims[keep[chosen]].astype(np.float64),
                       "n_known_terms": support[chosen].astype(np.int64),
                       "known_functions": [best_known(ctx.index, g) for g in genes]})
    return attach(df, Mapped([gene]))


def best_known(index: GeneIndex, gene: str, n: int = 3) -> list[str]:
    """The gene's n most specific known terms (smallest, preferring 10+ genes) in the first FUNCTION_LIBRARIES
    library that has any."""
    rows = index.known_terms(gene)
    if not len(rows):
        return []
    terms = index.terms.iloc[rows].assign(tiny=lambda t: t["size"] < 10).sort_values(["tiny", "size"])
    hits = next((terms[terms.library == lib] for lib in FUNCTION_LIBRARIES if (terms.library == lib).any()), terms)
    return labels(hits.library.head(n).tolist(), hits.term.head(n).tolist(), exclude=[gene])


def gene_embeddings(genes: Iterable[str]) -> np.ndarray:
    """The model's unit-length embeddings [n, d] of genes (official symbols in the model vocabulary)."""
    ctx = context()
    symbols = [one_gene(g, ctx.vocab_pos) for g in genes]
    return np.stack([ctx.index.gene_vectors.reconstruct(ctx.index.gene_pos[g]) for g in symbols])


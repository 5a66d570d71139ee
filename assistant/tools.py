"""The tool layer: what the agent calls, the chat shows and a notebook imports (`from assistant import tools`).

Every tool returns a pandas DataFrame (or, for `hypotheses`, a small dataclass of DataFrames) with the
columns documented in its docstring. Conventions shared by all tools:

- Gene symbols are normalised (case, aliases, previous symbols) with `gsfm_model.data.genes.normalize`.
- Inputs that were not used are listed in `df.attrs["unmapped"]` (list of the input strings: unknown,
  ambiguous aliases, or genes the model/libraries do not contain) and explained in `df.attrs["note"]`
  (one line, '' when everything mapped). Dataclass results carry the same two fields.
- Empty input, more than MAX_GENES genes, or nothing usable left raises `gsfm_model.errors.InputError`.
- Only genes and terms that are in the model vocabulary, the gene table or the libraries are returned.
- The model and its index load once per process on first use (thread-safe) and are shared read-only;
  `configure(model_dir)` points the process at another model folder.
"""
from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gsfm_model.data.genes import default_mapper, load_gene_table, normalize
from gsfm_model.data.matrices import default_libraries, library_matrix
from gsfm_model.data.paths import model_folder
from gsfm_model.errors import InputError
from index.stats import bh_fdr, combined_score, hypergeom_sf, odds_ratio, overlap_z
from index.store import GeneIndex

MAX_GENES = 5000
Z_LISTED = 1.645  # a gene-term pair is listed if z > Z_LISTED (or, for a pure DAE, logit > 0: the reference rule)
# Libraries whose smallest known terms describe a gene best, in order of preference.
FUNCTION_LIBRARIES = ("GO_BP", "GO_Biological_Process_2023", "KEGG_2021_Human", "WikiPathway_2023_Human",
                      "GO_MF", "GO_CC")

# ---- shared state -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """The loaded model and index (read-only; shared by every thread)."""

    model: object
    index: GeneIndex
    model_dir: Path
    vocab_pos: dict[str, int]
    valid: np.ndarray  # vocabulary entries that are official gene symbols


_LOCK = threading.Lock()
_STATE: dict = {"model_dir": None, "index_path": None, "context": None}


def configure(model_dir: str | Path | None = None, index_path: str | Path | None = None) -> None:
    """Use the model in `model_dir` and the index in `index_path` from the next call on.

    None = $GSFM_MODEL_DIR / $GSFM_INDEX_DIR when set, else `$GSFM_HOME/models/default` and
    `$GSFM_HOME/indexes/<model folder name>`.
    """
    with _LOCK:
        _STATE.update(model_dir=Path(model_dir) if model_dir else None,
                      index_path=Path(index_path) if index_path else None, context=None)


def context() -> Context:
    """The process-wide model and index, loaded on first use (refuses a stale index)."""
    with _LOCK:
        if _STATE["context"] is None:
            import gsfm_model

            model_dir = _STATE["model_dir"] or os.environ.get("GSFM_MODEL_DIR") or model_folder()
            index_path = _STATE["index_path"] or os.environ.get("GSFM_INDEX_DIR") or None
            index = GeneIndex.load(index_path, model_dir=model_dir)
            model = gsfm_model.load(model_dir)
            official = set(load_gene_table().symbol)
            vocab_pos = {g: i for i, g in enumerate(model.genes) if g in official}
            valid = np.zeros(len(model.genes), dtype=bool)
            valid[list(vocab_pos.values())] = True
            _STATE["context"] = Context(model, index, Path(model_dir), vocab_pos, valid)
        return _STATE["context"]


def warm_up(libraries: Iterable[str] | None = None) -> None:
    """Load the model, its index and the library matrices now (e.g. when an app starts) rather than on first use."""
    context()
    for name in _libraries(libraries):
        library_matrix(name)


# ---- input handling -----------------------------------------------------------------------------------------


def _gene_list(genes: str | Iterable[str], what: str = "gene list") -> list[str]:
    items = re.split(r"[\s,;]+", genes) if isinstance(genes, str) else [str(g) for g in genes]
    items = [g.strip() for g in items if g and g.strip()]
    if not items:
        raise InputError(f"The {what} is empty: give at least one gene symbol, e.g. ['TP53', 'MDM2'].")
    if len(items) > MAX_GENES:
        raise InputError(f"The {what} has {len(items):,} entries; the limit is {MAX_GENES:,}. "
                         "Send the most relevant genes (e.g. the top hits) instead.")
    return items


@dataclass
class Mapped:
    """Normalised input: symbols used, and what was left out with the reason."""

    symbols: list[str]
    unmapped: list[str] = field(default_factory=list)
    note: str = ""


def _map(genes: str | Iterable[str], keep: set[str] | dict | None = None, where: str = "the model") -> Mapped:
    """Normalise a gene list; with `keep`, also drop (and report) symbols not in it."""
    found = normalize(_gene_list(genes))
    notes = [found.message()] if found.unknown or found.ambiguous else []
    unmapped = list(found.unknown) + list(found.ambiguous)
    symbols = found.symbols
    if keep is not None:
        missing = [s for s in symbols if s not in keep]
        if missing:
            symbols = [s for s in symbols if s in keep]
            inputs = {v: k for k, v in found.mapping.items()}
            unmapped += [inputs.get(s, s) for s in missing]
            notes.append(f"not in {where}: {', '.join(missing[:20])}" + (" …" if len(missing) > 20 else ""))
    if not symbols:
        raise InputError("None of the genes could be used. " + ". ".join(notes) + ".")
    return Mapped(symbols, unmapped, ". ".join(notes))


def _one_gene(symbol: str, keep: set[str] | dict | None = None, where: str = "the model") -> str:
    """The official symbol of one gene, or InputError with a 'did you mean'."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError("Give one gene symbol, e.g. 'TP53'.")
    if len(_gene_list(symbol)) != 1:
        raise InputError(f"{symbol!r} is several genes; this tool takes one symbol (use a gene-list tool).")
    found = normalize([symbol])
    if found.ambiguous:
        raise InputError(f"{symbol!r} is an alias of several genes ({', '.join(found.ambiguous[symbol.strip()])}); "
                         "use the official symbol.")
    if not found.symbols:
        near = default_mapper().close_matches(symbol)
        raise InputError(f"{symbol!r} is not a known human gene symbol or alias"
                         + (f"; did you mean {', '.join(near)}?" if near else "."))
    gene = found.symbols[0]
    if keep is not None and gene not in keep:
        raise InputError(f"{gene} is a known gene but not in {where} (it was too rarely seen in the training "
                         "gene sets), so there is nothing to predict for it.")
    return gene


def _attach(df: pd.DataFrame, mapped: Mapped | None = None, **extra) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    df.attrs.update(unmapped=mapped.unmapped if mapped else [], note=mapped.note if mapped else "", **extra)
    return df


def _libraries(libraries: Iterable[str] | str | None) -> list[str]:
    from gsfm_model.data.libraries import available_libraries

    if libraries is None:
        return default_libraries()
    names = [libraries] if isinstance(libraries, str) else list(libraries)
    missing = sorted(set(names) - set(available_libraries()))
    if missing or not names:
        raise InputError(f"Unknown libraries {missing}. Available: {', '.join(available_libraries())}.")
    return names


def _gene_names(symbols: Iterable[str]) -> list[str]:
    names = _name_table()
    return [names.get(s, "") for s in symbols]


def _name_table() -> dict[str, str]:
    if "names" not in _STATE:
        genes = load_gene_table()
        _STATE["names"] = dict(zip(genes.symbol, genes.name))
    return _STATE["names"]


# ---- gene facts ---------------------------------------------------------------------------------------------


def gene_annotations(symbol: str, libraries: Iterable[str] | None = None) -> pd.DataFrame:
    """Known annotations of one gene: the terms that contain it, most specific (smallest) first.

    Columns: library, term, term_size.
    """
    gene = _one_gene(symbol)
    rows = []
    for name in _libraries(libraries):
        lm = library_matrix(name)
        col = lm.gene_pos.get(gene)
        if col is None:
            continue
        hits = lm.matrix[:, col].nonzero()[0]
        rows += [(name, lm.terms.term.iat[i], int(lm.sizes[i])) for i in hits]
    df = pd.DataFrame(rows, columns=["library", "term", "term_size"]).sort_values(["term_size", "library", "term"])
    return _attach(df)


def gene_info(symbol: str) -> pd.DataFrame:
    """Facts about one gene (one row).

    Columns: symbol, name, gene_type, location (chromosome and cytoband), aliases (list), entrez_id,
    in_model (whether the model scores it), n_known_terms (annotations across the default libraries),
    libraries (list of 'LIBRARY (n terms)'), top_terms (up to 10 most specific known terms, 'term [library]').
    """
    gene = _one_gene(symbol)
    table = load_gene_table()
    row = table[table.symbol == gene].iloc[0]
    ann = gene_annotations(gene)
    counts = ann.library.value_counts()
    info = {
        "symbol": gene, "name": row["name"], "gene_type": row.gene_type,
        "location": f"chr{row.chromosome} {row.cytoband or ''}".strip() if row.chromosome else "",
        "aliases": list(row.aliases), "entrez_id": int(row.entrez_id),
        "in_model": _in_model(gene),
        "n_known_terms": len(ann),
        "libraries": [f"{lib} ({n})" for lib, n in counts.items()],
        "top_terms": [f"{t} [{lib}]" for lib, t in zip(ann.library, ann.term)][:10],
    }
    return _attach(pd.DataFrame([info]))


def _in_model(gene: str) -> bool | None:
    """Whether the model scores the gene (None when no model or index is available yet)."""
    from gsfm_model.errors import DataError

    try:
        return gene in context().vocab_pos
    except DataError:
        return None


# ---- function prediction ------------------------------------------------------------------------------------


def predict_functions(gene: str, libraries: Iterable[str] | str | None = None, top: int = 25,
                      novel_only: bool = False) -> pd.DataFrame:
    """Terms the model predicts for one gene, from the precomputed term activations.

    Every indexed term was fed to the model whole; the gene's logit is standardised across all genes within
    the term (z), which ranks far better than the raw score for rarely annotated genes. Listed if z > 1.645
    (a pure-DAE model also lists logit > 0, the reference app's rule); ranked by z (novel_only keeps only terms
    the gene is not yet annotated to).

    Columns: library, term, score (the model's score: sigmoid of the logit for a pure DAE, the item-item head's
    cosine-scale score otherwise), z, known (the gene is already in the term),
    term_auroc (the term's completion AUROC, a per-term confidence), term_size.
    """
    ctx = context()
    gene = _one_gene(gene, ctx.vocab_pos)
    logits, z, known = _gene_scores(ctx, gene)
    keep = _listed(ctx, logits, z)
    if libraries is not None:
        keep &= ctx.index.terms.library.isin(_libraries(libraries)).to_numpy()
    if novel_only:
        keep &= ~known
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(-z[rows], kind="stable")][:top]
    note = "" if len(rows) else f"No term passes the listing rule (z > {Z_LISTED}) for {gene}."
    return _attach(_function_frame(ctx, rows, logits, z, known), Mapped([gene], [], note))


def _score(ctx: Context, raw: np.ndarray) -> np.ndarray:
    """The score column: a probability for a pure DAE's logits, the raw score for the item-item head."""
    return 1 / (1 + np.exp(-raw)) if ctx.model.scores_are_logits else raw


def _listed(ctx: Context, raw: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The listing rule: z > 1.645, or (pure DAE only, whose scores are logits) logit > 0."""
    keep = z > Z_LISTED
    return keep | (raw > 0) if ctx.model.scores_are_logits else keep


def _gene_scores(ctx: Context, gene: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(logit, z, known) of one gene for every indexed term."""
    terms = ctx.index.terms
    logits = ctx.index.gene_logits(gene).astype(np.float64)
    known = np.zeros(len(terms), dtype=bool)
    known[ctx.index.known_terms(gene)] = True
    return logits, (logits - terms["mean"].to_numpy()) / terms["std"].to_numpy(), known


def _function_frame(ctx: Context, rows: np.ndarray, logits: np.ndarray, z: np.ndarray,
                    known: np.ndarray) -> pd.DataFrame:
    """predict_functions' columns for the given term rows."""
    terms = ctx.index.terms
    return pd.DataFrame({
        "library": terms.library.to_numpy()[rows], "term": terms.term.to_numpy()[rows],
        "score": _score(ctx, logits[rows]), "z": z[rows], "known": known[rows],
        "term_auroc": terms.auroc.to_numpy()[rows].astype(np.float64), "term_size": terms["size"].to_numpy()[rows],
    })


def similar_genes(gene: str, k: int = 20) -> pd.DataFrame:
    """Nearest genes by the model's gene embeddings (cosine), with what each is known for.

    Columns: gene, name, similarity, n_known_terms (terms it is in, across indexed libraries: a measure of
    how well studied it is), known_functions (its 3 most specific terms, preferring 10+ genes, from the first of GO_BP,
    GO_Biological_Process_2023, KEGG, WikiPathways, GO_MF, GO_CC that annotates it).
    """
    ctx = context()
    gene = _one_gene(gene, ctx.vocab_pos)
    if not 1 <= k <= 1000:
        raise InputError("k must be between 1 and 1000.")
    rows, sims = ctx.index.nearest_genes(gene, k + 10)
    genes = [ctx.index.genes[r] for r in rows]
    keep = [i for i, g in enumerate(genes) if g in ctx.vocab_pos][:k]
    genes = [genes[i] for i in keep]
    df = pd.DataFrame({"gene": genes, "name": _gene_names(genes), "similarity": sims[keep].astype(np.float64),
                       "n_known_terms": [len(ctx.index.known_terms(g)) for g in genes],
                       "known_functions": [_best_known(ctx.index, g) for g in genes]})
    return _attach(df, Mapped([gene]))


def _best_known(index: GeneIndex, gene: str, n: int = 3) -> list[str]:
    """The gene's n most specific known terms (smallest, preferring 10+ genes) in the first FUNCTION_LIBRARIES
    library that has any."""
    rows = index.known_terms(gene)
    if not len(rows):
        return []
    terms = index.terms.iloc[rows].assign(tiny=lambda t: t["size"] < 10).sort_values(["tiny", "size"])
    for lib in FUNCTION_LIBRARIES:
        hits = terms[terms.library == lib]
        if len(hits):
            return hits.term.head(n).tolist()
    return terms.term.head(n).tolist()


def gene_embeddings(genes: Iterable[str]) -> np.ndarray:
    """The model's unit-length embeddings [n, d] of genes (official symbols in the model vocabulary)."""
    ctx = context()
    symbols = [_one_gene(g, ctx.vocab_pos) for g in genes]
    return np.stack([ctx.index.gene_vectors.reconstruct(ctx.index.gene_pos[g]) for g in symbols])


def complete_gene_set(genes: str | Iterable[str], top: int = 50) -> pd.DataFrame:
    """The gene set augmented by the model: the input genes plus the `top` best-scored other genes.

    Columns: rank (among all vocabulary genes, 1 = best), gene, name, score (as in predict_functions),
    z (score standardised across all genes for this set), input (True for the input genes).
    Rows are sorted by rank.
    """
    ctx = context()
    mapped = _map(genes, ctx.vocab_pos)
    logits = np.asarray(ctx.model.predict([mapped.symbols]), dtype=np.float64)[0]
    logits = np.where(ctx.valid, logits, -np.inf)
    valid = logits[ctx.valid]
    z = (logits - valid.mean()) / max(valid.std(), 1e-12)
    order = np.argsort(-logits, kind="stable")[:int(ctx.valid.sum())]
    is_input = np.zeros(len(logits), dtype=bool)
    is_input[[ctx.vocab_pos[g] for g in mapped.symbols]] = True
    ranks = np.arange(1, len(order) + 1)
    new = order[~is_input[order]][:top]
    chosen = np.sort(np.concatenate([np.flatnonzero(is_input[order]), np.flatnonzero(np.isin(order, new))]))
    rows = order[chosen]
    names = [ctx.model.genes[r] for r in rows]
    df = pd.DataFrame({"rank": ranks[chosen], "gene": names, "name": _gene_names(names),
                       "score": _score(ctx, logits[rows]), "z": z[rows], "input": is_input[rows]})
    return _attach(df, mapped)


# ---- enrichment ---------------------------------------------------------------------------------------------

ENRICH_COLUMNS = ["library", "term", "overlap", "term_size", "list_size", "background_size", "p_value", "fdr",
                  "odds_ratio", "z", "combined_score", "genes"]


def enrich(genes: str | Iterable[str], libraries: Iterable[str] | str | None = None,
           background: str | Iterable[str] | None = None, min_overlap: int = 1) -> pd.DataFrame:
    """Over-representation of a gene list in every term of the libraries (Fisher's exact test, one-sided).

    Per library: the universe is the library's genes (with `background`: the background genes that are in
    the library; terms are restricted to it). For a term with K universe genes, k of the n input genes in the
    universe, out of N: p = P(X >= k), X ~ Hypergeometric(N, K, n) (= one-sided Fisher's exact test).
    fdr: Benjamini-Hochberg within the library, over every term with K >= 1. odds_ratio: Enrichr's
    a*d / max(b*c, 1). z: (k - nK/N) / sd, the overlap's z under the hypergeometric null; combined_score =
    -ln(p) * z (Enrichr's c = ln(p)·z, whose z is a permutation-based rank deviation; ours is analytic).

    Columns: library, term, overlap (k), term_size (K), list_size (n), background_size (N), p_value, fdr,
    odds_ratio, z, combined_score, genes (the overlapping input genes). Terms with overlap >= min_overlap
    (0 lists every tested term), sorted by p_value.
    """
    names = _libraries(libraries)
    mapped = _map(genes)
    bg = None if background is None else set(normalize(_gene_list(background, "background")).symbols)
    if bg is not None:
        missing = [g for g in mapped.symbols if g not in bg]
        if missing:
            mapped.unmapped += missing
            mapped.note = ". ".join(filter(None, [mapped.note, f"not in the background: {', '.join(missing[:20])}"]))
            mapped.symbols = [g for g in mapped.symbols if g in bg]
        if not mapped.symbols:
            raise InputError("None of the genes is in the background.")
    parts = [part for n in names if (part := _enrich_library(library_matrix(n), mapped.symbols, bg, min_overlap))]
    df = pd.DataFrame({c: np.concatenate([part[c] for part in parts]) for c in ENRICH_COLUMNS}) if parts \
        else pd.DataFrame(columns=ENRICH_COLUMNS)
    df = df.sort_values(["p_value", "combined_score"], ascending=[True, False], kind="stable")
    outside = [g for g in mapped.symbols if not any(g in library_matrix(n).gene_pos for n in names)]
    if outside:
        mapped.note = ". ".join(filter(None, [mapped.note, f"in no selected library: {', '.join(outside[:20])}"]))
    return _attach(df, mapped, libraries=names)


def _enrich_library(lm, symbols: list[str], background: set[str] | None, min_overlap: int
                    ) -> dict[str, np.ndarray] | None:
    """The enrichment kernel for one library (see `enrich`): its columns as arrays, None if no input gene in it."""
    cols = lm.columns(symbols)
    if background is None:
        N, K = len(lm.genes), lm.sizes
    else:
        universe = np.fromiter((g in background for g in lm.genes), dtype=bool, count=len(lm.genes))
        cols = cols[universe[cols]]
        N, K = int(universe.sum()), np.asarray(lm.matrix @ universe.astype(np.float64)).astype(np.int64)
    n = len(cols)
    if n == 0:
        return None
    hits = lm.by_gene[:, np.sort(cols)]  # (term, input gene) pairs: the overlaps
    k = np.bincount(hits.indices, minlength=len(K))
    tested = np.flatnonzero(K > 0)
    p = hypergeom_sf(k[tested], N, K[tested], n)
    fdr = bh_fdr(p)
    keep = k[tested] >= min_overlap
    rows, p, fdr = tested[keep], p[keep], fdr[keep]
    kk, KK = k[rows], K[rows]
    z = overlap_z(kk, N, KK, n)
    order = np.argsort(hits.indices, kind="stable")
    pair_terms = hits.indices[order]
    pair_genes = lm.genes[np.repeat(np.sort(cols), np.diff(hits.indptr))[order]]
    starts, ends = np.searchsorted(pair_terms, rows), np.searchsorted(pair_terms, rows, side="right")
    overlap = np.empty(len(rows), dtype=object)
    overlap[:] = [pair_genes[a:b].tolist() for a, b in zip(starts, ends)]
    return {"library": np.full(len(rows), lm.name, dtype=object), "term": lm.terms.term.to_numpy()[rows],
            "overlap": kk.astype(np.int64), "term_size": KK.astype(np.int64), "list_size": np.full(len(rows), n),
            "background_size": np.full(len(rows), N), "p_value": p, "fdr": fdr,
            "odds_ratio": odds_ratio(kk, N, KK, n), "z": z, "combined_score": combined_score(p, z), "genes": overlap}


def gsfm_enrich(genes: str | Iterable[str], libraries: Iterable[str] | str | None = None,
                background: str | Iterable[str] | None = None, add: int = 50, max_fdr: float = 0.05) -> pd.DataFrame:
    """Enrichment of the GSFM-augmented set (input + the model's `add` best new genes), beside the plain result.

    Same test and columns as `enrich` (on the augmented list), plus: added_genes (model-added genes in the
    overlap), p_value_plain and fdr_plain (the input list alone; NaN if no input gene is in the term),
    augmented_only (fdr <= max_fdr only with augmentation). attrs["added"] lists the added genes.
    Caveat: added genes were chosen because they co-occur with the input in gene sets, so augmented p-values
    are optimistic; read them as "what the model adds", not as independent evidence.
    """
    completed = complete_gene_set(genes, top=add)
    added = completed.gene[~completed.input].tolist()
    inputs = completed.gene[completed.input].tolist()
    plain = enrich(genes, libraries=libraries, background=background)
    augmented = enrich(inputs + added, libraries=libraries, background=background)
    key = ["library", "term"]
    merged = augmented.merge(plain[key + ["p_value", "fdr"]].rename(columns={"p_value": "p_value_plain",
                                                                                "fdr": "fdr_plain"}),
                             on=key, how="left")
    added_set = set(added)
    merged["added_genes"] = [[g for g in gs if g in added_set] for gs in merged.genes]
    merged["augmented_only"] = (merged.fdr <= max_fdr) & ~(merged.fdr_plain <= max_fdr)
    unmapped = Mapped(inputs, plain.attrs["unmapped"], plain.attrs["note"])
    return _attach(merged, unmapped, added=added, libraries=plain.attrs["libraries"])


# ---- search -------------------------------------------------------------------------------------------------


def search_terms(text: str, k: int = 10) -> pd.DataFrame:
    """Gene sets whose name or description matches free text (MiniLM sentence embeddings, cosine).

    Columns: library, term, description, similarity, term_size.
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
    return _attach(df)


def search_genes(text: str, k: int = 10) -> pd.DataFrame:
    """Genes whose name or aliases match free text (e.g. 'heat shock protein 70').

    Columns: gene, name, similarity.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("Give some words to search for, e.g. 'heat shock protein'.")
    hits = context().index.search_text(text.strip(), k, kind="gene")
    return _attach(pd.DataFrame({"gene": hits.name, "name": _gene_names(hits.name),
                                 "similarity": hits.similarity.astype(np.float64)}))


def similar_terms(genes: str | Iterable[str], k: int = 10) -> pd.DataFrame:
    """Terms whose model embedding is nearest to the gene set's embedding (a model-based enrichment).

    Columns: library, term, similarity, term_size, overlap (input genes in the term).
    """
    ctx = context()
    mapped = _map(genes, ctx.vocab_pos)
    vector = np.asarray(ctx.model.encode([mapped.symbols]), dtype=np.float32)[0]
    rows, sims = ctx.index.nearest_terms(vector, k)
    members = ctx.index.membership[[ctx.index.gene_pos[g] for g in mapped.symbols]]
    overlap = np.asarray(members[:, rows].sum(0)).ravel()
    terms = ctx.index.terms.iloc[rows]
    df = pd.DataFrame({"library": terms.library.to_numpy(), "term": terms.term.to_numpy(),
                       "similarity": sims.astype(np.float64), "term_size": terms["size"].to_numpy(),
                       "overlap": overlap.astype(np.int64)})
    return _attach(df, mapped)


# ---- hypotheses ---------------------------------------------------------------------------------------------

# (pattern on the library name, experiment type, what to do); the first match wins.
EXPERIMENTS = (
    (r"GO_CC|Cellular_Component", "localisation imaging",
     "tag {subject} and image it with a marker of {term}"),
    (r"GO_MF|Molecular_Function|Pfam|PROSITE", "biochemical assay / co-IP",
     "assay the activity in vitro, or co-IP {subject} with {partners}"),
    (r"ChEA|TF|ENCODE|TRRUST", "ChIP / CUT&RUN + knockdown",
     "ChIP-qPCR or CUT&RUN for the factor at {subject}, and RT-qPCR of {subject} after the factor's knockdown"),
    (r"HPO|MGI|Phenotype|dbGaP|GWAS|OMIM|Disease", "phenotype screen",
     "CRISPR knockout of {subject} in a relevant cell or animal model, scoring the phenotype '{term}'"),
    (r"Drug|LINCS|CMap", "drug perturbation",
     "treat cells with the perturbagen and measure {subject} (RT-qPCR); test whether knockdown changes the response"),
    (r"KEGG|WikiPathway|Reactome|Pathway", "knockdown + pathway reporter",
     "knock down {subject} and read out {term} with a pathway reporter or phospho-marker; co-IP with {partners}"),
)
DEFAULT_EXPERIMENT = ("knockdown + functional assay",
                      "knock down {subject} and assay {term} (phenotype or reporter); compare with {partners}")


def experiment_for(library: str, category: str = "") -> tuple[str, str]:
    """(experiment type, template) for a term's library: the kind of experiment that tests membership."""
    for pattern, kind, template in EXPERIMENTS:
        if re.search(pattern, library, flags=re.IGNORECASE) or re.search(pattern, category, re.IGNORECASE):
            return kind, template
    return DEFAULT_EXPERIMENT


@dataclass
class Hypotheses:
    """Testable hypotheses as data for a language model to phrase.

    hypotheses: one row per hypothesis — id, subject (gene or genes tested), claim, library, term,
        strength ('strong' / 'moderate' / 'weak'), experiment_type, experiment, evidence (one-line summary).
    evidence: the rows behind each one — id, kind ('predicted_term', 'similar_gene', 'enrichment',
        'predicted_gene'), item, value, detail.
    unmapped, note: as for every tool.
    """

    hypotheses: pd.DataFrame
    evidence: pd.DataFrame
    unmapped: list[str] = field(default_factory=list)
    note: str = ""


HYPOTHESIS_COLUMNS = ["id", "subject", "claim", "library", "term", "strength", "experiment_type", "experiment",
                      "evidence"]
EVIDENCE_COLUMNS = ["id", "kind", "item", "value", "detail"]


def hypotheses(genes_or_gene: str | Iterable[str], k: int = 5) -> Hypotheses:
    """Up to k testable hypotheses about one gene (novel predicted functions) or a gene list (shared themes
    and the genes the model would add to them), each with its evidence and an experiment to test it."""
    items = _gene_list(genes_or_gene)
    if len(items) == 1:
        return _gene_hypotheses(items[0], k)
    return _set_hypotheses(items, k)


def _diverse(df: pd.DataFrame, k: int) -> pd.DataFrame:
    """The first k rows, at most ceil(k/2) per library."""
    cap, seen, keep = max(1, math.ceil(k / 2)), {}, []
    for i, lib in enumerate(df.library):
        if seen.get(lib, 0) < cap:
            seen[lib] = seen.get(lib, 0) + 1
            keep.append(i)
        if len(keep) == k:
            break
    return df.iloc[keep]


def _strength(z: float, auroc: float, support: int) -> str:
    """strong: z >= 3, term AUROC >= 0.8 and 2+ of the 50 nearest genes in the term; moderate: z > 1.645 and
    (AUROC >= 0.7 or 1+ such neighbour); weak otherwise."""
    auroc = 0.5 if auroc != auroc else auroc
    if z >= 3 and auroc >= 0.8 and support >= 2:
        return "strong"
    if z > Z_LISTED and (auroc >= 0.7 or support >= 1):
        return "moderate"
    return "weak"


def _gene_hypotheses(symbol: str, k: int) -> Hypotheses:
    ctx = context()
    gene = _one_gene(symbol, ctx.vocab_pos)
    logits, z, known = _gene_scores(ctx, gene)
    rows = np.flatnonzero(~known)
    preds = _function_frame(ctx, rows[np.argsort(-z[rows], kind="stable")][:200], logits, z, known)
    neighbours = similar_genes(gene, k=50)
    neighbour_rows = [ctx.index.gene_pos[g] for g in neighbours.gene]
    term_index = {(lib, t): j for j, (lib, t) in enumerate(zip(ctx.index.terms.library, ctx.index.terms.term))}
    chosen = _diverse(preds, k)
    hyps, evidence = [], []
    for h, row in enumerate(chosen.itertuples(index=False), start=1):
        j = term_index[(row.library, row.term)]
        col = ctx.index.membership[neighbour_rows, j].toarray().ravel()
        support = neighbours[col > 0]
        partners = ", ".join(support.gene.head(3)) or "the term's known members"
        kind, template = experiment_for(row.library, ctx.index.manifest["libraries"][row.library]["category"])
        evidence.append((h, "predicted_term", row.term, float(row.z),
                         f"{row.library}; score {row.score:.2f}; term AUROC {row.term_auroc:.2f}"))
        evidence += [(h, "similar_gene", g, float(s), f"known member of the term; {n}")
                     for g, s, n in zip(support.gene.head(5), support.similarity.head(5), support.name.head(5))]
        hyps.append({
            "id": h, "subject": gene, "claim": f"{gene} takes part in '{row.term}' ({row.library})",
            "library": row.library, "term": row.term, "strength": _strength(row.z, row.term_auroc, len(support)),
            "experiment_type": kind, "experiment": template.format(subject=gene, term=row.term, partners=partners),
            "evidence": f"z {row.z:.1f}, term AUROC {row.term_auroc:.2f}; {len(support)} of its 50 nearest genes "
                        f"are members" + (f" ({', '.join(support.gene.head(3))})" if len(support) else ""),
        })
    listed = int((chosen.z > Z_LISTED).sum())
    note = "" if listed == len(chosen) else (f"{len(chosen) - listed} of these do not pass the listing rule "
                                             f"(z > {Z_LISTED}): they are the best remaining novel terms (weak).")
    return Hypotheses(pd.DataFrame(hyps, columns=HYPOTHESIS_COLUMNS), pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS),
                      [], note)


def _set_hypotheses(genes: list[str], k: int) -> Hypotheses:
    ctx = context()
    plain = enrich(genes)
    added = complete_gene_set(genes, top=50)
    added = added.gene[~added.input].tolist()
    top = _diverse(plain[(plain.fdr <= 0.05) & (plain.overlap >= 2)], k)
    hyps, evidence = [], []
    for h, row in enumerate(top.itertuples(index=False), start=1):
        picks, zs = _members_to_add(ctx, row.library, row.term, added)
        kind, template = experiment_for(row.library, library_matrix(row.library).category)
        subject = ", ".join(picks) if picks else ", ".join(row.genes[:3])
        evidence.append((h, "enrichment", row.term, float(row.p_value),
                         f"{row.library}; FDR {row.fdr:.2g}; overlap {row.overlap}: {', '.join(row.genes[:10])}"))
        evidence += [(h, "predicted_gene", g, zs[g], "added to the input set by the model; value = its z given "
                      "the term's members") for g in picks]
        claim = (f"The input genes converge on '{row.term}' ({row.library})"
                 + (f"; {', '.join(picks)}, which the model adds to the set, may take part too" if picks else ""))
        hyps.append({
            "id": h, "subject": subject, "claim": claim, "library": row.library, "term": row.term,
            "strength": "strong" if row.fdr <= 1e-4 and row.overlap >= 3 else
                        "moderate" if row.fdr <= 0.01 else "weak",
            "experiment_type": kind,
            "experiment": template.format(subject=subject, term=row.term, partners=", ".join(row.genes[:3])),
            "evidence": f"FDR {row.fdr:.2g} with {row.overlap} input genes ({', '.join(row.genes[:5])})"
                        + (f"; model adds {', '.join(picks)}" if picks else ""),
        })
    note = plain.attrs["note"] or ("" if hyps else "No term is enriched at FDR <= 0.05 with 2+ input genes.")
    return Hypotheses(pd.DataFrame(hyps, columns=HYPOTHESIS_COLUMNS), pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS),
                      plain.attrs["unmapped"], note)


def _members_to_add(ctx: Context, library: str, term: str, added: list[str], n: int = 3
                    ) -> tuple[list[str], dict[str, float]]:
    """Of the model-added genes not in the term, the n with the highest z given the term's members
    (only those with z > 1.645)."""
    lm = library_matrix(library)
    members = lm.genes[lm.matrix[int(np.flatnonzero(lm.terms.term == term)[0])].indices]
    inside = [g for g in members if g in ctx.vocab_pos]
    outside = [g for g in added if g not in set(members)]
    if not inside or not outside:
        return [], {}
    logits = np.asarray(ctx.model.predict([inside]), dtype=np.float64)[0]
    valid = logits[ctx.valid]
    zs = {g: float((logits[ctx.vocab_pos[g]] - valid.mean()) / max(valid.std(), 1e-12)) for g in outside}
    picks = [g for g in sorted(outside, key=lambda g: -zs[g]) if zs[g] > Z_LISTED][:n]
    return picks, zs

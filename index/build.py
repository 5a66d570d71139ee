"""`build_index`: encode genes and terms with the model, precompute term activations, write FAISS indexes."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from tqdm.auto import tqdm

from gsfm_model.data.fileio import atomic_dir
from gsfm_model.data.genes import load_gene_table
from gsfm_model.data.libraries import available_libraries
from gsfm_model.data.matrices import default_libraries, library_fingerprint, library_matrix
from gsfm_model.data.paths import model_folder
from gsfm_model.errors import InputError

from .store import FORMAT_VERSION, index_dir, model_sha256, text_strings
from .text import TEXT_MODEL, embed_cached

# Terms indexed: min..max library genes, and at least MIN_MODEL_GENES genes the model knows.
MIN_TERM_SIZE, MAX_TERM_SIZE, MIN_MODEL_GENES = 5, 2000, 3
# Term AUROC: one seeded 50/50 split, each half with at least this many model genes (else NaN).
MIN_HALF = 3


def flat_index(vectors: np.ndarray, center: np.ndarray | None = None):
    """Exact cosine search: `IndexFlatIP` over unit-length rows (minus `center` first, if given)."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if center is not None:
        vectors -= center
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index


def completion_auroc(logits: np.ndarray, inputs: np.ndarray, positives: np.ndarray,
                     candidates: np.ndarray) -> np.ndarray:
    """Row-wise AUROC of `logits` [b, V] for positives among candidates (boolean masks [b, V]).

    Inputs are removed from the candidates; ties count one half (Mann-Whitney U / (P * N)).
    """
    out = np.full(len(logits), np.nan)
    for r in range(len(logits)):
        cand = candidates[r] & ~inputs[r]
        pos = logits[r][cand & positives[r]]
        neg = np.sort(logits[r][cand & ~positives[r]])
        if len(pos) and len(neg):
            below = np.searchsorted(neg, pos, side="left")
            ties = np.searchsorted(neg, pos, side="right") - below
            out[r] = (below.sum() + 0.5 * ties.sum()) / (len(pos) * len(neg))
    return out


def collect_terms(libraries: list[str], vocab_pos: dict[str, int]) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Terms to index (library, term, description, size, n_model_genes) and each one's model gene rows."""
    frames, rows = [], []
    for name in libraries:
        lm = library_matrix(name)
        for i in np.flatnonzero((lm.sizes >= MIN_TERM_SIZE) & (lm.sizes <= MAX_TERM_SIZE)):
            genes = lm.genes[lm.matrix.indices[lm.matrix.indptr[i]:lm.matrix.indptr[i + 1]]]
            idx = np.array([vocab_pos[g] for g in genes if g in vocab_pos], dtype=np.int64)
            if len(idx) >= MIN_MODEL_GENES:
                rows.append(idx)
                frames.append((name, lm.terms.term.iat[i], lm.terms.description.iat[i], int(lm.sizes[i]), len(idx)))
    terms = pd.DataFrame(frames, columns=["library", "term", "description", "size", "n_model_genes"])
    return terms, rows


def _library_masks(libraries: list[str], vocab_pos: dict[str, int], n_vocab: int) -> dict[str, np.ndarray]:
    masks = {}
    for name in libraries:
        mask = np.zeros(n_vocab, dtype=bool)
        mask[[vocab_pos[g] for g in library_matrix(name).genes if g in vocab_pos]] = True
        masks[name] = mask
    return masks


def build_index(model_dir: str | Path | None = None, libraries: list[str] | None = None,
                out: str | Path | None = None, text_genes: bool = True, embed_text: bool = True,
                batch_size: int = 256, seed: int = 0) -> Path:
    """Build the index of a model (default: $GSFM_HOME/models/default) into `out` atomically.

    libraries: which libraries to index (default: every cached one except gene2pubmed).
    text_genes: also put gene names/aliases into the text index (slow on a busy machine; terms always go in).
    embed_text: embed the text rows with MiniLM (about 12 minutes for 66k rows on 2 cores, fewer when the text cache
        holds them); without, text search matches words (`index.words`), as the quick index does.
    A build that fails leaves any previous index at `out` untouched. Returns the index folder.
    """
    import gsfm_model

    model_dir = Path(model_dir or model_folder())
    out = Path(out or index_dir(model_dir))
    libraries = list(libraries) if libraries is not None else default_libraries()
    unknown = sorted(set(libraries) - set(available_libraries()))
    if unknown or not libraries:
        raise InputError(f"Cannot index libraries {unknown or libraries}: not in the cache. "
                         "See `gsfm data list`; build them with `gsfm data build`.")
    started = time.time()
    for leftover in out.parent.glob(f".{out.name}.*.tmp"):  # from a build that was killed (no cleanup ran)
        shutil.rmtree(leftover, ignore_errors=True)
    model = gsfm_model.load(model_dir)
    sha = model_sha256(model_dir)
    official = set(load_gene_table().symbol)
    vocab = list(model.genes)
    vocab_pos = {g: i for i, g in enumerate(vocab) if g in official}
    valid = np.zeros(len(vocab), dtype=bool)
    valid[list(vocab_pos.values())] = True

    terms, term_rows = collect_terms(libraries, vocab_pos)
    if terms.empty:
        raise InputError(f"No term of {libraries} has {MIN_MODEL_GENES}+ genes in the model's vocabulary.")
    lib_masks = _library_masks(libraries, vocab_pos, len(vocab))
    rng = np.random.default_rng(seed)

    with atomic_dir(out) as tmp:
        (tmp / "genes.txt").write_text("\n".join(vocab))
        gene_vecs = np.concatenate([model.encode([[g] for g in vocab[i:i + 4 * batch_size]])
                                    for i in tqdm(range(0, len(vocab), 4 * batch_size), desc="gene embeddings")])
        # centred: the raw embeddings share a large common component that makes every cosine ~1
        gene_mean = gene_vecs[valid].mean(0)
        _write_faiss(flat_index(gene_vecs, gene_mean), tmp / "genes.faiss")
        terms, term_vecs = _write_activations(tmp / "activations.npy", model, vocab, valid, terms, term_rows,
                                              [lib_masks[n] for n in terms.library], rng, batch_size)
        terms.to_parquet(tmp / "terms.parquet", index=False)
        term_mean = term_vecs.mean(0)
        _write_faiss(flat_index(term_vecs, term_mean), tmp / "terms.faiss")
        np.savez(tmp / "centers.npz", gene_mean=gene_mean, term_mean=term_mean)
        membership = _membership(term_rows, len(vocab))
        sp.save_npz(tmp / "membership.npz", membership)
        text = _write_text(tmp, terms, [vocab[i] for i in sorted(vocab_pos.values())] if text_genes else [],
                           embed_text)
        counts = {"genes": len(vocab), "terms": len(terms), "text_rows": len(text), "known_pairs": int(membership.nnz)}
        manifest = _manifest(model_dir, sha, int(gene_vecs.shape[1]), libraries, terms, seed, counts, started,
                             embed_text)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return out


def _write_activations(path: Path, model, vocab: list[str], valid: np.ndarray, terms: pd.DataFrame,
                       term_rows: list[np.ndarray], lib_masks: list[np.ndarray], rng: np.random.Generator,
                       batch_size: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Write the gene x term activations to `path`; returns the terms with their mean/std over the valid genes
    and single-split AUROC, and the term embeddings."""
    acts = np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=(len(vocab), len(terms)))
    mean, std = np.zeros(len(terms)), np.ones(len(terms))
    auroc = np.full(len(terms), np.nan)
    term_vecs = []
    bar = tqdm(total=len(terms), desc="term activations", unit="term")
    for start in range(0, len(terms), batch_size):
        stop = min(start + batch_size, len(terms))
        sets = [[vocab[i] for i in term_rows[j]] for j in range(start, stop)]
        logits = np.asarray(model.predict(sets), dtype=np.float32)
        acts[:, start:stop] = logits.T.astype(np.float16)
        mean[start:stop] = logits[:, valid].mean(1)
        std[start:stop] = np.maximum(logits[:, valid].std(1), 1e-6)
        term_vecs.append(np.asarray(model.encode(sets), dtype=np.float32))
        auroc[start:stop] = _split_auroc(model, vocab, term_rows[start:stop], lib_masks[start:stop], rng)
        bar.update(stop - start)
    bar.close()
    acts.flush()
    terms = terms.assign(mean=mean.astype(np.float32), std=std.astype(np.float32), auroc=auroc.astype(np.float32))
    return terms, np.concatenate(term_vecs)


def _membership(term_rows: list[np.ndarray], n_vocab: int) -> sp.csr_matrix:
    """The known gene x term pairs, as a sparse 0/1 matrix."""
    member_rows = np.concatenate(term_rows)
    member_cols = np.repeat(np.arange(len(term_rows)), [len(r) for r in term_rows])
    return sp.csr_matrix((np.ones(len(member_rows), dtype=np.uint8), (member_rows, member_cols)),
                         shape=(n_vocab, len(term_rows)))


def _write_text(tmp: Path, terms: pd.DataFrame, genes: list[str], embed: bool) -> pd.DataFrame:
    """Write the text index rows (text.parquet) and, with `embed`, their embeddings (text.faiss); returns the rows."""
    text = _text_rows(terms, genes)
    text.to_parquet(tmp / "text.parquet", index=False)
    if embed:
        _write_faiss(flat_index(embed_cached(text_strings(text), progress=True)), tmp / "text.faiss")
    return text


def _manifest(model_dir: Path, sha: str, dim: int, libraries: list[str], terms: pd.DataFrame, seed: int,
              counts: dict[str, int], started: float, embed_text: bool) -> dict:
    """manifest.json: format, model, libraries, text model, build parameters, counts and timing."""
    return {
        "format_version": FORMAT_VERSION,
        "model": {"name": model_dir.name, "path": str(model_dir), "sha256": sha, "n_genes": counts["genes"],
                  "dim": dim},
        "libraries": {name: {"sha256": library_fingerprint(name), "category": library_matrix(name).category,
                             "terms_indexed": int((terms.library == name).sum())} for name in libraries},
        "text_model": TEXT_MODEL if embed_text else "words (TF-IDF; no sentence embeddings)",
        "params": {"min_term_size": MIN_TERM_SIZE, "max_term_size": MAX_TERM_SIZE,
                   "min_model_genes": MIN_MODEL_GENES, "auroc": f"one 50/50 split, seed {seed}, "
                   f">= {MIN_HALF} model genes per half; candidates = library genes minus input"},
        "counts": counts,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.time() - started, 1),
    }


def _split_auroc(model, vocab: list[str], rows: list[np.ndarray], lib_masks: list[np.ndarray],
                 rng: np.random.Generator) -> np.ndarray:
    """Completion AUROC of one random 50/50 split per term (NaN when a half has < MIN_HALF genes)."""
    out = np.full(len(rows), np.nan)
    todo = [j for j, r in enumerate(rows) if len(r) >= 2 * MIN_HALF]
    if not todo:
        return out
    n_vocab = len(vocab)
    inputs = np.zeros((len(todo), n_vocab), dtype=bool)
    positives = np.zeros_like(inputs)
    for k, j in enumerate(todo):
        perm = rng.permutation(rows[j])
        inputs[k, perm[:len(perm) // 2]] = True
        positives[k, perm[len(perm) // 2:]] = True
    logits = np.asarray(model.predict([[vocab[i] for i in np.flatnonzero(m)] for m in inputs]), dtype=np.float32)
    out[todo] = completion_auroc(logits, inputs, positives, np.stack([lib_masks[j] for j in todo]))
    return out


def _text_rows(terms: pd.DataFrame, genes: list[str]) -> pd.DataFrame:
    """Text index rows: every indexed term, then the given genes (name and aliases as description)."""
    table = load_gene_table().drop_duplicates("symbol").set_index("symbol")
    described = [table.name.get(g, "") + (f"; aliases: {', '.join(table.aliases[g])}" if len(table.aliases.get(g, []))
                                          else "") for g in genes]
    gene_rows = pd.DataFrame({"kind": "gene", "library": "", "name": genes, "description": described})
    term_rows = terms[["library", "term", "description"]].rename(columns={"term": "name"}).assign(kind="term")
    return pd.concat([term_rows[["kind", "library", "name", "description"]], gene_rows], ignore_index=True)


def _write_faiss(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))

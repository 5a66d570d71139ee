"""The fixed start of every prompt (system prompt and tool schemas) kept as a saved llama.cpp state.

Reading those ~1,100 tokens takes ~23 s on 2 cores (scripts/bench_llm.py). llama-cpp-python already reuses them between
turns of one process; saving the state once lets a new process (the app, `gsfm chat`, a notebook)
answer its first question without reading them again. A state file is raw llama.cpp KV-cache bytes
written by this program under `$GSFM_HOME/llm/kv/`, named by a hash of everything it depends on
(llama-cpp-python version, model file, context and batch size, the tokens), written atomically and ending with
the sha256 of its bytes (a damaged file is computed again, never loaded).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gsfm_model.data.paths import cache_dir

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger(__name__)

DIGEST_BYTES = 32  # a state file ends with the sha256 of its bytes, checked before they reach llama.cpp
KEEP_PER_MODEL = 3  # newest state files kept per model file; older prompts' states are deleted


def state_path(llama: Llama, tokens: Sequence[int]) -> Path:
    """Where the state after reading `tokens` from an empty context is saved."""
    import llama_cpp

    model = Path(llama.model_path)
    stat = model.stat()
    key = json.dumps([llama_cpp.__version__, str(model.resolve()), stat.st_size, stat.st_mtime_ns,
                      llama.n_ctx(), llama.n_batch, list(map(int, tokens))])
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return cache_dir("llm", "kv") / f"{model.stem}-{digest}.kv"


def _restore(llama: Llama, tokens: Sequence[int], path: Path) -> bool:
    import llama_cpp

    raw = path.read_bytes()
    data, digest = raw[:-DIGEST_BYTES], raw[-DIGEST_BYTES:]
    if len(raw) <= DIGEST_BYTES or hashlib.sha256(data).digest() != digest:
        log.warning("saved prompt state %s is damaged or incomplete", path)
        return False  # never hand llama.cpp a truncated state
    buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    if llama_cpp.llama_state_set_data(llama._ctx.ctx, buffer, len(data)) != len(data):
        return False
    llama.input_ids[: len(tokens)] = tokens
    llama.n_tokens = len(tokens)
    llama._requires_eval = True  # the logits are not live; llama-cpp-python re-reads the last token
    return True


def _save(llama: Llama, path: Path) -> None:
    import llama_cpp

    size = llama_cpp.llama_state_get_size(llama._ctx.ctx)
    buffer = (ctypes.c_uint8 * size)()
    written = llama_cpp.llama_state_get_data(llama._ctx.ctx, buffer, size)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    data = bytes(buffer)[:written]
    tmp.write_bytes(data + hashlib.sha256(data).digest())
    tmp.replace(path)
    older = sorted(path.parent.glob(f"{Path(llama.model_path).stem}-*.kv"), key=lambda p: p.stat().st_mtime)
    for stale in older[:-KEEP_PER_MODEL]:
        stale.unlink(missing_ok=True)


def _clear(llama: Llama) -> None:
    """An empty context, laid out as a new one (so that what follows is computed exactly as in a new process)."""
    import llama_cpp

    llama.reset()
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(llama._ctx.ctx), True)


def load_prefix(llama: Llama, tokens: Sequence[int]) -> str:
    """Put `tokens` in the KV cache of `llama` (whose context is cleared first): from the saved state if there
    is one, else by reading them and saving the state. Returns "restored" or "computed"."""
    path = state_path(llama, tokens)
    _clear(llama)
    if path.exists():
        try:
            if _restore(llama, tokens, path):
                os.utime(path)  # most recently used: kept by the pruning in _save
                return "restored"
        except OSError as exc:
            log.warning("could not read the saved prompt state %s: %s", path, exc)
        log.warning("saved prompt state %s did not load; computing it again", path)
        _clear(llama)
    llama.eval(list(tokens))
    try:
        _save(llama, path)
    except OSError as exc:  # a read-only cache only costs time
        log.warning("could not save the prompt state to %s: %s", path, exc)
    return "computed"

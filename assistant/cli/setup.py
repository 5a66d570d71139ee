"""`gsfm setup`: every step `make run` needs before the app starts; finished steps are skipped."""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable


def step_data() -> str:
    from gsfm_model.data.loaders import build_all

    built = build_all()
    return f"built {', '.join(built)}" if built else "all libraries already in the cache"


def step_model() -> str:
    from gsfm_model.data.paths import model_folder

    folder = model_folder()
    if (folder / "model.safetensors").exists():
        return f"default model already trained ({folder})"
    from gsfm_model.train import main

    main([])
    return f"trained the default model into {folder}"


def step_index() -> str:
    from index.store import index_is_current

    if index_is_current():
        return "indexes are up to date"
    from index import build_index

    build_index()
    return "built the indexes"


def step_llm() -> str:
    from assistant.chat.agent import Assistant
    from assistant.llm.gguf import prepare_default_model

    path = prepare_default_model()
    assistant = Assistant(backend="local")  # loads the model; saves the state of the prompt start (llm/kv)
    if assistant.mode != "llm":
        return f"the local LLM did not load ({assistant.backend_info['fallback_reason']}); answers use no-LLM mode"
    return f"local LLM ready: {path}"


STEPS: list[tuple[str, Callable[[], str]]] = [
    ("gene-set data", step_data), ("GSFM model", step_model), ("FAISS indexes", step_index),
    ("local LLM", step_llm),
]


def cmd_setup(args: argparse.Namespace) -> None:
    for i, (label, step) in enumerate(STEPS, 1):
        t0 = time.perf_counter()
        print(f"[{i}/{len(STEPS)}] {label} ...", flush=True)
        print(f"[{i}/{len(STEPS)}] {label}: {step()} ({time.perf_counter() - t0:.0f} s)", flush=True)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup", help="download data, train the model, build indexes, prepare the LLM "
                                     "(skips finished steps)")
    p.set_defaults(func=cmd_setup)

"""`gsfm setup`: every step `make run` needs before the app starts; finished steps are skipped."""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from gsfm_model.errors import DataError


def step_data() -> str:
    """The gene table and libraries: built when missing or damaged."""
    from gsfm_model.data.loaders import build_all

    built = build_all()
    return f"built {', '.join(built)}" if built else "all libraries already in the cache"


def step_model() -> str:
    """The default model: trained when missing or damaged, resumed when a run stopped early."""
    from gsfm_model.data.paths import model_folder
    from gsfm_model.inference import read_folder
    from gsfm_model.train import TrainConfig, main

    folder = model_folder()
    if not (folder / "model.safetensors").exists():
        main([])
        return f"trained the default model into {folder}"
    try:
        _, _, config = read_folder(folder)
    except DataError as exc:  # damaged: trained again (each save replaces the whole folder at once)
        print(f"  {exc}\n  training it again", flush=True)
        main([])
        return f"trained the default model into {folder} again"
    done, wanted = config.get("training", {}).get("epochs", 0), TrainConfig().epochs
    if done < wanted:  # a run stopped early (killed, or a --minutes budget): finished where it stopped
        print(f"  {folder} has {done:g} of {wanted} epochs; resuming", flush=True)
        main(["--resume"])
        return f"finished training the default model ({wanted} epochs)"
    return f"default model already trained ({folder}, {done:g} epochs)"


def step_index() -> str:
    """The default model's indexes: built when missing, stale or damaged."""
    from index.store import GeneIndex, index_is_current

    if index_is_current():
        try:
            GeneIndex.load()
            return "indexes are up to date"
        except DataError as exc:  # a damaged file: rebuilt (the build replaces the folder only when done)
            print(f"  {exc}\n  building it again", flush=True)
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

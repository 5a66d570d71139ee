"""`gsfm setup`: every step `make run` needs before the app starts; finished steps are skipped."""
from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from gsfm_model.errors import DataError, InputError


def step_data() -> str:
    """The gene table and libraries: built when missing or damaged."""
    from gsfm_model.data.loaders import build_all

    built = build_all()
    return f"built {', '.join(built)}" if built else "all libraries already in the cache"


def step_model() -> str:
    """The default model: trained in `models/default-training` (resumed after a stop) and moved to `models/default`
    only when every epoch is done; retrained when damaged."""
    from assistant.tools import serving
    from gsfm_model.data.fileio import swap_in
    from gsfm_model.data.paths import model_folder
    from gsfm_model.inference import read_folder
    from gsfm_model.train import train

    folder, staging = model_folder(), model_folder(serving.STAGING)
    if (folder / "model.safetensors").exists():
        try:
            read_folder(folder)
        except DataError as exc:  # damaged: trained again
            print(f"  {exc}\n  training it again", flush=True)
        else:
            if serving.model_complete(folder):
                return f"default model already trained ({folder}, {serving.trained_epochs(folder)[0]:g} epochs)"
            staging = folder  # stopped early by a --minutes budget in an earlier release: finished in place
    done, wanted = serving.trained_epochs(staging)
    if done:
        print(f"  {staging} has {done:g} of {wanted} epochs; resuming", flush=True)
    train(out=staging, resume=True)
    if staging != folder:
        swap_in(staging, folder)
    return f"trained the default model into {folder} ({serving.trained_epochs(folder)[0]:g} epochs)"


def step_quick_model() -> str:
    """The quick model a fresh machine serves first (the default's head and a 2-epoch autoencoder)."""
    from assistant.tools import serving
    from gsfm_model.data.paths import model_folder
    from gsfm_model.train import train

    folder = model_folder(serving.QUICK)
    if serving.model_complete(folder):
        return f"quick model already trained ({folder})"
    train(preset="quick", out=folder, resume=True)
    return f"trained the quick model into {folder}"


def step_index(name: str = "default") -> str:
    """A model's indexes: built when missing, stale or damaged (the quick model's without sentence embeddings)."""
    from assistant.tools import serving
    from gsfm_model.data.paths import model_folder
    from index.store import GeneIndex, index_is_current

    folder = model_folder(name)
    if index_is_current(folder):
        try:
            GeneIndex.load(model_dir=folder)
            return "indexes are up to date"
        except DataError as exc:  # a damaged file: rebuilt (the build replaces the folder only when done)
            print(f"  {exc}\n  building it again", flush=True)
    from index import build_index

    build_index(folder, embed_text=not serving.is_quick(folder))
    return f"built the indexes of the {name} model"


def step_quick_index() -> str:
    from assistant.tools import serving

    return step_index(serving.QUICK)


def step_llm() -> str:
    from assistant.chat.agent import Assistant
    from assistant.llm.gguf import prepare_default_model

    path = prepare_default_model()
    assistant = Assistant(backend="local")  # loads the model; saves the state of the prompt start (llm/kv)
    if assistant.mode != "llm":
        return f"the local LLM did not load ({assistant.backend_info['fallback_reason']}); answers use no-LLM mode"
    return f"local LLM ready: {path}"


Steps = list[tuple[str, Callable[[], str]]]
FULL: Steps = [("gene-set data", step_data), ("GSFM model", step_model), ("FAISS indexes", step_index)]
QUICK: Steps = [("gene-set data", step_data), ("quick GSFM model", step_quick_model),
                ("quick FAISS indexes", step_quick_index)]
LLM: Steps = [("local LLM", step_llm)]


def run_steps(steps: Steps) -> None:
    for i, (label, step) in enumerate(steps, 1):
        t0 = time.perf_counter()
        print(f"[{i}/{len(steps)}] {label} ...", flush=True)
        print(f"[{i}/{len(steps)}] {label}: {step()} ({time.perf_counter() - t0:.0f} s)", flush=True)


def cmd_setup(args: argparse.Namespace) -> None:
    """--full: the default model and its index, in the foreground. Otherwise, on a machine without the default
    model: the quick model first, then the default one in a background process."""
    from assistant.tools import serving
    from gsfm_model.data.paths import model_folder

    pid = serving.build_pid()
    if args.full and pid and not os.environ.get(serving.BACKGROUND_ENV):
        raise InputError(f"The background build of the default model is running (pid {pid}; log "
                         f"{serving.build_status().log}). Wait for it, or stop it (kill {pid}) and run this again.")
    if args.full or serving.model_ready(model_folder()):
        run_steps(FULL + ([] if args.full else LLM))
        return
    run_steps(QUICK + LLM)
    status = serving.start_full_build()
    print(f"The app answers from the quick model now. {status.line()} Its log: {status.log}. "
          "It carries on if the app stops; `gsfm setup --full` finishes it in the foreground.", flush=True)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup", help="download data, train the model, build indexes, prepare the LLM "
                                     "(skips finished steps; on a fresh machine a quick model first, the full "
                                     "one in the background)")
    p.add_argument("--full", action="store_true",
                   help="train and index the full default model in the foreground (what the background build runs)")
    p.set_defaults(func=cmd_setup)

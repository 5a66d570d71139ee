"""Which model the tools serve, and the background build of the full one.

A fresh machine serves the quick model first: the default's item-item head with a 2-epoch DAE
(`gsfm train --preset quick`), indexed without sentence embeddings, ready minutes after the data. Meanwhile
`gsfm setup --full` runs in a background process under `nice`: it trains the default model into
`models/default-training` (resumable), moves it to `models/default` only when every epoch is done, and indexes it.
Once the default model is trained and indexed the tools switch to it (`state.context`), and the app, the CLI and the
chat say so. A model folder is served only when its training finished: never a half-trained one.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from gsfm_model.data.paths import cache_dir, model_folder
from gsfm_model.errors import DataError
from index.store import index_dir, index_is_current

QUICK = "quick"  # the model folder served until the default one is ready
STAGING = "default-training"  # where the background build trains the default model
_LOG, _PID = "full-build.log", "full-build.pid"
BACKGROUND_ENV = "GSFM_BACKGROUND_BUILD"  # set in the background build's environment


def trained_epochs(folder: Path) -> tuple[float, int]:
    """(epochs done, epochs its training asked for) of a model folder; (0, 0) when it has no readable config."""
    from gsfm_model.inference import read_config  # here: importing it loads torch

    try:
        config = read_config(folder)
    except DataError:
        return 0.0, 0
    return float(config.get("training", {}).get("epochs", 0)), int(config.get("train_config", {}).get("epochs", 0))


def model_complete(folder: Path) -> bool:
    """Whether the folder holds a model whose training ran every epoch it asked for."""
    done, wanted = trained_epochs(folder)
    return (folder / "model.safetensors").is_file() and wanted > 0 and done >= wanted


def model_ready(folder: Path) -> bool:
    """Whether the model is complete and its index is built and current."""
    return model_complete(folder) and (index_dir(folder) / "manifest.json").is_file() and index_is_current(folder)


def served_folder() -> Path:
    """The default model when it is ready, else the quick model when that one is, else the default folder (whose
    loading then says what is missing)."""
    default, quick = model_folder(), model_folder(QUICK)
    if not model_ready(default) and model_ready(quick):
        return quick
    return default


def is_quick(folder: Path) -> bool:
    return Path(folder).name == QUICK


def model_label(folder: Path) -> str:
    """How the answers name a model folder."""
    done, _ = trained_epochs(Path(folder))
    if is_quick(folder):
        return f"the quick model (the item-item head, with a {done:g}-epoch autoencoder for embeddings)"
    name = "the full default model" if Path(folder) == model_folder() else f"the model in {folder}"
    return f"{name} ({done:g} epochs)"


QUICK_NOTE = ("Answered by the quick model while the full one trains in the background; results may change when "
              "it takes over.")


def switch_note(old: Path, new: Path) -> str:
    """The sentence that announces a change of the served model."""
    return (f"Model switch: answers now come from {model_label(new)}, which replaced {model_label(old)} since the "
            "last answer; results may differ from the earlier ones.")


@dataclass(frozen=True)
class BuildStatus:
    """The background build of the default model."""

    running: bool
    stage: str  # "training", "indexing", "done" or "stopped"
    epochs_done: float
    epochs_total: int
    log: Path

    def line(self) -> str:
        """One sentence for a banner or a terminal."""
        if self.stage == "done":
            return "The full default model is trained and indexed."
        if self.stage == "stopped":
            return (f"The background build of the full model stopped ({self.epochs_done:g} of {self.epochs_total} "
                    f"epochs; log {self.log}). Run `gsfm setup` to finish it.")
        if self.stage == "training":
            return (f"The full model is training in the background: epoch {self.epochs_done:g} of "
                    f"{self.epochs_total}. The app switches to it when it is ready, and says so.")
        return "The full model is trained; its index is being built. The app switches to it when it is ready."


def build_status() -> BuildStatus:
    """Where the background build of the default model stands."""
    from gsfm_model.train import TrainConfig

    default, staging = model_folder(), model_folder(STAGING)
    total = TrainConfig().epochs
    log = cache_dir("logs") / _LOG
    if model_ready(default):
        return BuildStatus(False, "done", float(total), total, log)
    done = trained_epochs(default if model_complete(default) else staging)[0]
    running = build_pid() is not None
    stage = "stopped" if not running else ("indexing" if model_complete(default) else "training")
    return BuildStatus(running, stage, done, total, log)


def start_full_build() -> BuildStatus:
    """Start `gsfm setup --full` in the background (nice 10, its own session, output to the log) unless it runs."""
    if build_pid() is None and not model_ready(model_folder()):
        log = cache_dir("logs") / _LOG
        env = {**os.environ, "TQDM_MININTERVAL": "30", BACKGROUND_ENV: "1"}
        with open(log, "ab") as out:
            out.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} gsfm setup --full\n".encode())
            proc = subprocess.Popen([sys.executable, "-m", "assistant.main", "setup", "--full"], stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                    preexec_fn=lambda: os.nice(10), env=env)
        (cache_dir("logs") / _PID).write_text(str(proc.pid))
    return build_status()


def build_pid() -> int | None:
    """The pid of the running background build, if one runs."""
    try:
        pid = int((cache_dir("logs") / _PID).read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1]
    except (OSError, ValueError):
        return None
    return pid if b"setup\x00--full" in cmdline and state != "Z" else None

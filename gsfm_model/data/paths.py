"""Where artifacts live: one cache folder, `$GSFM_HOME` (default `~/.cache/gsfm`), and the model folders in it."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL = "default"


def gsfm_home() -> Path:
    """The cache folder for downloads, libraries, models, indexes and LLM files (created on demand)."""
    home = Path(os.environ.get("GSFM_HOME") or Path.home() / ".cache" / "gsfm").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    return home


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache, e.g. `cache_dir("libraries")`, created on demand."""
    path = gsfm_home().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def model_folder(name: str = DEFAULT_MODEL) -> Path:
    """The folder of the named model in the cache: `$GSFM_HOME/models/<name>`; the default model by default
    (the folder `gsfm_model.load()` opens and `gsfm train` writes)."""
    return gsfm_home() / "models" / name

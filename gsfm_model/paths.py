"""Where artifacts live: one cache folder, `$GSFM_HOME` (default `~/.cache/gsfm`)."""
from __future__ import annotations

import os
from pathlib import Path


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

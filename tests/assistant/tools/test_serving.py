"""The served model: the quick one until the default is trained and indexed, the announced switch, the background
build's status (a real process), and word search in an index built without sentence embeddings."""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest


def _model_copy(src: Path, dst: Path, epochs_done: float) -> Path:
    """A copy of a model folder (weights hard-linked) whose config says `epochs_done` epochs ran."""
    shutil.copytree(src, dst, copy_function=os.link, ignore=shutil.ignore_patterns("checkpoint"))
    config = json.loads((dst / "config.json").read_text())
    config["training"]["epochs"] = epochs_done
    (dst / "config.json").unlink()  # hard-linked: a new file, the original stays as it is
    (dst / "config.json").write_text(json.dumps(config))
    return dst


@pytest.fixture(scope="session")
def libraries(small_index_dir) -> list[str]:
    """The test index's libraries (small: each build takes seconds)."""
    return sorted(json.loads((small_index_dir / "manifest.json").read_text())["libraries"])


@pytest.fixture
def cache(tmp_path, monkeypatch, small_model_dir, libraries):
    """A cache with the real libraries, the small model as the quick one (indexed by words) and a default model
    whose training has not finished; the tools serve whatever the cache holds (no configured folder)."""
    from assistant.tools import state
    from gsfm_model.data.paths import gsfm_home
    from index import build_index

    real = gsfm_home()
    (tmp_path / "libraries").symlink_to(real / "libraries")
    monkeypatch.setenv("GSFM_HOME", str(tmp_path))
    monkeypatch.delenv("GSFM_MODEL_DIR", raising=False)
    monkeypatch.delenv("GSFM_INDEX_DIR", raising=False)
    wanted = json.loads((small_model_dir / "config.json").read_text())["train_config"]["epochs"]
    quick = _model_copy(small_model_dir, tmp_path / "models" / "quick", wanted)
    build_index(quick, libraries=libraries, text_genes=False, embed_text=False)
    _model_copy(small_model_dir, tmp_path / "models" / "default", 1)
    saved = state._STATE["model_dir"], state._STATE["index_path"]
    state.configure()
    monkeypatch.setattr(state, "SWITCH_CHECK_S", 0.0)
    yield tmp_path, libraries
    state.configure(*saved)
    state._STATE["switches"].clear()


def _finish_default(cache: tuple[Path, list[str]], small_model_dir: Path) -> None:
    """Make the default model complete and index it (what the background build ends with)."""
    from index import build_index

    home, libraries = cache
    shutil.rmtree(home / "models" / "default")
    wanted = json.loads((small_model_dir / "config.json").read_text())["train_config"]["epochs"]
    default = _model_copy(small_model_dir, home / "models" / "default", wanted)
    build_index(default, libraries=libraries, text_genes=False, embed_text=False)


def test_quick_model_is_served_until_the_default_is_ready_then_the_switch_is_announced(cache, small_model_dir):
    from assistant.chat.agent import Assistant
    from assistant.mcp import _run
    from assistant.tools import serving, state

    home = cache[0]
    assert state.context().model_dir == home / "models" / "quick"  # the default's training is not finished
    assert "quick model" in state.model_status() and "stopped" in state.model_status()
    chat = Assistant(backend="none")
    before = chat.ask("What does MLH1 do?").text
    assert before.rstrip().endswith(f"_{serving.QUICK_NOTE}_")
    assert _run("gene_info", gene="MLH1").endswith(f"({serving.QUICK_NOTE})")  # MCP clients are told too

    _finish_default(cache, small_model_dir)
    assert serving.served_folder() == home / "models" / "default"
    after = chat.ask("What does MSH2 do?").text
    assert after.startswith("**Model switch: answers now come from the full default model")
    assert serving.QUICK_NOTE not in after and serving.QUICK_NOTE not in _run("gene_info", gene="MLH1")
    assert state.context().model_dir == home / "models" / "default"
    assert [(old.name, new.name) for old, new, _ in state.switches()] == [("quick", "default")]
    assert "It replaced the quick model" in state.model_status()
    assert not chat.ask("And PMS2?").text.startswith("**Model switch")  # said once


def test_a_half_trained_default_is_never_served(cache):
    from assistant.tools import serving

    home = cache[0]
    default = home / "models" / "default"
    assert (default / "model.safetensors").exists() and not serving.model_complete(default)
    assert serving.served_folder() == home / "models" / "quick"
    shutil.rmtree(home / "models" / "quick")
    assert serving.served_folder() == default  # nothing ready: loading the default then says what is missing


def test_background_build_status_follows_the_real_process(cache):
    from assistant.cli.setup import cmd_setup
    from assistant.tools import serving
    from gsfm_model.errors import InputError

    home = cache[0]
    # a real process with the background build's command line (its work is not the point here)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "setup", "--full"])
    try:
        (home / "logs").mkdir(exist_ok=True)
        (home / "logs" / "full-build.pid").write_text(str(proc.pid))
        status = serving.build_status()
        assert status.running and status.stage == "training" and status.epochs_done == 0
        assert "training in the background: epoch 0 of 22" in status.line()
        with pytest.raises(InputError, match=rf"background build .* is running \(pid {proc.pid}"):
            cmd_setup(type("Args", (), {"full": True})())  # a second trainer of the same folder is refused
    finally:
        proc.kill()
        proc.wait()
    status = serving.build_status()
    assert not status.running and status.stage == "stopped"
    assert "Run `gsfm setup` to finish it" in status.line()


def test_search_in_a_words_index_matches_words_and_says_so(cache):
    from assistant import tools

    hits = tools.search_terms("interferon signaling", k=5)
    assert len(hits) and all("interferon" in f"{t} {d}".lower() for t, d in zip(hits.term, hits.description))
    assert hits.similarity.is_monotonic_decreasing
    assert "Matched by shared words" in hits.attrs["note"]


def test_word_index_ranks_rarer_shared_words_higher():
    from index.words import WordIndex

    texts = ["DNA mismatch repair", "DNA replication", "base excision repair", "mismatch repair complex"]
    index = WordIndex(texts)
    rows, sims = index.search("mismatch repair", np.arange(len(texts)), k=4)
    assert set(rows[:2]) == {0, 3} and 1 not in rows  # "DNA replication" shares no word
    assert list(sims) == sorted(sims, reverse=True)
    assert index.search("kinase", np.arange(len(texts)), k=4)[0].size == 0


def test_switch_check_is_rate_limited(cache, small_model_dir, monkeypatch):
    from assistant.tools import state

    monkeypatch.setattr(state, "SWITCH_CHECK_S", 3600.0)
    assert state.context().model_dir.name == "quick"
    state._STATE["checked"] = time.monotonic()
    _finish_default(cache, small_model_dir)
    assert state.context().model_dir.name == "quick"  # not looked at again within the hour
    monkeypatch.setattr(state, "SWITCH_CHECK_S", 0.0)
    assert state.context().model_dir.name == "default"

"""Faults never lose work or serve a half-written file: damaged artifacts get one message naming the file and the
repair, a kill -9 in the middle of a long step leaves the old artifact or none (and a rerun finishes), and a full
disk leaves the previous version intact. The kills and the size limit use real subprocesses."""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gsfm_model.errors import DataError

ROOT = Path(__file__).resolve().parents[1]


def truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def run_python(code: str, env: dict | None = None, limit_bytes: int | None = None) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter (with a file-size limit: writes past it fail like a full disk)."""
    code = textwrap.dedent(code)
    if limit_bytes:
        code = (f"import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
                f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit_bytes}, {limit_bytes}))\n") + code
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=ROOT, timeout=600)


def kill_when(cmd: list[str], ready, env: dict | None = None, timeout: float = 300) -> None:
    """Start `cmd`, and kill -9 it as soon as `ready()` holds (or fail after `timeout` seconds)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                            env={**os.environ, **(env or {})})
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            assert proc.poll() is None, f"{cmd} ended before the kill"
            assert time.monotonic() < deadline, f"{cmd}: not ready in {timeout} s"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


# -- damaged artifacts ----------------------------------------------------------------------------------------


def test_a_truncated_model_is_named_with_its_repair(small_model_dir, tmp_path):
    import gsfm_model

    broken = shutil.copytree(small_model_dir, tmp_path / "model")
    truncate(broken / "model.safetensors")
    with pytest.raises(DataError, match=r"model\.safetensors is damaged or incomplete .*gsfm train --out"):
        gsfm_model.load(broken, device="cpu")


def test_a_damaged_index_file_is_named_with_its_repair(small_model_dir, small_index_dir, tmp_path):
    from index.store import GeneIndex

    for name in ("genes.faiss", "terms.parquet", "activations.npy"):
        broken = shutil.copytree(small_index_dir, tmp_path / name)
        truncate(broken / name, 0.3)
        with pytest.raises(DataError, match=rf"{name} is damaged or incomplete .*`gsfm setup`"):
            index = GeneIndex.load(broken, small_model_dir)
            index.gene_logits(index.genes[0])  # a memory-mapped array fails on first read at the latest


def test_a_truncated_library_is_named_and_rebuilt(real_data, tmp_path, monkeypatch):
    from gsfm_model.data import libraries, loaders
    from gsfm_model.data.fileio import parquet_readable
    from gsfm_model.data.paths import cache_dir

    home = tmp_path / "home"
    (home / "libraries").mkdir(parents=True)
    for name in ("genes.parquet", "PROSITE.parquet"):
        shutil.copy(cache_dir("libraries") / name, home / "libraries" / name)
    os.symlink(cache_dir("downloads"), home / "downloads")  # the verified downloads: no network needed
    monkeypatch.setenv("GSFM_HOME", str(home))
    libraries.load_library.cache_clear()
    truncate(home / "libraries" / "PROSITE.parquet")
    with pytest.raises(DataError, match=r"PROSITE\.parquet is damaged or incomplete .*`gsfm setup`"):
        libraries.load_library("PROSITE")
    assert loaders.build_all(only=["PROSITE"]) == ["PROSITE"]  # what `gsfm setup` runs: the damaged file is rebuilt
    assert parquet_readable(home / "libraries" / "PROSITE.parquet")
    libraries.load_library.cache_clear()
    assert len(libraries.load_library("PROSITE").terms) > 100
    libraries.load_library.cache_clear()


# -- kill -9 in the middle of a long step ---------------------------------------------------------------------


def test_training_killed_mid_run_keeps_a_whole_save_and_resumes(real_data, tmp_path):
    import gsfm_model

    out = tmp_path / "model"
    train = [sys.executable, "-m", "gsfm_model.train", "--preset", "small", "--minutes", "0", "--out", str(out)]
    kill_when([*train, "--epochs", "3"], lambda: (out / "model.safetensors").exists())
    model = gsfm_model.load(out, device="cpu")  # what was saved is a complete model, never a half-written one
    assert 0 < model.config["training"]["epochs"] < 3
    subprocess.run([*train, "--epochs", "2", "--resume"], check=True, cwd=ROOT, capture_output=True)
    assert gsfm_model.load(out, device="cpu").config["training"]["epochs"] == 2


def test_data_build_killed_mid_run_leaves_each_library_whole_or_absent(real_data, tmp_path):
    from gsfm_model.data.fileio import parquet_readable
    from gsfm_model.data.paths import cache_dir

    home = tmp_path / "home"
    (home / "libraries").mkdir(parents=True)
    shutil.copy(cache_dir("libraries") / "genes.parquet", home / "libraries" / "genes.parquet")
    os.symlink(cache_dir("downloads"), home / "downloads")  # the verified downloads: no network needed
    env = {"GSFM_HOME": str(home)}
    build = [sys.executable, "-m", "assistant.main", "data", "build"]
    started = time.monotonic()
    kill_when(build, lambda: time.monotonic() - started > 8 or len(list((home / "libraries").glob("*"))) > 3, env)
    for path in (home / "libraries").glob("*.parquet"):  # what a kill leaves: whole libraries, never a torn one
        assert parquet_readable(path), path
    subprocess.run(build, check=True, cwd=ROOT, capture_output=True, env={**os.environ, **env})
    built = list((home / "libraries").glob("*.parquet"))
    assert {"PROSITE", "GO_BP"} <= {p.stem for p in built} and all(parquet_readable(p) for p in built)


def test_index_build_killed_mid_run_leaves_the_old_index_or_none(small_model_dir, tmp_path):
    from index.store import GeneIndex

    out = tmp_path / "index"
    build = [sys.executable, "-m", "assistant.main", "index", "build", "--model", str(small_model_dir),
             "--out", str(out), "--libraries", "KEGG_2021_Human", "--no-gene-text"]
    started = time.monotonic()
    kill_when(build, lambda: time.monotonic() - started > 4 or out.exists())
    if out.exists():  # killed after the swap: a whole index
        GeneIndex.load(out, small_model_dir)
    subprocess.run(build, check=True, cwd=ROOT, capture_output=True)
    assert GeneIndex.load(out, small_model_dir).terms.library.unique().tolist() == ["KEGG_2021_Human"]


def test_an_interrupted_folder_swap_gets_the_previous_folder_back(tmp_path):
    from gsfm_model.data.fileio import atomic_dir

    path = tmp_path / "artifact"
    path.mkdir()
    (path / "a.txt").write_text("old")
    os.replace(path, tmp_path / ".artifact.old")  # a kill between the two renames of the swap
    with atomic_dir(path) as tmp:
        assert (path / "a.txt").read_text() == "old"  # restored before anything is written
        (tmp / "a.txt").write_text("new")
    assert (path / "a.txt").read_text() == "new"


def test_gguf_join_killed_mid_way_leaves_no_file_and_reruns(tmp_path):
    from assistant.llm.gguf import join_parts

    parts = []
    for i in range(4):
        part = tmp_path / f"part{i}"
        part.write_bytes(os.urandom(64 << 20))
        parts.append(part)
    import hashlib

    digest = hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()
    dest = tmp_path / "joined.gguf"
    code = f"from pathlib import Path\nfrom assistant.llm.gguf import join_parts\n" \
           f"join_parts([Path(p) for p in {[str(p) for p in parts]!r}], Path({str(dest)!r}), {digest!r})"
    temps = lambda: list(tmp_path.glob(".joined.gguf.*.tmp"))  # noqa: E731
    kill_when([sys.executable, "-c", code], lambda: any(t.stat().st_size > (32 << 20) for t in temps()))
    assert not dest.exists()  # never a partial model file under the real name
    assert join_parts(parts, dest, digest) == dest and dest.stat().st_size == 4 * (64 << 20)


# -- a full disk ------------------------------------------------------------------------------------------------


def test_a_full_disk_keeps_the_previous_model_and_says_so(small_model_dir, tmp_path):
    import gsfm_model

    out = shutil.copytree(small_model_dir, tmp_path / "model")
    before = (out / "model.safetensors").read_bytes()
    result = run_python(f"""
        import sys
        import gsfm_model
        from gsfm_model.errors import DataError
        from gsfm_model.inference import write_folder
        m = gsfm_model.load({str(out)!r}, device="cpu")
        from gsfm_model.data.fileio import atomic_dir
        try:
            with atomic_dir({str(out)!r}) as tmp:
                write_folder(tmp, m.model, m.genes, {{}})
        except DataError as exc:
            print(exc)
            sys.exit(3)
    """, limit_bytes=256 << 10)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "Not enough space to write" in result.stdout and str(out) in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert (out / "model.safetensors").read_bytes() == before
    gsfm_model.load(out, device="cpu")

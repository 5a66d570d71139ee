"""Speed of the local LLM in an assistant turn on this machine, and what the saved prompt state saves.

    python scripts/bench_llm.py                 # embedded default model, all cores this process may use
    python scripts/bench_llm.py --threads 1

Prepares the assistant's fixed prompt start (system prompt and tool schemas) by reading it, then times
reading a tool result after it and generating an answer after that (tokens/s, as in a turn), and finally
the start of a new process that restores the saved state instead (`assistant/llm/kv_cache.py`). The
state goes to a temporary folder, not the real cache. Run it on an idle machine.
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
    parser.add_argument("--result-tokens", type=int, default=350, help="tokens of tool result to read")
    parser.add_argument("--answer-tokens", type=int, default=60, help="tokens to generate")
    args = parser.parse_args()

    from assistant.chat.lc_tools import langchain_tools
    from assistant.chat.prompts import load_prompt
    from assistant.llm import local
    from assistant.llm.gguf import prepare_default_model
    from assistant.llm.local import LocalChatModel, default_threads, load_llama
    from assistant.tools.registry import ToolBox

    threads = args.threads or default_threads()
    path = prepare_default_model()
    model = LocalChatModel(model_path=str(path), n_threads=threads)
    tools, system = langchain_tools(ToolBox()), load_prompt("system")
    filler = Path(local.__file__).read_text() * 4  # stands in for a tool result: any English-and-code text

    with tempfile.TemporaryDirectory() as tmp:
        home = os.environ.get("GSFM_HOME")
        os.environ["GSFM_HOME"] = tmp  # a first run: nothing saved yet
        try:
            for expected in ("computed", "restored"):
                local._MODELS.clear()  # a new process
                llama = load_llama(path, model.n_ctx, threads).llama
                llama.eval(llama.tokenize(b"warm up")[:4])  # page the weights in
                t = time.perf_counter()
                outcome = model.prepare(system, tools)
                print(f"prompt start ({llama.n_tokens} tokens) {outcome}: {time.perf_counter() - t:.2f} s"
                      + ("" if outcome == expected else f" (expected {expected})"))
            size = sum(f.stat().st_size for f in Path(tmp).rglob("*.kv"))
            print(f"saved state: {size / 2**20:.1f} MiB")
        finally:
            if home is None:
                del os.environ["GSFM_HOME"]
            else:
                os.environ["GSFM_HOME"] = home

    start = llama.n_tokens
    tokens = llama.tokenize(filler.encode(), add_bos=False)[: args.result_tokens + args.answer_tokens]
    t = time.perf_counter()
    llama.eval(tokens[: args.result_tokens])
    read = time.perf_counter() - t
    t = time.perf_counter()
    for token in tokens[args.result_tokens:]:  # one token per step, as in generation
        llama.eval([token])
    step = time.perf_counter() - t
    print(f"{path.name}, {threads} threads, after the {start}-token prompt start: reading "
          f"{args.result_tokens} tokens {args.result_tokens / read:.1f} tokens/s ({read:.1f} s); generating "
          f"{args.answer_tokens} tokens {args.answer_tokens / step:.1f} tokens/s ({step:.1f} s)")


if __name__ == "__main__":
    main()

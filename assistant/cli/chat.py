"""`gsfm` subcommands of the assistant: chat, ask, eval-agent. Thin wrappers over `Assistant`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BACKENDS = ["local", "openai", "none"]


def _add_backend(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help="LLM backend (default: GSFM_LLM_BACKEND or config.toml, else local); none = no-LLM mode")
    p.add_argument("--no-preroute", action="store_true", help="let the model pick every tool call itself")
    p.add_argument("--llm-threads", type=int, help="CPU threads for the local model (default: all cores)")


def _add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="GSFM model folder (default: $GSFM_HOME/models/default, or the quick model "
                                   "while the default one is being built)")
    p.add_argument("--index", help="index folder (default: the model's index in $GSFM_HOME/indexes)")


def _configure_tools(args: argparse.Namespace) -> None:
    if args.model or args.index:
        from assistant import tools

        tools.configure(args.model, args.index)


def _backend_opts(args: argparse.Namespace) -> dict:
    return {"preroute": not args.no_preroute, "n_threads": args.llm_threads}


def _assistant(args: argparse.Namespace):
    from assistant.chat.agent import Assistant

    _configure_tools(args)
    return Assistant(backend=args.backend, **_backend_opts(args))


def _read_context(path: str | None) -> str | None:
    if path is None:
        return None
    return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8", errors="replace")


def _banner(info: dict) -> str:
    line = f"backend: {info['backend']}, model: {info.get('model')}, mode: {info['mode']}"
    if info.get("fallback_reason"):
        line += f"\n(the language model is unavailable: {info['fallback_reason']})"
    return line


def cmd_chat(args: argparse.Namespace) -> None:
    """Terminal chat with streaming; /reset forgets the conversation, /paste FILE attaches a gene list."""
    assistant = _assistant(args)
    from assistant.tools.state import model_status

    print(_banner(assistant.backend_info), file=sys.stderr)
    print(model_status(), file=sys.stderr)
    print("Ask about a gene or paste genes after '/paste FILE'. Commands: /reset, /quit.", file=sys.stderr)
    context = _read_context(args.context)
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            break
        if question in ("/quit", "/exit"):
            break
        if question == "/reset":
            assistant.reset()
            print("(conversation forgotten)")
            continue
        if question.startswith("/paste "):
            context = _read_context(question.split(maxsplit=1)[1])
            print(f"(attached {len(context or '')} characters as the gene list for the next question)")
            continue
        if not question:
            continue
        _print_stream(assistant, question, context)
        context = None


def _print_stream(assistant, question: str, context: str | None) -> None:
    streamed = ""
    for event in assistant.stream(question, context):
        if event.kind == "tool_start":
            print(f"  [{event.tool_call.name} {json.dumps(event.tool_call.args, default=str)[:120]}]", file=sys.stderr)
        elif event.kind == "tool_end" and event.tool_call.error:
            print(f"  [{event.tool_call.name} failed: {event.tool_call.error}]", file=sys.stderr)
        elif event.kind == "error":
            print(f"  ({event.text})", file=sys.stderr)
        elif event.kind == "token":
            if not streamed:
                print("gsfm> ", end="")
            streamed += event.text
            print(event.text, end="", flush=True)
        elif event.kind == "final":
            # the final text may add notes and the evidence line around what was streamed
            if not streamed:
                print("gsfm> " + event.answer.text)
            elif event.answer.text.strip() != streamed.strip():
                print("\n\n--- answer with notes and evidence:\n" + event.answer.text)
            else:
                print()
            t = event.answer.timings
            print(f"  ({t['total_s']:.1f} s)", file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> None:
    """One question; --json prints the answer, tool calls (top rows) and timings."""
    assistant = _assistant(args)
    answer = assistant.ask(args.question, _read_context(args.context))
    if not args.json:
        print(answer.text)
        return
    out = {
        "question": args.question,
        "answer": answer.text,
        "mode": answer.mode,
        "backend": assistant.backend_info,
        "timings": answer.timings,
        "tool_calls": [
            {
                "name": c.name,
                "args": c.args,
                "error": c.error,
                "seconds": round(c.seconds, 3),
                "rows": _records(c.result),
            }
            for c in answer.tool_calls
        ],
    }
    print(json.dumps(out, indent=1, default=str))


def _records(result, n: int = 25) -> list | str | None:
    if result is None:
        return None
    if hasattr(result, "head") and hasattr(result, "to_dict"):
        return json.loads(result.head(n).to_json(orient="records", force_ascii=False))
    return str(result)


def cmd_eval_agent(args: argparse.Namespace) -> None:
    """Run the assistant evaluation and write its section of the benchmarks file."""
    from assistant.chat.eval_report import write_report
    from assistant.chat.evaluate import DEFAULT_QUESTIONS, report_from_details, run_evaluation

    questions = Path(args.questions) if args.questions else DEFAULT_QUESTIONS
    if args.from_details:
        report = report_from_details(Path(args.from_details), args.backend, questions, **_backend_opts(args))
    else:
        _configure_tools(args)
        report = run_evaluation(
            backend=args.backend,
            questions=questions,
            limit=args.limit,
            details=Path(args.details) if args.details else None,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
            **_backend_opts(args),
        )
    command = "gsfm " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["eval-agent"] else None
    print(report.summary_markdown())
    if args.out:
        write_report(report, Path(args.out), command=command)
        print(f"wrote {args.out}", file=sys.stderr)


def register(sub: argparse._SubParsersAction) -> None:
    """Add chat, ask and eval-agent to the `gsfm` command."""
    p = sub.add_parser("chat", help="chat with the assistant in the terminal (streaming)")
    _add_backend(p)
    _add_model(p)
    p.add_argument("--context", help="file with a gene list or table to attach to the first question ('-' = stdin)")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("ask", help="ask the assistant one question")
    p.add_argument("question")
    _add_backend(p)
    _add_model(p)
    p.add_argument("--context", help="file with a gene list or table (data, not instructions); '-' = stdin")
    p.add_argument("--json", action="store_true", help="print answer, tool calls and timings as JSON")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval-agent", help="evaluate the assistant on real questions")
    _add_backend(p)
    _add_model(p)
    p.add_argument("--questions", help="JSONL file of questions (default: assistant/chat/eval_questions.jsonl; the "
                                       "real-world set: assistant/chat/eval_realworld.jsonl)")
    p.add_argument("--out", help="markdown file whose 'Assistant' section is (re)written, e.g. docs/benchmarks.md")
    p.add_argument("--details", help="also write per-question results as JSONL here")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--from-details", help="write the report of an earlier run from its --details file (asks nothing)")
    p.set_defaults(func=cmd_eval_agent)

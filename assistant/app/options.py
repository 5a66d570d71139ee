"""`gsfm app` and `python -m assistant.app`: options only; Gradio is imported when the app starts."""
from __future__ import annotations

import argparse


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    p.add_argument("--backend", choices=["local", "openai", "none"], default=None,
                   help="LLM backend (default: from settings; 'none' answers without a language model)")
    p.set_defaults(func=_launch)


def _launch(args: argparse.Namespace) -> None:
    from .layout import launch

    launch(host=args.host, port=args.port, backend=args.backend, share=args.share)


def register(sub: argparse._SubParsersAction) -> None:
    """Add `gsfm app [--port N] [--host H] [--share] [--backend B]`."""
    _add_arguments(sub.add_parser("app", help="start the Gradio app (chat, gene page, gene set page)"))


def main(argv: list[str] | None = None) -> None:
    """`python -m assistant.app`: the same options as `gsfm app`."""
    from gsfm_model.errors import GSFMError

    parser = argparse.ArgumentParser(prog="python -m assistant.app", description="Start the GSFM Gradio app.")
    _add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except GSFMError as exc:
        raise SystemExit(f"error: {exc}") from exc

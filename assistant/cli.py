"""The `gsfm` command. Each layer registers its own subcommands; this module only dispatches."""
from __future__ import annotations

import argparse
import importlib
import sys

# Modules with a `register(subparsers)` function, lowest layer first.
COMMAND_MODULES = ["gsfm_model.cli", "index.cli", "assistant.tool_commands", "assistant.commands", "assistant.app_cli",
                   "assistant.bootstrap"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gsfm", description="Gene Set Foundation Model and assistant")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    from gsfm_model.errors import GSFMError

    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except GSFMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)

"""The `gsfm` command, the top of the house: it collects each layer's and each front end's subcommands and
dispatches. Nothing else imports it."""
from __future__ import annotations

import argparse
import sys

from assistant import mcp
from assistant.app import options as app_options
from assistant.cli import chat as chat_commands
from assistant.cli import setup as setup_commands
from assistant.cli import tools as tool_commands
from gsfm_model import cli as model_commands
from index import cli as index_commands

# Modules with a `register(subparsers)` function, lowest layer first.
COMMAND_MODULES = [model_commands, index_commands, tool_commands, chat_commands, mcp, app_options, setup_commands]


def build_parser() -> argparse.ArgumentParser:
    """The `gsfm` parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="gsfm", description="Gene Set Foundation Model and assistant")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run `gsfm ARGS`; project errors are printed as one line (exit status 2)."""
    from gsfm_model.errors import GSFMError

    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except GSFMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()

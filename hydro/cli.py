"""The `hydro` command line: a thin front over hydro's topic modules.

Each topic adds its own sub-command group through a `register(subparsers)`
function in a `<topic>_cli` module; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hydro.readings import cli as readings_cli

# Topic modules that contribute a command group, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "hydro.network_cli",
    "hydro.reuse_cli",
    "hydro.audit_cli",
    "hydro.savings_cli",
    "hydro.irrigation_cli",
    "hydro.balance_test_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hydro", description="Civic's water analytics from the command line.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    readings_cli.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the chosen command; returns the process exit code."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return int(arguments.handler(arguments) or 0)
    except (ValueError, FileNotFoundError) as error:
        print(f"hydro: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

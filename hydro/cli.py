"""The `hydro` command line: a thin front over hydro's topic packages.

Each topic package has a `cli` module whose `register(subparsers)` adds the
topic's command group; this module imports each of them and assembles the
parser, in the order `--help` lists them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hydro.balance_test import cli as balance_test_cli
from hydro.irrigation import cli as irrigation_cli
from hydro.network import cli as network_cli
from hydro.readings import cli as readings_cli
from hydro.reuse import cli as reuse_cli
from hydro.savings import cli as savings_cli
from hydro.water_audit import cli as water_audit_cli

# The topics' command groups, in the order `--help` lists them.
COMMAND_GROUPS = (
    network_cli.register,
    reuse_cli.register,
    readings_cli.register,
    water_audit_cli.register,
    savings_cli.register,
    irrigation_cli.register,
    balance_test_cli.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hydro", description="Civic's water analytics from the command line.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMAND_GROUPS:
        register(subparsers)
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

"""The `hydro` command assembles each topic package's command group, in a fixed order."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from hydro.cli import build_parser

# The command groups and their order in `hydro --help`, as README.md documents them.
COMMANDS = ["network", "reuse", "readings", "audit", "savings", "irrigation", "balance-test"]


def test_it_lists_every_topic_command_in_order():
    parser = build_parser()
    (subparsers,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]

    assert list(subparsers.choices) == COMMANDS


def test_python_m_hydro_runs_the_same_parser(monkeypatch):
    # argparse wraps help to the terminal's width: the same width on both sides.
    monkeypatch.setenv("COLUMNS", "100")
    completed = subprocess.run(
        [sys.executable, "-m", "hydro", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )

    assert completed.stdout == build_parser().format_help()

"""`make test` fails when the whole suite collects no tests, and passes an empty selection.

The Makefile's recipe runs with a stand-in for Python that exits as pytest does
when it collects nothing (status 5); `-o setup` keeps make from installing anything.
"""

import subprocess
from pathlib import Path

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
NO_TESTS_COLLECTED = 5  # pytest's exit status


@pytest.fixture
def python_collecting_nothing(tmp_path):
    stand_in = tmp_path / "python"
    stand_in.write_text(f"#!/bin/sh\nexit {NO_TESTS_COLLECTED}\n")
    stand_in.chmod(0o755)
    return stand_in


def make_test(python, *arguments):
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(REPOSITORY_ROOT),
            "-o",
            "setup",
            "test",
            f"PYTHON={python}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_full_run_that_collects_no_tests_fails(python_collecting_nothing):
    result = make_test(python_collecting_nothing)

    assert result.returncode != 0
    assert "pytest collected no tests on a full run: failing" in result.stdout


def test_an_empty_selection_passes(python_collecting_nothing):
    result = make_test(python_collecting_nothing, "PYTEST_ARGS=-k no_such_test")

    assert result.returncode == 0
    assert "collected no tests of the selection: counted as a pass" in result.stdout

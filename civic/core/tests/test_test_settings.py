"""The test settings give each pytest-xdist worker a readings store of its own, and keep it for the processes
the worker starts: two workers writing one store had their imports refused as repeats of each other's."""

import os
import subprocess
import sys
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]


def store_of(environment: dict[str, str]) -> str:
    """The readings store `civic.settings_test` chooses in a fresh process with this environment."""
    program = "import os, civic.settings_test; print(os.environ['CIVIC_READINGS_STORE'])"
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("CIVIC_READINGS_STORE")}
    inherited.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [sys.executable, "-c", program],
        env={**inherited, **environment},
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_each_worker_makes_its_own_store_and_its_processes_keep_it(tmp_path):
    controller = str(tmp_path / "controller" / "readings")
    # The controller's store reaches each worker through the environment, marked as no worker's ("").
    handed_down = {"CIVIC_READINGS_STORE": controller, "CIVIC_READINGS_STORE_WORKER": ""}
    first = store_of({**handed_down, "PYTEST_XDIST_WORKER": "gw0"})
    second = store_of({**handed_down, "PYTEST_XDIST_WORKER": "gw1"})
    assert len({controller, first, second}) == 3
    assert Path(first).name == Path(second).name == "readings"
    # A command a worker starts inherits its store and its mark, and keeps them.
    started = {"CIVIC_READINGS_STORE": first, "CIVIC_READINGS_STORE_WORKER": "gw0", "PYTEST_XDIST_WORKER": "gw0"}
    assert store_of(started) == first
    # Without xdist, one process: a store is made once and kept by what it starts.
    alone = store_of({})
    assert alone not in {controller, first, second}
    assert store_of({"CIVIC_READINGS_STORE": alone, "CIVIC_READINGS_STORE_WORKER": ""}) == alone

"""Settings for the test suite: Civic's settings in test mode (the repository's SECRET_KEY, plain HTTP).

pytest-django loads this module (pyproject.toml); the processes a test starts
(`manage.py` commands) inherit CIVIC_ENV and DJANGO_SETTINGS_MODULE from it.
"""

import os
import tempfile
from pathlib import Path

os.environ["CIVIC_ENV"] = "test"
# The suite's readings store is a scratch folder of its own, never the installation's var/readings (which a
# fresh clone has not made yet); exported, so the processes a test starts use the same one.
# A pytest-xdist worker inherits the controller's environment, so each worker makes its own (once: the
# processes it starts inherit the worker's).
worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if "CIVIC_READINGS_STORE" not in os.environ or os.environ.get("CIVIC_READINGS_STORE_WORKER", "") != worker:
    os.environ["CIVIC_READINGS_STORE"] = str(Path(tempfile.mkdtemp(prefix="civic-test-")) / "readings")
    os.environ["CIVIC_READINGS_STORE_WORKER"] = worker

from civic.settings import *  # noqa: E402, F403

# Sign-in throttling needs the request at authenticate(), which the test client's login() does not give;
# the tests of throttling switch it on (civic/core/tests/test_sign_in.py).
AXES_ENABLED = False

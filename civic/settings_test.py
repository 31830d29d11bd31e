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
os.environ.setdefault("CIVIC_READINGS_STORE", str(Path(tempfile.mkdtemp(prefix="civic-test-")) / "readings"))

from civic.settings import *  # noqa: F403

# Sign-in throttling needs the request at authenticate(), which the test client's login() does not give;
# the tests of throttling switch it on (civic/core/tests/test_sign_in.py).
AXES_ENABLED = False

"""Fixtures shared by the whole suite."""

import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from civic.testing import Cast, make_cast

# Browser fixtures (`browser`, `page`) and the skip of browser tests where Chromium is absent.
pytest_plugins = ["civic.browser_testing"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language, whatever the test before it activated."""
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Signing in is not under test: a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def runs_within_the_request(settings):
    """Long jobs finish within the request, so a test sees their results; background runs have their own tests.

    A queued job runs at once, in the test's process, through the job queue as a worker would run it
    (civic.core.jobs.run_now); the tests of the worker itself (civic/core/tests/test_worker.py) run
    `manage.py run_worker` as real processes.
    """
    settings.CIVIC_JOBS_RUN_AT_ONCE = True


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache, so figures kept in one test never reach another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def today_is_the_county_s_date_now() -> None:
    """Civic's modules' ``TODAY`` is the county's date when a test starts, not when the module was imported.

    A run that crosses the county's midnight (16:00 UTC) would otherwise compare the pages' dates, worked
    out on the new day, with yesterday's. (hydro's tests fix their own dates.)
    """
    import datetime
    import sys

    from django.utils import timezone

    today = timezone.localdate()
    root = str(Path(__file__).resolve().parent / "civic")
    for module in list(sys.modules.values()):
        if str(getattr(module, "__file__", "") or "").startswith(root) and isinstance(
            getattr(module, "TODAY", None), datetime.date
        ):
            module.TODAY = today  # type: ignore[attr-defined]


@pytest.fixture
def cast(db) -> Cast:
    """The named people and places of the demo county (see civic/testing.py)."""
    return make_cast()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Keep the SQLite test database in a file rather than in memory.

    A test that runs a management command as a real process (the import killed
    midway, civic/water/tests/test_import_kill.py) needs that process to open
    the same database. The file is one per test process, so runs side by side
    never share it; Django deletes it at the end of the run.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(tempfile.gettempdir()) / f"civic-test-{os.getpid()}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)

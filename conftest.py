"""Fixtures shared by the whole suite."""

import pytest

from civic.testing import Cast, make_cast

# Browser fixtures (`browser`, `page`) and the skip of browser tests where Chromium is absent.
pytest_plugins = ["civic.browser_testing"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Signing in is not under test: a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db) -> Cast:
    """The named people and places of the demo county (see civic/testing.py)."""
    return make_cast()

"""Fixtures of the evaluation's tests: signed-in clients of the cast, pages read in English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from civic.testing import Cast, sign_in


def client_of(user) -> Client:
    client = Client()
    sign_in(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def wang_fang(cast: Cast) -> Client:
    """Bureau staff."""
    return client_of(cast.bureau_staff)


@pytest.fixture
def li_qiang(cast: Cast) -> Client:
    """Runhua Dyeing's reporter."""
    return client_of(cast.runhua_reporter)


@pytest.fixture
def zhao_min(cast: Cast) -> Client:
    """Xinglong Steel's reporter: the outsider to Runhua's records."""
    return client_of(cast.xinglong_reporter)

"""Fixtures of the programme's tests: the programme's cast and clients for its people."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from civic.programme.testing import ProgrammeCast, make_programme_cast
from civic.testing import Cast, sign_in


@pytest.fixture
def programme(cast: Cast) -> ProgrammeCast:
    return make_programme_cast(cast)


def client_of(user) -> Client:
    client = Client()
    sign_in(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def office(cast: Cast) -> Client:
    """Wang Fang of the water-saving office."""
    return client_of(cast.bureau_staff)


@pytest.fixture
def li_qiang(cast: Cast) -> Client:
    """Li Qiang, Runhua Dyeing's reporter."""
    return client_of(cast.runhua_reporter)


@pytest.fixture
def zhao_min(cast: Cast) -> Client:
    """Zhao Min, Xinglong Steel's reporter: the outsider to Runhua's records."""
    return client_of(cast.xinglong_reporter)

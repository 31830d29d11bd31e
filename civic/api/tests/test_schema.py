"""The API answers whatever its OpenAPI document allows without a server error and as the document says.

Schemathesis generates requests from /api/openapi.json (valid ones, and
invalid ones the document forbids) and sends them with a token of every
scope; each answer must be no 5xx, a documented status and content type, and
a body that fits the documented schema. A few examples per operation keep the
suite quick; `SCHEMATHESIS_EXAMPLES` raises the count for a longer run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from civic.api.models import ApiToken, secret_digest
from civic.api.testing import Tokens
from civic.api.views import api

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The document /api/openapi.json serves, read without a request (a request is logged, which needs the database).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def connection_kept_open_between_requests(db):
    """Requests reach the application through WSGI within the test's transaction; as Django's test client does,
    the connection is not closed at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def caller_headers(tokens: Tokens) -> dict[str, str]:
    """A token of every scope, with an allowance the generated calls do not use up."""
    ApiToken.objects.filter(secret_sha256=secret_digest(tokens.everything)).update(calls_per_minute=100_000)
    return {"Authorization": f"Bearer {tokens.everything}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_to_its_openapi_document(case, caller_headers):
    case.call_and_validate(headers=caller_headers, checks=CHECKS)

"""What the API tests and the permission matrix share: the API's URL names, the callers and their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from civic.api import actions
from civic.api.models import ApiToken

# The API's URLs take bearer tokens, not sessions: who may call each operation follows from the token's scopes,
# tested operation by operation in civic/api/tests/test_api.py (which fails when an operation has no such test,
# and shows that a signed-in session opens none of them). Its OpenAPI document and docs page are public.
API_URL_NAMES = {
    "api:api-root",
    "api:openapi-json",
    "api:openapi-view",
    "api:push_readings",
    "api:enterprise_water_user",
    "api:enterprise_plans",
    "api:enterprise_bills",
    "api:enterprise_use",
    "api:register_water_users",
    "api:register_water_user",
    "api:register_plans",
    "api:check_tag",
}


@dataclass
class Tokens:
    """Each secret as a caller sends it, and the token behind it."""

    utility: str
    runhua: str
    xinglong: str
    planning: str
    public: str
    everything: str

    def token(self, secret: str) -> ApiToken:
        token = actions.active_token(secret)
        assert token is not None
        return token


class Caller:
    """A system calling the API with one token."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **query: str | int) -> Any:
        return self.client.get(path, query, headers=self.headers)

    def post(self, path: str, body: object) -> Any:
        return self.client.post(path, body, content_type="application/json", headers=self.headers)

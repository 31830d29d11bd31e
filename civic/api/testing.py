"""What the API tests and the permission matrix share: the API's URL names, which take tokens, not sessions."""

from __future__ import annotations

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

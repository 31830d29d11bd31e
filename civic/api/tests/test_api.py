"""The API: scopes per operation, an enterprise's own records, readings pushed whole or not at all, tokens.

The figures are the suite's cast (civic/testing.py) and the surcharge tests'
March: Runhua 1,300 m³ metered against a plan of 1,000 m³ a month.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import resolve

from civic.api import actions
from civic.api.models import ApiCall, ApiToken, PushedReadingsBatch, Scope, secret_digest
from civic.api.testing import API_URL_NAMES, Caller, Tokens
from civic.core.models import User
from civic.dogs.testing import make_dogs_cast
from civic.testing import Cast, project_url_names
from civic.water.actions import compute_bills
from civic.water.models import ImportStatus, MeterReading, ReadingImportBatch
from civic.water.testing import MARCH, issue_plan, read

pytestmark = pytest.mark.django_db

BATCHES = "/api/readings/batches"
# Every operation, with the scope it needs.
OPERATIONS = [
    ("post", BATCHES, Scope.READINGS_WRITE),
    ("get", "/api/enterprise/water-user", Scope.ENTERPRISE_READ),
    ("get", "/api/enterprise/plans", Scope.ENTERPRISE_READ),
    ("get", "/api/enterprise/bills", Scope.ENTERPRISE_READ),
    ("get", "/api/enterprise/use?year=2024", Scope.ENTERPRISE_READ),
    ("get", "/api/register/water-users", Scope.REGISTER_READ),
    ("get", "/api/register/water-users/WJ0001", Scope.REGISTER_READ),
    ("get", "/api/register/plans", Scope.REGISTER_READ),
    ("get", "/api/public/tags/DT2024000001", Scope.PUBLIC),
]


def march_readings(serial: str = "M-RH-01") -> list[dict[str, object]]:
    return [
        {"meter_serial": serial, "reading_date": "2024-03-15", "volume_m3": 600},
        {"meter_serial": serial, "reading_date": "2024-03-31", "volume_m3": 700},
    ]


def call(caller: Caller, method: str, path: str):
    if method == "post":
        return caller.post(path, {"batch_key": "scope-check", "readings": march_readings()})
    return caller.get(path)


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS, ids=[path for _, path, _ in OPERATIONS])
def test_it_opens_each_operation_only_to_a_token_with_its_scope(cast: Cast, tokens: Tokens, method, path, scope):
    runhua = tokens.token(tokens.runhua).organisation
    others = [other for other in Scope.values if other != scope]
    _token, without_scope = actions.issue_token(runhua, "其他范围", others)
    _token, with_scope = actions.issue_token(runhua, "此范围", [scope])
    assert call(Caller(None), method, path).status_code == 401
    assert call(Caller("civic_not-a-token"), method, path).status_code == 401
    refused = call(Caller(without_scope), method, path)
    assert refused.status_code == 403
    assert scope in refused.json()["detail"]
    assert call(Caller(with_scope), method, path).status_code in (200, 201)


def test_an_enterprise_token_reads_only_its_own_water_users_plans_bills_and_use(cast: Cast, tokens: Tokens):
    issue_plan(cast.runhua, 1000)
    issue_plan(cast.xinglong, 2000)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 1300)
    read(cast.xinglong_meter, datetime.date(2024, 3, 31), 2900)
    compute_bills(*MARCH)
    runhua = Caller(tokens.runhua)
    assert runhua.get("/api/enterprise/water-user").json()["code"] == "WJ0001"
    plans = runhua.get("/api/enterprise/plans").json()
    assert [(plan["water_user_code"], plan["annual_volume_m3"]) for plan in plans] == [("WJ0001", 12_000)]
    bills = runhua.get("/api/enterprise/bills").json()
    # 300 m³ over a plan of 1,000 (30 %), at ¥4.00/m³ band by band: 100 m³ × 1 × 4 + 200 m³ × 2 × 4 = ¥2,000.
    assert [(bill["excess_m3"], Decimal(bill["amount_yuan"])) for bill in bills] == [(300, Decimal("2000.00"))]
    use = runhua.get("/api/enterprise/use", year=2024).json()
    assert use == {
        "water_user_code": "WJ0001",
        "year": 2024,
        "total_m3": 1300,
        "months": [{"month": 3, "volume_m3": 1300}],
    }
    assert Caller(tokens.xinglong).get("/api/enterprise/water-user").json()["code"] == "WJ0002"
    assert [plan["water_user_code"] for plan in Caller(tokens.xinglong).get("/api/enterprise/plans").json()] == [
        "WJ0002"
    ]


def test_the_register_token_reads_every_water_user_and_plan_with_search_and_paging(cast: Cast, tokens: Tokens):
    issue_plan(cast.runhua, 1000)
    issue_plan(cast.xinglong, 2000)
    planning = Caller(tokens.planning)
    first_page = planning.get("/api/register/water-users", page_size=1).json()
    assert (first_page["count"], [user["code"] for user in first_page["results"]]) == (2, ["WJ0001"])
    assert [user["code"] for user in planning.get("/api/register/water-users", search="兴隆").json()["results"]] == [
        "WJ0002"
    ]
    assert planning.get("/api/register/water-users/WJ9999").status_code == 404
    plans = planning.get("/api/register/plans", year=2024).json()
    assert [(plan["water_user_code"], len(plan["months"])) for plan in plans["results"]] == [
        ("WJ0001", 12),
        ("WJ0002", 12),
    ]


def test_a_pushed_batch_is_stored_as_an_accepted_import(cast: Cast, tokens: Tokens):
    response = Caller(tokens.utility).post(BATCHES, {"batch_key": "2024-03-31-0001", "readings": march_readings()})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["row_count"], body["first_reading_date"], body["last_reading_date"], body["replayed"]) == (
        2,
        "2024-03-15",
        "2024-03-31",
        False,
    )
    batch = ReadingImportBatch.objects.get(pk=body["batch_id"])
    assert batch.status == ImportStatus.ACCEPTED
    stored = MeterReading.objects.filter(batch=batch).order_by("reading_date")
    assert [(reading.meter.serial, reading.volume_m3) for reading in stored] == [("M-RH-01", 600), ("M-RH-01", 700)]
    assert cast.runhua.monthly_use_m3(2024) == {3: 1300}


def test_a_bad_batch_is_refused_whole_with_each_bad_row_named(cast: Cast, tokens: Tokens):
    readings = [
        {"meter_serial": "M-RH-01", "reading_date": "2024-03-31", "volume_m3": 700},
        {"meter_serial": "M-NOPE", "reading_date": "2024-03-31", "volume_m3": 10},
        {"meter_serial": "M-XL-01", "reading_date": "2024-02-30", "volume_m3": 2900},
        {"meter_serial": "M-XL-01", "reading_date": "2024-03-31", "index_m3": 50, "volume_m3": 20},
    ]
    response = Caller(tokens.utility).post(BATCHES, {"batch_key": "bad", "readings": readings})
    assert response.status_code == 422
    body = response.json()
    named = [(error["row"], error["index"], error["column"], error["code"]) for error in body["errors"]]
    assert named == [
        (3, 1, "meter_serial", "unknown_meter"),
        (4, 2, "reading_date", "bad_date"),
        (5, 3, "index_m3", "both_values"),
    ]
    assert MeterReading.objects.count() == 0
    assert ReadingImportBatch.objects.get(pk=body["batch_id"]).status == ImportStatus.REJECTED


def test_a_batch_key_pushed_again_stores_nothing_new_and_is_refused_for_other_readings(cast: Cast, tokens: Tokens):
    utility = Caller(tokens.utility)
    first = utility.post(BATCHES, {"batch_key": "k-1", "readings": march_readings()})
    again = utility.post(BATCHES, {"batch_key": "k-1", "readings": march_readings()})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["batch_id"] == first.json()["batch_id"] and again.json()["replayed"] is True
    assert MeterReading.objects.count() == 2
    other = utility.post(BATCHES, {"batch_key": "k-1", "readings": march_readings("M-XL-01")})
    assert other.status_code == 409
    assert MeterReading.objects.count() == 2
    assert PushedReadingsBatch.objects.count() == 1


def test_a_refused_batch_key_may_be_pushed_again_once_the_readings_are_right(cast: Cast, tokens: Tokens):
    utility = Caller(tokens.utility)
    wrong = [{"meter_serial": "M-RH-01", "reading_date": "2024-03-31"}]
    assert utility.post(BATCHES, {"batch_key": "k-2", "readings": wrong}).status_code == 422
    assert utility.post(BATCHES, {"batch_key": "k-2", "readings": march_readings()}).status_code == 201
    assert PushedReadingsBatch.objects.get().import_batch.status == ImportStatus.ACCEPTED


def test_a_request_off_the_schema_names_the_reading_at_fault(cast: Cast, tokens: Tokens):
    readings = [*march_readings(), {"meter_serial": "M-RH-01", "reading_date": "2024-04-30", "volume_m3": "lots"}]
    response = Caller(tokens.utility).post(BATCHES, {"batch_key": "k-3", "readings": readings})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["row"], error["index"], error["column"]) == (4, 2, "body.payload.readings.2.volume_m3")
    assert MeterReading.objects.count() == 0


def test_a_revoked_token_is_no_longer_recognised(cast: Cast, tokens: Tokens):
    public = Caller(tokens.public)
    assert public.get("/api/public/tags/DT0").status_code == 200
    tokens.token(tokens.public).revoke()
    assert public.get("/api/public/tags/DT0").status_code == 401


def test_a_token_past_its_calls_per_minute_is_told_to_wait(cast: Cast, tokens: Tokens, monkeypatch):
    monkeypatch.setattr(actions, "current_window", lambda: 29_000_000)  # every call in one minute
    ApiToken.objects.filter(secret_sha256=secret_digest(tokens.public)).update(calls_per_minute=3)
    public = Caller(tokens.public)
    statuses = [public.get("/api/public/tags/DT0").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    monkeypatch.setattr(actions, "current_window", lambda: 29_000_001)  # the next minute
    assert public.get("/api/public/tags/DT0").status_code == 200


def test_every_call_is_logged_with_its_token_path_and_status(cast: Cast, tokens: Tokens):
    Caller(tokens.public).get("/api/public/tags/DT0")
    Caller(tokens.public).get("/api/register/plans")
    Caller(None).get("/api/public/tags/DT0")
    calls = ApiCall.objects.order_by("pk")
    public_token = tokens.token(tokens.public)
    assert [(call.token, call.path, call.status) for call in calls] == [
        (public_token, "/api/public/tags/DT0", 200),
        (public_token, "/api/register/plans", 403),
        (None, "/api/public/tags/DT0", 401),
    ]


def test_the_public_tag_check_answers_as_the_public_check_page_does(cast: Cast, tokens: Tokens):
    make_dogs_cast(cast)
    public = Caller(tokens.public)
    # Doudou's licence ran from 2024-01-05 for 365 days (civic/dogs/testing.py): expired by now.
    doudou = public.get("/api/public/tags/DT2024000001").json()
    assert {key: doudou[key] for key in ("found", "state", "breed", "expires_on", "service_point")} == {
        "found": True,
        "state": "expired",
        "breed": "泰迪犬",
        "expires_on": "2025-01-04",
        "service_point": "牛塘宠物诊所",
    }
    assert "张伟" not in str(doudou) and "陈静" not in str(doudou)
    assert public.get("/api/public/tags/DT1999").json() == {
        "number": "DT1999",
        "found": False,
        "state": None,
        "tag_replaced": False,
        "breed": None,
        "colour": None,
        "expires_on": None,
        "service_point": None,
        "service_point_phone": None,
    }


def test_the_command_prints_a_token_once_and_keeps_only_its_digest(cast: Cast):
    output = StringIO()
    call_command(
        "issue_api_token", "润华印染", "--name", "能源管理", "--scope", "enterprise:read", "--water-user", "WJ0001",
        "--user", "wangfang", stdout=output, stderr=StringIO(),
    )  # fmt: skip
    secret = output.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.secret_sha256 == secret_digest(secret) and secret not in str(token.__dict__)
    assert (token.organisation.water_user, token.scopes, token.created_by) == (
        cast.runhua,
        ["enterprise:read"],
        cast.bureau_staff,
    )
    assert Caller(secret).get("/api/enterprise/water-user").json()["code"] == "WJ0001"


def test_the_command_refuses_the_enterprise_scope_to_an_organisation_without_a_water_user(cast: Cast):
    with pytest.raises(Exception, match="enterprise:read"):
        call_command("issue_api_token", "规划科", "--name", "x", "--scope", "enterprise:read", stderr=StringIO())


def test_the_documentation_is_served_at_api_docs(client):
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/readings/batches" in schema["paths"]


def test_every_operation_of_the_api_has_its_scope_tested():
    """Each API URL is in OPERATIONS above, or is the public document, its docs page or the API's root."""
    public = {"api:api-root", "api:openapi-json", "api:openapi-view"}
    operations = {name for name in API_URL_NAMES if name not in public}
    tested = {resolve(path.split("?")[0]).view_name for _, path, _ in OPERATIONS}
    assert tested == operations
    assert {name for name in project_url_names() if name.startswith("api:")} == API_URL_NAMES


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS, ids=[path for _, path, _ in OPERATIONS])
def test_a_signed_in_session_opens_no_operation(cast: Cast, method, path, scope):
    client = Client()
    client.force_login(cast.bureau_admin)
    response = client.post(path, {}, content_type="application/json") if method == "post" else client.get(path)
    assert response.status_code == 401


def test_a_token_made_in_the_admin_is_shown_once_and_kept_only_as_its_digest(cast: Cast, tokens: Tokens):
    administrator = User.objects.create_superuser("root", password="civic-test-password")
    admin = Client()
    admin.force_login(administrator)
    admin.cookies["django_language"] = "en"
    organisation = tokens.token(tokens.utility).organisation
    form = {
        "organisation": organisation.pk,
        "name": "备用抄表通道",
        "scopes": ["readings:write"],
        "calls_per_minute": 60,
    }
    response = admin.post("/admin/api/apitoken/add/", form, follow=True)
    [message] = [str(message) for message in response.context["messages"] if "shown this once" in str(message)]
    secret = message.rsplit(": ", 1)[1]
    token = ApiToken.objects.get(name="备用抄表通道")
    assert (token.secret_sha256, token.scopes, token.created_by) == (
        secret_digest(secret),
        ["readings:write"],
        administrator,
    )
    assert Caller(secret).post(BATCHES, {"batch_key": "admin-made", "readings": march_readings()}).status_code == 201
    assert secret not in admin.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()

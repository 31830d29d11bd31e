"""The water-saving office's day in Chromium: a plan issued by a second person, the register kept
up (a new user with its credit code, a meter replaced), and a bill delivered and paid.

Wang Fang drafts; Zhou Hua, the office's head, checks and issues. Figures as in test_office_work.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from civic.browser_testing import sign_in
from civic.testing import PASSWORD
from civic.water import actions
from civic.water.actions import compute_bills
from civic.water.models import Meter, MeterReading, PlanMethod, PlanStatus, SurchargeBill
from civic.water.testing import MARCH, issue_plan, read

pytestmark = pytest.mark.browser


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_zhou_hua_issues_wang_fangs_draft_after_confirming(cast, live_server, page):
    plan = actions.propose_plan(cast.runhua, 2025, PlanMethod.DESIGN, design_use_m3=12_000, by_user=cast.bureau_staff)
    errors = watch_errors(page)
    sign_in(page, live_server, cast.bureau_admin.username, PASSWORD)
    page.goto(live_server.url + reverse("water:plan_detail", args=[plan.pk]))
    with page.expect_navigation():
        page.click("#issue-plan")
    assert "12,000 m³" in page.inner_text("#issue-annual-volume")
    assert page.locator("#id_confirm[required]").count() == 1  # the box must be ticked to issue
    page.check("#id_confirm")
    with page.expect_navigation():
        page.click("#confirm-issue")
    plan.refresh_from_db()
    assert (plan.status, plan.issued_by) == (PlanStatus.ISSUED, cast.bureau_admin)
    assert page.locator("#plan-notice-link").count() == 1
    assert errors == []


def test_wang_fang_adds_a_user_and_replaces_a_meter(cast, live_server, page):
    MeterReading.objects.create(
        meter=cast.runhua_meter, reading_date=datetime.date(2024, 2, 29), index_m3=1000, volume_m3=1000
    )
    errors = watch_errors(page)
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)
    page.goto(live_server.url + reverse("water:register"))
    with page.expect_navigation():
        page.click("#add-water-user")
    page.fill("#id_code", "WJ0100")
    page.fill("#id_name", "常州清源纺织有限公司")
    page.fill("#id_social_credit_code", "91350100M000100Y44")  # last character mistyped
    page.select_option("#id_kind", "enterprise")
    page.select_option("#id_town", str(cast.hutang.pk))
    with page.expect_navigation():
        page.click("#water-user-form button[type=submit]")
    assert "校验码应为 3" in page.inner_text("#error-social_credit_code")
    page.fill("#id_social_credit_code", "91350100M000100Y43")
    with page.expect_navigation():
        page.click("#water-user-form button[type=submit]")
    assert page.inner_text("#social-credit-code") == "91350100M000100Y43"

    page.goto(live_server.url + reverse("water:water_user_detail", args=["WJ0001"]))
    with page.expect_navigation():
        page.click("#replace-M-RH-01")
    assert "1,000 m³" in page.inner_text("#last-index")
    for field, value in {
        "replaced_on": "2024-03-20",
        "final_index_m3": "1250",
        "new_serial": "M-RH-02",
        "new_size_mm": "80",
        "new_initial_index_m3": "3",
    }.items():
        page.fill(f"#id_{field}", value)
    with page.expect_navigation():
        page.click("#meter-replace-form button[type=submit]")
    assert "M-RH-02" in page.inner_text("#meter-table")
    assert Meter.objects.get(serial="M-RH-02").replaces == cast.runhua_meter
    assert MeterReading.objects.get(meter=cast.runhua_meter, reading_date=datetime.date(2024, 3, 20)).volume_m3 == 250
    assert errors == []


def test_wang_fang_records_a_bills_delivery_and_payment(cast, live_server, page):
    issue_plan(cast.runhua, 1000)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 1300)
    compute_bills(*MARCH)
    today = timezone.localdate().isoformat()
    errors = watch_errors(page)
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)
    page.goto(live_server.url + reverse("water:bill_detail", args=["JS202403-0001"]))
    with page.expect_navigation():
        page.click("#bill-step-deliver button[type=submit]")
    assert page.inner_text("#bill-delivered-on") == today
    page.fill("#bill-step-pay input[name=reference]", "FS-2024-0311")
    with page.expect_navigation():
        page.click("#bill-step-pay button[type=submit]")
    assert today in page.inner_text("#bill-paid-on")
    assert SurchargeBill.objects.get().status == "paid"
    assert page.locator("#bill-steps").count() == 0  # a paid bill has no next step
    assert errors == []

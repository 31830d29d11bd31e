"""Case assignment walked through in Chromium: Liu Yang takes a case no one handles and finds it among his
cases; Qian Jing of the dog office hands it to Zhao Lei, whose cases it joins, and the case's page shows both
assignments."""

from __future__ import annotations

import pytest
from django.utils import timezone

from civic.browser_testing import save_screenshot, sign_in
from civic.core.models import Role
from civic.dogs import actions
from civic.dogs.models import ViolationCase
from civic.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_a_case_is_taken_by_one_inspector_and_handed_to_another(dogs, live_server, page):
    zhao_lei = make_user("zhaolei", Role.INSPECTOR, first_name="磊", last_name="赵")
    case = actions.open_case(
        ViolationCase(
            violation_type=dogs.violation_type("no_leash"),
            place=dogs.hutang_square,
            observed_on=timezone.localdate(),
            description="未束犬链",
        ),
        dogs.cast.dog_office_staff,  # a complaint the office took down: no inspector handles it yet
    )
    case_url = f"{live_server.url}/dogs/cases/{case.number}/"

    sign_in(page, live_server, dogs.cast.inspector.username, PASSWORD)
    page.goto(case_url)
    assert page.inner_text("#case-assignee") == "尚未指派"
    assert page.locator("#assign-form").count() == 0  # an inspector takes a case; he does not give it out
    with page.expect_navigation():
        page.click("#take-case")
    assert page.inner_text("#case-assignee") == "liuyang"
    assert page.locator("#take-case").count() == 0
    page.goto(f"{live_server.url}/dogs/cases/")
    page.check("input[name=mine]")
    with page.expect_navigation():
        page.click(".filters button[type=submit]")
    assert page.locator("#case-table tbody a").all_inner_texts() == [case.number]

    page.context.clear_cookies()
    sign_in(page, live_server, dogs.cast.dog_office_staff.username, PASSWORD)
    page.goto(case_url)
    page.select_option("#assign-form select[name=assignee]", str(zhao_lei.pk))
    with page.expect_navigation():
        page.click("#assign-submit")
    assert page.inner_text("#case-assignee") == "赵磊"
    entries = page.locator("#assignment-history li").all_inner_texts()
    assert len(entries) == 2
    assert "指派给liuyang" in entries[0] and "指派给赵磊" in entries[1] and "钱静" in entries[1]
    save_screenshot(page, "dogs_case_assigned")
    page.goto(f"{live_server.url}/dogs/cases/?assignee={zhao_lei.pk}")
    assert page.locator("#case-table tbody a").all_inner_texts() == [case.number]

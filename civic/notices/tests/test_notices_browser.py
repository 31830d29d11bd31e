"""Li Qiang, Runhua's reporter, reads the notice of his surcharge bill and chooses what comes by SMS, in Chromium.

The bill is that of civic/notices/tests/test_notices.py (¥2,000 for March 2024).
"""

import pytest
from django.urls import reverse

from civic.browser_testing import save_screenshot, sign_in
from civic.notices.models import NoticeKind, NoticePreferences
from civic.testing import PASSWORD
from civic.water.testing import bill_march

pytestmark = pytest.mark.browser


def test_li_qiang_opens_his_bill_notice_and_turns_sms_off_for_plans(reachable, live_server, page):
    bill_march(reachable)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, reachable.runhua_reporter.username, PASSWORD)

    assert page.inner_text("#unread-notice-count") == "1"
    with page.expect_navigation():
        page.click("#notices-link")
    save_screenshot(page, "notices")
    with page.expect_navigation():
        page.click("#notice-table a:has-text('超计划用水累进加价费缴纳通知（JS202403-0001）')")
    assert "应缴超计划用水累进加价费2,000.00元" in page.inner_text("#notice-body")
    assert page.locator("#unread-notice-count").count() == 0  # read: the count is gone from the bar
    with page.expect_navigation():
        page.click("#notice-link")
    assert page.url.endswith(reverse("water:bill_detail", kwargs={"number": "JS202403-0001"}))

    page.goto(live_server.url + reverse("notices:preferences"))
    assert page.input_value("#preferences-form input[name=phone]") == "13900000001"
    page.uncheck(f"#preferences-form input[name=sms_kinds][value={NoticeKind.PLAN_ISSUED}]")
    page.fill("#preferences-form input[name=phone]", "1390000")
    with page.expect_navigation():
        page.click("#preferences-form button[type=submit]")
    assert "请输入11位手机号码" in page.inner_text("#preferences-form")
    page.fill("#preferences-form input[name=phone]", "13900000009")
    with page.expect_navigation():
        page.click("#preferences-form button[type=submit]")
    assert "通知设置已保存。" in page.inner_text(".messages")
    saved = NoticePreferences.objects.get(user=reachable.runhua_reporter)
    assert saved.phone == "13900000009"
    assert NoticeKind.PLAN_ISSUED not in saved.sms_kinds and NoticeKind.BILL_DUE in saved.sms_kinds
    assert errors == []

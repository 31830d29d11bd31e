"""Wang Fang of the water office walks a customer alarm from raised to closed in Chromium.

She reads the precision page (no continuous-flow alarm judged yet), opens C-LEAK from the alarm list,
assigns it to herself, records her call to the household, closes it as a confirmed leak, sees the
steps on its timeline, and finds the continuous-flow precision measured at 1 of 1 (hydro.readings.alarm_outcomes:
a confirmed leak makes a continuous-flow alarm true; precision = TP / (TP + FP), Fawcett 2006, section 2).
"""

import pytest
from django.urls import reverse

from civic.browser_testing import sign_in
from civic.testing import PASSWORD
from civic.water.testing import make_run

pytestmark = pytest.mark.browser

CONTINUOUS_FLOW_PRECISION = "#precision-by-kind tr[data-kind='continuous_flow'] td.precision"


def test_wang_fang_closes_a_leak_alarm_and_sees_the_precision_measured(cast, tmp_path, live_server, page):
    make_run(cast, tmp_path)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)

    page.goto(live_server.url + reverse("water:alarm_precision"))
    assert page.inner_text(CONTINUOUS_FLOW_PRECISION) == "—"

    page.goto(live_server.url + reverse("water:customer_alarm_list") + "?status=open")
    with page.expect_navigation():
        page.click("#alarm-table a:text('C-LEAK')")
    assert page.inner_text("#alarm-status") == "新报警"

    page.select_option("#assign-form select[name=assignee]", str(cast.bureau_staff.pk))
    with page.expect_navigation():
        page.click("#assign-form button[type=submit]")
    assert page.inner_text("#alarm-assignee") == "王芳"

    page.fill("#contact-form textarea[name=note]", "电话联系住户：卫生间水箱进水阀关不严，夜间一直流水")
    with page.expect_navigation():
        page.click("#contact-form button[type=submit]")
    assert page.inner_text("#alarm-status") == "已联系"

    page.select_option("#close-form select[name=outcome]", "confirmed_leak")
    page.fill("#close-form textarea[name=note]", "已更换进水阀")
    with page.expect_navigation():
        page.click("#close-form button[type=submit]")
    assert page.inner_text("#alarm-status") == "已办结"
    assert "确认漏水" in page.inner_text("#alarm-outcome")
    timeline = page.inner_text("#alarm-timeline")
    for step in ("分析生成报警", "指派给王芳", "已记录联系情况", "已办结：确认漏水"):
        assert step in timeline

    page.goto(live_server.url + reverse("water:alarm_precision"))
    assert page.inner_text(CONTINUOUS_FLOW_PRECISION) == "1.00"
    assert page.inner_text("#precision-by-dma tr[data-dma='HX'] td.precision") == "1.00"
    assert errors == []

"""Chen Jie, the utility's network analyst, walks the metering pages in Chromium.

He opens the DMA dashboard (Hongxing and Fenghuang drawn on the map, the night-flow chart drawn),
goes to the customer alarms, opens the burst on C-BURST and sees the meter's use charted, then
works out Wujin Water's audit and reads its ILI band (figures worked in hydro/tests/test_water_audit.py).
"""

import pytest
from django.urls import reverse

from civic.browser_testing import sign_in
from civic.testing import PASSWORD
from civic.water.testing import AUDIT_FORM, make_run

pytestmark = pytest.mark.browser


def test_chen_jie_reads_the_dmas_an_alarm_and_an_audit(cast, tmp_path, live_server, page):
    make_run(cast, tmp_path)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, cast.network_analyst.username, PASSWORD)

    page.goto(live_server.url + reverse("water:metering_dashboard"))
    page.wait_for_selector("#dma-map path.leaflet-interactive")
    assert page.locator("#dma-map path.leaflet-interactive").count() == 2
    page.wait_for_selector("#night-chart canvas")
    page.select_option("#night-dma", "HX")
    assert "77.0" in page.inner_text("#balance-table")

    page.goto(live_server.url + reverse("water:customer_alarm_list"))
    with page.expect_navigation():
        page.click("#alarm-table a:text('C-BURST')")
    page.wait_for_selector("#alarm-chart canvas")

    page.goto(live_server.url + reverse("water:water_audit_form"))
    for name, value in AUDIT_FORM.items():
        if name == "banding":
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", str(value))
    with page.expect_navigation():
        page.click("#audit-form button[type=submit]")
    assert page.inner_text("#ili") == "3.39"
    assert page.inner_text("#leakage-rate") == "9.44 %"
    assert errors == []

"""Chen Jie, the utility's network analyst, walks the metering pages in Chromium.

He opens the DMA dashboard (Hongxing and Fenghuang drawn on the map, the night-flow chart drawn),
goes to the customer alarms, opens the burst on C-BURST and sees the meter's use charted, then
works out Wujin Water's audit and reads its ILI band (figures worked in hydro/tests/test_water_audit.py).
Wang Fang, of the bureau, stores the county's first readings and starts their analysis on the web.
"""

import datetime

import pytest
from django.urls import reverse

from civic.browser_testing import sign_in
from civic.testing import PASSWORD
from civic.water.models import MeteringParameters
from civic.water.testing import AUDIT_FORM, make_run
from hydro.tests import readings_cases

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


def test_wang_fang_starts_the_first_analysis_and_opens_its_result(cast, settings, tmp_path, live_server, page):
    """The bureau's Wang Fang stores a readings file, finds no analysis yet, uploads the zone file, follows the
    job and opens the run."""
    (tmp_path / "readings.csv").write_text(readings_cases.readings_csv())
    (tmp_path / "zones.csv").write_text(readings_cases.ZONES_CSV)
    settings.CIVIC_READINGS_STORE = tmp_path / "store"
    MeteringParameters.objects.create(
        effective_from=datetime.date(2024, 1, 1), continuous_flow_hours=48, gap_hours=3, stuck_hours=72
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)

    page.goto(live_server.url + reverse("water:smart_readings_upload"))
    page.set_input_files("#id_readings_file", str(tmp_path / "readings.csv"))
    with page.expect_navigation():
        page.click("#smart-readings-submit")
    assert "2024-03" in page.inner_text("#stored-months")
    page.goto(live_server.url + reverse("water:metering_dashboard"))
    with page.expect_navigation():
        page.click("#new-analysis")
    page.fill("#id_period", "2024-03-01..2024-03-02")
    page.set_input_files("#id_zones_file", str(tmp_path / "zones.csv"))
    with page.expect_navigation():
        page.click("#readings-analysis-submit")
    page.wait_for_selector("a.job-result")
    with page.expect_navigation():
        page.click("a.job-result")
    # Worked in hydro/tests/test_readings_analysis.py: Hongxing's NRW is 28.18 m³, 77.0 % of its net inflow.
    assert "77.0" in page.inner_text("#balance-table")
    assert "28.2" in page.inner_text("#balance-table")
    assert errors == []

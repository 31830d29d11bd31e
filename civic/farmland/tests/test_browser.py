"""Farmland walked through in Chromium, as the water-saving office would.

Wang Fang uploads the year's farmland projects from Excel: a first file
with a town that does not exist and a negative area is refused whole, each
bad row named; the corrected file is stored. She sets the plan's target of
52,000 mu (the seed's), sees the built area against it by town and method
and the projects on the map, then enters a sample district with two
typical fields and reads the coefficient.

Worked by hand: built = 3,000 (in use) + 2,500 (accepted) = 5,500 mu of
52,000, 46,500 to go. The district: mean (480 + 500) / 2 = 490 m³/mu ×
2,000 mu = 980,000 m³ net over 1,400,000 m³ gross: η = 0.700.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from civic.browser_testing import save_screenshot, sign_in
from civic.farmland.models import FarmlandProject, FarmlandTarget, IrrigationYear
from civic.farmland.testing import GOOD_ROWS, workbook
from civic.testing import PASSWORD

pytestmark = pytest.mark.browser


def upload(page, path, content: bytes) -> None:
    path.write_bytes(content)
    page.set_input_files("#table-import-form input[type=file]", str(path))
    with page.expect_navigation():
        page.click("#table-import-submit")


def test_wang_fang_imports_projects_sees_progress_and_reads_the_coefficient(cast, live_server, page, tmp_path):
    FarmlandTarget.objects.create(plan_name="十四五", first_year=2021, last_year=2025, area_mu=52_000)
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)

    page.goto(live_server.url + reverse("farmland:import_projects"))
    # Row 2 names a town the county does not have, row 3 a negative area; row 4 is good.
    bad = [
        [*GOOD_ROWS[0][:2], "无此镇", *GOOD_ROWS[0][3:]],
        [*GOOD_ROWS[1][:4], -2500, *GOOD_ROWS[1][5:]],
        GOOD_ROWS[2],
    ]
    upload(page, tmp_path / "bad.xlsx", workbook(bad))
    rows = page.locator("#table-import-errors tr.import-error td:first-child").all_inner_texts()
    assert rows == ["2", "3"]
    assert "无此镇" in page.inner_text("#table-import-errors")
    assert FarmlandProject.objects.count() == 0

    upload(page, tmp_path / "good.xlsx", workbook(GOOD_ROWS))
    assert page.url.endswith(reverse("farmland:project_list"))
    assert page.locator("#project-table tr.project").count() == 3

    page.goto(live_server.url + reverse("farmland:progress"))
    assert page.inner_text("#built-mu") == "5,500"
    assert page.inner_text("#remaining-mu") == "46,500"
    assert "3,000" in page.inner_text("#method-progress")  # the pipe project, efficient
    page.wait_for_selector("#year-chart canvas")
    save_screenshot(page, "farmland_progress")

    IrrigationYear.objects.create(year=2025, medium_gross_m3=10_000_000)
    page.goto(live_server.url + reverse("farmland:district_create", args=[2025]))
    page.fill("#id_name", "武南灌区")
    page.select_option("#id_district_class", "medium")
    page.select_option("#id_size_group", "10k-50k")
    page.fill("#id_gross_m3", "1400000")
    page.fill("#id_irrigated_area_text", "水稻, 2000")
    for index, (name, net) in enumerate((("1号田", "480"), ("2号田", "500"))):
        page.fill(f"#id_fields-{index}-name", name)
        page.fill(f"#id_fields-{index}-crop", "水稻")
        page.fill(f"#id_fields-{index}-net_m3_per_mu", net)
    with page.expect_navigation():
        page.click("#district-form button[type=submit]")
    assert page.inner_text("#county-coefficient") == "0.700"
    save_screenshot(page, "farmland_coefficient")

"""Planned water use walked through in Chromium, as the bureau and an enterprise would.

Wang Fang of the bureau imports March 2024's readings: a first file with five
bad rows is refused whole with a report naming each row and why; the corrected
file is stored; she computes March's over-plan surcharges on the summary page,
opens Runhua Dyeing's bill and its printed notice. Then Li Qiang, who reports
for Runhua, sees Runhua's plan against use and its bill, and is refused every
page and endpoint of Xinglong Steel.

The figures, worked by hand under the cast's rules (Jiangsu draft tiers: over
plan by ≤ 10 % → +1×, 10–30 % → +2×, > 30 % → +3× the ¥4.00/m³ base price;
progressive, each band of the excess at its own multiple):

- Runhua plans 1,000 m³ a month. Its main meter stood at 10,000 m³ on
  2024-02-29 and reads 11,250 m³ on 2024-03-31: 1,250 m³ used, 250 m³ over
  (25 %). Bands: 100 m³ (the first 10 % of 1,000) × 1 × 4 = ¥400, then
  150 m³ × 2 × 4 = ¥1,200; bill ¥1,600 (壹仟陆佰元整). Its sub-meter's
  500 m³ is part of the main meter's water, not on top of it.
- Xinglong plans 2,000 m³ a month. Its meter stood at 50,000 m³ and reads
  52,700 m³: 2,700 m³ used, 700 m³ over (35 %). Bands: 200 m³ × 1 × 4 = ¥800,
  400 m³ (10 % to 30 % of 2,000) × 2 × 4 = ¥3,200, 100 m³ × 3 × 4 = ¥1,200;
  bill ¥5,200.
- March's total: ¥1,600 + ¥5,200 = ¥6,800.
"""

from __future__ import annotations

import datetime
import io
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse
from pypdf import PdfReader

from civic.browser_testing import sign_in
from civic.testing import PASSWORD
from civic.water.models import AnnualPlan, MeterReading, MonthlyPlan, PlanMethod, PlanStatus, SurchargeBill

pytestmark = pytest.mark.browser

CSV_HEADER = "表号,抄表日期,表底数,用水量,备注"
BAD_MARCH_FILE = "\r\n".join(
    [
        CSV_HEADER,
        "M-RH-01,2024-03-31,11250,,",  # row 2: good
        "M-RH-01A,2024-03-31,,500,",  # row 3: good (Runhua's sub-meter)
        "M-XL-01,2024-03-31,49000,,",  # row 4: Xinglong's index went back from 50,000
        "M-XX-99,2024-03-31,120,,",  # row 5: no such meter
        "M-RH-01A,2099-03-31,,10,",  # row 6: a date in the future
        "M-RH-01A,2024-03-15,,约300,",  # row 7: not a number
        "M-RH-01,2024-03-31,11250,,",  # row 8: row 2 again
        "",
    ]
)
CORRECTED_MARCH_FILE = "\r\n".join(
    [
        CSV_HEADER,
        "M-RH-01,2024-03-31,11250,,",
        "M-RH-01A,2024-03-31,,500,",
        "M-XL-01,2024-03-31,52700,,",
        "",
    ]
)


def issue_monthly_plan(water_user, monthly_m3: float) -> None:
    plan = AnnualPlan.objects.create(
        water_user=water_user,
        year=2024,
        method=PlanMethod.HISTORY,
        annual_volume_m3=12 * monthly_m3,
        status=PlanStatus.ISSUED,
    )
    MonthlyPlan.objects.bulk_create(MonthlyPlan(plan=plan, month=month, volume_m3=monthly_m3) for month in range(1, 13))


@pytest.fixture
def march(cast):
    """The 2024 plans issued and February's closing readings stored: the state before March's file comes in."""
    issue_monthly_plan(cast.runhua, 1000)
    issue_monthly_plan(cast.xinglong, 2000)
    february_end = datetime.date(2024, 2, 29)
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=february_end, index_m3=10_000, volume_m3=950)
    MeterReading.objects.create(meter=cast.xinglong_meter, reading_date=february_end, index_m3=50_000, volume_m3=1900)
    return cast


def upload_readings(page, live_server, file_name: str, text: str) -> None:
    page.goto(live_server.url + reverse("water:import_readings"))
    page.set_input_files(
        "#import-form input[type=file]",
        files=[{"name": file_name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}],
    )
    with page.expect_navigation():
        page.click("#import-submit")


def report_rows(page) -> dict[int, tuple[str, str, str]]:
    """The import report's table as {row number: (column, value, reason)}."""
    rows = {}
    for row in page.locator("#import-errors tr.import-error").all():
        number, column, value, reason = (cell.inner_text().strip() for cell in row.locator("td").all())
        assert int(number) not in rows, f"row {number} reported twice"
        rows[int(number)] = (column, value, reason)
    return rows


def switch_language(page, language: str) -> None:
    with page.expect_navigation():
        page.select_option("select[name=language]", language)


def assert_refused(response) -> None:
    """A refusal is the site's own 403 or 404 page, not a server error."""
    assert response is not None
    assert response.status in (403, 404)
    assert response.headers["content-type"].startswith("text/html")


def notice_text(response) -> str:
    """The PDF's text without whitespace; pypdf reads fpdf2's Identity CMap with a NUL before each character."""
    reader = PdfReader(io.BytesIO(response.body()))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.replace("\x00", "").split())


def test_wang_fang_imports_march_and_bills_it_then_li_qiang_sees_only_runhua(march, live_server, page):
    stored_before = MeterReading.objects.count()
    sign_in(page, live_server, march.bureau_staff.username, PASSWORD)

    # A file with five bad rows is refused whole, each bad row named.
    upload_readings(page, live_server, "2024-03-bad.csv", BAD_MARCH_FILE)
    assert page.get_attribute("#import-status", "data-status") == "rejected"
    assert page.locator("#import-rejected").is_visible()
    rows = report_rows(page)
    assert sorted(rows) == [4, 5, 6, 7, 8]
    assert rows[4][:2] == ("表底数 / index_m3", "49000")
    assert rows[5][:2] == ("表号 / meter_serial", "M-XX-99")
    assert rows[6][:2] == ("抄表日期 / reading_date", "2099-03-31")
    assert rows[7][:2] == ("用水量 / volume_m3", "约300")
    assert rows[8][:2] == ("抄表日期 / reading_date", "2024-03-31")
    assert MeterReading.objects.count() == stored_before

    # The reasons, read in English (the Chinese comes from the translation catalogue).
    switch_language(page, "en")
    reasons = {number: reason for number, (_, _, reason) in report_rows(page).items()}
    assert reasons[4].startswith("The index went back from 50,000 m³ to 49,000 m³.")
    assert reasons[5] == "No meter with serial M-XX-99 is registered."
    assert reasons[6].startswith("The reading date 2099-03-31 is after today,")
    assert reasons[7] == "约300 is not a number."
    assert reasons[8] == "Meter M-RH-01 has another reading on 2024-03-31 in row 2."
    assert "Nothing of this file was stored." in page.inner_text("#import-rejected")
    switch_language(page, "zh-hans")

    # The corrected file is stored whole.
    upload_readings(page, live_server, "2024-03.csv", CORRECTED_MARCH_FILE)
    assert page.get_attribute("#import-status", "data-status") == "accepted"
    assert page.inner_text("#import-row-count") == "3"
    march_volumes = MeterReading.objects.filter(reading_date=datetime.date(2024, 3, 31))
    assert sorted(march_volumes.values_list("meter__serial", "volume_m3")) == [
        ("M-RH-01", 1250.0),
        ("M-RH-01A", 500.0),
        ("M-XL-01", 2700.0),
    ]

    # March's bills computed on the summary page.
    page.goto(live_server.url + reverse("water:surcharge_summary"))
    page.fill("#compute-bills-form input[name=period]", "2024-03")
    with page.expect_navigation():
        page.click("#compute-bills-form button[type=submit]")
    assert urlsplit(page.url).query == "period=2024-03"
    assert page.inner_text("#surcharge-totals").count("¥6,800.00") == 1  # ¥1,600 + ¥5,200
    runhua_bill = SurchargeBill.objects.get(water_user=march.runhua)
    runhua_row = page.locator("#surcharge-table tbody tr", has_text=march.runhua.code)
    assert runhua_row.locator("td").nth(7).inner_text() == "1,600.00"

    # Runhua's bill and its printed notice.
    with page.expect_navigation():
        runhua_row.locator("a", has_text=runhua_bill.number).click()
    assert page.inner_text("#bill-amount") == "¥1,600.00"
    band_volumes = [text.strip() for text in page.locator("#bill-lines tbody tr td:nth-child(2)").all_inner_texts()]
    assert band_volumes == ["100", "150"]
    notice = page.request.get(urljoin(page.url, page.get_attribute("#bill-pdf-link", "href")))
    assert notice.headers["content-type"] == "application/pdf"
    text = notice_text(notice)
    assert runhua_bill.number in text
    assert "超计划用水" in text
    assert "¥1,600.00" in text and "壹仟陆佰元整" in text

    # Li Qiang, Runhua's reporter, in a fresh session: Runhua's page, chart and bill.
    page.context.clear_cookies()
    sign_in(page, live_server, march.runhua_reporter.username, PASSWORD)
    page.goto(live_server.url + reverse("water:my_water_user"))
    assert urlsplit(page.url).path == reverse("water:water_user_detail", args=[march.runhua.code])
    assert page.inner_text("#water-user-name").startswith(march.runhua.name)
    page.wait_for_selector("#use-chart canvas")
    chart_series = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('use-chart')).getOption().series.map(s => s.data)"
    )
    assert chart_series[0] == [1000] * 12  # planned, month by month
    assert chart_series[1][1:3] == [950, 1250]  # metered February and March (main meter only)
    assert runhua_bill.number in page.inner_text("#bill-table")
    assert page.locator("#bill-table tbody tr").count() == 1

    # ... and nothing of Xinglong's.
    xinglong_bill = SurchargeBill.objects.get(water_user=march.xinglong)
    for url in (
        reverse("water:water_user_detail", args=[march.xinglong.code]),
        reverse("water:water_user_use_json", args=[march.xinglong.code]),
        reverse("water:bill_detail", args=[xinglong_bill.number]),
        reverse("water:bill_notice_pdf", args=[xinglong_bill.number]),
    ):
        assert_refused(page.goto(live_server.url + url))
        assert page.locator("main .card.narrow h1").is_visible()
        assert march.xinglong.name not in page.content()

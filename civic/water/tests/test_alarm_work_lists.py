"""Alarm work lists: the customer and night-flow alarms under the list's filters as Excel files for the field
crews, and the customer of an alarm's meter where the register holds it.

The alarms are those of Hongxing's and Fenghuang's two hand-worked days (hydro/tests/readings_cases.py):
C-BURST passes 1 m³ in each hour from 10:00 to 14:00 on 2 March, county time, so its alarm runs
2024-03-02 10:00–14:00 for 4 × (1 − 0.1) = 3.6 m³ over its mean use of 4.8 m³ / 48 h (test_readings_analysis).
"""

import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from civic.testing import sign_in
from civic.water.actions import assign_alarm, close_alarm, record_contact
from civic.water.models import CustomerAlarm, DmaNightFlowAlarm, Meter, MeteringRun
from civic.water.spreadsheets import CUSTOMER_ALARM_COLUMNS, NIGHT_FLOW_ALARM_COLUMNS
from civic.water.testing import make_run


@pytest.fixture
def run(cast, tmp_path) -> MeteringRun:
    return make_run(cast, tmp_path)


@pytest.fixture
def leak_meter_registered(cast) -> Meter:
    """C-LEAK is the smart meter of 润华印染, a water user of the register."""
    cast.runhua.address, cast.runhua.contact_name, cast.runhua.contact_phone = (
        "湖塘镇丰收路8号",
        "王建",
        "0519-86001234",
    )
    cast.runhua.save()
    return Meter.objects.create(serial="C-LEAK", water_user=cast.runhua, installed_on=datetime.date(2023, 1, 1))


def sheet_rows(response) -> list[tuple]:
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet: Any = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def by_heading(columns, row: tuple) -> dict:
    return {heading: value for (heading, _width, _format), value in zip(columns, row, strict=True)}


def test_the_customer_work_list_holds_the_filtered_alarms_in_county_time(client, cast, run):
    close_alarm(CustomerAlarm.objects.get(meter_code="C-BURST"), "customer_use", "洗车", cast.bureau_staff)
    sign_in(client, cast.bureau_staff)
    rows = sheet_rows(client.get(reverse("water:customer_alarm_xlsx"), {"status": "closed"}))
    assert rows[0] == tuple(heading for heading, _width, _format in CUSTOMER_ALARM_COLUMNS)
    [burst] = [by_heading(CUSTOMER_ALARM_COLUMNS, row) for row in rows[1:]]
    assert (burst["表号"], burst["分区"], burst["报警类型"]) == ("C-BURST", "HX", "爆管")
    # Stored as 02:00–06:00 UTC (test_metering), written as the county reads its clock.
    assert (burst["开始"], burst["结束"]) == (datetime.datetime(2024, 3, 2, 10), datetime.datetime(2024, 3, 2, 14))
    assert burst["估计水量（立方米）"] == pytest.approx(3.6)
    assert (burst["状态"], burst["处理结果"], burst["核查情况"]) == ("已办结", "用户正常用水", "洗车")
    assert burst["用户"] is None  # C-BURST is a household's meter, in neither the register nor a customer file


def test_a_registered_meter_s_alarm_names_its_customer_for_the_bureau(client, cast, run, leak_meter_registered):
    alarm = assign_alarm(CustomerAlarm.objects.get(meter_code="C-LEAK"), cast.bureau_staff, cast.bureau_admin)
    record_contact(alarm, "电话联系，约明日上门", cast.bureau_staff)
    sign_in(client, cast.bureau_staff)
    rows = sheet_rows(client.get(reverse("water:customer_alarm_xlsx"), {"q": "leak"}))
    [leak] = [by_heading(CUSTOMER_ALARM_COLUMNS, row) for row in rows[1:]]
    customer = (leak["用户"], leak["户号"], leak["地址"], leak["联系人"], leak["联系电话"])
    assert customer == ("常州润华印染有限公司", "WJ0001", "湖塘镇丰收路8号", "王建", "0519-86001234")
    assert (leak["状态"], leak["联系记录"]) == ("已联系", "电话联系，约明日上门")
    assert leak["处理人"] == cast.bureau_staff.get_full_name()
    page = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk]))
    assert page.context["customer"].water_user == cast.runhua
    assert "湖塘镇丰收路8号" in page.content.decode()


def test_the_network_analyst_gets_the_work_list_without_the_register_s_customers(
    client, cast, run, leak_meter_registered
):
    """The register is the bureau's: the utility's analyst sees alarms, not who the water users are."""
    sign_in(client, cast.network_analyst)
    rows = sheet_rows(client.get(reverse("water:customer_alarm_xlsx"), {"q": "leak"}))
    [leak] = [by_heading(CUSTOMER_ALARM_COLUMNS, row) for row in rows[1:]]
    assert (leak["表号"], leak["用户"], leak["联系电话"]) == ("C-LEAK", None, None)
    alarm = CustomerAlarm.objects.get(meter_code="C-LEAK")
    page = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk]))
    assert page.context["customer"] is None
    assert "0519-86001234" not in page.content.decode()


def test_the_list_links_its_work_list_under_the_same_filters(client, cast, run):
    sign_in(client, cast.bureau_staff)
    page = client.get(reverse("water:customer_alarm_list"), {"dma": "FH", "page": "1"}).content.decode()
    assert f'href="{reverse("water:customer_alarm_xlsx")}?dma=FH"' in page
    rows = sheet_rows(client.get(reverse("water:customer_alarm_xlsx"), {"dma": "FH"}))
    assert [row[0] for row in rows[1:]] == ["C-GAP"]


def test_the_night_flow_work_list_carries_the_volume_recovered(client, cast, run):
    alarm = DmaNightFlowAlarm.objects.create(
        run=run, dma_code="HX", start=datetime.date(2024, 3, 1), detected=datetime.date(2024, 3, 2), excess_m3_per_h=2.5
    )
    close_alarm(alarm, "leak_repaired", "DN100 管道接口渗漏", cast.bureau_staff, 120.0)
    DmaNightFlowAlarm.objects.create(
        run=run, dma_code="FH", start=datetime.date(2024, 3, 1), detected=datetime.date(2024, 3, 2), excess_m3_per_h=0.4
    )
    sign_in(client, cast.bureau_staff)
    rows = sheet_rows(client.get(reverse("water:night_flow_alarm_xlsx"), {"status": "closed"}))
    [repaired] = [by_heading(NIGHT_FLOW_ALARM_COLUMNS, row) for row in rows[1:]]
    assert repaired["分区"] == "HX"
    assert repaired["流量开始上升"] == datetime.datetime(2024, 3, 1)
    assert repaired["最近发现时间"] == datetime.datetime(2024, 3, 2)  # never seen again: the night it was detected
    assert (repaired["超出基线流量（立方米/时）"], repaired["挽回水量（立方米）"]) == (2.5, 120.0)
    assert (repaired["处理结果"], repaired["核查情况"]) == ("发现漏点并已修复", "DN100 管道接口渗漏")
    assert len(sheet_rows(client.get(reverse("water:night_flow_alarm_xlsx")))) == 3


@pytest.mark.parametrize("name", ["water:customer_alarm_xlsx", "water:night_flow_alarm_xlsx"])
def test_an_enterprise_gets_no_alarm_work_list(client, cast, run, name):
    sign_in(client, cast.runhua_reporter)
    assert client.get(reverse(name)).status_code == 403


# --- the notice to the customer ----------------------------------------------------------------------------


def notice_text(client, alarm: CustomerAlarm) -> str:
    response = client.get(reverse("water:customer_alarm_notice_pdf", args=[alarm.pk]))
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    # pypdf puts a NUL before each character of fpdf2's embedded CMap (see test_office_work).
    return "".join(page.extract_text().replace("\x00", "") for page in PdfReader(io.BytesIO(content)).pages)


def test_the_leak_notice_tells_the_registered_customer_what_the_meter_recorded(
    client, cast, run, leak_meter_registered, settings
):
    settings.CIVIC_WATER_OFFICE_PHONE = "0519-86300000"
    alarm = assign_alarm(CustomerAlarm.objects.get(meter_code="C-LEAK"), cast.bureau_staff, cast.bureau_admin)
    sign_in(client, cast.bureau_staff)
    assert 'id="alarm-notice"' in client.get(reverse("water:customer_alarm_detail", args=[alarm.pk])).content.decode()
    text = notice_text(client, alarm).replace("\n", "")
    assert "用水异常告知书" in text and f"YC2024-{alarm.pk:05d}" in text
    assert "常州润华印染有限公司：" in text and "用水地址：湖塘镇丰收路8号" in text
    # The alarm's rate is its volume over its hours: C-LEAK's 10 L/h (readings_cases) as the detector measured it.
    hours = (alarm.end - alarm.start).total_seconds() / 3600
    assert f"平均约{alarm.volume_m3 * 1000 / hours:.0f}升/小时" in text
    staff = cast.bureau_staff.get_full_name()
    assert f"如有疑问，请致电本办公室（0519-86300000），经办人：{staff}。特此告知。" in text
    # Its readings end at 23:00 on 2 March: the alarm's end, midnight, closes that day.
    assert "自2024年3月1日起" in text and "至2024年3月2日估计已流失0.48立方米" in text and "马桶水箱" in text


def test_the_burst_notice_gives_the_hours_in_county_time_to_a_household(client, cast, run):
    alarm = CustomerAlarm.objects.get(meter_code="C-BURST")
    sign_in(client, cast.network_analyst)
    text = notice_text(client, alarm).replace("\n", "")
    assert "尊敬的用户：" in text
    assert "在2024年3月2日10时至14时的4小时内用水量异常偏大，比平时多用约3.6立方米" in text
    assert "如有疑问，请与本办公室联系。特此告知。" in text


def test_a_gap_has_no_notice_it_is_the_readings_own(client, cast, run):
    alarm = CustomerAlarm.objects.get(meter_code="C-GAP")
    sign_in(client, cast.bureau_staff)
    assert client.get(reverse("water:customer_alarm_notice_pdf", args=[alarm.pk])).status_code == 404
    assert (
        'id="alarm-notice"' not in client.get(reverse("water:customer_alarm_detail", args=[alarm.pk])).content.decode()
    )


def test_the_lists_and_their_work_lists_put_the_largest_losses_first(client, cast, run):
    # Volumes of the hand-worked days: C-BURST 3.6 m³ (above), C-LEAK 0.48 m³ (10 L/h for 48 h), C-GAP's and
    # C-REVERSE's below them.
    sign_in(client, cast.bureau_staff)
    listed = client.get(reverse("water:customer_alarm_list"), {"order": "volume"}).context["page"]
    volumes = [alarm.volume_m3 for alarm in listed]
    assert [alarm.meter_code for alarm in listed][:2] == ["C-BURST", "C-LEAK"]
    assert volumes == sorted(volumes, reverse=True)
    rows = sheet_rows(client.get(reverse("water:customer_alarm_xlsx"), {"order": "volume"}))
    assert [row[0] for row in rows[1:3]] == ["C-BURST", "C-LEAK"]
    for dma, excess in (("FH", 0.4), ("HX", 2.5)):
        DmaNightFlowAlarm.objects.create(
            run=run, dma_code=dma, start=datetime.date(2024, 3, 1), detected=datetime.date(2024, 3, 2),
            excess_m3_per_h=excess,
        )  # fmt: skip
    night = client.get(reverse("water:night_flow_alarm_list"), {"order": "excess"}).context["page"]
    assert [alarm.dma_code for alarm in night] == ["HX", "FH"]

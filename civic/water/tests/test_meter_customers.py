"""The utility's customer file: who is behind each smart meter, uploaded whole or not at all, and named on the
alarms of its meters (their page, the Excel work list, the notice to the household).

The alarms are those of Hongxing's and Fenghuang's two hand-worked days (hydro/tests/readings_cases.py).
"""

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from civic.testing import sign_in
from civic.water.models import CustomerAlarm, Meter, MeterCustomer, MeteringRun
from civic.water.testing import make_run

URL = reverse("water:meter_customers")
FILE = "表号,户号,户名,地址,电话\nC-BURST,0100234,张伟,湖塘镇花园新村3幢201室,13961234567\nC-GAP,0100235,李娜,湖塘镇花园新村3幢202室,\n"


@pytest.fixture
def run(cast, tmp_path) -> MeteringRun:
    return make_run(cast, tmp_path)


def upload(client, text: str, name: str = "用户档案.csv", encoding: str = "gbk"):
    file = SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
    return client.post(URL, {"customer_file": file}, follow=True)


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_gbk_customer_file_is_stored_and_a_second_updates_it(client, cast):
    sign_in(client, cast.bureau_staff)
    assert shown(upload(client, FILE)) == ["用户档案.csv：新增 2 户，更新 0 户。"]
    moved = "表号,户名,地址\nC-GAP,李娜,湖塘镇花园新村5幢101室\nC-LEAK,王强,湖塘镇花园新村3幢203室\n"
    response = upload(client, moved, encoding="utf-8")
    assert shown(response) == ["用户档案.csv：新增 1 户，更新 1 户。"]
    gap = MeterCustomer.objects.get(meter_code="C-GAP")
    # The new row is the record: the account and phone it leaves out are empty now.
    assert (gap.name, gap.address, gap.account) == ("李娜", "湖塘镇花园新村5幢101室", "")
    assert MeterCustomer.objects.count() == 3
    assert [customer.meter_code for customer in client.get(URL, {"q": "3幢"}).context["page"]] == ["C-BURST", "C-LEAK"]


def test_a_bad_row_is_named_and_nothing_of_the_file_is_kept(client, cast):
    sign_in(client, cast.bureau_staff)
    text = "表号,户名\nC-1,张伟\nC-2,\nC-1,王强\n"
    response = upload(client, text)
    assert response.status_code == 400
    errors = response.context["form"].errors["customer_file"]
    assert errors[0].startswith("用户档案.csv, 第 3 行, ")
    assert errors[1] == "用户档案.csv, 第 4 行, 表号 / 水表编号 / meter_id: 水表 C-1 在本文件中出现了两次。"
    assert MeterCustomer.objects.count() == 0


def test_a_household_s_alarm_names_its_customer_on_the_page_the_list_and_the_notice(client, cast, run):
    sign_in(client, cast.network_analyst)
    upload(client, FILE)
    alarm = CustomerAlarm.objects.get(meter_code="C-BURST")
    page = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk])).content.decode()
    assert "张伟" in page and "13961234567" in page and "0100234" in page
    workbook = client.get(reverse("water:customer_alarm_xlsx"), {"q": "burst"})
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[1][:6] == ("C-BURST", "张伟", "0100234", "湖塘镇花园新村3幢201室", None, "13961234567")
    notice = client.get(reverse("water:customer_alarm_notice_pdf", args=[alarm.pk]))
    content = b"".join(notice.streaming_content)
    text = "".join(page.extract_text().replace("\x00", "") for page in PdfReader(io.BytesIO(content)).pages)
    assert "张伟：" in text.replace("\n", "") and "用水地址：湖塘镇花园新村3幢201室" in text.replace("\n", "")


def test_an_alarm_without_a_customer_points_to_the_customer_file(client, cast, run):
    sign_in(client, cast.bureau_staff)
    alarm = CustomerAlarm.objects.get(meter_code="C-REVERSE")
    page = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk])).content.decode()
    assert "用水户名录和用户档案中都没有这块水表。" in page and f'href="{URL}"' in page


def test_the_register_names_a_registered_meter_for_the_bureau_the_file_for_the_analyst(client, cast, run):
    """C-LEAK is both 润华印染's registered meter and, in the utility's file, 润华's account: the bureau reads the
    register (its contact person), the utility's analyst, who does not see the register, the file."""
    Meter.objects.create(serial="C-LEAK", water_user=cast.runhua, installed_on=datetime.date(2023, 1, 1))
    MeterCustomer.objects.create(meter_code="C-LEAK", account="0900001", name="润华印染（营业账户）")
    alarm = CustomerAlarm.objects.get(meter_code="C-LEAK")
    page = reverse("water:customer_alarm_detail", args=[alarm.pk])
    sign_in(client, cast.bureau_staff)
    bureau = client.get(page).context["customer"]
    assert (bureau.water_user, bureau.name, bureau.account) == (cast.runhua, "常州润华印染有限公司", "WJ0001")
    sign_in(client, cast.network_analyst)
    analyst = client.get(page).context["customer"]
    assert (analyst.water_user, analyst.name, analyst.account) == (None, "润华印染（营业账户）", "0900001")


def test_a_closed_alarm_keeps_the_customer_staff_contacted_after_the_file_is_replaced(client, cast, run):
    """张伟 of C-BURST is called; the utility's next export names the flat's new tenant 王芳. The alarm, closed
    after, still says whom staff spoke to, and shows 王芳 as the customer on file today."""
    sign_in(client, cast.bureau_staff)
    upload(client, FILE)
    alarm = CustomerAlarm.objects.get(meter_code="C-BURST")
    step = lambda name: reverse("water:customer_alarm_step", args=[alarm.pk, name])  # noqa: E731
    client.post(step("contact"), {"note": "用户称昨晚水管爆裂，已关阀维修"})
    upload(client, FILE.replace("张伟", "王芳").replace("13961234567", "13800000001"))
    client.post(step("close"), {"outcome": "confirmed_leak", "note": "已修复"})
    alarm.refresh_from_db()
    assert alarm.status == "closed"
    assert alarm.contacted_customer == "张伟 · 0100234 · 湖塘镇花园新村3幢201室 · 13961234567"
    response = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk]))
    page = response.content.decode()
    assert "联系时的用户" in page and "张伟 · 0100234" in page
    assert response.context["customer"].name == "王芳" and "当前档案" in page
    # the confidence says what it is, and where the county's own precision is
    assert "即同类报警在已标注的测试数据上属实的比例" in page and f'href="{reverse("water:alarm_precision")}"' in page


def test_a_registered_customer_contacted_stays_out_of_the_analyst_s_sight(client, cast, run):
    """Bureau staff call 润华印染 about C-LEAK, a meter of the register. The analyst, who does not see
    the register, sees the alarm contacted but not whom, on its page and in the work list; the bureau sees both."""
    Meter.objects.create(serial="C-LEAK", water_user=cast.runhua, installed_on=datetime.date(2023, 1, 1))
    alarm = CustomerAlarm.objects.get(meter_code="C-LEAK")
    sign_in(client, cast.bureau_staff)
    client.post(reverse("water:customer_alarm_step", args=[alarm.pk, "contact"]), {"note": "电话联系王建"})
    alarm.refresh_from_db()
    assert alarm.contacted_water_user == cast.runhua
    assert alarm.contacted_customer == "常州润华印染有限公司 · WJ0001"  # the cast's register entry: no address
    page = reverse("water:customer_alarm_detail", args=[alarm.pk])
    assert "常州润华印染有限公司 · WJ0001" in client.get(page).content.decode()
    sign_in(client, cast.network_analyst)
    response = client.get(page)
    assert response.context["contacted_customer"] == "" and "常州润华印染有限公司" not in response.content.decode()
    sheet: Any = load_workbook(
        io.BytesIO(client.get(reverse("water:customer_alarm_xlsx"), {"q": "leak"}).content)
    ).active
    [leak] = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "C-LEAK"]
    assert leak[-1] in (None, "") and "常州润华印染有限公司" not in [str(cell) for cell in leak]


def test_the_contact_note_is_labelled_as_what_was_said_not_as_a_contact_person(client, cast, run):
    """The register's 联系人 is a person; an alarm's contact field is a note of the call (联系情况)."""
    alarm = CustomerAlarm.objects.get(meter_code="C-LEAK")
    sign_in(client, cast.bureau_staff)
    client.post(reverse("water:customer_alarm_step", args=[alarm.pk, "contact"]), {"note": "电话联系，约明日上门"})
    page = client.get(reverse("water:customer_alarm_detail", args=[alarm.pk])).content.decode()
    assert "<dt>联系情况</dt><dd>" in page and "<dt>联系人</dt>" not in page
    assert '<label for="id_note">联系情况:</label>' in page

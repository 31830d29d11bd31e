"""Over-plan surcharge bills of March 2024 under the Jiangsu draft rule at ¥4.00/m³ (the cast's rules).

Runhua Dyeing plans 1,000 m³ a month and uses 1,300 m³ in March (30 % over):
100 × 1 × 4 + 200 × 2 × 4 = ¥2,000. Xinglong Steel plans 2,000 m³ and uses
2,900 m³ (45 % over): 200 × 1 × 4 + 400 × 2 × 4 + 300 × 3 × 4 = 800 + 3,200 + 3,600 = ¥7,600.
"""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from civic.testing import sign_in
from civic.water.actions import compute_bills
from civic.water.models import (
    BillingPeriod,
    BillStatus,
    Meter,
    PlanStatus,
    SurchargeBill,
    SurchargeMode,
    SurchargeSchedule,
    SurchargeTier,
    WaterUser,
    WaterUserKind,
)
from civic.water.notices import amount_in_chinese_capitals
from civic.water.testing import MARCH, issue_plan, read


@pytest.fixture
def march(cast):
    """Runhua 1,300 m³ against 1,000 (its sub-meter's 500 m³ is part of that, not on top); Xinglong 2,900 against 2,000."""
    issue_plan(cast.runhua, 1000)
    issue_plan(cast.xinglong, 2000)
    read(cast.runhua_meter, datetime.date(2024, 3, 15), 600)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 700)
    read(cast.runhua_sub_meter, datetime.date(2024, 3, 31), 500)
    read(cast.xinglong_meter, datetime.date(2024, 3, 31), 2900)
    read(cast.xinglong_meter, datetime.date(2024, 4, 1), 5000)  # April's: outside the period
    return cast


def make_water_user(cast, code, name):
    water_user = WaterUser.objects.create(code=code, name=name, kind=WaterUserKind.ENTERPRISE, town=cast.hutang)
    meter = Meter.objects.create(serial=f"M-{code}", water_user=water_user, installed_on=datetime.date(2018, 1, 1))
    return water_user, meter


def test_it_bills_the_hand_worked_amounts(march):
    run = compute_bills(*MARCH)
    runhua_bill = SurchargeBill.objects.get(water_user=march.runhua)
    xinglong_bill = SurchargeBill.objects.get(water_user=march.xinglong)
    assert (runhua_bill.number, runhua_bill.amount_yuan) == ("JS202403-0001", Decimal("2000.00"))
    assert (runhua_bill.planned_m3, runhua_bill.actual_m3, runhua_bill.excess_m3) == (1000, 1300, 300)
    assert [line["volume_m3"] for line in runhua_bill.breakdown] == [100, 200]
    assert (xinglong_bill.number, xinglong_bill.amount_yuan) == ("JS202403-0002", Decimal("7600.00"))
    assert [line["multiplier"] for line in xinglong_bill.breakdown] == [1.0, 2.0, 3.0]
    assert (run.billed, run.total_yuan) == (2, Decimal("9600.00"))  # 2,000 + 7,600


def test_it_counts_users_within_plan_without_plan_and_with_meters_unread(march):
    within, within_meter = make_water_user(march, "WJ0003", "常州天宁纺织有限公司")
    issue_plan(within, 500)
    read(within_meter, datetime.date(2024, 3, 31), 500)  # exactly on plan: no surcharge
    make_water_user(march, "WJ0004", "常州新北化工有限公司")  # listed, no plan
    unread, _ = make_water_user(march, "WJ0005", "常州金坛食品有限公司")
    issue_plan(unread, 800)
    draft, draft_meter = make_water_user(march, "WJ0006", "常州溧阳建材有限公司")
    issue_plan(draft, 100, status=PlanStatus.DRAFT)  # a draft plan does not bind
    read(draft_meter, datetime.date(2024, 3, 31), 900)
    run = compute_bills(*MARCH)
    assert (run.billed, run.not_over_plan, run.no_plan, run.no_readings) == (2, 1, 2, 0)
    assert [str(unread) for unread in run.unread] == ["WJ0005 常州金坛食品有限公司 (M-WJ0005)"]


def test_it_replaces_issued_bills_and_keeps_paid_ones_on_a_rerun(march):
    compute_bills(*MARCH)
    first_run = list(SurchargeBill.objects.values_list("number", "water_user__code", "amount_yuan"))
    again = compute_bills(*MARCH)
    assert list(SurchargeBill.objects.values_list("number", "water_user__code", "amount_yuan")) == first_run
    assert again.kept_bill_numbers == []
    SurchargeBill.objects.filter(water_user=march.runhua).update(status=BillStatus.PAID)
    read(march.runhua_meter, datetime.date(2024, 3, 20), 100)  # a late reading would raise Runhua's bill
    read(march.xinglong_meter, datetime.date(2024, 3, 20), 100)  # Xinglong: 3,000 m³, 50 % over
    rerun = compute_bills(*MARCH)
    assert rerun.kept_bill_numbers == ["JS202403-0001"]
    assert SurchargeBill.objects.get(water_user=march.runhua).amount_yuan == Decimal("2000.00")
    # 800 + 3,200 + 400 × 3 × 4 = 800 + 3,200 + 4,800 = ¥8,800
    assert SurchargeBill.objects.get(water_user=march.xinglong).amount_yuan == Decimal("8800.00")
    assert SurchargeBill.objects.count() == 2


def test_it_bills_a_quarter_under_a_quarterly_flat_rule(march):
    schedule = SurchargeSchedule.objects.create(
        name="季度考核",
        effective_from=datetime.date(2024, 1, 1),
        billing_period=BillingPeriod.QUARTERLY,
        mode=SurchargeMode.WHOLE_EXCESS,
    )
    for lower, upper, multiplier in ((0.0, 0.10, 1.0), (0.10, 0.30, 2.0), (0.30, None, 3.0)):
        SurchargeTier.objects.create(
            schedule=schedule, lower_excess_fraction=lower, upper_excess_fraction=upper, multiplier=multiplier
        )
    read(march.runhua_meter, datetime.date(2024, 1, 31), 1000)
    read(march.runhua_meter, datetime.date(2024, 2, 29), 1000)
    run = compute_bills(datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    bill = SurchargeBill.objects.get(water_user=march.runhua)
    # Runhua: 3,300 m³ against 3,000 → exactly 10 % over → 300 × 1 × 4 = ¥1,200 (flat, band 1).
    assert (bill.number, bill.amount_yuan, bill.schedule) == ("JS2024Q1-0001", Decimal("1200.00"), schedule)
    # Xinglong: 2,900 against 6,000 is within plan.
    assert (run.billed, run.not_over_plan) == (1, 1)
    with pytest.raises(ValidationError, match="季度考核"):
        compute_bills(*MARCH)  # a month under the quarterly rule would bill March twice


def test_it_refuses_a_period_that_has_not_ended(march):
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be billed before it is over"):
        compute_bills(*MARCH, today=datetime.date(2024, 3, 31))
    assert not SurchargeBill.objects.exists()


def test_it_computes_a_period_from_the_command_line(march):
    output = io.StringIO()
    call_command("compute_surcharges", period="2024-03", by="wangfang", stdout=output, stderr=io.StringIO())
    assert "billed:         2" in output.getvalue()
    assert "¥9,600.00" in output.getvalue()
    assert SurchargeBill.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("2000", "贰仟元整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100.05", "壹佰元零伍分"),
        ("1230.50", "壹仟贰佰叁拾元伍角整"),
        ("0.56", "伍角陆分"),
        ("0", "零元整"),
        ("10", "壹拾元整"),
        ("1005", "壹仟零伍元整"),
        ("100100", "壹拾万零壹佰元整"),
        ("100010000", "壹亿零壹万元整"),
        ("12345678.9", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整"),
        ("7600.004", "柒仟陆佰元整"),  # rounded half-up to the fen first
    ],
)
def test_it_writes_amounts_in_chinese_capital_numerals(amount, words):
    assert amount_in_chinese_capitals(Decimal(amount)) == words


def test_it_prints_the_notice_in_chinese_with_searchable_text(client, march):
    compute_bills(*MARCH)
    sign_in(client, march.runhua_reporter)
    response = client.get(reverse("water:bill_notice_pdf", args=["JS202403-0001"]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="JS202403-0001.pdf"'
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    # Text extraction goes through the embedded font's Unicode map; whitespace depends on the extractor.
    # pypdf reads fpdf2's embedded Identity encoding CMap as one-byte codes and so puts a NUL before
    # every character (poppler's pdftotext reads the same file cleanly); the NULs are dropped here.
    text = "".join(reader.pages[0].extract_text().replace("\x00", "").split())
    assert "超计划用水累进加价费缴纳通知书" in text
    assert "常州润华印染有限公司" in text
    assert "¥2,000.00" in text
    assert "贰仟元整" in text
    assert len(reader.pages) == 1


def test_it_sums_the_period_in_the_excel_summary(client, march):
    compute_bills(*MARCH)
    sign_in(client, march.bureau_staff)
    response = client.get(reverse("water:surcharge_summary_xlsx"), {"period": "2024-03"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["2024-03"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and rows[0][-1] == "加价费（元）"
    assert [row[0] for row in rows[1:3]] == ["JS202403-0001", "JS202403-0002"]
    # Totals: planned 1,000 + 2,000; over 300 + 900 = 1,200 (40 %); ¥2,000 + ¥7,600.
    assert rows[3][0] == "合计（2 户）"
    assert (rows[3][4], rows[3][6], rows[3][7], rows[3][9]) == (3000, 1200, 0.4, 9600)
    assert sheet.freeze_panes == "A2"


def test_it_refuses_a_bad_period_for_the_excel_summary(client, march):
    sign_in(client, march.bureau_staff)
    response = client.get(reverse("water:surcharge_summary_xlsx"), {"period": "2024-13"})
    assert response.status_code == 400
    assert "2024-13" in response.content.decode()


def test_it_shows_the_latest_period_with_search_and_town_filter(client, march):
    compute_bills(*MARCH)
    sign_in(client, march.bureau_staff)
    page = client.get(reverse("water:surcharge_summary")).content.decode()
    assert "JS202403-0001" in page and "JS202403-0002" in page
    assert "9,600.00" in page
    searched = client.get(reverse("water:surcharge_summary"), {"period": "2024-03", "q": "兴隆"}).content.decode()
    assert "JS202403-0002" in searched and "JS202403-0001" not in searched
    in_hutang = client.get(reverse("water:surcharge_summary"), {"period": "2024-03", "town": march.hutang.pk})
    assert "JS202403-0001" in in_hutang.content.decode() and "JS202403-0002" not in in_hutang.content.decode()


def test_it_computes_bills_from_the_page_and_explains_a_bad_period(client, march):
    sign_in(client, march.bureau_staff)
    english = {"accept-language": "en"}
    response = client.post(reverse("water:surcharge_summary"), {"period": "2024-03"}, follow=True, headers=english)
    assert SurchargeBill.objects.count() == 2
    assert "2024-03: 2 bills" in response.content.decode()
    bad = client.post(reverse("water:surcharge_summary"), {"period": "2024-13"}, headers=english)
    assert "“2024-13” is not a period" in bad.content.decode()
    assert SurchargeBill.objects.count() == 2


def test_it_shows_li_qiang_his_bill_and_hides_xinglongs(client, march):
    compute_bills(*MARCH)
    sign_in(client, march.runhua_reporter)
    own = client.get(reverse("water:bill_detail", args=["JS202403-0001"]))
    assert own.status_code == 200
    assert 'id="bill-pdf-link"' in own.content.decode()
    assert client.get(reverse("water:bill_detail", args=["JS202403-0002"])).status_code == 404
    assert client.get(reverse("water:bill_notice_pdf", args=["JS202403-0002"])).status_code == 404
    assert client.get(reverse("water:surcharge_summary")).status_code == 403
    assert client.get(reverse("water:surcharge_summary_xlsx"), {"period": "2024-03"}).status_code == 403


def test_it_refuses_clinic_staff(client, march):
    compute_bills(*MARCH)
    sign_in(client, march.clinic_staff)
    assert client.get(reverse("water:bill_detail", args=["JS202403-0001"])).status_code == 403
    assert client.get(reverse("water:bill_notice_pdf", args=["JS202403-0001"])).status_code == 403

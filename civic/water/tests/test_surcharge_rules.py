"""Surcharge bills true to their sources: how the bands apply, the basic price as base, and unread meters.

Hand-worked on a plan of 1,000 m³ a month at a basic water price of ¥4.00/m³ in March 2024.
[JS-SUPPLY-DRAFT] (江苏省城乡供水管理条例, consultation draft, over-plan clause) charges the WHOLE
over-plan volume at the multiple of the band reached ("超计划部分的加价水费为基本水价的2倍"):

- 1,300 m³ (30 % over, band 10–30 % → 2×): 300 × 2 × 4 = ¥2,400 (band by band: ¥2,000);
- 1,400 m³ (40 % over, band > 30 % → 3×): 400 × 3 × 4 = ¥4,800 (band by band: ¥3,200).
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from civic.testing import sign_in
from civic.water.actions import UnreadMeters, compute_bills
from civic.water.models import (
    AnnualPlan,
    Meter,
    MeterReading,
    MonthlyPlan,
    PlanMethod,
    PlanStatus,
    SurchargeBill,
    SurchargeMode,
    SurchargeSchedule,
    SurchargeTier,
    WaterTariff,
    WaterUser,
    WaterUserKind,
)

MARCH = (datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))
MARCH_END = datetime.date(2024, 3, 31)
DRAFT_DOCUMENT = "《江苏省城乡供水管理条例（征求意见稿）》超计划用水累进加价条款"


def issue_monthly_plan(water_user, monthly_m3):
    plan = AnnualPlan.objects.create(
        water_user=water_user,
        year=2024,
        method=PlanMethod.HISTORY,
        annual_volume_m3=12 * monthly_m3,
        status=PlanStatus.ISSUED,
    )
    MonthlyPlan.objects.bulk_create(MonthlyPlan(plan=plan, month=month, volume_m3=monthly_m3) for month in range(1, 13))


def read(meter, volume_m3, day=MARCH_END):
    MeterReading.objects.create(meter=meter, reading_date=day, volume_m3=volume_m3)


def water_user_with_meters(cast, code, name, meter_count=1):
    water_user = WaterUser.objects.create(code=code, name=name, kind=WaterUserKind.ENTERPRISE, town=cast.hutang)
    meters = [
        Meter.objects.create(serial=f"M-{code}-{number}", water_user=water_user, installed_on=datetime.date(2018, 1, 1))
        for number in range(1, meter_count + 1)
    ]
    return water_user, meters


def draft_schedule_from_2024():
    """The Jiangsu draft's bands applied to the whole excess, in force from 2024 (the cast's own rule is banded)."""
    schedule = SurchargeSchedule.objects.create(
        name="江苏省超计划用水累进加价（征求意见稿口径）",
        source_document=DRAFT_DOCUMENT,
        to_verify=True,
        effective_from=datetime.date(2024, 1, 1),
    )
    for lower, upper, multiplier in ((0.0, 0.10, 1.0), (0.10, 0.30, 2.0), (0.30, None, 3.0)):
        SurchargeTier.objects.create(
            schedule=schedule, lower_excess_fraction=lower, upper_excess_fraction=upper, multiplier=multiplier
        )
    return schedule


@pytest.fixture
def thirteen_and_fourteen_hundred(cast):
    """Runhua uses 1,300 m³ and Xinglong 1,400 m³ in March 2024, both against 1,000 m³ planned."""
    issue_monthly_plan(cast.runhua, 1000)
    issue_monthly_plan(cast.xinglong, 1000)
    read(cast.runhua_meter, 1300)
    read(cast.xinglong_meter, 1400)
    return cast


def test_a_new_schedule_charges_the_whole_excess_at_the_band_reached_as_the_draft_says(thirteen_and_fourteen_hundred):
    cast = thirteen_and_fourteen_hundred
    schedule = draft_schedule_from_2024()
    assert schedule.mode == SurchargeMode.WHOLE_EXCESS  # the default follows the draft text

    run = compute_bills(*MARCH)

    runhua = SurchargeBill.objects.get(water_user=cast.runhua)
    xinglong = SurchargeBill.objects.get(water_user=cast.xinglong)
    assert (runhua.amount_yuan, xinglong.amount_yuan) == (Decimal("2400.00"), Decimal("4800.00"))
    assert [(line["volume_m3"], line["multiplier"]) for line in runhua.breakdown] == [(300.0, 2.0)]
    assert (runhua.mode, runhua.source_document) == (SurchargeMode.WHOLE_EXCESS, DRAFT_DOCUMENT)
    assert run.total_yuan == Decimal("7200.00")


def test_the_banded_mode_stays_for_a_county_whose_rule_charges_band_by_band(thirteen_and_fourteen_hundred):
    cast = thirteen_and_fourteen_hundred
    SurchargeSchedule.objects.update(mode=SurchargeMode.BANDED)  # the cast's rule, in force from 2020
    compute_bills(*MARCH)
    # 100 × 1 × 4 + 200 × 2 × 4 = ¥2,000; 400 + 1,600 + 100 × 3 × 4 = ¥3,200.
    amounts = dict(SurchargeBill.objects.values_list("water_user__code", "amount_yuan"))
    assert amounts == {cast.runhua.code: Decimal("2000.00"), cast.xinglong.code: Decimal("3200.00")}
    assert set(SurchargeBill.objects.values_list("mode", flat=True)) == {SurchargeMode.BANDED}


def test_the_surcharge_is_a_multiple_of_the_basic_price_without_the_sewage_charge(thirteen_and_fourteen_hundred):
    # A tariff of ¥4.00 basic price + ¥1.40 sewage charge from 2024: the surcharge base stays ¥4.00
    # ([JS-SUPPLY-DRAFT]: "加价水费为基本水价的…倍"); on ¥5.40 Runhua's banded bill would be ¥2,700, not ¥2,000.
    cast = thirteen_and_fourteen_hundred
    WaterTariff.objects.create(
        kind=WaterUserKind.ENTERPRISE,
        basic_price_yuan_per_m3=Decimal("4.00"),
        sewage_charge_yuan_per_m3=Decimal("1.40"),
        effective_from=datetime.date(2024, 1, 1),
    )
    compute_bills(*MARCH)
    bill = SurchargeBill.objects.get(water_user=cast.runhua)
    assert (bill.base_price_yuan_per_m3, bill.amount_yuan) == (Decimal("4.00"), Decimal("2000.00"))


def test_the_notice_says_which_mode_and_which_document_applied(client, thirteen_and_fourteen_hundred):
    cast = thirteen_and_fourteen_hundred
    draft_schedule_from_2024()
    compute_bills(*MARCH)
    number = SurchargeBill.objects.get(water_user=cast.runhua).number
    sign_in(client, cast.runhua_reporter)
    response = client.get(reverse("water:bill_notice_pdf", args=[number]))
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    # pypdf puts a NUL before each character of fpdf2's embedded font; dropped here with the whitespace.
    text = "".join("".join(page.extract_text() for page in reader.pages).replace("\x00", "").split())
    assert "所依文件：" + DRAFT_DOCUMENT in text
    assert "加价方式：全部超计划水量按所达区间的倍数计收" in text
    assert "¥2,400.00" in text
    assert "待核对" not in text and "verify" not in text  # the to-verify mark is for staff, not on the notice


@pytest.fixture
def two_meters_one_unread(cast):
    """常州天宁纺织 has two billing meters: M-WJ0003-1 read 600 m³ in March, M-WJ0003-2 not read; plan 1,000 m³."""
    water_user, meters = water_user_with_meters(cast, "WJ0003", "常州天宁纺织有限公司", meter_count=2)
    issue_monthly_plan(water_user, 1000)
    read(meters[0], 600)
    return water_user, meters


def test_a_user_with_an_unread_meter_waits_for_its_bill_and_is_named(two_meters_one_unread):
    # Counting the unread meter as zero would pass 600 m³ as "within plan" (what Civic did before).
    water_user, meters = two_meters_one_unread
    run = compute_bills(*MARCH)
    assert run.not_over_plan == 0
    assert run.unread == [UnreadMeters("WJ0003", "常州天宁纺织有限公司", ("M-WJ0003-2",))]
    assert not SurchargeBill.objects.filter(water_user=water_user).exists()

    read(meters[1], 700)  # once read: 1,300 m³ against 1,000, banded under the cast's rule → ¥2,000
    again = compute_bills(*MARCH)
    assert again.unread == []
    assert SurchargeBill.objects.get(water_user=water_user).amount_yuan == Decimal("2000.00")


def test_a_meter_read_only_early_in_a_quarter_leaves_the_quarter_unread(two_meters_one_unread):
    # Under a quarterly rule, a meter in service at the quarter's end must be read in its last month.
    _water_user, meters = two_meters_one_unread
    SurchargeSchedule.objects.update(billing_period="quarterly")
    read(meters[1], 700, day=datetime.date(2024, 1, 31))
    run = compute_bills(datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    assert [unread.meter_serials for unread in run.unread] == [("M-WJ0003-2",)]


def test_a_meter_removed_in_the_period_needs_only_its_final_reading(two_meters_one_unread):
    _water_user, meters = two_meters_one_unread
    Meter.objects.filter(pk=meters[1].pk).update(removed_on=datetime.date(2024, 3, 12))
    read(meters[1], 250, day=datetime.date(2024, 3, 12))
    run = compute_bills(*MARCH)
    assert run.unread == []
    assert run.not_over_plan == 1  # 850 m³ against 1,000


def test_the_command_names_the_users_with_unread_meters(two_meters_one_unread):
    output = io.StringIO()
    call_command("compute_surcharges", period="2024-03", by="wangfang", stdout=output, stderr=io.StringIO())
    assert "meters unread:  1" in output.getvalue()
    assert "WJ0003 常州天宁纺织有限公司 (M-WJ0003-2)" in output.getvalue()


def test_the_page_names_the_users_with_unread_meters(client, cast, two_meters_one_unread):
    sign_in(client, cast.bureau_staff)
    response = client.post(
        reverse("water:surcharge_summary"), {"period": "2024-03"}, follow=True, headers={"accept-language": "zh-hans"}
    )
    page = response.content.decode()
    assert "WJ0003 常州天宁纺织有限公司 (M-WJ0003-2)" in page
    assert "待全部水表抄表后再计收" in page


def test_the_period_s_summary_lists_the_users_still_waiting_for_a_reading(client, cast, two_meters_one_unread):
    compute_bills(*MARCH)
    sign_in(client, cast.bureau_staff)
    page = client.get(reverse("water:surcharge_summary"), {"period": "2024-03"}, headers={"accept-language": "en"})
    section = page.content.decode().split('id="surcharge-unread"')[1].split("</section>")[0]
    assert "<li>WJ0003 常州天宁纺织有限公司 (M-WJ0003-2)</li>" in section
    assert "Runhua" not in section and "WJ0001" not in section

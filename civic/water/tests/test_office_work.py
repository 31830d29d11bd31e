"""The water-saving office's daily work: plans issued by a second person, the register kept in the
office's pages, a bill's life after it is computed, the printed notices and the dashboard's year.

Figures are worked by hand in each test; the bills are those of test_surcharges: Runhua Dyeing
¥2,000.00 and Xinglong Steel ¥7,600.00 for March 2024.
"""

import datetime
import io
import re
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from civic.core.identifiers import credit_code_check_character, validate_unified_social_credit_code
from civic.demo.water import settle_demo_bills
from civic.testing import sign_in
from civic.water import actions, notices
from civic.water.actions import bills as bill_actions
from civic.water.actions import compute_bills
from civic.water.models import (
    AnnualPlan,
    BillStatus,
    Meter,
    MeterReading,
    PlanMethod,
    PlannedUseStatus,
    PlanStatus,
    SurchargeBill,
    WaterUser,
)
from civic.water.testing import MARCH, give_runhua_history, issue_plan, read


@pytest.fixture
def march(cast):
    """The bills of test_surcharges: Runhua 1,300 m³ against 1,000 (¥2,000.00); Xinglong 2,900 against 2,000."""
    issue_plan(cast.runhua, 1000)
    issue_plan(cast.xinglong, 2000)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 1300)
    read(cast.xinglong_meter, datetime.date(2024, 3, 31), 2900)
    return cast


# --- Plans: drafts are the office's, a second person issues ---------------------------------------


def draft_for_2025(cast):
    return actions.propose_plan(cast.runhua, 2025, PlanMethod.DESIGN, design_use_m3=12_000, by_user=cast.bureau_staff)


def test_li_qiang_sees_no_draft_plan_on_runhuas_page(client, cast):
    draft_for_2025(cast)
    sign_in(client, cast.runhua_reporter)
    page = client.get(reverse("water:water_user_detail", args=["WJ0001"]), {"year": 2025})
    assert page.context["plan"] is None
    assert 2025 not in page.context["years"]
    assert reverse("water:plan_detail", args=[AnnualPlan.objects.get().pk]) not in page.content.decode()
    use = client.get(reverse("water:water_user_use_json", args=["WJ0001"]), {"year": 2025}).json()
    assert use["plan_status"] is None
    assert use["planned_m3"] == [None] * 12


def test_wang_fang_who_proposed_a_plan_cannot_issue_it(client, cast):
    plan = draft_for_2025(cast)
    with pytest.raises(ValidationError):
        actions.issue_plan(plan, cast.bureau_staff)
    sign_in(client, cast.bureau_staff)
    page = client.get(reverse("water:issue_plan", args=[plan.pk]))
    assert 'id="four-eyes-notice"' in page.content.decode()
    client.post(reverse("water:issue_plan", args=[plan.pk]), {"confirm": "on"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_zhou_hua_issues_it_only_after_confirming(client, cast):
    plan = draft_for_2025(cast)
    sign_in(client, cast.bureau_admin)
    unconfirmed = client.post(reverse("water:issue_plan", args=[plan.pk]), {})
    assert "confirm" in unconfirmed.context["form"].errors
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    client.post(reverse("water:issue_plan", args=[plan.pk]), {"confirm": "on"})
    plan.refresh_from_db()
    assert (plan.status, plan.proposed_by, plan.issued_by) == ("issued", cast.bureau_staff, cast.bureau_admin)


# --- The unified social credit code (GB 32100-2015) -----------------------------------------------


@pytest.mark.parametrize(
    ("first_seventeen", "check"),
    [
        ("91350100M000100Y4", "3"),  # the example of GB 32100-2015 itself
        ("91440300192203821", "6"),  # Huawei Technologies Co., Ltd., as on its business licence
    ],
)
def test_it_works_out_the_check_character(first_seventeen, check):
    assert credit_code_check_character(first_seventeen) == check


@pytest.mark.parametrize(
    ("code", "error"),
    [("91350100M000100Y44", "check"), ("91350100M000100Y4", "length"), ("91350100M000I00Y43", "characters")],
)
def test_it_refuses_a_mistyped_code(code, error):
    with pytest.raises(ValidationError) as refusal:
        validate_unified_social_credit_code(code)
    assert refusal.value.code == error


# --- The register in the office's pages -----------------------------------------------------------

NEW_USER = {
    "code": "WJ0100",
    "name": "常州清源纺织有限公司",
    "social_credit_code": "91350100 M000100Y4 3",
    "kind": "enterprise",
    "town": "",
    "water_sources": ["public_supply"],
    "planned_use_status": "listed",
}


def test_the_office_adds_a_water_user_and_finds_it_by_its_credit_code(client, cast):
    sign_in(client, cast.bureau_staff)
    form = {**NEW_USER, "town": cast.hutang.pk}
    mistyped = client.post(reverse("water:water_user_new"), {**form, "social_credit_code": "91350100M000100Y44"})
    assert "social_credit_code" in mistyped.context["form"].errors
    assert not WaterUser.objects.filter(code="WJ0100").exists()
    response = client.post(reverse("water:water_user_new"), form)
    assert response.url == reverse("water:water_user_detail", args=["WJ0100"])
    assert WaterUser.objects.get(code="WJ0100").social_credit_code == "91350100M000100Y43"
    found = client.get(reverse("water:register"), {"q": "91350100m000100y43"}).context["page"]
    assert [water_user.code for water_user in found] == ["WJ0100"]
    twice = client.post(reverse("water:water_user_new"), {**form, "code": "WJ0101"})
    assert "social_credit_code" in twice.context["form"].errors


def test_the_office_edits_a_user_but_not_its_number(client, cast):
    sign_in(client, cast.bureau_staff)
    form = {**NEW_USER, "code": "CHANGED", "name": "常州润华印染股份有限公司", "town": cast.hutang.pk}
    client.post(reverse("water:water_user_edit", args=["WJ0001"]), form)
    cast.runhua.refresh_from_db()
    assert (cast.runhua.code, cast.runhua.name) == ("WJ0001", "常州润华印染股份有限公司")
    assert cast.runhua.history.first().history_user == cast.bureau_staff


def replace_runhuas_meter(client, cast, **changes):
    """Runhua's meter read 1,000 m³ on 29 February; replaced on 20 March at 1,250 by a new meter starting at 3."""
    MeterReading.objects.create(
        meter=cast.runhua_meter, reading_date=datetime.date(2024, 2, 29), index_m3=1000, volume_m3=1000
    )
    form = {
        "replaced_on": "2024-03-20",
        "final_index_m3": "1250",
        "new_serial": "M-RH-02",
        "new_size_mm": "80",
        "new_initial_index_m3": "3",
        "new_index_capacity_m3": "1000000",
        **changes,
    }
    sign_in(client, cast.bureau_staff)
    return client.post(reverse("water:meter_replace", args=["M-RH-01"]), form)


def test_a_meter_replacement_keeps_the_march_volume_right(client, cast):
    replace_runhuas_meter(client, cast)
    new_meter = Meter.objects.get(serial="M-RH-02")
    assert (new_meter.replaces, new_meter.installed_on, new_meter.initial_index_m3) == (
        cast.runhua_meter,
        datetime.date(2024, 3, 20),
        3,
    )
    cast.runhua_sub_meter.refresh_from_db()
    assert cast.runhua_sub_meter.parent == new_meter
    final = MeterReading.objects.get(meter=cast.runhua_meter, reading_date=datetime.date(2024, 3, 20))
    assert final.volume_m3 == 250  # 1,250 − 1,000
    batch = actions.import_readings_file(
        "2024-03.csv", "表号,抄表日期,表底数,用水量,备注\r\nM-RH-02,2024-03-31,103,,\r\n".encode(), cast.bureau_staff
    )
    assert batch.status == "accepted", batch.errors
    assert MeterReading.objects.get(meter=new_meter).volume_m3 == 100  # 103 − 3, not 103 − 1,250
    assert cast.runhua.actual_use_m3(*MARCH) == 350  # 250 on the old meter + 100 on the new


def test_a_replacement_refuses_a_final_index_below_the_last(client, cast):
    response = replace_runhuas_meter(client, cast, final_index_m3="900")
    assert "final_index_m3" in response.context["form"].errors
    assert not Meter.objects.filter(serial="M-RH-02").exists()
    assert MeterReading.objects.count() == 1


def test_closing_an_account_reads_each_fitted_meter_a_last_time(client, cast):
    sign_in(client, cast.bureau_staff)
    url = reverse("water:water_user_close", args=["WJ0002"])
    missing = client.post(url, {"closed_on": "2024-06-30", "reason": "迁出本区"})
    assert f"final_index_{cast.xinglong_meter.pk}" in missing.context["form"].errors
    client.post(url, {"closed_on": "2024-06-30", "reason": "迁出本区", f"final_index_{cast.xinglong_meter.pk}": "420"})
    cast.xinglong.refresh_from_db()
    cast.xinglong_meter.refresh_from_db()
    assert (cast.xinglong.closed_on, cast.xinglong.planned_use_status) == (
        datetime.date(2024, 6, 30),
        PlannedUseStatus.NOT_LISTED,
    )
    assert cast.xinglong_meter.removed_on == datetime.date(2024, 6, 30)
    assert MeterReading.objects.get(meter=cast.xinglong_meter).volume_m3 == 420


def test_the_register_export_follows_the_filters_on_screen(client, cast):
    sign_in(client, cast.bureau_staff)
    response = client.get(reverse("water:register_xlsx"), {"town": cast.niutang.pk})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content))["用水户名录"].iter_rows(values_only=True))
    assert rows[0][:3] == ("用户编号", "用户名称", "统一社会信用代码")
    assert [row[0] for row in rows[1:]] == ["WJ0002"]
    assert rows[1][3] == "企业"  # the kind in Chinese, not "enterprise"
    assert rows[1][11] == "否"  # not a water-saving industry enterprise: no TRUE/FALSE


def test_the_office_corrects_a_meter_but_not_the_serial_its_readings_name(client, cast):
    MeterReading.objects.create(meter=cast.xinglong_meter, reading_date=datetime.date(2024, 1, 31), volume_m3=10)
    sign_in(client, cast.bureau_staff)
    form = {"serial": "M-XL-99", "size_mm": "100", "source": "surface", "installed_on": "2018-01-01"}
    form |= {"initial_index_m3": "50", "index_capacity_m3": "100000"}
    client.post(reverse("water:meter_edit", args=["M-XL-01"]), form)
    cast.xinglong_meter.refresh_from_db()
    assert (cast.xinglong_meter.serial, cast.xinglong_meter.size_mm, cast.xinglong_meter.source) == (
        "M-XL-01",
        100,
        "surface",
    )
    assert cast.xinglong_meter.initial_index_m3 == 0


def test_reporters_keep_out_of_the_register_upkeep_and_the_bills_steps(client, march):
    compute_bills(*MARCH)
    plan = draft_for_2025(march)
    sign_in(client, march.runhua_reporter)
    for url in (
        reverse("water:water_user_new"),
        reverse("water:water_user_edit", args=["WJ0001"]),
        reverse("water:meter_edit", args=["M-RH-01"]),
        reverse("water:meter_replace", args=["M-RH-01"]),
        reverse("water:water_user_close", args=["WJ0001"]),
        reverse("water:register_xlsx"),
        reverse("water:issue_plan", args=[plan.pk]),
        reverse("water:bill_step", args=["JS202403-0001"]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"step": "pay", "day": "2024-04-10", "confirm": "on"}).status_code == 403
    assert runhuas_bill().status == BillStatus.ISSUED
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


# --- A bill's life -------------------------------------------------------------------------------


def runhuas_bill():
    return SurchargeBill.objects.get(number="JS202403-0001")


def test_a_bill_is_delivered_then_paid_with_its_dates(client, march):
    compute_bills(*MARCH)
    issued_on = timezone.localdate(runhuas_bill().created_at)
    sign_in(client, march.bureau_staff)
    step = reverse("water:bill_step", args=["JS202403-0001"])
    client.post(step, {"step": "deliver", "day": issued_on.isoformat()})
    client.post(step, {"step": "pay", "day": issued_on.isoformat(), "reference": "FS-2024-0311"})
    bill = runhuas_bill()
    assert (bill.status, bill.delivered_on, bill.paid_on, bill.payment_reference) == (
        BillStatus.PAID,
        issued_on,
        issued_on,
        "FS-2024-0311",
    )
    assert [record.status for record in bill.history.order_by("history_id")] == ["issued", "delivered", "paid"]
    compute_bills(*MARCH)  # a re-run keeps the paid bill
    assert runhuas_bill().status == BillStatus.PAID


def test_a_bill_is_cancelled_only_with_a_reason(march):
    compute_bills(*MARCH)
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        bill_actions.cancel_bill(runhuas_bill(), today, " ", march.bureau_staff)
    bill_actions.cancel_bill(runhuas_bill(), today, "重复开具", march.bureau_staff)
    assert (runhuas_bill().status, runhuas_bill().cancellation_reason) == (BillStatus.CANCELLED, "重复开具")
    with pytest.raises(ValidationError):
        bill_actions.record_payment(runhuas_bill(), today, "", march.bureau_staff)


def test_an_objection_is_decided_upheld_or_dismissed(march):
    compute_bills(*MARCH)
    today = timezone.localdate()
    xinglong_bill = SurchargeBill.objects.get(number="JS202403-0002")
    bill_actions.record_delivery(runhuas_bill(), today, march.bureau_staff)
    for bill in (runhuas_bill(), xinglong_bill):
        bill_actions.record_objection(bill, today, "三月表计故障", march.bureau_staff)
    bill_actions.decide_objection(runhuas_bill(), today, "dismissed", "表计经校验合格", march.bureau_staff)
    bill_actions.decide_objection(xinglong_bill, today, "upheld", "表计故障属实", march.bureau_staff)
    xinglong_bill.refresh_from_db()
    assert runhuas_bill().status == BillStatus.DELIVERED  # it stands, and is still due
    assert (xinglong_bill.status, xinglong_bill.cancellation_reason) == (BillStatus.CANCELLED, "表计故障属实")


def test_the_overdue_list_shows_unpaid_bills_past_the_fifteen_days(client, march):
    compute_bills(*MARCH)
    # Issued 20 days ago: the notice's 15 days to pay have run out.
    SurchargeBill.objects.update(created_at=timezone.now() - datetime.timedelta(days=20))
    bill_actions.record_payment(
        SurchargeBill.objects.get(number="JS202403-0002"), timezone.localdate(), "FS-1", march.bureau_staff
    )
    sign_in(client, march.bureau_staff)
    page = client.get(reverse("water:overdue_bill_list"))
    assert [row["bill"].number for row in page.context["rows"]] == ["JS202403-0001"]
    assert page.context["rows"][0]["days_late"] == 5
    sign_in(client, march.runhua_reporter)
    assert client.get(reverse("water:overdue_bill_list")).status_code == 403


# --- Printed notices -----------------------------------------------------------------------------


def pdf_text(content: bytes) -> list[str]:
    """Each page's text; pypdf puts a NUL before each character of fpdf2's embedded CMap (see test_surcharges)."""
    return [page.extract_text().replace("\x00", "") for page in PdfReader(io.BytesIO(content)).pages]


def notice_pages(client, user, number):
    sign_in(client, user)
    response = client.get(reverse("water:bill_notice_pdf", args=[number]))
    return b"".join(response.streaming_content)


def test_the_notice_writes_amounts_without_stray_spaces(client, march):
    compute_bills(*MARCH)
    text = "".join(pdf_text(notice_pages(client, march.runhua_reporter, "JS202403-0001")))
    assert "1,300立方米" in text
    assert "¥2,000.00（人民币大写：贰仟元整）" in text
    assert not re.search(r"[\d%]\s+(立方米|倍|元|以上)", text)
    assert not re.search(r"(超计划|的)\s+\d", text)


def test_the_seal_stays_on_the_page_of_the_text_it_closes(client, march):
    # A long address (a site over many plots) pushes the notice onto a second page: on the old layout
    # the office, date and seal went over alone, away from the text they close.
    march.xinglong.address = "常州市武进区湖塘镇" + "某某路某号" * 38  # 199 characters: the field holds 200
    march.xinglong.save()
    compute_bills(*MARCH)
    pages = pdf_text(notice_pages(client, march.bureau_staff, "JS202403-0002"))
    assert len(pages) == 2
    sealed = next(page for page in pages if "（盖章）" in page)
    assert "三、异议处理" in sealed
    assert "节约用水办公室" in sealed.split("三、异议处理")[1]


def test_the_notices_embed_the_simplified_chinese_face(client, march):
    compute_bills(*MARCH)
    reader = PdfReader(io.BytesIO(notice_pages(client, march.runhua_reporter, "JS202403-0001")))
    resources: Any = reader.pages[0]["/Resources"]
    fonts = resources["/Font"]
    names = [str(font.get_object()["/BaseFont"]) for font in fonts.values()]
    assert any("NotoSansSC" in name for name in names), names
    assert not any("CJKtc" in name or "TC-" in name for name in names)


def test_an_issued_plan_prints_its_plan_notice(client, cast):
    plan = issue_plan(cast.runhua, 1000)
    plan.issued_at = timezone.make_aware(datetime.datetime(2024, 1, 5, 9, 0))
    plan.save()
    sign_in(client, cast.runhua_reporter)
    response = client.get(reverse("water:plan_notice_pdf", args=[plan.pk]))
    assert response["Content-Disposition"] == 'inline; filename="JH2024-WJ0001.pdf"'
    text = "".join("".join(pdf_text(b"".join(response.streaming_content))).split())
    assert "计划用水通知书" in text
    assert "2024年度计划用水量12,000立方米" in text
    assert "2024年1月5日" in text and "（盖章）" in text
    draft = issue_plan(cast.runhua, 1000, year=2025, status=PlanStatus.DRAFT)
    assert client.get(reverse("water:plan_notice_pdf", args=[draft.pk])).status_code == 404
    sign_in(client, cast.xinglong_reporter)
    assert client.get(reverse("water:plan_notice_pdf", args=[plan.pk])).status_code == 404


# --- The dashboard and the English pages ----------------------------------------------------------


def test_the_dashboard_shows_this_years_issued_plans_not_the_latest_years(client, cast):
    this_year = timezone.localdate().year
    issue_plan(cast.runhua, 1000, year=this_year - 1)
    sign_in(client, cast.bureau_staff)
    page = client.get(reverse("dashboard"))
    assert (page.context["plan_year"], page.context["planned_total_m3"]) == (this_year, None)
    issue_plan(cast.xinglong, 2000, year=this_year)
    page = client.get(reverse("dashboard"), headers={"accept-language": "en"})
    assert page.context["planned_total_m3"] == 24_000
    assert f"1 plan issued for this year, {this_year} (m³)" in page.content.decode()


def test_the_english_plan_page_says_issued_once(client, cast):
    plan = issue_plan(cast.runhua, 1000)
    plan.issued_at = timezone.now()
    plan.save()
    sign_in(client, cast.bureau_staff)
    html = client.get(reverse("water:plan_detail", args=[plan.pk]), headers={"accept-language": "en"}).content.decode()
    words = re.sub(r"<[^>]+>", " ", html)
    assert "Issued" in words
    assert not re.search(r"issued\s+issued", words, re.IGNORECASE)


def test_compute_plans_issues_one_accounts_proposals_under_another(cast):
    give_runhua_history(cast)
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    with pytest.raises(CommandError):
        call_command("compute_plans", year=2024, issue=True, by="wangfang", **quiet)
    assert not AnnualPlan.objects.exists()
    call_command("compute_plans", year=2024, issue=True, by="wangfang", issuer="zhouhua", **quiet)
    plan = AnnualPlan.objects.get(water_user=cast.runhua)
    assert (plan.status, plan.proposed_by, plan.issued_by) == ("issued", cast.bureau_staff, cast.bureau_admin)


ASCII_BRACKET_BY_CHINESE = re.compile(r"\([\u4e00-\u9fff]|[\u4e00-\u9fff]\)")


def chinese_words(client, url):
    html = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])


def test_chinese_pages_bracket_chinese_words_with_chinese_brackets(client, march):
    plan = AnnualPlan.objects.get(water_user=march.runhua)
    plan.basis = {"method": "design", "design_use_m3": 12_000, "design_use_source": "register"}
    plan.method = PlanMethod.DESIGN
    plan.save()
    compute_bills(*MARCH)
    sign_in(client, march.bureau_staff)
    plan_words = chinese_words(client, reverse("water:plan_detail", args=[plan.pk]))
    bill_words = chinese_words(client, reverse("water:bill_detail", args=["JS202403-0001"]))
    assert "（取自登记信息）" in plan_words
    assert "（自2020-01-01起执行）" in bill_words
    assert "（超计划30.0%）" in bill_words
    assert not ASCII_BRACKET_BY_CHINESE.search(plan_words + bill_words)


def test_chinese_lines_keep_figures_whole_and_punctuation_off_the_line_start():
    # Every character 1 mm wide, lines of 6 mm: the first line fills with six characters, but "，" may
    # not open the next, so "纳" comes down with it; the amount 2,000.00 (8 characters) is never split,
    # even when it is wider than a line.
    lines = notices.chinese_lines("你单位应缴纳，金额2,000.00元。", 6, len)
    assert lines == ["你单位应缴", "纳，金额", "2,000.00", "元。"]
    assert all(not line.startswith(tuple(notices.NOT_AT_LINE_START)) for line in lines)


def test_the_demo_leaves_the_latest_periods_odd_numbered_bills_overdue(client, march):
    compute_bills(*MARCH)
    settle_demo_bills()
    runhua, xinglong = SurchargeBill.objects.order_by("number")
    # Issued 5 April (five days after March), delivered 8 April; Xinglong's paid 17 April.
    assert timezone.localdate(runhua.created_at) == datetime.date(2024, 4, 5)
    assert (runhua.status, runhua.delivered_on, runhua.paid_on) == ("delivered", datetime.date(2024, 4, 8), None)
    assert (xinglong.status, xinglong.paid_on) == ("paid", datetime.date(2024, 4, 17))
    sign_in(client, march.bureau_staff)
    overdue = client.get(reverse("water:overdue_bill_list")).context["rows"]
    assert [row["deadline"] for row in overdue] == [datetime.date(2024, 4, 20)]

"""Annual water plans: proposal, review, issue, adjustment, the pages and the compute_plans command."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from civic.testing import sign_in
from civic.water import actions
from civic.water.models import (
    AdjustmentStatus,
    AnnualPlan,
    Industry,
    MeterReading,
    PlanAdjustmentRequest,
    PlanMethod,
    PlanningParameters,
    PlanStatus,
    QuotaLevel,
    WaterQuota,
    WaterUser,
    WaterUserKind,
)
from civic.water.testing import give_runhua_history

# Its 2024 plan: ū = 110,333.33, ḡ = 0.10, k = 1.0 → 121,366.67, issued as 121,367 m³.
# Split on 2023's shape: 121,367 × 10,000 / 121,000 = 10,030.33 (Jan–Nov), × 11,000 / 121,000 = 11,033.36 (Dec);
# the whole parts make 121,363, the 4 m³ left go to December (.36) then January–March (.33).
RUNHUA_2024_MONTHS = {**dict.fromkeys(range(1, 4), 10_031.0), **dict.fromkeys(range(4, 12), 10_030.0), 12: 11_034.0}


def months_of(plan):
    return {row.month: row.volume_m3 for row in plan.months.all()}


def issued_runhua_plan(cast):
    give_runhua_history(cast)
    plan = actions.propose_plan(cast.runhua, 2024, PlanMethod.HISTORY, by_user=cast.bureau_staff)
    return actions.issue_plan(plan, cast.bureau_admin)


def dyeing_quota(**values):
    return WaterQuota.objects.create(
        industry=Industry.objects.get(code="C1713"),
        product="棉印染布",
        unit="m³/(100 m)",
        general_value=values.get("general", 1.8),
        advanced_value=values.get("advanced", 1.5),
        source_standard="江苏省用水定额（2019年修订） [verify]",
        effective_from=datetime.date(2020, 1, 1),
    )


# --- proposing ---------------------------------------------------------------


def test_it_proposes_a_plan_from_three_years_of_history(cast):
    give_runhua_history(cast)
    plan = actions.propose_plan(cast.runhua, 2024, PlanMethod.HISTORY)
    assert plan.status == PlanStatus.DRAFT
    assert plan.annual_volume_m3 == 121_367
    assert plan.basis["years"] == [2021, 2022, 2023]
    assert plan.basis["mean_use_m3"] == pytest.approx(110_333.33, abs=0.01)
    assert plan.basis["applied_growth_rate"] == pytest.approx(0.10)
    assert plan.basis["computed_volume_m3"] == pytest.approx(121_366.67, abs=0.01)
    assert months_of(plan) == RUNHUA_2024_MONTHS


def test_it_takes_the_planning_parameters_in_force_on_the_first_of_january(cast):
    give_runhua_history(cast)
    PlanningParameters.objects.create(effective_from=datetime.date(2024, 1, 1), reasonable_use_coefficient=0.9)
    PlanningParameters.objects.create(effective_from=datetime.date(2024, 6, 1), reasonable_use_coefficient=0.5)
    plan = actions.propose_plan(cast.runhua, 2024, PlanMethod.HISTORY)
    # 0.9 × 1.10 × 110,333.33 = 109,230 m³ (the June rule comes too late for 2024)
    assert plan.basis["reasonable_use_coefficient"] == 0.9
    assert plan.annual_volume_m3 == 109_230


def test_it_plans_from_the_last_unbroken_years_only(cast):
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2021, 12, 31), volume_m3=50_000)
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2023, 12, 31), volume_m3=90_000)
    plan = actions.propose_plan(cast.runhua, 2024, PlanMethod.HISTORY)
    # 2022 has no readings, so 2023 stands alone: ḡ = 0, plan = 90,000 m³
    assert plan.basis["years"] == [2023]
    assert plan.annual_volume_m3 == 90_000


def test_it_proposes_by_quota_at_the_chosen_level(cast):
    quota = dyeing_quota()
    general = actions.propose_plan(cast.runhua, 2024, PlanMethod.QUOTA, quota=quota, planned_output=25_000)
    # 1.8 m³/(100 m) × 25,000 (100 m) = 45,000 m³; no use in 2023, so 3,750 m³ a month
    assert general.annual_volume_m3 == 45_000
    assert months_of(general) == dict.fromkeys(range(1, 13), 3_750.0)
    advanced = actions.propose_plan(
        cast.runhua, 2024, PlanMethod.QUOTA, quota=quota, quota_level=QuotaLevel.ADVANCED, planned_output=25_000
    )
    # 1.5 × 25,000 = 37,500 m³, replacing the draft
    assert advanced.pk == general.pk
    assert advanced.annual_volume_m3 == 37_500


def test_it_proposes_a_new_user_by_design_use(cast):
    cast.xinglong.design_annual_use_m3 = 36_000
    cast.xinglong.save()
    plan = actions.propose_plan(cast.xinglong, 2024, PlanMethod.DESIGN)
    assert plan.annual_volume_m3 == 36_000
    assert plan.basis["design_use_source"] == "register"
    assert months_of(plan) == dict.fromkeys(range(1, 13), 3_000.0)


def test_it_keeps_the_users_own_monthly_split(cast):
    split = {**dict.fromkeys(range(1, 13), 3_000.0), 1: 2_000.0, 12: 4_000.0}
    plan = actions.propose_plan(cast.xinglong, 2024, PlanMethod.DESIGN, design_use_m3=36_000, monthly_split=split)
    assert months_of(plan) == split
    assert plan.basis["split"] == "proposed"


def test_it_refuses_a_monthly_split_that_does_not_add_up(cast):
    split = dict.fromkeys(range(1, 13), 2_000.0)  # 24,000 against 36,000
    with pytest.raises(ValidationError):
        actions.propose_plan(cast.xinglong, 2024, PlanMethod.DESIGN, design_use_m3=36_000, monthly_split=split)
    assert not AnnualPlan.objects.exists()


def test_it_refuses_history_where_there_is_none(cast):
    with pytest.raises(ValidationError):
        actions.propose_plan(cast.xinglong, 2024, PlanMethod.HISTORY)
    assert not AnnualPlan.objects.exists()


def test_it_refuses_to_replace_an_issued_plan(cast):
    plan = issued_runhua_plan(cast)
    with pytest.raises(ValidationError):
        actions.propose_plan(cast.runhua, 2024, PlanMethod.DESIGN, design_use_m3=1_000)
    plan.refresh_from_db()
    assert plan.annual_volume_m3 == 121_367
    assert plan.method == PlanMethod.HISTORY


# --- review, issue, adjustment -----------------------------------------------


def test_it_reviews_and_issues_a_plan(cast):
    give_runhua_history(cast)
    plan = actions.propose_plan(cast.runhua, 2024, PlanMethod.HISTORY, by_user=cast.bureau_staff)
    actions.submit_plan_for_review(plan, cast.bureau_staff)
    actions.issue_plan(plan, cast.bureau_admin)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ISSUED
    assert plan.issued_by == cast.bureau_admin
    assert plan.issued_at is not None
    assert [record.status for record in plan.history.order_by("history_id")] == ["draft", "under_review", "issued"]
    with pytest.raises(ValidationError):
        actions.issue_plan(plan, cast.bureau_staff)


def test_it_approves_an_adjustment_on_last_years_shape_with_history(cast):
    plan = issued_runhua_plan(cast)
    request = actions.request_plan_adjustment(plan, cast.runhua_reporter, 130_000, "New dyeing line from May.")
    actions.decide_plan_adjustment(request, cast.bureau_admin, approve=True, note="Line seen on site.")
    plan.refresh_from_db()
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.APPROVED
    assert request.decided_by == cast.bureau_admin
    assert plan.annual_volume_m3 == 130_000
    # 130,000 × 10,000 / 121,000 = 10,743.80 (Jan–Nov), × 11,000 / 121,000 = 11,818.18 (Dec);
    # whole parts make 129,991, the 9 m³ left go to January–September (.80 beats .18)
    assert months_of(plan) == {**dict.fromkeys(range(1, 10), 10_744.0), 10: 10_743.0, 11: 10_743.0, 12: 11_818.0}
    latest, before = plan.history.order_by("-history_id")[:2]
    assert (latest.annual_volume_m3, latest.history_user) == (130_000, cast.bureau_admin)
    assert before.annual_volume_m3 == 121_367
    january = plan.months.get(month=1)
    assert [row.volume_m3 for row in january.history.order_by("history_id")] == [10_031.0, 10_744.0]
    assert plan.basis["adjustments"][0]["previous_volume_m3"] == 121_367


def test_it_approves_an_adjustment_with_the_requested_months(cast):
    plan = issued_runhua_plan(cast)
    months = {**dict.fromkeys(range(1, 13), 10_000.0), 12: 12_000.0}  # 122,000 m³
    request = actions.request_plan_adjustment(plan, cast.bureau_staff, 122_000, "Filed for the user.", months)
    actions.decide_plan_adjustment(request, cast.bureau_admin, approve=True)
    assert months_of(plan) == months


def test_it_leaves_the_plan_alone_when_an_adjustment_is_rejected(cast):
    plan = issued_runhua_plan(cast)
    request = actions.request_plan_adjustment(plan, cast.runhua_reporter, 200_000, "More orders.")
    actions.decide_plan_adjustment(request, cast.bureau_staff, approve=False, note="Not supported by orders.")
    plan.refresh_from_db()
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.REJECTED
    assert request.decision_note == "Not supported by orders."
    assert plan.annual_volume_m3 == 121_367
    with pytest.raises(ValidationError):
        actions.decide_plan_adjustment(request, cast.bureau_staff, approve=True)


def test_it_accepts_adjustments_only_for_issued_plans_one_at_a_time(cast):
    give_runhua_history(cast)
    draft = actions.propose_plan(cast.runhua, 2024, PlanMethod.HISTORY)
    with pytest.raises(ValidationError):
        actions.request_plan_adjustment(draft, cast.runhua_reporter, 130_000, "Too early.")
    actions.issue_plan(draft, cast.bureau_staff)
    actions.request_plan_adjustment(draft, cast.runhua_reporter, 130_000, "First.")
    with pytest.raises(ValidationError):
        actions.request_plan_adjustment(draft, cast.runhua_reporter, 140_000, "Second.")
    assert PlanAdjustmentRequest.objects.count() == 1


def test_it_stops_a_reporter_adjusting_another_enterprises_plan_or_deciding(cast):
    plan = issued_runhua_plan(cast)
    with pytest.raises(PermissionDenied):
        actions.request_plan_adjustment(plan, cast.xinglong_reporter, 130_000, "Not mine.")
    request = actions.request_plan_adjustment(plan, cast.runhua_reporter, 130_000, "Mine.")
    with pytest.raises(PermissionDenied):
        actions.decide_plan_adjustment(request, cast.runhua_reporter, approve=True)
    with pytest.raises(PermissionDenied):
        actions.issue_plan(plan, cast.runhua_reporter)


# --- pages -------------------------------------------------------------------


def test_it_lists_plans_with_search_and_pending_adjustments(client, cast):
    plan = issued_runhua_plan(cast)
    actions.propose_plan(cast.xinglong, 2024, PlanMethod.DESIGN, design_use_m3=36_000)
    actions.request_plan_adjustment(plan, cast.runhua_reporter, 130_000, "New line.")
    sign_in(client, cast.bureau_staff)
    everything = client.get(reverse("water:plan_list"))
    assert list(everything.context["page"]) == [plan, AnnualPlan.objects.get(water_user=cast.xinglong)]
    assert everything.context["pending_adjustment_count"] == 1
    assert (
        next(iter(client.get(reverse("water:plan_list"), {"search": "兴隆"}).context["page"])).water_user
        == cast.xinglong
    )
    assert list(client.get(reverse("water:plan_list"), {"pending_adjustments": "on"}).context["page"]) == [plan]
    assert (
        next(iter(client.get(reverse("water:plan_list"), {"status": "draft"}).context["page"])).water_user
        == cast.xinglong
    )


def test_it_shows_the_plan_and_how_it_was_worked_out(client, cast):
    plan = issued_runhua_plan(cast)
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2024, 1, 28), volume_m3=9_500)
    sign_in(client, cast.runhua_reporter)
    page = client.get(reverse("water:plan_detail", args=[plan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="plan-figure"' in html
    assert "121,367 m³" in html
    assert "110,333.33" in html  # ū
    assert 'id="adjustment-form"' in html
    assert 'id="issue-plan"' not in html
    chart = page.context["chart_data"]
    assert chart["planned"][0] == 10_031.0
    assert chart["actual"][:2] == [9_500.0, None]


def test_it_hides_other_enterprises_plans_and_drafts_from_a_reporter(client, cast):
    plan = issued_runhua_plan(cast)
    draft = actions.propose_plan(cast.runhua, 2025, PlanMethod.DESIGN, design_use_m3=10_000)
    sign_in(client, cast.xinglong_reporter)
    assert client.get(reverse("water:plan_detail", args=[plan.pk])).status_code == 404
    adjust_url = reverse("water:request_plan_adjustment", args=[plan.pk])
    assert client.get(adjust_url).status_code == 404
    assert client.post(adjust_url, {"requested_volume_m3": 1, "reason": "x"}).status_code == 404
    assert not PlanAdjustmentRequest.objects.exists()
    sign_in(client, cast.runhua_reporter)
    assert client.get(reverse("water:plan_detail", args=[draft.pk])).status_code == 404


def test_it_keeps_the_bureaus_buttons_from_a_reporter(client, cast):
    plan = issued_runhua_plan(cast)
    request = actions.request_plan_adjustment(plan, cast.runhua_reporter, 130_000, "New line.")
    sign_in(client, cast.runhua_reporter)
    assert client.get(reverse("water:plan_list")).status_code == 403
    assert client.post(reverse("water:plan_detail", args=[plan.pk]), {"action": "issue"}).status_code == 403
    decide_url = reverse("water:decide_plan_adjustment", args=[request.pk])
    assert client.post(decide_url, {"decision": "approve"}).status_code == 403
    request.refresh_from_db()
    assert request.status == AdjustmentStatus.PENDING


def test_it_files_a_reporters_adjustment_request_from_the_page(client, cast):
    plan = issued_runhua_plan(cast)
    sign_in(client, cast.runhua_reporter)
    response = client.post(
        reverse("water:request_plan_adjustment", args=[plan.pk]),
        {"requested_volume_m3": "130000", "reason": "New dyeing line."},
    )
    assert response.status_code == 302
    request = plan.adjustments.get()
    assert (request.requested_volume_m3, request.requested_by, request.requested_months) == (
        130_000,
        cast.runhua_reporter,
        [],
    )


def test_it_asks_for_all_twelve_months_or_none(client, cast):
    plan = issued_runhua_plan(cast)
    sign_in(client, cast.runhua_reporter)
    response = client.post(
        reverse("water:request_plan_adjustment", args=[plan.pk]),
        {"requested_volume_m3": "130000", "reason": "New line.", "month_1": "20000"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    with translation.override("en"):
        assert "Give all twelve months" in response.context["form"].errors["month_2"][0]
    assert not PlanAdjustmentRequest.objects.exists()


def test_it_decides_an_adjustment_from_the_page(client, cast):
    plan = issued_runhua_plan(cast)
    request = actions.request_plan_adjustment(plan, cast.runhua_reporter, 130_000, "New line.")
    sign_in(client, cast.bureau_staff)
    decide_url = reverse("water:decide_plan_adjustment", args=[request.pk])
    unexplained = client.post(decide_url, {"decision": "reject", "note": ""})
    assert "note" in unexplained.context["form"].errors
    assert client.post(decide_url, {"decision": "approve", "note": "Seen on site."}).status_code == 302
    plan.refresh_from_db()
    assert plan.annual_volume_m3 == 130_000


def test_it_proposes_and_issues_from_the_bureaus_pages(client, cast):
    quota = dyeing_quota()
    sign_in(client, cast.bureau_staff)
    form = {"water_user_code": "WJ0001", "year": "2024", "method": "quota", "quota_level": "general"}
    missing_output = client.post(reverse("water:plan_list"), {**form, "quota": quota.pk})
    assert "planned_output" in missing_output.context["propose_form"].errors
    assert not AnnualPlan.objects.exists()
    response = client.post(reverse("water:plan_list"), {**form, "quota": quota.pk, "planned_output": "25000"})
    plan = AnnualPlan.objects.get()
    assert response.url == reverse("water:plan_detail", args=[plan.pk])
    assert plan.annual_volume_m3 == 45_000
    sign_in(client, cast.bureau_admin)  # the second pair of eyes issues it
    client.post(reverse("water:issue_plan", args=[plan.pk]), {"confirm": "on"})
    plan.refresh_from_db()
    assert (plan.status, plan.issued_by) == (PlanStatus.ISSUED, cast.bureau_admin)


# --- compute_plans -------------------------------------------------------------


def run_compute_plans(**options):
    options.setdefault("by", "wangfang")
    if options.get("issue"):
        options.setdefault("issuer", "zhouhua")  # another account issues them (four-eyes)
    output = io.StringIO()
    call_command("compute_plans", stdout=output, stderr=io.StringIO(), **options)
    return output.getvalue()


def test_it_computes_the_years_plans_for_the_listed_users(cast):
    give_runhua_history(cast)
    cast.xinglong.design_annual_use_m3 = 36_000
    cast.xinglong.save()
    WaterUser.objects.create(code="WJ0003", name="无历史公司", kind=WaterUserKind.ENTERPRISE, town=cast.hutang)
    WaterUser.objects.create(
        code="WJ0004", name="候选公司", kind=WaterUserKind.ENTERPRISE, town=cast.hutang, planned_use_status="candidate"
    )
    output = run_compute_plans(year=2024, issue=True)
    assert "2 plans proposed, 2 issued, 0 already issued and left alone, 1 skipped" in output
    assert "WJ0003" in output
    plans = {plan.water_user.code: plan for plan in AnnualPlan.objects.all()}
    assert plans["WJ0001"].annual_volume_m3 == 121_367
    assert plans["WJ0002"].method == PlanMethod.DESIGN
    assert all(plan.status == PlanStatus.ISSUED for plan in plans.values())
    again = run_compute_plans(year=2024, issue=True)
    assert "0 plans proposed, 0 issued, 2 already issued and left alone" in again
    assert AnnualPlan.objects.count() == 2


def test_it_replaces_drafts_when_computed_again_and_names_the_author(cast):
    give_runhua_history(cast)
    run_compute_plans(year=2024)
    first = AnnualPlan.objects.get()
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2023, 12, 31), volume_m3=11_000)
    run_compute_plans(year=2024, by="wangfang")
    plan = AnnualPlan.objects.get()
    # 2023 now 132,000 m³: ū = 114,000, growth 10 % and 20 % → 15 %, capped at 10 %: 1.10 × 114,000 = 125,400 m³
    assert plan.pk == first.pk
    assert (plan.status, plan.annual_volume_m3) == (PlanStatus.DRAFT, 125_400)
    assert plan.history.latest("history_id").history_user == cast.bureau_staff

"""A project's whole life through the pages: application, review, approval, milestones, acceptance,
the saving measured from the meters, the subsidy decided and paid.

The measured figures are worked by hand from the cast's meter history (civic/programme/testing.py):
baseline use 3,000 + 20 × t ± 50 m³ (residuals orthogonal to production, so β = (3,000, 20) exactly),
SSE = 10 × 50² = 25,000, n − p = 10, RMSE = 50 m³, ȳ = 3,000 + 20 × 110 = 5,200 m³, CV = 0.0096154.
Reporting: the same production, 20 % less use: adjusted baseline 12 × 5,200 = 62,400 m³, use 49,920 m³,
saving 12,480 m³. Residuals alternate, ρ = −0.9 < 0, so n′ = n = 12; t(90 %, 10) = 1.8125;
ΔE = 1.26 × 1.8125 × 0.0096154 × 62,400 × √((1 + 2/12)/12) = 427.2 m³ (ASHRAE 14-2014 Annex B).
Subsidy (2025 rules of the cast): 12,480 m³ × ¥2 = ¥24,960 < 30 % × ¥1,000,000: ¥24,960.00.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from civic.programme import actions
from civic.programme.models import Project, Stage, SubsidyDecision
from civic.programme.testing import bind_reporter, project_at_verification, retrofit

APPLICATION = {
    "firm": "",
    "title": "染色车间逆流漂洗改造",
    "kind": "retrofit",
    "technology": "process",
    "site": "染色车间",
    "investment_yuan": "1200000",
    "eligible_investment_yuan": "1000000",
    "expected_annual_saving_m3": "12000",
}


def test_li_qiang_applies_for_his_firm_and_the_review_opens_for_the_office(cast, programme, li_qiang):
    response = li_qiang.post(reverse("programme:project_apply"), {**APPLICATION, "firm": programme.runhua.pk})
    project = Project.objects.get()
    assert response.status_code == 302
    assert project.firm == programme.runhua
    assert project.stage == Stage.REVIEW
    application, review = project.steps.order_by("pk")
    assert (application.stage, application.done_by, application.owner) == ("application", cast.runhua_reporter, "firm")
    assert review.stage == "review" and review.done_on is None and review.due_on is not None


def test_a_reporter_cannot_apply_in_another_firm_s_name(programme, zhao_min):
    response = zhao_min.post(reverse("programme:project_apply"), {**APPLICATION, "firm": programme.runhua.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Project.objects.exists()


def test_a_demonstration_must_name_a_demonstration_technology(programme, li_qiang):
    response = li_qiang.post(
        reverse("programme:project_apply"), {**APPLICATION, "firm": programme.runhua.pk, "kind": "demonstration"}
    )
    assert "one of the three demonstration technologies" in response.content.decode()


def test_the_office_reviews_approves_and_records_milestones_and_acceptance(cast, programme, office):
    project = actions.apply_for_project(retrofit(programme), cast.runhua_reporter, datetime.date(2024, 1, 10))
    number = project.number
    office.post(reverse("programme:project_review", args=[number]), {
        "reviewed_on": "2024-02-01", "expert_1": "张工", "technical_1": 42, "economic_1": 40, "opinion_1": "可行",
    })  # fmt: skip
    assert Project.objects.get().stage == Stage.APPROVAL
    office.post(reverse("programme:project_approval", args=[number]), {
        "decision": "approve", "decided_on": "2024-02-10",
        "milestones": "2024-04-01 设备采购\n2024-06-01 安装调试",
    })  # fmt: skip
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    first, second = project.steps.filter(stage="construction").order_by("pk")
    assert (first.title, first.due_on) == ("设备采购", datetime.date(2024, 4, 1))
    for step in (first, second):
        office.post(reverse("programme:milestone_done", args=[number, step.pk]), {"done_on": "2024-05-30"})
    assert Project.objects.get().stage == Stage.ACCEPTANCE
    office.post(reverse("programme:project_acceptance", args=[number]), {"done_on": "2024-06-20", "passed": "on"})
    assert Project.objects.get().stage == Stage.VERIFICATION
    page = office.get(reverse("programme:project_detail", args=[number])).content.decode()
    assert "Mean score 82.0 of 100" in page and "设备采购" in page


def test_a_milestone_without_a_valid_date_is_refused_by_line(cast, programme, office):
    project = actions.apply_for_project(retrofit(programme), cast.runhua_reporter, datetime.date(2024, 1, 10))
    project.stage = Stage.APPROVAL
    project.save()
    response = office.post(
        reverse("programme:project_approval", args=[project.number]),
        {"decision": "approve", "decided_on": "2024-02-10", "milestones": "2024-13-01 设备采购"},
        follow=True,
    )
    assert "Line 1: “2024-13-01” is not a date YYYY-MM-DD." in response.content.decode()
    assert Project.objects.get().stage == Stage.APPROVAL


@translation.override("en")  # the test reads the English message
def test_a_step_cannot_be_skipped(cast, programme):
    project = actions.apply_for_project(retrofit(programme), cast.runhua_reporter, datetime.date(2024, 1, 10))
    with pytest.raises(ValidationError, match="cannot be done now"):
        actions.record_acceptance(project, True, cast.bureau_staff, datetime.date(2024, 2, 1))


def test_the_saving_is_measured_from_the_meters_with_its_interval(cast, programme, office):
    project = project_at_verification(programme, cast)
    response = office.post(reverse("programme:project_verification", args=[project.number]), {
        "baseline_first": "2023-01", "baseline_last": "2023-12", "reporting_first": "2024-07",
        "reporting_last": "2025-06", "verified_on": "2025-07-10",
    })  # fmt: skip
    assert response.status_code == 302
    verification = project.verifications.get()
    assert verification.adjusted_baseline_m3 == pytest.approx(62_400)
    assert verification.reporting_use_m3 == pytest.approx(49_920)
    assert verification.savings_m3 == pytest.approx(12_480)
    assert verification.cv_rmse == pytest.approx(50 / 5200)
    assert verification.savings_ci90_high_m3 - 12_480 == pytest.approx(427.2, rel=1e-3)
    assert verification.certifiable
    assert Project.objects.get().stage == Stage.SUBSIDY_DECISION


def test_a_month_without_readings_is_named(cast, programme, office):
    project = project_at_verification(programme, cast)
    response = office.post(reverse("programme:project_verification", args=[project.number]), {
        "baseline_first": "2022-06", "baseline_last": "2023-12", "reporting_first": "2024-07",
        "reporting_last": "2025-06", "verified_on": "2025-07-10",
    })  # fmt: skip
    assert "No meter readings of the project&#x27;s meters in 2022-06." in response.content.decode()
    assert not project.verifications.exists()


def test_a_baseline_failing_the_fit_criteria_is_not_certified_and_the_project_waits(cast, programme):
    project = project_at_verification(programme, cast)
    programme.criteria.maximum_cv_rmse = 0.005
    programme.criteria.save()
    verification = actions.verify_savings(
        project, (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1)),
        (datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)), cast.bureau_staff, datetime.date(2025, 7, 10),
    )  # fmt: skip
    assert not verification.certifiable
    assert verification.reasons == ["cv_rmse 1.0% is above the 0.5% allowed (ASHRAE 14-2014 4.1.2)"]
    assert Project.objects.get().stage == Stage.VERIFICATION


def test_the_subsidy_is_decided_printed_and_paid(cast, programme, office, li_qiang):
    project = project_at_verification(programme, cast)
    actions.verify_savings(
        project, (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1)),
        (datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)), cast.bureau_staff, datetime.date(2025, 7, 10),
    )  # fmt: skip
    office.post(reverse("programme:subsidy_decide", args=[project.number]), {"decided_on": "2025-07-20"})
    decision = SubsidyDecision.objects.get()
    assert decision.amount_yuan == Decimal("24960.00")
    assert decision.limited_by == "saving"
    pdf = li_qiang.get(reverse("programme:decision_pdf", args=[project.number]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    office.post(
        reverse("programme:subsidy_payment", args=[project.number]),
        {"amount_yuan": "24960.00", "voucher": "GK2025-0001", "paid_on": "2025-08-01"},
    )
    assert Project.objects.get().stage == Stage.CLOSED
    assert decision.paid_yuan == Decimal("24960.00")


@translation.override("en")  # the test reads the English message
def test_a_payment_above_what_is_owed_is_refused(cast, programme):
    project = project_at_verification(programme, cast)
    actions.verify_savings(
        project, (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1)),
        (datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)), cast.bureau_staff, datetime.date(2025, 7, 10),
    )  # fmt: skip
    decision = actions.decide_subsidy(project, cast.bureau_staff, datetime.date(2025, 7, 20))
    with pytest.raises(ValidationError, match=r"at most the ¥24,960\.00 still owed"):
        actions.record_payment(decision, Decimal("30000"), "GK", cast.bureau_staff, datetime.date(2025, 8, 1))


def test_the_firm_cap_counts_what_the_firm_already_has_this_year(cast, programme):
    programme.policy.firm_annual_cap_yuan = Decimal("10000")
    programme.policy.save()
    project = project_at_verification(programme, cast)
    actions.verify_savings(
        project, (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1)),
        (datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)), cast.bureau_staff, datetime.date(2025, 7, 10),
    )  # fmt: skip
    decision = actions.decide_subsidy(project, cast.bureau_staff, datetime.date(2025, 7, 20))
    assert (decision.amount_yuan, decision.limited_by) == (Decimal("10000.00"), "firm_cap")


def test_overdue_steps_list_themselves(cast, programme, office):
    actions.apply_for_project(retrofit(programme), cast.runhua_reporter, datetime.date(2024, 1, 10))
    page = office.get(reverse("programme:overdue_list")).content.decode()
    assert "Expert review" in page and "2024-02-09" in page


def test_li_qiang_sees_only_his_firm_s_projects(cast, programme, li_qiang, zhao_min):
    bind_reporter(cast.xinglong_reporter, programme.xinglong)
    actions.apply_for_project(retrofit(programme), cast.runhua_reporter, datetime.date(2024, 1, 10))
    actions.apply_for_project(
        retrofit(programme, programme.xinglong, title="高炉冷却水串级利用"),
        cast.xinglong_reporter,
        datetime.date(2024, 1, 11),
    )
    runhua_page = li_qiang.get(reverse("programme:project_list")).content.decode()
    assert "染色车间逆流漂洗改造" in runhua_page and "高炉冷却水串级利用" not in runhua_page
    assert "高炉冷却水串级利用" in zhao_min.get(reverse("programme:project_list")).content.decode()


def test_a_failed_verification_stays_on_record_beside_a_later_certified_one(cast, programme):
    # Two verifications of one project are two rows: an earlier, failed one stays on record.
    project = project_at_verification(programme, cast)
    programme.criteria.minimum_baseline_periods = 24
    programme.criteria.save()
    first = actions.verify_savings(
        project, (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1)),
        (datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)), cast.bureau_staff, datetime.date(2025, 7, 10),
    )  # fmt: skip
    assert first.reasons == ["the baseline has 12 periods, fewer than the 24 required"]
    programme.criteria.minimum_baseline_periods = 12
    programme.criteria.save()
    actions.verify_savings(
        project, (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1)),
        (datetime.date(2024, 7, 1), datetime.date(2025, 6, 1)), cast.bureau_staff, datetime.date(2025, 7, 11),
    )  # fmt: skip
    assert [verification.certifiable for verification in project.verifications.order_by("pk")] == [False, True]


def test_li_qiang_reports_monthly_production_and_a_bad_line_keeps_nothing(cast, programme, li_qiang):
    project = actions.apply_for_project(retrofit(programme), cast.runhua_reporter, datetime.date(2024, 1, 10))
    url = reverse("programme:project_production", args=[project.number])
    page = li_qiang.post(url, {"lines": "2023-01 100\n2023-02 abc\n2023-03 90 12.5"}).content.decode()
    assert "Line 2: “2023-02 abc” is not a month and numbers." in page
    assert not project.production.exists()
    li_qiang.post(url, {"lines": "2023-01 100\n2023-02, 120\n2023-03 90 12.5"})
    li_qiang.post(url, {"lines": "2023-01 105"})
    assert list(project.production.values_list("production", "cooling_degree_days")) == [
        (105.0, None),
        (120.0, None),
        (90.0, 12.5),
    ]


def test_a_withdrawn_project_s_number_is_not_given_again(cast, programme, office):
    # Counting the year's projects gave JS2024002 twice once the first of two was deleted: with
    # JS2024001 gone, the count is 1 and the next number 002, already JS2024002's (a unique clash).
    on = datetime.date(2024, 3, 1)
    first = actions.apply_for_project(retrofit(programme), cast.bureau_staff, on)
    second = actions.apply_for_project(retrofit(programme, title="冷却水循环改造"), cast.bureau_staff, on)
    assert (first.number, second.number) == ("JS2024001", "JS2024002")
    first.delete()
    third = actions.apply_for_project(retrofit(programme, title="中水回用"), cast.bureau_staff, on)
    assert third.number == "JS2024003"

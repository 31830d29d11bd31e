"""Writes of the programme: each step of a project's life in one transaction, with its dated step record.

A project moves application → expert review → approval → construction
(milestones) → acceptance → savings verification → subsidy decision →
payment. Each function checks the project is at the stage it acts on, so a
step cannot be skipped or done twice, records who did it and when, and opens
the next step with its deadline for whoever owns it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from civic.core.models import User
from civic.core.numbering import next_number
from civic.programme.models import (
    ExpertReview,
    FitCriteriaRule,
    MonthlyProduction,
    Project,
    ProjectStep,
    SavingsVerification,
    Stage,
    StepOwner,
    SubsidyDecision,
    SubsidyPayment,
    SubsidyPolicy,
)
from civic.water.models import MeterReading
from hydro.savings import FitCriteria, estimate_savings
from hydro.subsidy import SubsidyCalculation, SubsidyRules, subsidy

# Days the owner of each next step has to do it (the county's service pledge; data in a later revision).
STEP_DAYS: dict[str, int] = {
    Stage.REVIEW: 30,
    Stage.APPROVAL: 15,
    Stage.ACCEPTANCE: 30,
    Stage.VERIFICATION: 400,
    Stage.SUBSIDY_DECISION: 30,
    Stage.PAYMENT: 30,
}
STEP_TITLES: dict[str, str] = {
    Stage.APPLICATION: "Application filed",
    Stage.REVIEW: "Expert review",
    Stage.APPROVAL: "Approval decision",
    Stage.ACCEPTANCE: "Acceptance inspection",
    Stage.VERIFICATION: "Savings verification from the meters",
    Stage.SUBSIDY_DECISION: "Subsidy decision",
    Stage.PAYMENT: "Subsidy payment",
}
MONTHS_PER_YEAR = 12


class StageError(ValidationError):
    """The project is not at the stage this step acts on."""


def _require_stage(project: Project, *stages: str) -> None:
    if project.stage not in stages:
        raise StageError(
            _("Project %(number)s is at stage “%(stage)s”: this step cannot be done now.")
            % {"number": project.number, "stage": project.get_stage_display()}
        )


def _open_step(project: Project, stage: str, on: datetime.date, owner: str = StepOwner.BUREAU) -> ProjectStep:
    due_on = on + datetime.timedelta(days=STEP_DAYS[stage]) if stage in STEP_DAYS else None
    return ProjectStep.objects.create(
        project=project, stage=stage, title=STEP_TITLES[stage], owner=owner, due_on=due_on
    )


def _close_step(
    project: Project, stage: str, by: User, on: datetime.date, note: str = "", document: UploadedFile | None = None
) -> ProjectStep:
    step = project.steps.filter(stage=stage, done_on__isnull=True).order_by("pk").first()
    if step is None:
        step = ProjectStep(project=project, stage=stage, title=STEP_TITLES.get(stage, stage))
    step.done_on, step.done_by, step.note = on, by, note
    if document is not None:
        step.document = document
    step.save()
    return step


def _move(project: Project, stage: str) -> None:
    project.stage = stage
    project.save(update_fields=["stage"])


def next_project_number(year: int) -> str:
    """JS<year><serial>, from the projects' own counter (`civic.core.numbering`)."""
    return next_number(Project, f"JS{year}", 3)


@transaction.atomic
def apply_for_project(
    project: Project, by: User, on: datetime.date, note: str = "", document: UploadedFile | None = None
) -> Project:
    """File an application (the firm's reporter or the bureau on its behalf) and open the expert review."""
    project.number = project.number or next_project_number(on.year)
    project.applied_on = on
    project.stage = Stage.REVIEW
    project.full_clean()
    project.save()
    ProjectStep.objects.create(
        project=project,
        stage=Stage.APPLICATION,
        title=STEP_TITLES[Stage.APPLICATION],
        owner=StepOwner.FIRM,
        done_on=on,
        done_by=by,
        note=note,
        document=document or "",
    )
    _open_step(project, Stage.REVIEW, on)
    return project


@transaction.atomic
def record_review(project: Project, reviews: list[ExpertReview], by: User, on: datetime.date) -> None:
    """Record the experts' scores and opinions; the project goes to the approval decision."""
    _require_stage(project, Stage.REVIEW)
    if not reviews:
        raise ValidationError(_("An expert review needs at least one expert's scores."))
    for review in reviews:
        review.project = project
        review.full_clean()
        review.save()
    mean = sum(review.total_score for review in reviews) / len(reviews)
    _close_step(project, Stage.REVIEW, by, on, _("Mean score %(score).1f of 100") % {"score": mean})
    _move(project, Stage.APPROVAL)
    _open_step(project, Stage.APPROVAL, on)


@transaction.atomic
def decide_approval(
    project: Project,
    approved: bool,
    milestones: list[tuple[str, datetime.date]],
    by: User,
    on: datetime.date,
    note: str = "",
) -> None:
    """Approve the project with its construction milestones and deadlines, or reject it."""
    _require_stage(project, Stage.APPROVAL)
    _close_step(project, Stage.APPROVAL, by, on, note or (_("Approved") if approved else _("Rejected")))
    if not approved:
        _move(project, Stage.REJECTED)
        return
    if not milestones:
        raise ValidationError(_("An approved project needs at least one construction milestone with its deadline."))
    for title, due_on in milestones:
        ProjectStep.objects.create(
            project=project, stage=Stage.CONSTRUCTION, title=title, owner=StepOwner.FIRM, due_on=due_on
        )
    _move(project, Stage.CONSTRUCTION)


@transaction.atomic
def complete_milestone(
    step: ProjectStep, by: User, on: datetime.date, note: str = "", document: UploadedFile | None = None
) -> None:
    """Record a construction milestone reached; when the last is, acceptance opens."""
    _require_stage(step.project, Stage.CONSTRUCTION)
    if step.stage != Stage.CONSTRUCTION or step.done_on is not None:
        raise ValidationError(_("This milestone is already recorded."))
    step.done_on, step.done_by, step.note = on, by, note
    if document is not None:
        step.document = document
    step.save()
    project = step.project
    if not project.steps.filter(stage=Stage.CONSTRUCTION, done_on__isnull=True).exists():
        _move(project, Stage.ACCEPTANCE)
        _open_step(project, Stage.ACCEPTANCE, on)


@transaction.atomic
def record_acceptance(
    project: Project, passed: bool, by: User, on: datetime.date, note: str = "", document: UploadedFile | None = None
) -> None:
    """Record the acceptance inspection; a pass opens the savings verification after a year of use."""
    _require_stage(project, Stage.ACCEPTANCE)
    if not passed:
        _close_step(project, Stage.ACCEPTANCE, by, on, note or _("Not passed: to be inspected again"), document)
        _open_step(project, Stage.ACCEPTANCE, on)
        return
    _close_step(project, Stage.ACCEPTANCE, by, on, note or _("Passed"), document)
    _move(project, Stage.VERIFICATION)
    _open_step(project, Stage.VERIFICATION, on)


# --- Savings verification -------------------------------------------------------


@transaction.atomic
def record_production(project: Project, months: list[tuple[datetime.date, float, float | None]]) -> int:
    """Store the site's production (and cooling degree days) per month; a month given again is replaced."""
    for month, production, cooling_degree_days in months:
        MonthlyProduction.objects.update_or_create(
            project=project,
            month=month,
            defaults={"production": production, "cooling_degree_days": cooling_degree_days},
        )
    return len(months)


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date
    use_m3: float | None
    production: float | None
    cooling_degree_days: float | None


def month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def metered_months(project: Project, first: datetime.date, last: datetime.date) -> list[MonthRow]:
    """Use of the project's meters and the site's production in each month from `first` to `last`."""
    months = month_starts(first, last)
    end = (months[-1] + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    use = {(year, month): float(total) for year, month, total in _use_rows(project, months[0], end)}
    production = {row.month: row for row in MonthlyProduction.objects.filter(project=project, month__in=months)}
    return [
        MonthRow(
            month=month,
            use_m3=use.get((month.year, month.month)),
            production=production[month].production if month in production else None,
            cooling_degree_days=production[month].cooling_degree_days if month in production else None,
        )
        for month in months
    ]


def _use_rows(project: Project, first: datetime.date, last: datetime.date) -> list[tuple[int, int, float]]:
    return list(
        MeterReading.objects.filter(meter__in=project.meters.all(), reading_date__range=(first, last))
        .values("reading_date__year", "reading_date__month")
        .annotate(total=models.Sum("volume_m3"))
        .values_list("reading_date__year", "reading_date__month", "total")
    )


def criteria_in_force(on: datetime.date) -> FitCriteriaRule:
    rule = FitCriteriaRule.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    if rule is None:
        raise ValidationError(_("No fit criteria of measured savings are in force on %(day)s.") % {"day": on})
    return rule


def _criteria(rule: FitCriteriaRule) -> FitCriteria:
    return FitCriteria(
        effective_from=rule.effective_from,
        maximum_cv_rmse=rule.maximum_cv_rmse,
        maximum_absolute_nmbe=rule.maximum_absolute_nmbe,
        maximum_fractional_uncertainty=rule.maximum_fractional_uncertainty,
        uncertainty_confidence=rule.uncertainty_confidence,
        minimum_baseline_periods=rule.minimum_baseline_periods,
        correct_for_autocorrelation=rule.correct_for_autocorrelation,
    )


def _check_complete(rows: list[MonthRow]) -> None:
    for row in rows:
        if row.use_m3 is None:
            raise ValidationError(
                _("No meter readings of the project's meters in %(month)s.") % {"month": f"{row.month:%Y-%m}"}
            )
        if row.production is None:
            raise ValidationError(_("No production figure for %(month)s.") % {"month": f"{row.month:%Y-%m}"})


def _regressor_table(rows: list[MonthRow], with_weather: bool) -> list[list[float]]:
    return [
        [float(row.production or 0.0)] + ([float(row.cooling_degree_days or 0.0)] if with_weather else [])
        for row in rows
    ]


@transaction.atomic
def verify_savings(
    project: Project,
    baseline: tuple[datetime.date, datetime.date],
    reporting: tuple[datetime.date, datetime.date],
    by: User,
    on: datetime.date,
) -> SavingsVerification:
    """Measure the saving with ``hydro.savings.estimate_savings`` on the metered months before and after.

    Regressors: the site's production, and cooling degree days when every
    month has them. The saving over the reporting months is scaled to a year
    for the subsidy.
    """
    _require_stage(project, Stage.VERIFICATION)
    if baseline[1] >= reporting[0]:
        raise ValidationError(_("The baseline must end before the reporting period begins."))
    before, after = metered_months(project, *baseline), metered_months(project, *reporting)
    _check_complete(before + after)
    with_weather = all(row.cooling_degree_days is not None for row in before + after)
    names = ["production"] + (["cooling_degree_days"] if with_weather else [])
    rule = criteria_in_force(on)
    try:
        estimate = estimate_savings(
            [float(row.use_m3 or 0.0) for row in before],
            _regressor_table(before, with_weather),
            [float(row.use_m3 or 0.0) for row in after],
            _regressor_table(after, with_weather),
            names,
            _criteria(rule),
        )
    except ValueError as error:
        raise ValidationError(str(error)) from None
    verification = SavingsVerification.objects.create(
        project=project,
        baseline_first_month=before[0].month,
        baseline_last_month=before[-1].month,
        reporting_first_month=after[0].month,
        reporting_last_month=after[-1].month,
        criteria=rule,
        regressors=names,
        savings_m3=estimate.savings_m3,
        savings_ci90_low_m3=estimate.savings_ci90_m3[0],
        savings_ci90_high_m3=estimate.savings_ci90_m3[1],
        adjusted_baseline_m3=estimate.adjusted_baseline_m3,
        reporting_use_m3=estimate.reporting_use_m3,
        annual_saving_m3=estimate.savings_m3 * MONTHS_PER_YEAR / estimate.reporting_periods,
        cv_rmse=estimate.model.cv_rmse,
        nmbe=estimate.model.nmbe,
        r2=estimate.model.r2,
        certifiable=estimate.certifiable,
        reasons=list(estimate.reasons),
        months=[_month_json(row, "baseline") for row in before] + [_month_json(row, "reporting") for row in after],
        verified_on=on,
        verified_by=by,
    )
    if estimate.certifiable:
        _close_step(
            project,
            Stage.VERIFICATION,
            by,
            on,
            _("Saving certified: %(saving).0f m³ a year") % {"saving": verification.annual_saving_m3},
        )
        _move(project, Stage.SUBSIDY_DECISION)
        _open_step(project, Stage.SUBSIDY_DECISION, on)
    return verification


def _month_json(row: MonthRow, period: str) -> dict[str, Any]:
    return {
        "month": f"{row.month:%Y-%m}",
        "period": period,
        "use_m3": row.use_m3,
        "production": row.production,
        "cooling_degree_days": row.cooling_degree_days,
    }


# --- Subsidies ------------------------------------------------------------------


def policy_for(year: int) -> SubsidyPolicy:
    policy = SubsidyPolicy.objects.filter(year=year).first()
    if policy is None:
        raise ValidationError(_("There is no subsidy policy for %(year)d.") % {"year": year})
    return policy


def rules_of(policy: SubsidyPolicy) -> SubsidyRules:
    return SubsidyRules(
        effective_from=policy.effective_from,
        amount_per_m3_yuan=policy.amount_per_m3_yuan,
        investment_share=policy.investment_share,
        project_cap_yuan=policy.project_cap_yuan,
        firm_annual_cap_yuan=policy.firm_annual_cap_yuan,
        demonstration_bonus_share=policy.demonstration_bonus_share,
        annual_budget_yuan=policy.annual_budget_yuan,
    )


def committed_yuan(year: int, firm_id: int | None = None) -> Decimal:
    decisions = SubsidyDecision.objects.filter(decided_on__year=year)
    if firm_id is not None:
        decisions = decisions.filter(project__firm_id=firm_id)
    return decisions.aggregate(total=models.Sum("amount_yuan"))["total"] or Decimal("0")


def latest_certified(project: Project) -> SavingsVerification | None:
    return project.verifications.filter(certifiable=True).order_by("-verified_on", "-pk").first()


def propose_subsidy(
    project: Project, on: datetime.date
) -> tuple[SubsidyPolicy, SavingsVerification, SubsidyCalculation]:
    """The subsidy the year's policy gives the project's latest certified saving (not yet decided)."""
    verification = latest_certified(project)
    if verification is None:
        raise ValidationError(_("The project has no certified saving to pay for."))
    policy = policy_for(on.year)
    calculation = subsidy(
        rules_of(policy),
        verification.annual_saving_m3,
        project.eligible_investment_yuan,
        project.is_demonstration,
        committed_yuan(on.year, project.firm_id),
        committed_yuan(on.year),
    )
    return policy, verification, calculation


@transaction.atomic
def decide_subsidy(project: Project, by: User, on: datetime.date) -> SubsidyDecision:
    """Decide the subsidy under the year's policy; a commitment against the year's budget."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_stage(project, Stage.SUBSIDY_DECISION)
    policy, verification, calculation = propose_subsidy(project, on)
    decision = SubsidyDecision.objects.create(
        project=project,
        number=next_number(SubsidyDecision, f"JB{on.year}", 3),
        policy=policy,
        verification=verification,
        amount_yuan=calculation.amount_yuan,
        limited_by=calculation.limited_by,
        working={key: str(value) for key, value in calculation.__dict__.items()},
        decided_on=on,
        decided_by=by,
    )
    _close_step(project, Stage.SUBSIDY_DECISION, by, on, f"{decision.number} ¥{decision.amount_yuan:,.2f}")
    if decision.amount_yuan > 0:
        _move(project, Stage.PAYMENT)
        _open_step(project, Stage.PAYMENT, on)
    else:
        _move(project, Stage.CLOSED)
    return decision


@transaction.atomic
def record_payment(
    decision: SubsidyDecision, amount_yuan: Decimal, voucher: str, by: User, on: datetime.date
) -> SubsidyPayment:
    """Record a payment of a decided subsidy; the project closes when it is paid in full."""
    project = decision.project
    _require_stage(project, Stage.PAYMENT)
    outstanding = decision.amount_yuan - decision.paid_yuan
    if amount_yuan <= 0 or amount_yuan > outstanding:
        raise ValidationError(
            _("A payment must be more than zero and at most the ¥%(outstanding)s still owed.")
            % {"outstanding": f"{outstanding:,.2f}"}
        )
    payment = SubsidyPayment.objects.create(
        decision=decision, amount_yuan=amount_yuan, voucher=voucher, paid_on=on, paid_by=by
    )
    if amount_yuan == outstanding:
        _close_step(project, Stage.PAYMENT, by, on, voucher)
        _move(project, Stage.CLOSED)
    return payment

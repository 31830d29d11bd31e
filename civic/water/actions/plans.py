"""Writes of annual water plans: proposing, reviewing, issuing and adjusting, each in one transaction."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from civic.core.models import User
from civic.water import notify
from civic.water.access import may_request_adjustment
from civic.water.models import (
    AdjustmentStatus,
    AnnualPlan,
    MonthlyPlan,
    PlanAdjustmentRequest,
    PlanMethod,
    PlanningParameters,
    PlanStatus,
    QuotaLevel,
    WaterQuota,
    WaterUser,
)
from hydro import planning


def planning_parameters_for(year: int) -> PlanningParameters:
    """The county's planning rule in force on 1 January of the plan year."""
    parameters = (
        PlanningParameters.objects.filter(effective_from__lte=datetime.date(year, 1, 1))
        .order_by("-effective_from")
        .first()
    )
    if parameters is None:
        raise ValidationError(_("No planning parameters are in force on 1 January %(year)s."), params={"year": year})
    return parameters


def usage_history(water_user: WaterUser, year: int, today: datetime.date | None = None) -> list[tuple[int, float]]:
    """Metered use of the years that enter `year`'s plan: the latest unbroken run of complete years among the three
    before it (see `hydro.planning.complete_history_years`; `today` is the drafting day, by default today)."""
    complete = set(history_years(water_user, year, today))
    yearly_use = water_user.yearly_use_m3(year - planning.MAXIMUM_HISTORY_YEARS, year - 1)
    history: list[tuple[int, float]] = []
    for past_year in range(year - 1, year - 1 - planning.MAXIMUM_HISTORY_YEARS, -1):
        use = yearly_use.get(past_year) if past_year in complete else None
        if use is None and history:
            break  # a gap would turn two years' change into one year's growth
        if use is not None:
            history.insert(0, (past_year, use))
    return history


def history_years(water_user: WaterUser, year: int, today: datetime.date | None = None) -> list[int]:
    """The complete years of the user's use among the three before `year`, as of `today` (by default today)."""
    return planning.complete_history_years(
        year, water_user.metered_since(), water_user.read_until(), today or timezone.localdate()
    )


def incomplete_years(water_user: WaterUser, year: int, today: datetime.date | None = None) -> list[int]:
    """Years before `year` with readings that a plan leaves out: unfinished, joined part-way or not read to the end."""
    with_readings = water_user.yearly_use_m3(year - planning.MAXIMUM_HISTORY_YEARS, year - 1)
    complete = set(history_years(water_user, year, today))
    return sorted(past_year for past_year in with_readings if past_year not in complete)


def split_problem_message(problem: planning.SplitProblem) -> str:
    """A monthly-split problem from `hydro.planning`, said to the user in their language."""
    months = ", ".join(str(month) for month in problem.months)
    messages = {
        "missing_months": _("Months missing: %(months)s.") % {"months": months},
        "unknown_months": _("Not months of the year: %(months)s.") % {"months": months},
        "negative_months": _("Negative volume in months: %(months)s.") % {"months": months},
        "sum_differs": _("The months add up to %(difference)s m³ off the annual volume; allowed is 1 m³.")
        % {"difference": f"{problem.difference_m3:+,.0f}"},
    }
    return str(messages[problem.kind])


def whole_cubic_metres(volume_m3: float) -> float:
    """Plans are issued in whole m³, rounding halves up."""
    return float(math.floor(volume_m3 + 0.5))


def reasonable_use_coefficient_for(
    water_user: WaterUser, parameters: PlanningParameters, entered: float | None
) -> tuple[float, str]:
    """The coefficient k of a plan and where it comes from: entered for this plan, the user's own (from its water
    balance test, GB/T 12452) or the county's ([PLAN-RULE-QA]: k is set by the water balance test)."""
    if entered is not None:
        return entered, "entered"
    if water_user.reasonable_use_coefficient is not None:
        return water_user.reasonable_use_coefficient, "water_balance_test"
    return parameters.reasonable_use_coefficient, "county"


def _history_basis(
    water_user: WaterUser, year: int, today: datetime.date | None, coefficient: float | None
) -> tuple[float, dict[str, Any]]:
    parameters = planning_parameters_for(year)
    history = usage_history(water_user, year, today)
    if not history:
        raise ValidationError(
            _(
                "%(user)s has no complete year of metered use in the three years before %(year)s: "
                "a user with less than a year of use is planned on its design use."
            ),
            params={"user": water_user, "year": year},
        )
    k, k_source = reasonable_use_coefficient_for(water_user, parameters, coefficient)
    worked = planning.plan_from_history([use for _year, use in history], k, parameters.maximum_growth_rate)
    return worked.volume_m3, {
        "years": [past_year for past_year, _use in history],
        "years_left_out": incomplete_years(water_user, year, today),
        "annual_uses_m3": [use for _year, use in history],
        "growth_rates": list(worked.growth_rates),
        "mean_use_m3": worked.mean_use_m3,
        "mean_growth_rate": worked.mean_growth_rate,
        "applied_growth_rate": worked.applied_growth_rate,
        "reasonable_use_coefficient": k,
        "reasonable_use_coefficient_source": k_source,
        "water_balance_test_on": _iso(water_user.water_balance_test_on) if k_source == "water_balance_test" else None,
        "maximum_growth_rate": parameters.maximum_growth_rate,
        "parameters_effective_from": parameters.effective_from.isoformat(),
    }


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()


def quota_value(quota: WaterQuota, level: str) -> float | None:
    """The quota's value at a level (通用值, 先进值 or 领先值), or None when the table gives none."""
    values = {
        QuotaLevel.GENERAL: quota.general_value,
        QuotaLevel.ADVANCED: quota.advanced_value,
        QuotaLevel.LEADING: quota.leading_value,
    }
    return values[QuotaLevel(level)]


def _quota_in_force(quota: WaterQuota, year: int) -> bool:
    starts_in_time = quota.effective_from <= datetime.date(year, 12, 31)
    return starts_in_time and (quota.effective_to is None or quota.effective_to >= datetime.date(year, 1, 1))


def _quota_basis(
    quota: WaterQuota | None, level: str, planned_output: float | None, year: int
) -> tuple[float, dict[str, Any]]:
    if quota is None or planned_output is None:
        raise ValidationError(_("The quota method needs a quota and the planned output."))
    if not _quota_in_force(quota, year):
        raise ValidationError(
            _("The quota %(quota)s is not in force in %(year)s."), params={"quota": quota, "year": year}
        )
    value = quota_value(quota, level)
    if value is None:
        raise ValidationError(_("The quota %(quota)s has no value at this level."), params={"quota": quota})
    volume = planning.plan_from_quota(value, planned_output)
    return volume, {
        "quota_id": quota.pk,
        "quota": str(quota),
        "quota_unit": quota.unit,
        "quota_level": level,
        "quota_value": value,
        "quota_source": quota.source_standard,
        "planned_output": planned_output,
    }


def _design_basis(
    water_user: WaterUser, year: int, design_use_m3: float | None, today: datetime.date | None
) -> tuple[float, dict[str, Any]]:
    entered = design_use_m3 is not None
    value = design_use_m3 if entered else water_user.design_annual_use_m3
    if value is None:
        raise ValidationError(_("%(user)s has no design use on the register; enter one."), params={"user": water_user})
    return planning.plan_from_design(value), {
        "design_use_m3": value,
        "design_use_source": "entered" if entered else "register",
        # [PLAN-RULE-QA] item 4: less than a year of use is planned on the design use; say which years fell short.
        "years_left_out": incomplete_years(water_user, year, today),
    }


def _work_out_annual_volume(
    water_user: WaterUser,
    year: int,
    method: str,
    *,
    quota: WaterQuota | None,
    quota_level: str,
    planned_output: float | None,
    design_use_m3: float | None,
    today: datetime.date | None,
    coefficient: float | None,
) -> tuple[float, dict[str, Any]]:
    if method == PlanMethod.HISTORY:
        return _history_basis(water_user, year, today, coefficient)
    if method == PlanMethod.QUOTA:
        return _quota_basis(quota, quota_level, planned_output, year)
    if method == PlanMethod.DESIGN:
        return _design_basis(water_user, year, design_use_m3, today)
    raise ValidationError(_("Unknown plan method %(method)s."), params={"method": method})


def _monthly_volumes(
    water_user: WaterUser,
    year: int,
    annual_volume_m3: float,
    monthly_split: Mapping[int, float] | None,
    today: datetime.date | None,
) -> tuple[dict[int, float], dict[str, Any]]:
    """The user's proposed split when given (checked), else the shape of its latest complete year of use."""
    if monthly_split is not None:
        problems = planning.check_monthly_split(annual_volume_m3, monthly_split)
        if problems:
            raise ValidationError([split_problem_message(problem) for problem in problems])
        return {month: float(monthly_split[month]) for month in planning.MONTHS}, {"split": "proposed"}
    return shaped_months(water_user, year, annual_volume_m3, today)


def shaped_months(
    water_user: WaterUser, year: int, annual_volume_m3: float, today: datetime.date | None = None
) -> tuple[dict[int, float], dict[str, Any]]:
    """An annual volume split in the shape of the user's latest complete year, or equally without one.

    An unfinished year would not do: with only January read, the other months would each take
    January's use and the split would come out flat.
    """
    complete = history_years(water_user, year, today)
    if not complete:
        return planning.split_by_shape(annual_volume_m3, None), {"split": "equal", "reference_year": None}
    reference_year = complete[-1]
    reference = water_user.monthly_use_m3(reference_year)
    shape = "last_year_shape" if any(volume > 0 for volume in reference.values()) else "equal"
    return planning.split_by_shape(annual_volume_m3, reference), {"split": shape, "reference_year": reference_year}


def save_with_author(record: models.Model, author: User | None) -> None:
    """Save so that the history row names who made the change, also outside a web request."""
    if author is not None:
        # django-simple-history's documented hook, read when the history row is written; Model does not declare it
        record._history_user = author  # type: ignore[attr-defined]
    record.save()


def _write_months(plan: AnnualPlan, volumes: Mapping[int, float], author: User | None) -> None:
    """Update the twelve month rows in place, so each month keeps its own history."""
    rows = {row.month: row for row in plan.months.all()}
    if not rows:
        _create_months(plan, volumes, author)
        return
    for month in planning.MONTHS:
        row = rows.get(month) or MonthlyPlan(plan=plan, month=month)
        if row.pk is not None and row.volume_m3 == volumes[month]:
            continue
        row.volume_m3 = volumes[month]
        save_with_author(row, author)


def _create_months(plan: AnnualPlan, volumes: Mapping[int, float], author: User | None) -> None:
    """A new plan's twelve months and their history rows, in one insert each."""
    months = [MonthlyPlan(plan=plan, month=month, volume_m3=volumes[month]) for month in planning.MONTHS]
    bulk_create_with_history(months, MonthlyPlan, default_user=author)


@transaction.atomic
def propose_plan(
    water_user: WaterUser,
    year: int,
    method: str,
    *,
    quota: WaterQuota | None = None,
    quota_level: str = QuotaLevel.GENERAL,
    planned_output: float | None = None,
    design_use_m3: float | None = None,
    monthly_split: Mapping[int, float] | None = None,
    by_user: User | None = None,
    today: datetime.date | None = None,
    reasonable_use_coefficient: float | None = None,
) -> AnnualPlan:
    """Create or replace the user's draft plan for `year` and its twelve months; an issued plan stays.

    `today` is the drafting day (by default today): only years complete by then count as history.
    `reasonable_use_coefficient` overrides the user's own and the county's for this plan.
    """
    plan = AnnualPlan.objects.select_for_update().filter(water_user=water_user, year=year).first()
    if plan is not None and plan.status == PlanStatus.ISSUED:
        raise ValidationError(
            _("The %(year)s plan of %(user)s is issued; change it by an adjustment request."),
            params={"year": year, "user": water_user},
        )
    computed_m3, basis = _work_out_annual_volume(
        water_user,
        year,
        method,
        quota=quota,
        quota_level=quota_level,
        planned_output=planned_output,
        design_use_m3=design_use_m3,
        today=today,
        coefficient=reasonable_use_coefficient,
    )
    annual_m3 = whole_cubic_metres(computed_m3)
    months, split_basis = _monthly_volumes(water_user, year, annual_m3, monthly_split, today)
    plan = plan or AnnualPlan(water_user=water_user, year=year)
    plan.method, plan.annual_volume_m3, plan.status = method, annual_m3, PlanStatus.DRAFT
    plan.basis = {"method": method, "computed_volume_m3": computed_m3, **basis, **split_basis}
    plan.issued_at, plan.issued_by = None, None
    plan.proposed_by = by_user
    save_with_author(plan, by_user)
    _write_months(plan, months, by_user)
    return plan


def propose_plan_by_default_method(
    water_user: WaterUser, year: int, by_user: User | None = None, today: datetime.date | None = None
) -> AnnualPlan | None:
    """A draft from complete years of use where there are some, else (less than a year of use) from the design
    use ([PLAN-RULE-QA] item 4); None when the user has neither."""
    if usage_history(water_user, year, today):
        return propose_plan(water_user, year, PlanMethod.HISTORY, by_user=by_user, today=today)
    if water_user.design_annual_use_m3 is not None:
        return propose_plan(water_user, year, PlanMethod.DESIGN, by_user=by_user, today=today)
    return None


def _require_bureau(user: User | None) -> None:
    if user is not None and not user.is_bureau:
        raise PermissionDenied


def submit_plan_for_review(plan: AnnualPlan, by_user: User | None = None) -> AnnualPlan:
    """Send a draft to the bureau's review (审核) before it is issued."""
    _require_bureau(by_user)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be sent for review."))
    plan.status = PlanStatus.UNDER_REVIEW
    save_with_author(plan, by_user)
    return plan


def issue_plan(plan: AnnualPlan, by_user: User | None) -> AnnualPlan:
    """Issue (下达) a draft or reviewed plan to the water user; a second person issues what one proposed."""
    _require_bureau(by_user)
    if plan.status == PlanStatus.ISSUED:
        raise ValidationError(_("This plan is already issued."))
    if by_user is not None and plan.proposed_by_id == by_user.pk:
        raise ValidationError(_("You proposed this plan: another member of the office issues it (four-eyes rule)."))
    plan.status, plan.issued_at, plan.issued_by = PlanStatus.ISSUED, timezone.now(), by_user
    save_with_author(plan, by_user)
    notify.plan_issued(plan)
    return plan


def request_plan_adjustment(
    plan: AnnualPlan,
    requested_by: User,
    requested_volume_m3: float,
    reason: str,
    requested_months: Mapping[int, float] | None = None,
) -> PlanAdjustmentRequest:
    """File a request to change an issued plan: by the user's own reporter, or by the bureau on its behalf."""
    if not may_request_adjustment(requested_by, plan):
        raise PermissionDenied
    if plan.status != PlanStatus.ISSUED:
        raise ValidationError(_("Only an issued plan can be adjusted."))
    if plan.adjustments.filter(status=AdjustmentStatus.PENDING).exists():
        raise ValidationError(_("This plan already has an adjustment request waiting for a decision."))
    requested_volume_m3 = whole_cubic_metres(requested_volume_m3)
    if requested_volume_m3 <= 0 or not reason.strip():
        raise ValidationError(_("An adjustment request needs a positive annual volume and a reason."))
    if requested_months is not None:
        problems = planning.check_monthly_split(requested_volume_m3, requested_months)
        if problems:
            raise ValidationError([split_problem_message(problem) for problem in problems])
    request = PlanAdjustmentRequest(
        plan=plan,
        requested_volume_m3=requested_volume_m3,
        requested_months=[float(requested_months[month]) for month in planning.MONTHS] if requested_months else [],
        reason=reason.strip(),
        requested_by=requested_by,
    )
    save_with_author(request, requested_by)
    return request


def _adjusted_months(request: PlanAdjustmentRequest, annual_m3: float) -> dict[int, float]:
    """The requested split when the user gave one, else the shape of the latest complete year."""
    if request.requested_months:
        return dict(zip(planning.MONTHS, request.requested_months, strict=True))
    months, _basis = shaped_months(request.plan.water_user, request.plan.year, annual_m3)
    return months


@transaction.atomic
def decide_plan_adjustment(
    request: PlanAdjustmentRequest, by_user: User, approve: bool, note: str = ""
) -> PlanAdjustmentRequest:
    """Approve or reject a pending request; approval changes the plan's year and months, with history."""
    _require_bureau(by_user)
    request = PlanAdjustmentRequest.objects.select_for_update().select_related("plan").get(pk=request.pk)
    if request.status != AdjustmentStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    now = timezone.now()
    if approve:
        _apply_adjustment(request, by_user, now)
    request.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
    request.decided_by, request.decided_at, request.decision_note = by_user, now, note.strip()
    save_with_author(request, by_user)
    notify.adjustment_decided(request)
    return request


def _apply_adjustment(request: PlanAdjustmentRequest, by_user: User, decided_at: datetime.datetime) -> None:
    plan = request.plan
    annual_m3 = request.requested_volume_m3
    adjustments = [*plan.basis.get("adjustments", [])]
    adjustments.append(
        {
            "request_id": request.pk,
            "previous_volume_m3": plan.annual_volume_m3,
            "volume_m3": annual_m3,
            "decided_at": decided_at.isoformat(),
            "decided_by": by_user.get_username(),
        }
    )
    plan.annual_volume_m3 = annual_m3
    plan.basis = {**plan.basis, "adjustments": adjustments}
    save_with_author(plan, by_user)
    _write_months(plan, _adjusted_months(request, annual_m3), by_user)

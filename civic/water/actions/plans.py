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


def usage_history(water_user: WaterUser, year: int) -> list[tuple[int, float]]:
    """Metered use of the years that enter `year`'s plan: the latest unbroken run among the three before it."""
    history: list[tuple[int, float]] = []
    yearly_use = water_user.yearly_use_m3(year - planning.MAXIMUM_HISTORY_YEARS, year - 1)
    for past_year in range(year - 1, year - 1 - planning.MAXIMUM_HISTORY_YEARS, -1):
        use = yearly_use.get(past_year)
        if use is None and history:
            break  # a gap would turn two years' change into one year's growth
        if use is not None:
            history.insert(0, (past_year, use))
    return history


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


def _history_basis(water_user: WaterUser, year: int) -> tuple[float, dict[str, Any]]:
    parameters = planning_parameters_for(year)
    history = usage_history(water_user, year)
    if not history:
        raise ValidationError(
            _("%(user)s has no metered use in the three years before %(year)s."),
            params={"user": water_user, "year": year},
        )
    worked = planning.plan_from_history(
        [use for _year, use in history], parameters.reasonable_use_coefficient, parameters.maximum_growth_rate
    )
    return worked.volume_m3, {
        "years": [past_year for past_year, _use in history],
        "annual_uses_m3": [use for _year, use in history],
        "growth_rates": list(worked.growth_rates),
        "mean_use_m3": worked.mean_use_m3,
        "mean_growth_rate": worked.mean_growth_rate,
        "applied_growth_rate": worked.applied_growth_rate,
        "reasonable_use_coefficient": parameters.reasonable_use_coefficient,
        "maximum_growth_rate": parameters.maximum_growth_rate,
        "parameters_effective_from": parameters.effective_from.isoformat(),
    }


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


def _design_basis(water_user: WaterUser, design_use_m3: float | None) -> tuple[float, dict[str, Any]]:
    entered = design_use_m3 is not None
    value = design_use_m3 if entered else water_user.design_annual_use_m3
    if value is None:
        raise ValidationError(_("%(user)s has no design use on the register; enter one."), params={"user": water_user})
    return planning.plan_from_design(value), {
        "design_use_m3": value,
        "design_use_source": "entered" if entered else "register",
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
) -> tuple[float, dict[str, Any]]:
    if method == PlanMethod.HISTORY:
        return _history_basis(water_user, year)
    if method == PlanMethod.QUOTA:
        return _quota_basis(quota, quota_level, planned_output, year)
    if method == PlanMethod.DESIGN:
        return _design_basis(water_user, design_use_m3)
    raise ValidationError(_("Unknown plan method %(method)s."), params={"method": method})


def _monthly_volumes(
    water_user: WaterUser, year: int, annual_volume_m3: float, monthly_split: Mapping[int, float] | None
) -> tuple[dict[int, float], dict[str, Any]]:
    """The user's proposed split when given (checked), else the shape of last year's use."""
    if monthly_split is not None:
        problems = planning.check_monthly_split(annual_volume_m3, monthly_split)
        if problems:
            raise ValidationError([split_problem_message(problem) for problem in problems])
        return {month: float(monthly_split[month]) for month in planning.MONTHS}, {"split": "proposed"}
    reference = water_user.monthly_use_m3(year - 1)
    shape = "last_year_shape" if any(volume > 0 for volume in reference.values()) else "equal"
    return planning.split_by_shape(annual_volume_m3, reference), {"split": shape, "reference_year": year - 1}


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
) -> AnnualPlan:
    """Create or replace the user's draft plan for `year` and its twelve months; an issued plan stays."""
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
    )
    annual_m3 = whole_cubic_metres(computed_m3)
    months, split_basis = _monthly_volumes(water_user, year, annual_m3, monthly_split)
    plan = plan or AnnualPlan(water_user=water_user, year=year)
    plan.method, plan.annual_volume_m3, plan.status = method, annual_m3, PlanStatus.DRAFT
    plan.basis = {"method": method, "computed_volume_m3": computed_m3, **basis, **split_basis}
    plan.issued_at, plan.issued_by = None, None
    plan.proposed_by = by_user
    save_with_author(plan, by_user)
    _write_months(plan, months, by_user)
    return plan


def propose_plan_by_default_method(water_user: WaterUser, year: int, by_user: User | None = None) -> AnnualPlan | None:
    """A draft from use history where there is some, else from design use; None when the user has neither."""
    if usage_history(water_user, year):
        return propose_plan(water_user, year, PlanMethod.HISTORY, by_user=by_user)
    if water_user.design_annual_use_m3 is not None:
        return propose_plan(water_user, year, PlanMethod.DESIGN, by_user=by_user)
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
    return plan


def _may_request_adjustment(user: User, plan: AnnualPlan) -> bool:
    if user.is_enterprise_reporter:
        return user.water_user_id == plan.water_user_id
    return user.is_bureau


def request_plan_adjustment(
    plan: AnnualPlan,
    requested_by: User,
    requested_volume_m3: float,
    reason: str,
    requested_months: Mapping[int, float] | None = None,
) -> PlanAdjustmentRequest:
    """File a request to change an issued plan: by the user's own reporter, or by the bureau on its behalf."""
    if not _may_request_adjustment(requested_by, plan):
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
    """The requested split when the user gave one, else last year's shape."""
    if request.requested_months:
        return dict(zip(planning.MONTHS, request.requested_months, strict=True))
    last_year = request.plan.water_user.monthly_use_m3(request.plan.year - 1)
    return planning.split_by_shape(annual_m3, last_year)


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

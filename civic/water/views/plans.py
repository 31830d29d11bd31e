"""Pages of annual water plans: the bureau's list, a plan, adjustment requests and decisions."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import gettext_lazy as _

from civic.core.models import User
from civic.core.permissions import BUREAU, WATER_OFFICE, WATER_READERS, role_required, signed_in_user
from civic.water import actions, forms, plan_notices
from civic.water import jobs as water_jobs
from civic.water.access import visible_plans
from civic.water.models import (
    AdjustmentStatus,
    AnnualPlan,
    PlanAdjustmentRequest,
    PlanStatus,
    QuotaLevel,
)

PLAN_PAGE_SIZE = 50


def filtered_plans(filters: forms.PlanFilterForm) -> QuerySet[AnnualPlan]:
    """The bureau's plan list under the filters, each plan with its count of pending adjustment requests."""
    pending = Count("adjustments", filter=Q(adjustments__status=AdjustmentStatus.PENDING))
    plans = (
        AnnualPlan.objects.select_related("water_user", "water_user__town")
        .annotate(pending_count=pending)
        .order_by("-year", "water_user__code")
    )
    if not filters.is_valid():
        return plans
    data = filters.cleaned_data
    for field, lookup in (("year", "year"), ("status", "status"), ("town", "water_user__town")):
        if data[field]:
            plans = plans.filter(**{lookup: data[field]})
    if data["search"]:
        words = data["search"].strip()
        plans = plans.filter(Q(water_user__code__icontains=words) | Q(water_user__name__icontains=words))
    if data["pending_adjustments"]:
        plans = plans.filter(pending_count__gt=0)
    return plans


@role_required(*BUREAU)
def plan_list(request: HttpRequest) -> HttpResponse:
    next_year = timezone.localdate().year + 1
    propose_form = forms.ProposePlanForm(request.POST or None, initial={"year": next_year})
    if request.method == "POST" and propose_form.is_valid():
        plan = _propose_plan_from_form(request, propose_form)
        if plan is not None:
            messages.success(request, _("Draft plan proposed."))
            return redirect("water:plan_detail", plan_id=plan.pk)
    filters = forms.PlanFilterForm(request.GET or None)
    context = {
        "filters": filters,
        "page": Paginator(filtered_plans(filters), PLAN_PAGE_SIZE).get_page(request.GET.get("page")),
        "propose_form": propose_form,
        "pending_adjustment_count": PlanAdjustmentRequest.objects.filter(status=AdjustmentStatus.PENDING).count(),
        "notices_year": timezone.localdate().year,
    }
    return render(request, "water/plan_list.html", context)


def _propose_plan_from_form(request: HttpRequest, form: forms.ProposePlanForm) -> AnnualPlan | None:
    data = form.cleaned_data
    try:
        return actions.propose_plan(
            form.water_user,
            data["year"],
            data["method"],
            quota=data["quota"],
            quota_level=data["quota_level"],
            planned_output=data["planned_output"],
            design_use_m3=data["design_use_m3"],
            reasonable_use_coefficient=data["reasonable_use_coefficient"],
            by_user=signed_in_user(request),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


@role_required(*BUREAU)
def plan_notices_export(request: HttpRequest) -> HttpResponse:
    """POST `year`: queue the plan notices (PDF) of every plan issued for that year, as one ZIP made by a worker."""
    year_text = request.POST.get("year", "")
    if request.method != "POST" or not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
        messages.error(request, _("Give the year of the plans whose notices you want."))
        return redirect("water:plan_list")
    job, started = water_jobs.queue_plan_notices(int(year_text), signed_in_user(request))
    if not started:
        messages.warning(request, _("The notices of that year are being made already."))
    return redirect("job_detail", job_id=job.pk)


@role_required(*WATER_READERS)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = signed_in_user(request)
    plan = get_object_or_404(visible_plans(user), pk=plan_id)
    if request.method == "POST":
        return _move_plan_on(request, plan)
    return render(request, "water/plan_detail.html", _plan_page_context(user, plan))


def _move_plan_on(request: HttpRequest, plan: AnnualPlan) -> HttpResponse:
    """The bureau's review and issue buttons."""
    user = signed_in_user(request)
    if not user.is_bureau:
        raise PermissionDenied
    form = forms.PlanStatusForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["action"] == "issue":
            # Issuing goes through its confirmation page, which a second person signs off.
            return redirect("water:issue_plan", plan_id=plan.pk)
        try:
            actions.submit_plan_for_review(plan, user)
            messages.success(request, _("Plan is now: %(status)s.") % {"status": plan.get_status_display()})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("water:plan_detail", plan_id=plan.pk)


@role_required(*WATER_OFFICE)
def issue_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The confirmation before a plan is issued: its figures, who proposed it, and the issuing button."""
    user = signed_in_user(request)
    plan = get_object_or_404(visible_plans(user), pk=plan_id)
    if plan.status == PlanStatus.ISSUED:
        return redirect("water:plan_detail", plan_id=plan.pk)
    form = forms.IssuePlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.issue_plan(plan, user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Plan issued to %(user)s.") % {"user": plan.water_user.name})
            return redirect("water:plan_detail", plan_id=plan.pk)
    context = {
        "plan": plan,
        "form": form,
        "months": _plan_months(plan),
        "own_proposal": plan.proposed_by_id is not None and plan.proposed_by_id == user.pk,
    }
    return render(request, "water/plan_issue_confirm.html", context)


@role_required(*WATER_READERS)
def plan_notice_pdf(request: HttpRequest, plan_id: int) -> FileResponse:
    """The printable plan notice (计划用水通知书) of an issued plan; a draft has none."""
    plan = get_object_or_404(visible_plans(signed_in_user(request)), pk=plan_id, status=PlanStatus.ISSUED)
    notice = io.BytesIO(plan_notices.plan_notice_pdf(plan))
    return FileResponse(notice, filename=f"{plan_notices.plan_notice_number(plan)}.pdf", content_type="application/pdf")


def _plan_months(plan: AnnualPlan) -> list[dict[str, Any]]:
    """Each month's plan next to its metered use (None where nothing is metered yet)."""
    actual = plan.water_user.monthly_use_m3(plan.year)
    planned = {row.month: row.volume_m3 for row in plan.months.all()}
    return [
        {"month": month, "name": MONTHS[month], "planned_m3": planned.get(month), "actual_m3": actual.get(month)}
        for month in range(1, 13)
    ]


def _history_basis_rows(basis: dict[str, Any]) -> list[dict[str, Any]]:
    years, uses = basis.get("years", []), basis.get("annual_uses_m3", [])
    return [{"year": year, "use_m3": use} for year, use in zip(years, uses, strict=False)]


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else fraction * 100


def _plan_page_context(user: User, plan: AnnualPlan, adjustment_form: Any = None) -> dict[str, Any]:
    months = _plan_months(plan)
    adjustments = list(plan.adjustments.select_related("requested_by", "decided_by"))
    may_request = plan.status == PlanStatus.ISSUED and all(a.status != AdjustmentStatus.PENDING for a in adjustments)
    basis = plan.basis
    return {
        "plan": plan,
        "basis": basis,
        "history_rows": _history_basis_rows(basis),
        "growth_percents": [_percent(rate) for rate in basis.get("growth_rates", [])],
        "mean_growth_percent": _percent(basis.get("mean_growth_rate")),
        "applied_growth_percent": _percent(basis.get("applied_growth_rate")),
        "maximum_growth_percent": _percent(basis.get("maximum_growth_rate")),
        "quota_level_label": QuotaLevel(basis["quota_level"]).label if basis.get("quota_level") else "",
        "months": months,
        "chart_data": {
            "months": [str(MONTHS_3[row["month"]]) for row in months],
            "planned": [row["planned_m3"] for row in months],
            "actual": [row["actual_m3"] for row in months],
            "labels": {"planned": str(_("Plan")), "actual": str(_("Actual"))},
        },
        "adjustments": adjustments,
        "adjustment_form": (adjustment_form or forms.PlanAdjustmentRequestForm()) if may_request else None,
        "may_move_on": user.is_bureau and plan.status != PlanStatus.ISSUED,
    }


@role_required(*WATER_READERS)
def request_plan_adjustment(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = signed_in_user(request)
    plan = get_object_or_404(visible_plans(user), pk=plan_id)
    form = forms.PlanAdjustmentRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.request_plan_adjustment(
                plan, user, data["requested_volume_m3"], data["reason"], data["requested_months"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Adjustment request filed; the bureau will decide on it."))
            return redirect("water:plan_detail", plan_id=plan.pk)
    return render(request, "water/adjustment_request.html", {"plan": plan, "form": form})


@role_required(*BUREAU)
def decide_plan_adjustment(request: HttpRequest, request_id: int) -> HttpResponse:
    adjustment = get_object_or_404(
        PlanAdjustmentRequest.objects.select_related("plan__water_user", "requested_by", "decided_by"), pk=request_id
    )
    form = forms.PlanAdjustmentDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decide_plan_adjustment(
                adjustment, signed_in_user(request), form.approves, form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("water:plan_detail", plan_id=adjustment.plan_id)
    return render(request, "water/adjustment_decide.html", {"adjustment": adjustment, "form": form})

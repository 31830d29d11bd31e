"""Pages of planned water use. Views validate, call `actions` or a model, and render."""

from __future__ import annotations

import datetime
import io
import zoneinfo
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import gettext_lazy as _

from civic.core.models import Region, RegionLevel, Role, User
from civic.core.permissions import BUREAU, WATER_READERS, role_required, user_has_role
from civic.water import actions, forms, notices, quotas, readings_files, readings_reasons, reuse_problems, spreadsheets
from civic.water import network as network_summary
from civic.water.access import visible_water_user_or_404, visible_water_users
from civic.water.models import (
    AdjustmentStatus,
    AnnualPlan,
    CustomerAlarm,
    DmaBalance,
    MeteringRun,
    PlanAdjustmentRequest,
    PlanStatus,
    QuotaLevel,
    ReadingImportBatch,
    ReuseSite,
    ReuseStream,
    ReuseStudy,
    SurchargeBill,
    WaterAudit,
    WaterQuota,
    WaterSource,
    WaterUser,
)
from civic.water.spreadsheets import XLSX_CONTENT_TYPE
from hydro import surcharge
from hydro.readings_store import COUNTY_TIME_ZONE

# --- REGISTER ----------------------------------------------------------------

WATER_USER_PAGE_SIZE = 50


@role_required(*BUREAU)
def register(request: HttpRequest) -> HttpResponse:
    """The register of water users, with search, filters and paging."""
    form = forms.RegisterFilterForm(request.GET or None)
    water_users = form.filtered(visible_water_users(request.user))
    page = Paginator(water_users, WATER_USER_PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "water/register.html",
        {"form": form, "page": page, "total": page.paginator.count, "query": query_without_page.urlencode()},
    )


@role_required(*WATER_READERS)
def water_user_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One water user: facts, meters, the year's plan against use, bills."""
    water_user = visible_water_user_or_404(request.user, code)
    year = _chosen_year(request, water_user)
    meters = water_user.meters.select_related("parent", "replaces").order_by("parent_id", "serial")
    context = {
        "water_user": water_user,
        "year": year,
        "years": _years_with_records(water_user),
        "plan": water_user.plans.filter(year=year).first(),
        "meters": meters,
        "bills": water_user.bills.order_by("-period_start")[:24],
        "source_labels": [WaterSource(code).label for code in water_user.water_sources if code in WaterSource.values],
    }
    return render(request, "water/water_user_detail.html", context)


@role_required(*WATER_READERS)
def water_user_use_json(request: HttpRequest, code: str) -> JsonResponse:
    """Monthly plan and metered use of one year, for the chart (m³ by month 1..12)."""
    water_user = visible_water_user_or_404(request.user, code)
    year = _chosen_year(request, water_user)
    actual = water_user.monthly_use_m3(year)
    plan = water_user.plans.filter(year=year).first()
    planned = {month.month: month.volume_m3 for month in plan.months.all()} if plan else {}
    return JsonResponse(
        {
            "water_user": water_user.code,
            "year": year,
            "months": list(range(1, 13)),
            "planned_m3": [planned.get(month) for month in range(1, 13)],
            "actual_m3": [actual.get(month) for month in range(1, 13)],
            "plan_status": plan.status if plan else None,
        }
    )


@role_required(Role.ENTERPRISE_REPORTER)
def my_water_user(request: HttpRequest) -> HttpResponse:
    """An enterprise reporter's home: the page of the water user it reports for."""
    user = _signed_in_user(request)
    if user.water_user is None:
        # A superuser passes every role check but reports for no water user: the register is its page.
        if user.is_bureau:
            return redirect("water:register")
        raise Http404
    return redirect("water:water_user_detail", code=user.water_user.code)


def _years_with_records(water_user: WaterUser) -> list[int]:
    plan_years = set(water_user.plans.values_list("year", flat=True))
    reading_years = {day.year for day in water_user.billing_readings().dates("reading_date", "year")}
    return sorted(plan_years | reading_years, reverse=True)


def _chosen_year(request: HttpRequest, water_user: WaterUser) -> int:
    """The year asked for in ?year=, else the latest year with readings, else with a plan, else this year.

    A plan is issued before its year's first reading, so opening on the latest year with readings
    shows use against plan rather than an empty year.
    """
    asked = request.GET.get("year", "")
    if asked.isdigit() and 1900 < int(asked) < 2200:
        return int(asked)
    reading_years = water_user.billing_readings().dates("reading_date", "year", order="DESC")
    if reading_years:
        return reading_years[0].year
    years = _years_with_records(water_user)
    return years[0] if years else timezone.localdate().year


# --- END REGISTER -----------------------------------------------------------


# --- READINGS ----------------------------------------------------------------

IMPORT_PAGE_SIZE = 50
IMPORT_ERROR_PAGE_SIZE = 50
READINGS_TEMPLATE_FILES = {
    "csv": (readings_files.template_csv, "text/csv; charset=utf-8"),
    "xlsx": (readings_files.template_xlsx, XLSX_CONTENT_TYPE),
}


@role_required(*BUREAU)
def import_readings(request: HttpRequest) -> HttpResponse:
    """Upload a readings file (POST → its report); the list of recent imports; `?template=csv|xlsx` downloads one."""
    template_format = request.GET.get("template", "")
    if template_format in READINGS_TEMPLATE_FILES:
        return _readings_template(template_format)
    form = forms.ReadingsFileForm()
    if request.method == "POST":
        form = forms.ReadingsFileForm(request.POST, request.FILES)
        if form.is_valid():
            return _import_uploaded_readings(request, form.cleaned_data["file"])
    search = forms.ImportSearchForm(request.GET)
    imports = ReadingImportBatch.objects.select_related("imported_by")
    if search.is_valid() and search.cleaned_data["q"]:
        imports = imports.filter(file_name__icontains=search.cleaned_data["q"])
    page = Paginator(imports, IMPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({"q": search.cleaned_data["q"]}) if search.is_valid() and search.cleaned_data["q"] else ""
    context = {"form": form, "search": search, "page": page, "query": query}
    return render(request, "water/readings_import.html", context)


def _import_uploaded_readings(request: HttpRequest, uploaded: Any) -> HttpResponse:
    started_at = timezone.now()
    batch = actions.import_readings_file(uploaded.name, uploaded.read(), cast(User, request.user))
    if batch.imported_at < started_at:
        messages.info(request, _("This file was imported before; nothing new was stored."))
    return redirect("water:import_batch_detail", batch_id=batch.pk)


def _readings_template(template_format: str) -> HttpResponse:
    make_file, content_type = READINGS_TEMPLATE_FILES[template_format]
    response = HttpResponse(make_file(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="readings-template.{template_format}"'
    return response


@role_required(*BUREAU)
def import_batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The report of one import: what was stored, or every bad row and why."""
    batch = get_object_or_404(ReadingImportBatch.objects.select_related("imported_by"), pk=batch_id)
    errors_page = Paginator(batch.errors, IMPORT_ERROR_PAGE_SIZE).get_page(request.GET.get("page"))
    error_rows = [
        {
            "row": error.get("row"),
            "column": readings_reasons.column_label(error.get("column", "")),
            "value": error.get("value", ""),
            "reason": readings_reasons.describe(error),
        }
        for error in errors_page
    ]
    bad_row_count = len({error.get("row") for error in batch.errors})
    context = {"batch": batch, "errors_page": errors_page, "error_rows": error_rows, "bad_row_count": bad_row_count}
    return render(request, "water/readings_batch_detail.html", context)


# --- END READINGS ------------------------------------------------------------


# --- PLANS -------------------------------------------------------------------

PLAN_PAGE_SIZE = 50


def _signed_in_user(request: HttpRequest) -> User:
    # role_required has already turned away anonymous visitors
    return cast(User, request.user)


def visible_plans(user: User) -> QuerySet[AnnualPlan]:
    """Plans a user may open: every plan for the bureau; a reporter's own user's issued plans; else none."""
    plans = AnnualPlan.objects.select_related("water_user", "water_user__town", "issued_by")
    if user.is_bureau:
        return plans
    if user.is_enterprise_reporter and user.water_user_id:
        return plans.filter(water_user_id=user.water_user_id, status=PlanStatus.ISSUED)
    return plans.none()


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
            by_user=_signed_in_user(request),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


@role_required(*WATER_READERS)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = _signed_in_user(request)
    plan = get_object_or_404(visible_plans(user), pk=plan_id)
    if request.method == "POST":
        return _move_plan_on(request, plan)
    return render(request, "water/plan_detail.html", _plan_page_context(user, plan))


def _move_plan_on(request: HttpRequest, plan: AnnualPlan) -> HttpResponse:
    """The bureau's review and issue buttons."""
    user = _signed_in_user(request)
    if not user.is_bureau:
        raise PermissionDenied
    form = forms.PlanStatusForm(request.POST)
    if form.is_valid():
        move = actions.issue_plan if form.cleaned_data["action"] == "issue" else actions.submit_plan_for_review
        try:
            move(plan, user)
            messages.success(request, _("Plan is now: %(status)s.") % {"status": plan.get_status_display()})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("water:plan_detail", plan_id=plan.pk)


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
    user = _signed_in_user(request)
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
                adjustment, _signed_in_user(request), form.approves, form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("water:plan_detail", plan_id=adjustment.plan_id)
    return render(request, "water/adjustment_decide.html", {"adjustment": adjustment, "form": form})


# --- END PLANS ---------------------------------------------------------------


# --- SURCHARGES --------------------------------------------------------------

BILL_PAGE_SIZE = 50


def visible_bills(user: Any) -> QuerySet[SurchargeBill]:
    """Surcharge bills of the water users `user` may see: all for the bureau, its own for a reporter."""
    return SurchargeBill.objects.filter(water_user__in=visible_water_users(user)).select_related(
        "water_user__town", "schedule"
    )


def latest_billed_period() -> str:
    """The latest period that has bills, as 2024-03 or 2024Q1; else the last ended month."""
    latest = SurchargeBill.objects.order_by("-period_start", "period_end").first()
    if latest is not None:
        return surcharge.format_period(latest.period_start, latest.period_end)
    last_month_end = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return f"{last_month_end.year}-{last_month_end.month:02d}"


def billed_periods() -> list[str]:
    spans = SurchargeBill.objects.order_by("-period_start").values_list("period_start", "period_end").distinct()
    return [surcharge.format_period(first_day, last_day) for first_day, last_day in spans]


@role_required(*BUREAU)
def surcharge_summary(request: HttpRequest) -> HttpResponse:
    """The bills of one period with their totals; POST computes or recomputes that period's bills."""
    if request.method != "POST":
        return _surcharge_summary_page(request, forms.SurchargePeriodForm())
    compute_form = forms.SurchargePeriodForm(request.POST)
    if compute_form.is_valid():
        try:
            run = actions.compute_bills(*compute_form.cleaned_data["period"])
        except ValidationError as error:
            compute_form.add_error("period", error)
        else:
            messages.success(request, _bill_run_message(run))
            period = surcharge.format_period(run.first_day, run.last_day)
            return redirect(f"{reverse('water:surcharge_summary')}?period={period}")
    return _surcharge_summary_page(request, compute_form)


def _surcharge_summary_page(request: HttpRequest, compute_form: forms.SurchargePeriodForm) -> HttpResponse:
    query = request.GET.copy()
    query.setdefault("period", latest_billed_period())
    form = forms.SurchargeBillFilterForm(query)
    bills = form.filtered(visible_bills(request.user))
    page = Paginator(bills, BILL_PAGE_SIZE).get_page(request.GET.get("page"))
    query.pop("page", None)
    if not compute_form.is_bound:
        compute_form.initial = {"period": query["period"]}
    context = {
        "form": form,
        "compute_form": compute_form,
        "page": page,
        "totals": bills.aggregate(count=Count("id"), excess_m3=Sum("excess_m3"), amount_yuan=Sum("amount_yuan")),
        "periods": billed_periods(),
        "period": query["period"],
        "query": query.urlencode(),
    }
    return render(request, "water/surcharge_summary.html", context)


def _bill_run_message(run: actions.BillRun) -> str:
    message = _(
        "%(period)s: %(billed)s bills, ¥%(total)s in all; %(under)s users within plan, "
        "%(no_plan)s without a plan, %(no_readings)s without readings."
    ) % {
        "period": surcharge.format_period(run.first_day, run.last_day),
        "billed": run.billed,
        "total": f"{run.total_yuan:,.2f}",
        "under": run.not_over_plan,
        "no_plan": run.no_plan,
        "no_readings": run.no_readings,
    }
    if run.kept_bill_numbers:
        message += " " + _("Kept as paid or cancelled: %(numbers)s.") % {"numbers": ", ".join(run.kept_bill_numbers)}
    return str(message)


@role_required(*BUREAU)
def surcharge_summary_xlsx(request: HttpRequest) -> HttpResponse:
    """The Excel summary of one or more periods (?period=2024-03&period=2024-04), one sheet each."""
    periods = []
    for text in request.GET.getlist("period") or [latest_billed_period()]:
        form = forms.SurchargePeriodForm({"period": text})
        if not form.is_valid():
            message = " ".join(str(error) for error in form.errors["period"])
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        periods.append(form.cleaned_data["period"])
    response = HttpResponse(spreadsheets.surcharge_summary_workbook(periods), content_type=XLSX_CONTENT_TYPE)
    file_name = "surcharges-" + "_".join(surcharge.format_period(*period) for period in periods) + ".xlsx"
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@role_required(*WATER_READERS)
def bill_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One bill: its figures and band lines; the bureau's or the billed enterprise's own."""
    bill = get_object_or_404(visible_bills(request.user), number=number)
    context = {
        "bill": bill,
        "lines": notices.bill_lines(bill),
        "excess_percent": notices.excess_percent(bill),
        "payment_deadline": notices.payment_deadline(bill),
        "period_label": surcharge.format_period(bill.period_start, bill.period_end),
    }
    return render(request, "water/bill_detail.html", context)


@role_required(*WATER_READERS)
def bill_notice_pdf(request: HttpRequest, number: str) -> FileResponse:
    """The printable payment notice of one bill, shown in the browser."""
    bill = get_object_or_404(visible_bills(request.user), number=number)
    notice = io.BytesIO(notices.surcharge_notice_pdf(bill))
    return FileResponse(notice, filename=f"{bill.number}.pdf", content_type="application/pdf")


# --- END SURCHARGES ----------------------------------------------------------


# --- QUOTAS ------------------------------------------------------------------

QUOTA_PAGE_SIZE = 50


@role_required(*BUREAU)
def quota_list(request: HttpRequest) -> HttpResponse:
    """The quota table (用水定额), with search, filters and paging."""
    filters = forms.QuotaFilterForm(request.GET or None)
    page = Paginator(filters.filtered(WaterQuota.objects.all()), QUOTA_PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = {"filters": filters, "page": page, "query": query_without_page.urlencode()}
    return render(request, "water/quota_list.html", context)


@role_required(*BUREAU)
def import_quotas(request: HttpRequest) -> HttpResponse:
    """Upload a quota workbook: stored whole if every row passes, else refused with a report of each bad cell."""
    form = forms.QuotaFileForm(request.POST or None, request.FILES or None)
    errors: list[quotas.RowError] = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = actions.import_quota_workbook(form.cleaned_data["file"], by_user=_signed_in_user(request))
        except quotas.QuotaFileError as error:
            form.add_error("file", str(error))
        else:
            if not outcome.errors:
                messages.success(request, _quota_import_message(outcome))
                return redirect("water:quota_list")
            errors = outcome.errors
    context = {"form": form, "errors": errors, "bad_row_count": len({error.row for error in errors})}
    return render(request, "water/quota_import.html", context)


def _quota_import_message(outcome: actions.QuotaImportOutcome) -> str:
    summary = cast(actions.QuotaSaveSummary, outcome.summary)
    return _("Quota table imported: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.") % {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
    }


@role_required(*BUREAU)
def export_quotas(request: HttpRequest) -> HttpResponse:
    """The quotas under the list's filters as an .xlsx in the layout the import reads."""
    filters = forms.QuotaFilterForm(request.GET or None)
    content = quotas.write_quota_workbook(filters.filtered(WaterQuota.objects.all()))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="water-quotas-{timezone.localdate().isoformat()}.xlsx"'
    return response


# --- END QUOTAS --------------------------------------------------------------

# --- METERING ----------------------------------------------------------------

METERING_ROLES = (*BUREAU, Role.NETWORK_ANALYST)
CUSTOMER_ALARM_PAGE_SIZE = 50


def visible_metering_runs(user: Any) -> QuerySet[MeteringRun]:
    """Metering analyses are the utility's and the bureau's: all of them for those roles, none for others."""
    return MeteringRun.objects.all() if user_has_role(user, METERING_ROLES) else MeteringRun.objects.none()


def _chosen_run(request: HttpRequest) -> MeteringRun | None:
    runs = visible_metering_runs(request.user)
    run_id = request.GET.get("run")
    if run_id and run_id.isdigit():
        return get_object_or_404(runs, pk=int(run_id))
    return runs.first()


@role_required(*METERING_ROLES)
def metering_dashboard(request: HttpRequest) -> HttpResponse:
    """DMAs coloured by non-revenue water on a map, and their night flow with alarms, for one analysis run."""
    run = _chosen_run(request)
    balances = list(run.balances.all()) if run else []
    regions = {region.code: region for region in Region.objects.filter(level=RegionLevel.DMA)}
    context = {
        "run": run,
        "runs": visible_metering_runs(request.user)[:24],
        "balances": [(balance, regions.get(balance.dma_code)) for balance in balances],
        "night_alarms": run.night_flow_alarms.all() if run else [],
        "customer_alarm_count": run.customer_alarms.count() if run else 0,
        "map_data": _dma_map_data(balances, regions),
        "night_data": _night_chart_data(run) if run else {},
    }
    return render(request, "water/metering_dashboard.html", context)


def _dma_map_data(balances: list[DmaBalance], regions: dict[str, Region]) -> dict[str, Any]:
    """GeoJSON of the DMAs with a balance, each with its name and non-revenue percentage."""
    features = [
        {
            "type": "Feature",
            "geometry": regions[balance.dma_code].boundary,
            "properties": {
                "code": balance.dma_code,
                "name": regions[balance.dma_code].name,
                "name_en": regions[balance.dma_code].name_en,
                "nrw_pct": balance.nrw_pct,
            },
        }
        for balance in balances
        if balance.dma_code in regions and regions[balance.dma_code].boundary
    ]
    return {"type": "FeatureCollection", "features": features}


def _night_chart_data(run: MeteringRun) -> dict[str, Any]:
    """Per DMA: nights, minimum night flow and leakage [m³/h], and the alarms (start and detection nights)."""
    series: dict[str, dict[str, list[Any]]] = {}
    for night in run.night_flows.all():
        entry = series.setdefault(night.dma_code, {"nights": [], "mnf": [], "leakage": [], "alarms": []})
        entry["nights"].append(night.night.isoformat())
        entry["mnf"].append(round(night.mnf_m3_per_h, 3))
        entry["leakage"].append(round(night.leakage_m3_per_h, 3))
    for alarm in run.night_flow_alarms.all():
        if alarm.dma_code in series:
            series[alarm.dma_code]["alarms"].append(
                {"start": alarm.start.isoformat(), "detected": alarm.detected.isoformat()}
            )
    return series


@role_required(*METERING_ROLES)
def customer_alarm_list(request: HttpRequest) -> HttpResponse:
    """The customer-side alarms of a run, searchable by meter and kind, in pages."""
    run = _chosen_run(request)
    form = forms.CustomerAlarmFilterForm(request.GET or None)
    alarms = form.filtered(run.customer_alarms.all()) if run else CustomerAlarm.objects.none()
    page = Paginator(alarms.defer("use_series"), CUSTOMER_ALARM_PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = {"run": run, "form": form, "page": page, "total": page.paginator.count}
    return render(request, "water/metering_alarm_list.html", {**context, "query": query_without_page.urlencode()})


@role_required(*METERING_ROLES)
def customer_alarm_detail(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """One customer alarm with a chart of the meter's use around it."""
    alarm = get_object_or_404(CustomerAlarm.objects.filter(run__in=visible_metering_runs(request.user)), pk=alarm_id)
    chart = {"series": alarm.use_series, "start": _wall_clock(alarm.start), "end": _wall_clock(alarm.end)}
    return render(request, "water/metering_alarm_detail.html", {"alarm": alarm, "chart": chart})


def _wall_clock(moment: datetime.datetime) -> str:
    """An alarm time as the county's wall-clock ISO text, matching the stored use series."""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(COUNTY_TIME_ZONE)).replace(tzinfo=None).isoformat()


@role_required(*METERING_ROLES)
def water_audit_form(request: HttpRequest) -> HttpResponse:
    """Enter a utility's figures for a year; the audit is worked out, kept and shown."""
    form = forms.WaterAuditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        audit = actions.record_water_audit(
            form.audit_inputs(), form.cleaned_data["year"], cast(User, request.user), form.cleaned_data["banding"]
        )
        return redirect("water:water_audit_detail", audit_id=audit.pk)
    audits = WaterAudit.objects.all()[:20] if user_has_role(request.user, METERING_ROLES) else []
    return render(request, "water/metering_audit_form.html", {"form": form, "audits": audits})


@role_required(*METERING_ROLES)
def water_audit_detail(request: HttpRequest, audit_id: int) -> HttpResponse:
    """A water audit's balance, UARL, ILI with its band, and CJJ 92 rates."""
    audit = get_object_or_404(WaterAudit, pk=audit_id)
    return render(request, "water/metering_audit_detail.html", {"audit": audit, "result": audit.result})


# --- END METERING ------------------------------------------------------------


# --- NETWORK -----------------------------------------------------------------
# The supply network's leak alarms: the stored localisation (civic.water.network) on a map and charts.


@role_required(*BUREAU, Role.NETWORK_ANALYST)
def network_overview(request: HttpRequest) -> HttpResponse:
    """The network map with its sensors, each alarm with its ranked candidate pipes, and night residuals."""
    summary = network_summary.read_summary()
    words = {
        "consumption": _("Night consumption"),
        "reference": _("Reference"),
        "sensor": _("Pressure sensor"),
        "candidate": _("Candidate pipe"),
    }
    return render(
        request, "water/network_overview.html", {"summary": summary, "words": {k: str(v) for k, v in words.items()}}
    )


# --- END NETWORK -------------------------------------------------------------


# --- REUSE -------------------------------------------------------------------

REUSE_STUDY_PAGE_SIZE = 20
DEFAULT_SANKEY_SCENARIO = "between_plants"
REUSE_STATUS_LABELS = {
    "optimal": _("optimal"),
    "feasible": _("feasible, not proven least"),
    "infeasible": _("infeasible"),
}


def visible_reuse_studies(user: Any) -> QuerySet[ReuseStudy]:
    """Studies are the bureau's planning work: only bureau staff see them."""
    return ReuseStudy.objects.all() if user_has_role(user, BUREAU) else ReuseStudy.objects.none()


@role_required(*BUREAU)
def reuse_study_list(request: HttpRequest) -> HttpResponse:
    """Reuse studies with search and paging, a form for a new one, and the firms whose streams are entered."""
    firms = visible_water_users(request.user)
    if request.GET.get("firm"):
        return redirect("water:reuse_firm_streams", code=request.GET["firm"].strip())
    form = forms.ReuseStudyForm(request.POST or None, firms=firms)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "firms"}
        study = actions.create_reuse_study(fields, form.cleaned_data["firms"], _signed_in_user(request))
        messages.success(request, _("Study created: run it to compare the scenarios."))
        return redirect("water:reuse_study_detail", study_id=study.pk)
    query = request.GET.get("q", "").strip()
    studies = visible_reuse_studies(request.user).prefetch_related("firms")
    if query:
        studies = studies.filter(
            Q(name__icontains=query) | Q(firms__name__icontains=query) | Q(firms__code__icontains=query)
        ).distinct()
    context = {
        "form": form,
        "query": query,
        "page_query": urlencode({"q": query}) if query else "",
        "page": Paginator(studies, REUSE_STUDY_PAGE_SIZE).get_page(request.GET.get("page")),
        "firms_with_streams": firms.annotate(stream_count=Count("reuse_streams"))
        .filter(stream_count__gt=0)
        .order_by("code"),
    }
    return render(request, "water/reuse_study_list.html", context)


@role_required(*BUREAU)
def reuse_firm_streams(request: HttpRequest, code: str) -> HttpResponse:
    """A firm's reuse streams and site: list, add, remove."""
    water_user = visible_water_user_or_404(request.user, code)
    site = ReuseSite.objects.filter(water_user=water_user).first() or ReuseSite(water_user=water_user)
    action = request.POST.get("action")
    stream_form = forms.ReuseStreamForm(request.POST if action == "add" else None, water_user=water_user)
    site_form = forms.ReuseSiteForm(request.POST if action == "site" else None, instance=site)
    if action == "add" and stream_form.is_valid():
        stream_form.save()
        messages.success(request, _("Stream added."))
        return redirect("water:reuse_firm_streams", code=code)
    if action == "site" and site_form.is_valid():
        site_form.save()
        messages.success(request, _("Site saved."))
        return redirect("water:reuse_firm_streams", code=code)
    stream_number = request.POST.get("stream", "")
    if action == "delete" and stream_number.isdigit():
        ReuseStream.objects.filter(water_user=water_user, pk=int(stream_number)).delete()
        messages.success(request, _("Stream removed."))
        return redirect("water:reuse_firm_streams", code=code)
    context = {
        "water_user": water_user,
        "streams": water_user.reuse_streams.all(),
        "stream_form": stream_form,
        "site_form": site_form,
    }
    return render(request, "water/reuse_firm_streams.html", context)


@role_required(*BUREAU)
def reuse_study_detail(request: HttpRequest, study_id: int) -> HttpResponse:
    """The study's firms and streams, the scenarios side by side, and a Sankey diagram of one network."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    scenarios = _labelled_scenarios(study)
    chosen = request.GET.get("scenario", DEFAULT_SANKEY_SCENARIO)
    shown = next((scenario for scenario in scenarios if scenario["key"] == chosen), None)
    context = {
        "study": study,
        "firms": study.firms.order_by("code"),
        "streams": reuse_problems.study_streams(study),
        "contaminants": ", ".join(study.results.get("contaminants", [])),
        "scenarios": scenarios,
        "shown": shown,
        "sankey": _sankey(shown) if shown else None,
    }
    return render(request, "water/reuse_study_detail.html", context)


def _labelled_scenarios(study: ReuseStudy) -> list[dict[str, Any]]:
    labels = {spec.key: spec.label for spec in reuse_problems.SCENARIOS}
    return [
        {
            **scenario,
            "label": labels.get(scenario["key"], scenario["key"]),
            "status_label": REUSE_STATUS_LABELS.get(scenario["status"], scenario["status"]),
        }
        for scenario in study.results.get("scenarios", [])
    ]


def _sankey(scenario: dict[str, Any]) -> dict[str, Any]:
    """Nodes and links of an ECharts Sankey diagram of a scenario's flows [m³/h]."""
    names = {
        reuse_problems.TAP_ID: str(_("Tap water")),
        reuse_problems.RECLAIMED_ID: str(_("Reclaimed water")),
        "wastewater": str(_("Discharge")),
    }
    links = [
        {
            "source": names.get(flow["from"], flow["from"]),
            "target": names.get(flow["to"], flow["to"]),
            "value": round(flow["flow_t_per_h"], 3),
        }
        for flow in scenario["flows"]
    ]
    nodes = sorted({link["source"] for link in links} | {link["target"] for link in links})
    return {"nodes": [{"name": node} for node in nodes], "links": links}


@role_required(*BUREAU)
def reuse_study_run(request: HttpRequest, study_id: int) -> HttpResponse:
    """POST: solve every scenario of the study; GET goes back to the study."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    if request.method == "POST":
        actions.run_reuse_study(study.pk)
        messages.success(request, _("Scenarios solved."))
    return redirect("water:reuse_study_detail", study_id=study.pk)


@role_required(*BUREAU)
def reuse_study_json(request: HttpRequest, study_id: int) -> JsonResponse:
    """The study's problem (docs/reuse-problem.md format, with reclaimed water) and its scenarios' results."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    document = {
        "problem": reuse_problems.study_problem(study, reclaimed=True),
        "scenarios": study.results.get("scenarios", []),
        "solved_at": study.solved_at.isoformat() if study.solved_at else None,
    }
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="reuse-study-{study.pk}.json"'
    return response


@role_required(*BUREAU)
def reuse_study_xlsx(request: HttpRequest, study_id: int) -> HttpResponse:
    """The scenarios side by side and each scenario's flows, as an Excel workbook."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    content = reuse_problems.study_workbook(study, _labelled_scenarios(study))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="reuse-study-{study.pk}.xlsx"'
    return response


# --- END REUSE ---------------------------------------------------------------

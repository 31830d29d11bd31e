"""Pages of the register of water users: the list, a user's page and its use as JSON."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from civic.core.models import Role
from civic.core.permissions import BUREAU, WATER_READERS, role_required, signed_in_user
from civic.water import forms
from civic.water.access import visible_water_user_or_404, visible_water_users, water_user_of
from civic.water.models import (
    AnnualPlan,
    WaterSource,
    WaterUser,
)
from civic.water.views.plans import visible_plans

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
        "years": _years_with_records(request, water_user),
        "plan": _visible_plan(request, water_user, year),
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
    plan = _visible_plan(request, water_user, year)
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
    user = signed_in_user(request)
    water_user = water_user_of(user)
    if water_user is None:
        # A superuser passes every role check but reports for no water user: the register is its page.
        if user.is_bureau:
            return redirect("water:register")
        raise Http404
    return redirect("water:water_user_detail", code=water_user.code)


def _visible_plan(request: HttpRequest, water_user: WaterUser, year: int) -> AnnualPlan | None:
    """The year's plan as the user may see it: drafts are the office's own, a reporter sees only an issued plan."""
    return visible_plans(signed_in_user(request)).filter(water_user=water_user, year=year).first()


def _years_with_records(request: HttpRequest, water_user: WaterUser) -> list[int]:
    plans = visible_plans(signed_in_user(request)).filter(water_user=water_user)
    plan_years = set(plans.values_list("year", flat=True))
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
    years = _years_with_records(request, water_user)
    return years[0] if years else timezone.localdate().year

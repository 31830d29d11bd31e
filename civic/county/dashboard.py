"""Figures for the bureau's dashboard, gathered in one place so the view stays thin."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Sum

from civic.core.models import Region, RegionLevel
from civic.dogs.models import CaseStatus, Licence, LicenceStatus, ViolationCase
from civic.dogs.statistics import tag_figures
from civic.water.models import (
    AnnualPlan,
    FarmlandProgram,
    PlannedUseStatus,
    PlanStatus,
    SurchargeBill,
    WaterUser,
)


def county_figures(today: datetime.date | None = None) -> dict[str, Any]:
    today = today or datetime.date.today()
    listed_users = WaterUser.objects.filter(planned_use_status=PlannedUseStatus.LISTED)
    segments = (
        WaterUser.objects.filter(is_water_saving_enterprise=True)
        .values("water_saving_segment")
        .annotate(count=Count("id"))
        .order_by("-count")
    )
    latest_bill = SurchargeBill.objects.order_by("-period_start").first()
    bills_in_period = (
        SurchargeBill.objects.filter(period_start=latest_bill.period_start)
        if latest_bill
        else SurchargeBill.objects.none()
    )
    # The current year's plans: the ones this year's use and surcharges are measured against.
    plan_year = today.year
    return {
        "listed_user_count": listed_users.count(),
        "water_saving_enterprise_count": sum(row["count"] for row in segments),
        "water_saving_segments": list(segments),
        "farmland_program": FarmlandProgram.objects.first(),
        "plan_year": plan_year,
        "planned_total_m3": issued_total_m3(plan_year),
        "issued_plan_count": AnnualPlan.objects.filter(year=plan_year, status=PlanStatus.ISSUED).count(),
        "latest_bill_period": latest_bill.period_start if latest_bill else None,
        "latest_bill_count": bills_in_period.count(),
        "latest_bill_total_yuan": bills_in_period.aggregate(total=Sum("amount_yuan"))["total"],
    }


def key_area_km2() -> float:
    """The dog key management areas' total area [km²]."""
    total = Region.objects.filter(level=RegionLevel.KEY_AREA).aggregate(total=Sum("area_m2"))["total"]
    return (total or 0) / 1e6


def issued_total_m3(year: int) -> float | None:
    """The planned use of every plan issued for `year` [m³]; None when none is issued."""
    totals = AnnualPlan.objects.filter(year=year, status=PlanStatus.ISSUED).aggregate(total=Sum("annual_volume_m3"))
    return totals["total"]


def dog_figures(today: datetime.date | None = None) -> dict[str, Any]:
    """The dog-management office's part of the dashboard: tagged dogs, service points, key management areas,
    licences in force and open cases."""
    today = today or datetime.date.today()
    return {
        **tag_figures(),
        "key_area_km2": key_area_km2(),
        "licences_in_force_count": Licence.objects.filter(status=LicenceStatus.IN_FORCE, expires_on__gte=today).count(),
        "open_case_count": ViolationCase.objects.filter(status=CaseStatus.OPEN).count(),
    }

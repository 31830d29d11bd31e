"""Figures of dog management: licensed dogs by place, service-point throughput, renewals, violations.

Every function counts in the database and returns plain lists and dicts ready
for a table, an ECharts series or a GeoJSON layer. The published figures carry
counts only, never a person or an address.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from civic.core.models import Region, RegionLevel
from civic.dogs import rules
from civic.dogs.actions import licences_to_renew
from civic.dogs.models import (
    Deadline,
    DeadlineKind,
    DogStatus,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceStatus,
    PlaceKind,
    ServicePoint,
    Tag,
    TagStatus,
    ViolationCase,
)


def tagged_dogs() -> QuerySet[Tag]:
    """Dogs wearing a tag: an active tag on a licence not cancelled, the dog still kept.

    A dog whose licence has run out unrenewed still wears its tag; it counts
    here and shows as overdue among the renewals.
    """
    return Tag.objects.filter(
        status=TagStatus.ACTIVE, licence__status=LicenceStatus.IN_FORCE, licence__dog__status=DogStatus.REGISTERED
    )


def service_points() -> QuerySet[ServicePoint]:
    """The service points at work: active licensed clinics (not the police window of the years before them)."""
    return ServicePoint.objects.filter(is_active=True, is_clinic=True)


def tag_figures() -> dict[str, int]:
    """Tagged dogs, those licensed at a service point, and the service points, as the county reports them."""
    tagged = tagged_dogs()
    return {
        "tagged_total": tagged.count(),
        "licensed_at_points": tagged.filter(licence__service_point__is_clinic=True).count(),
        "service_point_count": service_points().count(),
    }


def valid_licences(on: datetime.date) -> QuerySet[Licence]:
    """Licences that check as valid on `on`: in force, not past their expiry, the dog still kept."""
    return Licence.objects.filter(status=LicenceStatus.IN_FORCE, expires_on__gte=on, dog__status=DogStatus.REGISTERED)


def licensed_dogs_by_region(on: datetime.date, level: str) -> list[dict[str, Any]]:
    """Valid licences per town (level "town") or per key area (level "key_area"), every region listed."""
    field = "dog__owner__household__town" if level == RegionLevel.TOWN else "dog__owner__household__key_area"
    counts = dict(valid_licences(on).values_list(field).annotate(count=Count("pk")).order_by())
    regions = Region.objects.filter(level=level).order_by("code")
    return [
        {"code": region.code, "name": region.name, "area_m2": region.area_m2, "count": counts.get(region.pk, 0)}
        for region in regions
    ]


def region_layer(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows as a GeoJSON FeatureCollection of their regions' boundaries, the count as a property."""
    boundaries = dict(Region.objects.filter(code__in=[row["code"] for row in rows]).values_list("code", "boundary"))
    features = [
        {
            "type": "Feature",
            "geometry": boundaries[row["code"]],
            "properties": {"name": row["name"], "count": row["count"]},
        }
        for row in rows
        if boundaries.get(row["code"])
    ]
    return {"type": "FeatureCollection", "features": features}


def service_point_throughput(since: datetime.date, until: datetime.date) -> list[dict[str, Any]]:
    """Registrations, renewals and other work per service point between two days (both included)."""
    events = LicenceEvent.objects.filter(happened_on__gte=since, happened_on__lte=until)
    counted = events.values("service_point").annotate(
        registrations=Count("pk", filter=Q(kind=LicenceEventKind.REGISTERED)),
        renewals=Count("pk", filter=Q(kind=LicenceEventKind.RENEWED)),
        other=Count("pk", filter=~Q(kind__in=[LicenceEventKind.REGISTERED, LicenceEventKind.RENEWED])),
    )
    by_point = {row["service_point"]: row for row in counted.order_by()}
    rows = []
    for point in ServicePoint.objects.select_related("town").filter(is_clinic=True):
        row = by_point.get(point.pk, {})
        rows.append(
            {
                "code": point.code,
                "name": point.name,
                "town": point.town.name,
                "registrations": row.get("registrations", 0),
                "renewals": row.get("renewals", 0),
                "other": row.get("other", 0),
            }
        )
    return rows


def renewals_by_service_point(on: datetime.date) -> list[dict[str, Any]]:
    """Licences due (inside the renewal window) and overdue on `on`, per service point of the dog."""
    due = dict(
        licences_to_renew(on, rules.RenewalState.DUE)
        .values_list("dog__service_point")
        .annotate(n=Count("pk"))
        .order_by()
    )
    overdue = dict(
        licences_to_renew(on, rules.RenewalState.OVERDUE)
        .values_list("dog__service_point")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        {"code": point.code, "name": point.name, "due": due.get(point.pk, 0), "overdue": overdue.get(point.pk, 0)}
        for point in ServicePoint.objects.all()
    ]


def violations_by_type(since: datetime.date, until: datetime.date) -> list[dict[str, Any]]:
    cases = ViolationCase.objects.filter(observed_on__gte=since, observed_on__lte=until)
    rows = cases.values("violation_type__code", "violation_type__name").annotate(count=Count("pk")).order_by("-count")
    return [
        {"code": row["violation_type__code"], "name": row["violation_type__name"], "count": row["count"]}
        for row in rows
    ]


def violations_by_place_kind(since: datetime.date, until: datetime.date) -> list[dict[str, Any]]:
    cases = ViolationCase.objects.filter(observed_on__gte=since, observed_on__lte=until)
    counts = dict(cases.values_list("place__kind").annotate(count=Count("pk")).order_by())
    return [{"kind": kind, "name": str(label), "count": counts.get(kind, 0)} for kind, label in PlaceKind.choices]


def monthly_registrations(until: datetime.date, months: int = 12) -> list[dict[str, Any]]:
    """New registrations per calendar month, the last `months` months up to `until`'s month."""
    first = first_of_month_before(until, months - 1)
    events = LicenceEvent.objects.filter(
        kind=LicenceEventKind.REGISTERED, happened_on__gte=first, happened_on__lte=until
    )
    counts: dict[str, int] = {}
    for day in events.values_list("happened_on", flat=True):
        counts[f"{day:%Y-%m}"] = counts.get(f"{day:%Y-%m}", 0) + 1
    labels = [f"{first_of_month_before(until, back):%Y-%m}" for back in range(months - 1, -1, -1)]
    return [{"month": label, "count": counts.get(label, 0)} for label in labels]


def first_of_month_before(day: datetime.date, months_back: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def top_breeds(on: datetime.date, limit: int = 10) -> list[dict[str, Any]]:
    rows = (
        valid_licences(on).values("dog__breed__name").annotate(count=Count("pk")).order_by("-count", "dog__breed__name")
    )
    return [{"name": row["dog__breed__name"], "count": row["count"]} for row in rows[:limit]]


def public_figures(on: datetime.date) -> dict[str, Any]:
    """What the county publishes: counts by place, breed and violation type, with the map layers."""
    year_ago = on - datetime.timedelta(days=365)
    towns = licensed_dogs_by_region(on, RegionLevel.TOWN)
    key_areas = licensed_dogs_by_region(on, RegionLevel.KEY_AREA)
    return {
        "on": on,
        "licensed_total": valid_licences(on).count(),
        **tag_figures(),
        "key_area_km2": sum(row["area_m2"] or 0 for row in key_areas) / 1e6,
        "towns": towns,
        "key_areas": key_areas,
        "breeds": top_breeds(on),
        "monthly_registrations": monthly_registrations(on),
        "violations_by_type": violations_by_type(year_ago, on),
        "violations_by_place_kind": violations_by_place_kind(year_ago, on),
        "town_layer": region_layer(towns),
        "key_area_layer": region_layer(key_areas),
    }


def staff_figures(on: datetime.date) -> dict[str, Any]:
    """The public figures, and the bureau's working ones: throughput, renewals due and overdue."""
    year_ago = on - datetime.timedelta(days=365)
    figures = public_figures(on)
    renewals = renewals_by_service_point(on)
    figures.update(
        {
            "throughput": service_point_throughput(year_ago, on),
            "renewals": renewals,
            "due_total": sum(row["due"] for row in renewals),
            "overdue_total": sum(row["overdue"] for row in renewals),
            "open_cases": ViolationCase.objects.filter(status="open").count(),
            "renewal_window_days": Deadline.days_for(DeadlineKind.RENEWAL_WINDOW, on),
        }
    )
    return figures

"""Writes and summaries of the farmland side: imports whole or not at all, progress against the plan, the coefficient."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from civic.core.boundaries import Bounds
from civic.core.models import Region, RegionLevel, User
from civic.farmland import spreadsheets
from civic.farmland.models import (
    BUILT_STATUSES,
    EFFICIENT_METHODS,
    FarmlandProject,
    FarmlandTarget,
    IrrigationMethod,
    IrrigationYear,
    SampleDistrict,
    TypicalField,
)
from hydro import intake
from hydro.irrigation import RegionResult, region_coefficient
from hydro.irrigation import SampleDistrict as HydroDistrict
from hydro.irrigation import TypicalField as HydroField

PROJECT_FIELDS = (
    "name",
    "plan_year",
    "area_mu",
    "central_funds_10k_yuan",
    "provincial_funds_10k_yuan",
    "county_funds_10k_yuan",
    "other_funds_10k_yuan",
    "irrigation_method",
    "status",
    "accepted_on",
    "remarks",
)
DECIMAL_FIELDS = (
    "area_mu",
    "central_funds_10k_yuan",
    "provincial_funds_10k_yuan",
    "county_funds_10k_yuan",
    "other_funds_10k_yuan",
)
BOUNDS_MARGIN_DEGREES = 0.05


@dataclass
class ImportOutcome:
    """What an import stored (counts), or the report of why nothing was."""

    report: list[Any] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_projects(source: intake.Source, by_user: User | None = None) -> ImportOutcome:
    """Store every project of a file, or none: rows found by their code are updated, others created.

    Raises `hydro.intake.TableError` when the file cannot be read as a table.
    """
    try:
        table = intake.read_table(source, spreadsheets.PROJECT_SCHEMA, spreadsheets.LIMITS)
    except intake.TableError as error:
        if error.code != "missing_columns":
            raise
        return ImportOutcome(report=spreadsheets.Checked(errors=error.errors, error_count=error.error_count).report())
    towns = dict(Region.objects.filter(level=RegionLevel.TOWN).values_list("name", "id"))
    checked = spreadsheets.check_projects(table, towns)
    if checked.error_count:
        return ImportOutcome(report=checked.report())
    return save_projects(checked.rows, by_user)


@transaction.atomic
def save_projects(rows: list[dict[str, Any]], by_user: User | None) -> ImportOutcome:
    outcome = ImportOutcome()
    existing = {
        project.code: project for project in FarmlandProject.objects.filter(code__in=[row["code"] for row in rows])
    }
    for row in rows:
        values = project_values(row)
        project = existing.get(row["code"])
        if project is None:
            created = FarmlandProject(code=row["code"], **values)
            created._history_user = by_user  # type: ignore[attr-defined]
            created.save()
            outcome.created += 1
        elif any(getattr(project, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(project, name, value)
            project._history_user = by_user  # type: ignore[attr-defined]
            project.save()
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    return outcome


def project_values(row: dict[str, Any]) -> dict[str, Any]:
    values = {name: row.get(name) for name in PROJECT_FIELDS}
    for name in DECIMAL_FIELDS:
        values[name] = Decimal(str(values[name] or 0)).quantize(Decimal("0.01"))
    values["area_mu"] = Decimal(str(row["area_mu"])).quantize(Decimal("0.1"))
    values["remarks"] = values["remarks"] or ""
    values["town_id"] = row["town_id"]
    return values


def import_samples(source: intake.Source, year: IrrigationYear) -> ImportOutcome:
    """Replace a year's sample districts and typical fields by those of a file, or change nothing."""
    try:
        table = intake.read_table(source, spreadsheets.SAMPLE_SCHEMA, spreadsheets.LIMITS)
    except intake.TableError as error:
        if error.code != "missing_columns":
            raise
        return ImportOutcome(report=spreadsheets.Checked(errors=error.errors, error_count=error.error_count).report())
    checked = spreadsheets.check_samples(table)
    if checked.error_count:
        return ImportOutcome(report=checked.report())
    return replace_samples(year, checked.rows)


@transaction.atomic
def replace_samples(year: IrrigationYear, rows: list[dict[str, Any]]) -> ImportOutcome:
    year.districts.all().delete()
    districts: dict[str, SampleDistrict] = {}
    for row in rows:
        district = districts.get(row["district"])
        if district is None:
            district = SampleDistrict.objects.create(
                year=year,
                name=row["district"],
                district_class=row["district_class"],
                size_group=row["size_group"] or "" if row["district_class"] == "medium" else "",
                gross_m3=row["gross_m3"],
                irrigated_area_mu={},
            )
            districts[row["district"]] = district
        district.irrigated_area_mu[row["crop"]] = row["crop_area_mu"]
        TypicalField.objects.create(
            district=district, name=row["field"], crop=row["crop"], net_m3_per_mu=row["net_m3_per_mu"]
        )
    for district in districts.values():
        district.save(update_fields=["irrigated_area_mu"])
    return ImportOutcome(created=len(rows))


# --- the coefficient ------------------------------------------------------------------------------------------


def hydro_district(district: SampleDistrict) -> HydroDistrict:
    return HydroDistrict(
        name=district.name,
        district_class=district.district_class,
        gross_m3=district.gross_m3,
        irrigated_area_mu={str(crop): float(area) for crop, area in district.irrigated_area_mu.items()},
        fields=tuple(
            HydroField(crop=f.crop, net_m3_per_mu=f.net_m3_per_mu, name=f.name) for f in district.fields.all()
        ),
        size_group=district.size_group or None,
    )


def coefficient_for(year: IrrigationYear) -> RegionResult | None:
    """The year's coefficient by `hydro.irrigation.region_coefficient`, or None without sample districts.

    Raises ValueError (from hydro) when a district's figures cannot be combined, e.g. a crop without a field.
    """
    districts = [hydro_district(district) for district in year.districts.prefetch_related("fields")]
    if not districts:
        return None
    return region_coefficient(districts, year.class_gross_m3() or None)


# --- progress against the plan --------------------------------------------------------------------------------


@dataclass
class Progress:
    """Built area against a plan's target, by year, town and irrigation method [mu]."""

    target: FarmlandTarget | None
    built_mu: Decimal
    remaining_mu: Decimal
    by_year: list[tuple[int, Decimal, Decimal]]
    """(year, built that year, built by the end of it)."""
    by_town: list[dict[str, Any]]
    by_method: list[tuple[str, str, Decimal, bool]]
    """(method, its name, built area, whether efficient)."""
    efficient_mu: Decimal


def county_target() -> FarmlandTarget | None:
    return FarmlandTarget.objects.filter(town__isnull=True).order_by("-last_year").first()


def progress(projects: QuerySet[FarmlandProject], target: FarmlandTarget | None) -> Progress:
    """Sum the built projects of the target's years; the remaining area never goes below zero."""
    if target is not None:
        projects = projects.filter(plan_year__gte=target.first_year, plan_year__lte=target.last_year)
    built = [project for project in projects.select_related("town") if project.status in BUILT_STATUSES]
    built_mu = sum((project.area_mu for project in built), Decimal(0))
    target_mu = target.area_mu if target is not None else Decimal(0)
    return Progress(
        target=target,
        built_mu=built_mu,
        remaining_mu=max(target_mu - built_mu, Decimal(0)),
        by_year=cumulative_by_year(built),
        by_town=by_town(built, target),
        by_method=by_method(built),
        efficient_mu=sum(
            (project.area_mu for project in built if project.irrigation_method in EFFICIENT_METHODS), Decimal(0)
        ),
    )


def cumulative_by_year(built: list[FarmlandProject]) -> list[tuple[int, Decimal, Decimal]]:
    per_year: dict[int, Decimal] = defaultdict(Decimal)
    for project in built:
        per_year[project.plan_year] += project.area_mu
    rows, total = [], Decimal(0)
    for year in sorted(per_year):
        total += per_year[year]
        rows.append((year, per_year[year], total))
    return rows


def by_town(built: list[FarmlandProject], target: FarmlandTarget | None) -> list[dict[str, Any]]:
    areas: dict[int, Decimal] = defaultdict(Decimal)
    for project in built:
        areas[project.town_id] += project.area_mu
    targets: dict[int, Decimal] = {}
    if target is not None:
        for town_target in FarmlandTarget.objects.filter(plan_name=target.plan_name, town__isnull=False):
            if town_target.town_id is not None:
                targets[town_target.town_id] = town_target.area_mu
    towns = Region.objects.filter(level=RegionLevel.TOWN, id__in=set(areas) | set(targets)).order_by("code")
    return [
        {
            "town": town,
            "built_mu": areas.get(town.id, Decimal(0)),
            "target_mu": targets.get(town.id),
            "remaining_mu": max(targets[town.id] - areas.get(town.id, Decimal(0)), Decimal(0))
            if town.id in targets
            else None,
        }
        for town in towns
    ]


def by_method(built: list[FarmlandProject]) -> list[tuple[str, str, Decimal, bool]]:
    areas: dict[str, Decimal] = defaultdict(Decimal)
    for project in built:
        areas[project.irrigation_method] += project.area_mu
    return [
        (method.value, str(method.label), areas.get(method.value, Decimal(0)), method in EFFICIENT_METHODS)
        for method in IrrigationMethod
    ]


def county_bounds() -> Bounds | None:
    """The county's box with a margin, from its towns' boundaries (None when no boundary is known)."""
    points = [
        point
        for boundary in Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWN]).values_list(
            "boundary", flat=True
        )
        if boundary
        for point in boundary_points(boundary)
    ]
    if not points:
        return None
    longitudes, latitudes = [point[0] for point in points], [point[1] for point in points]
    margin = BOUNDS_MARGIN_DEGREES
    return Bounds(min(longitudes) - margin, min(latitudes) - margin, max(longitudes) + margin, max(latitudes) + margin)


def boundary_points(geometry: dict[str, Any]) -> list[list[float]]:
    polygons = geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry.get("coordinates", [])]
    return [point for polygon in polygons for ring in polygon for point in ring]

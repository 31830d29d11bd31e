"""The demo county's farmland: the 14th Five-Year Plan's 52,000 mu, 34,000 built, and three years of samples.

The seed's figures (March 2024): 52,000 mu of high-standard farmland to build
in the 14th Five-Year Plan, 34,000 mu done and 18,000 to go. Projects are
spread over the agricultural towns; each gets a small square boundary inside
its town. The irrigation samples are made up to a coefficient near the
province's; the national values are the published ones (display only).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from shapely.geometry import box, shape

from civic.core.models import Region, RegionLevel
from civic.demo.layout import geometry_mapping
from civic.farmland.models import (
    FarmlandProject,
    FarmlandTarget,
    IrrigationMethod,
    IrrigationYear,
    ProjectStatus,
    SampleDistrict,
    TypicalField,
)

PLAN_NAME = "“十四五”高标准农田建设规划"
TARGET_MU = 52_000
BUILT_MU = 34_000
FARMING_TOWNS = ("雪堰镇", "前黄镇", "礼嘉镇", "嘉泽镇", "湟里镇", "洛阳镇", "横山桥镇", "牛塘镇")
BUILT_YEARS = (2021, 2022, 2023)
BUILDING_YEARS = (2024, 2025)
METHODS = (
    IrrigationMethod.PIPE,
    IrrigationMethod.PIPE,
    IrrigationMethod.LINED_CANAL,
    IrrigationMethod.SPRINKLER,
    IrrigationMethod.MICRO,
    IrrigationMethod.EARTH_CANAL,
)
NATIONAL_VALUES = {2023: 0.576, 2024: 0.580, 2025: None}
"""Published national coefficients (2023: 0.576; 2024 as reported); shown beside the county's, never computed with."""
PROVINCIAL_VALUES = {2023: 0.625, 2024: 0.628, 2025: None}
COUNTY_TARGETS = {2023: 0.63, 2024: 0.635, 2025: 0.64}


def create_farmland_demo(seed: int) -> int:
    """Targets, projects and samples of the demo county; returns the number of projects."""
    generator = random.Random(f"{seed}:farmland")
    towns = {town.name: town for town in Region.objects.filter(level=RegionLevel.TOWN, name__in=FARMING_TOWNS)}
    farming = [towns[name] for name in FARMING_TOWNS if name in towns]
    create_targets(farming)
    count = create_projects(generator, farming, BUILT_MU, BUILT_YEARS, built=True)
    count += create_projects(generator, farming, TARGET_MU - BUILT_MU, BUILDING_YEARS, built=False, first_number=count)
    create_samples(generator)
    return count


def create_targets(towns: list[Region]) -> None:
    FarmlandTarget.objects.create(
        plan_name=PLAN_NAME,
        first_year=2021,
        last_year=2025,
        area_mu=Decimal(TARGET_MU),
        source="武进区高标准农田建设任务（5.2万亩）",
    )
    share = Decimal(TARGET_MU) / len(towns)
    for town in towns:
        FarmlandTarget.objects.create(
            plan_name=PLAN_NAME, first_year=2021, last_year=2025, town=town, area_mu=share.quantize(Decimal("1"))
        )


def split_area(generator: random.Random, total_mu: int, parts: int) -> list[int]:
    """`parts` whole areas adding up to `total_mu`, none below 400 mu."""
    weights = [generator.uniform(0.6, 1.4) for _ in range(parts)]
    areas = [int(total_mu * weight / sum(weights)) for weight in weights]
    areas[-1] += total_mu - sum(areas)
    return areas


def create_projects(
    generator: random.Random,
    towns: list[Region],
    total_mu: int,
    years: tuple[int, ...],
    built: bool,
    first_number: int = 0,
) -> int:
    areas = split_area(generator, total_mu, len(towns) * len(years))
    projects = []
    for position, area in enumerate(areas):
        town = towns[position % len(towns)]
        year = years[position // len(towns)]
        number = first_number + position + 1
        status = built_status(year) if built else building_status(position)
        projects.append(
            FarmlandProject(
                code=f"GBNT-{year}-{number:03d}",
                name=f"{town.name}{year}年度高标准农田建设项目",
                town=town,
                plan_year=year,
                area_mu=Decimal(area),
                central_funds_10k_yuan=Decimal(area) * Decimal("0.06"),
                provincial_funds_10k_yuan=Decimal(area) * Decimal("0.05"),
                county_funds_10k_yuan=Decimal(area) * Decimal("0.04"),
                other_funds_10k_yuan=Decimal(area) * Decimal("0.01"),
                irrigation_method=METHODS[position % len(METHODS)],
                status=status,
                accepted_on=datetime.date(year + 1, 3, 15)
                if status in (ProjectStatus.ACCEPTANCE, ProjectStatus.IN_USE)
                else None,
                boundary=square_inside(town, position // len(towns), len(years)),
            )
        )
    FarmlandProject.objects.bulk_create(projects)
    return len(projects)


def built_status(year: int) -> str:
    return ProjectStatus.IN_USE if year < BUILT_YEARS[-1] else ProjectStatus.ACCEPTANCE


def building_status(position: int) -> str:
    return (ProjectStatus.CONSTRUCTION, ProjectStatus.BIDDING, ProjectStatus.PLANNED)[position % 3]


def square_inside(town: Region, slot: int, slots: int) -> dict[str, object] | None:
    """A small square inside the town, the `slot`-th of `slots` along its box's diagonal (or about its centre)."""
    if not town.boundary:
        return None
    cell = shape(town.boundary)
    west, south, east, north = cell.bounds
    size = min(east - west, north - south) / (slots + 4)
    centre_x = west + (slot + 1.5) * (east - west) / (slots + 2)
    centre_y = south + (slot + 1.5) * (north - south) / (slots + 2)
    square = box(centre_x - size / 2, centre_y - size / 2, centre_x + size / 2, centre_y + size / 2)
    if not cell.contains(square):
        point = cell.representative_point()
        offset = (slot - slots / 2) * size * 1.2
        square = box(point.x + offset - size / 2, point.y - size / 2, point.x + offset + size / 2, point.y + size / 2)
    return geometry_mapping(square.intersection(cell))


SAMPLE_DISTRICTS = (
    # name, class, size group, gross m³, {crop: mu}, {crop: (net m³/mu of each typical field)}
    (
        "武南灌区",
        "medium",
        "10k-50k",
        6_400_000,
        {"水稻": 9_000, "小麦": 3_000},
        {"水稻": (412, 398, 405), "小麦": (88, 92)},
    ),
    (
        "滆湖灌区",
        "medium",
        "50k-150k",
        19_500_000,
        {"水稻": 27_000, "小麦": 9_000},
        {"水稻": (420, 431), "小麦": (90,)},
    ),
    ("雪堰小型灌区", "small", "", 520_000, {"水稻": 700, "蔬菜": 150}, {"水稻": (430, 445), "蔬菜": (260,)}),
    ("前黄小型灌区", "small", "", 610_000, {"水稻": 820, "蔬菜": 200}, {"水稻": (421,), "蔬菜": (248, 255)}),
    ("礼嘉井灌区", "well", "", 95_000, {"蔬菜": 300}, {"蔬菜": (265, 270)}),
)
CLASS_GROSS_M3 = {"medium": 86_000_000, "small": 21_000_000, "well": 1_200_000}


def create_samples(generator: random.Random) -> None:
    """Three years of samples; each year's net water drifts up by about 1 % as canals are lined and piped."""
    for offset, year in enumerate((2023, 2024, 2025)):
        irrigation_year = IrrigationYear.objects.create(
            year=year,
            medium_gross_m3=CLASS_GROSS_M3["medium"],
            small_gross_m3=CLASS_GROSS_M3["small"],
            well_gross_m3=CLASS_GROSS_M3["well"],
            provincial_value=PROVINCIAL_VALUES[year],
            national_value=NATIONAL_VALUES[year],
            county_target=COUNTY_TARGETS[year],
        )
        for name, district_class, size_group, gross, areas, fields in SAMPLE_DISTRICTS:
            district = SampleDistrict.objects.create(
                year=irrigation_year,
                name=name,
                district_class=district_class,
                size_group=size_group,
                gross_m3=gross * (1 - 0.01 * offset),
                irrigated_area_mu=areas,
            )
            TypicalField.objects.bulk_create(
                TypicalField(
                    district=district,
                    name=f"{crop}{number}号田",
                    crop=crop,
                    net_m3_per_mu=round(value * generator.uniform(0.99, 1.01), 1),
                )
                for crop, values in fields.items()
                for number, value in enumerate(values, start=1)
            )

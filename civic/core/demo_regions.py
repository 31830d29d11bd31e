"""The demo county's regions: Wujin District, its towns and streets, DMAs and dog key areas.

The boundaries are schematic: each town or street is a tile of a 4 × 4 grid
laid out roughly as the places lie on the map, around 31.70°N 119.95°E
(WGS 84). DMAs split a town's tile into strips; a dog key area is a
rectangle inside its town, sized so that the key areas add up to the
seed's 114.27 km².

The key areas are those the city's notice of key dog-management areas
([CZ-DOG-AREAS-2021], 22 December 2021, made under [CZ-DOG-REG-2021]) lists for
Wujin District: 湖塘镇, the northern part of the Wujin national high-tech zone
and part of 西湖街道. 戚墅堰, 潞城 and 丁堰 are listed under the economic
development zone, not the district, so the demo gives them none. How the
114.27 km² split between the three is the demo's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from civic.core.models import Region, RegionLevel

# Mean Earth radius of the WGS 84 ellipsoid, R₁ = (2a + b) / 3 [m].
EARTH_RADIUS_M = 6_371_008.8

COUNTY_CODE = "320412"
CENTRE_LATITUDE = 31.70
CENTRE_LONGITUDE = 119.95
TILE_WIDTH_DEGREES = 0.10
TILE_HEIGHT_DEGREES = 0.08
GRID_SIZE = 4
DMAS_PER_TOWN = 3
KEY_AREA_WIDTH_SHARE = 0.6


@dataclass(frozen=True)
class TownSpec:
    code: str
    name: str
    name_en: str
    row: int  # 0 is the northern row of the grid
    column: int  # 0 is the western column
    key_area_km2: float = 0.0  # dog key management area inside the town (0: none)
    key_area_name: str = ""  # as the city's notice names it; empty: "<town>养犬重点管理区"
    key_area_width_share: float = 0.6  # of the tile's width, so a large key area still fits its tile

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
    TownSpec("320412100", "湖塘镇", "Hutang", 1, 1, 60.00, key_area_width_share=0.9),
    TownSpec("320412102", "牛塘镇", "Niutang", 0, 1),
    TownSpec("320412103", "洛阳镇", "Luoyang", 3, 2),
    TownSpec("320412104", "遥观镇", "Yaoguan", 2, 2),
    TownSpec("320412105", "横林镇", "Henglin", 2, 3),
    TownSpec("320412106", "横山桥镇", "Hengshanqiao", 1, 3),
    TownSpec("320412107", "雪堰镇", "Xueyan", 3, 3),
    TownSpec("320412108", "前黄镇", "Qianhuang", 3, 0),
    TownSpec("320412109", "礼嘉镇", "Lijia", 3, 1),
    TownSpec("320412110", "嘉泽镇", "Jiaze", 0, 0),
    TownSpec("320412111", "湟里镇", "Huangli", 1, 0),
    # The high-tech zone's northern part lies, in the demo, in 南夏墅街道, one of the zone's two streets.
    TownSpec("320412001", "南夏墅街道", "Nanxiashu Street", 2, 1, 35.00, "武进国家高新区北区养犬重点管理区"),
    TownSpec("320412002", "西湖街道", "Xihu Street", 2, 0, 19.27, "西湖街道（部分）养犬重点管理区"),
    TownSpec("320412003", "丁堰街道", "Dingyan Street", 0, 2),
    TownSpec("320412004", "戚墅堰街道", "Qishuyan Street", 1, 2),
    TownSpec("320412005", "潞城街道", "Lucheng Street", 0, 3),
)


@dataclass(frozen=True)
class Rectangle:
    """A latitude–longitude rectangle in degrees (WGS 84)."""

    west: float
    south: float
    east: float
    north: float

    def geometry(self) -> dict[str, object]:
        """The rectangle as a GeoJSON Polygon: one closed ring, anticlockwise (RFC 7946)."""
        ring = [
            [self.west, self.south],
            [self.east, self.south],
            [self.east, self.north],
            [self.west, self.north],
            [self.west, self.south],
        ]
        return {"type": "Polygon", "coordinates": [ring]}

    def area_m2(self) -> float:
        """Area on the sphere of mean radius R [m²].

        Notes
        -----
        A zone between two parallels bounded by two meridians has area
        A = R² · Δλ · (sin φ₂ − sin φ₁), with Δλ in radians.
        """
        width_radians = math.radians(self.east - self.west)
        band = math.sin(math.radians(self.north)) - math.sin(math.radians(self.south))
        return EARTH_RADIUS_M**2 * width_radians * band


def town_tile(town: TownSpec) -> Rectangle:
    grid_west = CENTRE_LONGITUDE - GRID_SIZE * TILE_WIDTH_DEGREES / 2
    grid_north = CENTRE_LATITUDE + GRID_SIZE * TILE_HEIGHT_DEGREES / 2
    west = grid_west + town.column * TILE_WIDTH_DEGREES
    north = grid_north - town.row * TILE_HEIGHT_DEGREES
    return Rectangle(west, north - TILE_HEIGHT_DEGREES, west + TILE_WIDTH_DEGREES, north)


def dma_strips(tile: Rectangle, count: int) -> list[Rectangle]:
    """Split a tile into `count` north–south strips of equal width."""
    width = (tile.east - tile.west) / count
    return [
        Rectangle(tile.west + index * width, tile.south, tile.west + (index + 1) * width, tile.north)
        for index in range(count)
    ]


def key_area_rectangle(tile: Rectangle, area_m2: float, width_share: float = KEY_AREA_WIDTH_SHARE) -> Rectangle:
    """A rectangle centred east–west in the tile whose spherical area is `area_m2`.

    Notes
    -----
    Solving A = R² Δλ (sin φ₂ − sin φ₁) for the northern edge gives
    φ₂ = asin(sin φ₁ + A / (R² Δλ)).
    """
    width = (tile.east - tile.west) * width_share
    west = tile.west + (tile.east - tile.west - width) / 2
    south = tile.south + (tile.north - tile.south) * 0.15
    sine_north = math.sin(math.radians(south)) + area_m2 / (EARTH_RADIUS_M**2 * math.radians(width))
    north = math.degrees(math.asin(sine_north))
    if north > tile.north:
        raise ValueError(f"a key area of {area_m2} m² does not fit in its town's tile")
    return Rectangle(west, south, west + width, north)


def create_region(code: str, name: str, name_en: str, level: str, parent: Region | None, shape: Rectangle) -> Region:
    return Region.objects.create(
        code=code,
        name=name,
        name_en=name_en,
        level=level,
        parent=parent,
        boundary=shape.geometry(),
        area_m2=shape.area_m2(),
    )


def create_town(county: Region, town: TownSpec) -> Region:
    tile = town_tile(town)
    region = create_region(town.code, town.name, town.name_en, RegionLevel.TOWN, county, tile)
    for number, strip in enumerate(dma_strips(tile, DMAS_PER_TOWN), start=1):
        name = f"{town.short_name}{number}号计量分区"
        create_region(
            f"{town.code}-D{number:02d}", name, f"{town.name_en} DMA {number}", RegionLevel.DMA, region, strip
        )
    if town.key_area_km2:
        shape = key_area_rectangle(tile, town.key_area_km2 * 1e6, town.key_area_width_share)
        name = town.key_area_name or f"{town.name}养犬重点管理区"
        create_region(f"{town.code}-K01", name, f"{town.name_en} dog key area", RegionLevel.KEY_AREA, region, shape)
    return region


def county_outline() -> Rectangle:
    tiles = [town_tile(town) for town in TOWNS]
    return Rectangle(
        min(tile.west for tile in tiles),
        min(tile.south for tile in tiles),
        max(tile.east for tile in tiles),
        max(tile.north for tile in tiles),
    )


def create_regions() -> dict[str, Region]:
    """Create the county, its towns and streets, DMAs and key areas; return the towns by name."""
    county = create_region(COUNTY_CODE, "武进区", "Wujin District", RegionLevel.COUNTY, None, county_outline())
    return {town.name: create_town(county, town) for town in TOWNS}


def town_spec(name: str) -> TownSpec:
    return next(town for town in TOWNS if town.name == name)

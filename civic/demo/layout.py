"""Where the demo county's places lie: towns as cells of the district's real outline, DMAs and key areas in them.

The outline is Wujin District's own (`civic.core.outlines`). Each town or
street is the part of the outline nearest to its seat (a Voronoi cell of the
seats, cut by the outline), so the towns tile the district as they roughly
do on the map; the seats are approximate, the cells schematic. A town's
DMAs are north–south strips of its cell; a dog key area is the part of its
town's cell inside a rectangle about the cell's centre, grown until it has
the area the notice gives.

Areas are worked on a local equirectangular projection about the district's
mean latitude φ₀ (x = R·cos φ₀·λ, y = R·φ, R the mean Earth radius), whose
error over a district of 50 km is well under 0.1 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from shapely import voronoi_polygons
from shapely.geometry import MultiPoint, Point, box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from civic.core.outlines import district_outline

EARTH_RADIUS_M = 6_371_008.8
AREA_TOLERANCE = 1e-4
BISECTION_STEPS = 60

WUJIN_SEATS: dict[str, tuple[float, float]] = {
    # Approximate seats of the district's towns and streets (longitude, latitude), for the demo's cells.
    "湖塘镇": (119.97, 31.71),
    "牛塘镇": (119.85, 31.74),
    "洛阳镇": (120.08, 31.58),
    "遥观镇": (120.10, 31.75),
    "横林镇": (120.19, 31.72),
    "横山桥镇": (120.15, 31.68),
    "雪堰镇": (120.08, 31.50),
    "前黄镇": (119.97, 31.58),
    "礼嘉镇": (120.04, 31.63),
    "嘉泽镇": (119.82, 31.64),
    "湟里镇": (119.74, 31.61),
    "南夏墅街道": (119.97, 31.64),
    "西湖街道": (119.89, 31.665),
    "丁堰街道": (120.05, 31.78),
    "戚墅堰街道": (120.12, 31.78),
    "潞城街道": (120.02, 31.80),
}


def wujin_outline() -> BaseGeometry:
    """Wujin District's outline, made valid (the package's simplified ring touches itself here and there)."""
    return shape(district_outline("江苏", "常州市", "武进区")).buffer(0)


def area_m2(geometry: BaseGeometry) -> float:
    """Area of a longitude/latitude geometry [m²], on the equirectangular projection about its mean latitude."""
    if geometry.is_empty:
        return 0.0
    _west, south, _east, north = geometry.bounds
    mean_latitude = math.radians((south + north) / 2)
    degree_m = EARTH_RADIUS_M * math.pi / 180
    return float(geometry.area * degree_m * degree_m * math.cos(mean_latitude))


def inside(point: Point, outline: BaseGeometry) -> Point:
    """The point, or the nearest point of the outline's interior when it falls outside."""
    if outline.contains(point):
        return point
    nearest = nearest_points(outline.buffer(-0.005), point)[0]
    return Point(nearest.x, nearest.y)


def town_cells(outline: BaseGeometry, seats: Mapping[str, tuple[float, float]]) -> dict[str, BaseGeometry]:
    """Each town's cell: the part of the outline nearer its seat than any other's."""
    points = {name: inside(Point(*seat), outline) for name, seat in seats.items()}
    cells = voronoi_polygons(MultiPoint(list(points.values())), extend_to=outline.envelope.buffer(0.1))
    result = {}
    for name, point in points.items():
        cell = next(polygon for polygon in cells.geoms if polygon.covers(point))
        result[name] = largest_part(cell.intersection(outline))
    return result


def largest_part(geometry: BaseGeometry) -> BaseGeometry:
    """A polygon: the geometry itself, or its largest polygon when it falls apart."""
    if geometry.geom_type == "Polygon":
        return geometry
    polygons = [part for part in getattr(geometry, "geoms", []) if part.geom_type == "Polygon"]
    return max(polygons, key=lambda part: part.area)


def strips(cell: BaseGeometry, count: int) -> list[BaseGeometry]:
    """The cell split into `count` north–south strips of equal width (each the cell's part within its band)."""
    west, south, east, north = cell.bounds
    width = (east - west) / count
    return [
        largest_part(cell.intersection(box(west + index * width, south, west + (index + 1) * width, north)))
        for index in range(count)
    ]


def area_within(cell: BaseGeometry, target_m2: float) -> BaseGeometry:
    """The part of the cell inside a rectangle about its centre, the rectangle grown until the part has `target_m2`.

    The part's area grows with the rectangle's scale s ∈ (0, 1] (s = 1 is the
    cell's bounding box), so bisection on s finds it; refused when the cell is
    smaller than the target.
    """
    if area_m2(cell) < target_m2 * (1 - AREA_TOLERANCE):
        raise ValueError(f"the cell has {area_m2(cell) / 1e6:.2f} km², less than the {target_m2 / 1e6:.2f} km² asked")
    west, south, east, north = cell.bounds
    centre = cell.representative_point()
    low, high = 0.0, 1.0
    part = cell
    for _step in range(BISECTION_STEPS):
        scale = (low + high) / 2
        half_width, half_height = (east - west) * scale, (north - south) * scale
        part = cell.intersection(
            box(centre.x - half_width, centre.y - half_height, centre.x + half_width, centre.y + half_height)
        )
        error = area_m2(part) / target_m2 - 1
        if abs(error) < AREA_TOLERANCE:
            break
        low, high = (scale, high) if error < 0 else (low, scale)
    return largest_part(part)


def geometry_mapping(geometry: BaseGeometry, digits: int = 5) -> dict[str, Any]:
    """GeoJSON of a polygon, coordinates rounded to `digits` decimals (about a metre at 5)."""
    rounded = mapping(geometry.simplify(10**-digits))
    return {"type": rounded["type"], "coordinates": round_coordinates(rounded["coordinates"], digits)}


def round_coordinates(value: Any, digits: int) -> Any:
    if isinstance(value, int | float):
        return round(float(value), digits)
    return [round_coordinates(item, digits) for item in value]

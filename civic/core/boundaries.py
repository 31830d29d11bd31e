"""Boundaries the bureau uploads: a GeoJSON file or a zipped Shapefile, checked before any map shows it.

A boundary is kept as a GeoJSON geometry (Polygon or MultiPolygon) in
longitude/latitude (WGS 84), the form Leaflet draws without online tiles.
An upload is refused, with the reason, when it cannot be read, holds no
polygon, has a ring that is not closed or a polygon that crosses itself,
or lies outside the county's bounds.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import shapefile
from django.utils.translation import gettext as _
from shapely import union_all
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

MAXIMUM_UPLOAD_BYTES = 5 * 1024 * 1024
POLYGON_TYPES = ("Polygon", "MultiPolygon")


class BoundaryError(ValueError):
    """An uploaded boundary that cannot be used, with the reason in the reader's language."""


@dataclass(frozen=True)
class Bounds:
    """A box of longitudes and latitudes [degrees]."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, geometry: BaseGeometry) -> bool:
        west, south, east, north = geometry.bounds
        return west >= self.west and south >= self.south and east <= self.east and north <= self.north


def read_boundary(name: str, content: bytes, bounds: Bounds | None = None) -> dict[str, Any]:
    """The GeoJSON geometry of an uploaded ``.geojson``/``.json`` file or zipped Shapefile (``.zip``)."""
    if len(content) > MAXIMUM_UPLOAD_BYTES:
        raise BoundaryError(_("The file is larger than 5 MB."))
    lowered = name.lower()
    if lowered.endswith((".geojson", ".json")):
        geometries = geojson_geometries(content)
    elif lowered.endswith(".zip"):
        geometries = shapefile_geometries(content)
    else:
        raise BoundaryError(_("Upload a GeoJSON file (.geojson) or a zipped Shapefile (.zip)."))
    return checked_geometry(geometries, bounds)


def geojson_geometries(content: bytes) -> list[Any]:
    """The geometries of a GeoJSON geometry, Feature or FeatureCollection."""
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BoundaryError(_("The file is not GeoJSON: %(reason)s") % {"reason": error}) from None
    if not isinstance(document, dict):
        raise BoundaryError(_("The file is not GeoJSON: it holds no object."))
    if document.get("type") == "FeatureCollection":
        return [feature.get("geometry") for feature in document.get("features") or [] if isinstance(feature, dict)]
    if document.get("type") == "Feature":
        return [document.get("geometry")]
    return [document]


def shapefile_geometries(content: bytes) -> list[dict[str, Any]]:
    """The shapes of the one Shapefile (.shp with its .shx and .dbf) inside a zip file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = {member.lower().rsplit(".", 1)[-1]: member for member in archive.namelist()}
        if "shp" not in members:
            raise BoundaryError(_("The zip file holds no .shp file."))
        reader = shapefile.Reader(
            shp=io.BytesIO(archive.read(members["shp"])),
            shx=io.BytesIO(archive.read(members["shx"])) if "shx" in members else None,
            dbf=io.BytesIO(archive.read(members["dbf"])) if "dbf" in members else None,
        )
        return [record.__geo_interface__ for record in reader.shapes()]
    except (zipfile.BadZipFile, shapefile.ShapefileException, KeyError, OSError) as error:
        raise BoundaryError(_("The Shapefile cannot be read: %(reason)s") % {"reason": error}) from None


def checked_geometry(geometries: list[Any], bounds: Bounds | None) -> dict[str, Any]:
    """One Polygon or MultiPolygon from the uploaded geometries, closed, simple and within `bounds`."""
    polygons = [
        geometry for geometry in geometries if isinstance(geometry, dict) and geometry.get("type") in POLYGON_TYPES
    ]
    if not polygons:
        raise BoundaryError(_("The file holds no polygon."))
    for geometry in polygons:
        refuse_open_rings(geometry)
    try:
        shapes = [shape(geometry) for geometry in polygons]
    except (ValueError, TypeError, AttributeError) as error:
        raise BoundaryError(_("A polygon cannot be read: %(reason)s") % {"reason": error}) from None
    for polygon in shapes:
        if not polygon.is_valid:
            raise BoundaryError(_("A polygon is not valid: %(reason)s") % {"reason": explain_validity(polygon)})
    union = union_all(shapes)
    if bounds is not None and not bounds.contains(union):
        raise BoundaryError(
            _("The boundary lies outside the county (%(west).3f–%(east).3f °E, %(south).3f–%(north).3f °N).")
            % {"west": bounds.west, "east": bounds.east, "south": bounds.south, "north": bounds.north}
        )
    return dict(mapping(union))


def refuse_open_rings(geometry: dict[str, Any]) -> None:
    """Every ring must end where it starts and have at least four positions (GeoJSON, RFC 7946 §3.1.6)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        for ring in polygon:
            if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
                raise BoundaryError(_("A ring of the polygon is not closed: its last point must repeat its first."))

"""The county's map layers."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civic.core import health as health_checks
from civic.core.models import Region, RegionLevel, Role
from civic.core.permissions import BUREAU, role_required


@role_required(*BUREAU, Role.DOG_OFFICE_STAFF, Role.NETWORK_ANALYST, Role.CLINIC_STAFF, Role.INSPECTOR)
def regions_geojson(request: HttpRequest) -> JsonResponse:
    """Towns, DMAs and key areas as a GeoJSON FeatureCollection (WGS 84)."""
    level = request.GET.get("level", RegionLevel.TOWN)
    features = [
        {
            "type": "Feature",
            "geometry": region.boundary,
            "properties": {"code": region.code, "name": region.name, "name_en": region.name_en, "level": region.level},
        }
        for region in Region.objects.filter(level=level, boundary__isnull=False)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Public: whether the database, the readings store and the job queue work (503 when one does not)."""
    answer = health_checks.health()
    return JsonResponse(answer, status=200 if answer["status"] == "ok" else 503)

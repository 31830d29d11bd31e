"""The dashboard and the county's map layers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civic.core import dashboard as dashboard_figures
from civic.core import health as health_checks
from civic.core.caching import kept_for_a_while
from civic.core.models import Region, RegionLevel, Role
from civic.core.permissions import BUREAU, no_role_page, role_required, signed_in_user

SIGNED_IN_ROLES = tuple(Role.values)


@role_required(*SIGNED_IN_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.is_enterprise_reporter:
        return redirect("water:my_water_user")
    if user.has_no_role:
        return no_role_page(request)
    # The county administrator sees both offices' parts; each office's staff see their own.
    context = kept_for_a_while("county", dashboard_figures.county_figures) if user.is_bureau else {}
    if user.is_dog_office:
        context.update(kept_for_a_while("dogs", dashboard_figures.dog_figures))
    return render(request, "core/dashboard.html", context)


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

"""Which water users' records a signed-in user may see.

Bureau roles see every water user; an enterprise reporter sees only the one it
is bound to; nobody else sees any. Every page and endpoint that shows a water
user's records goes through here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civic.water.models import WaterUser


def visible_water_users(user: Any) -> QuerySet[WaterUser]:
    if not user.is_authenticated:
        return WaterUser.objects.none()
    if user.is_bureau:
        return WaterUser.objects.all()
    if user.is_enterprise_reporter and user.water_user_id:
        return WaterUser.objects.filter(pk=user.water_user_id)
    return WaterUser.objects.none()


def visible_water_user_or_404(user: Any, code: str) -> WaterUser:
    """The water user with `code`, or 404 — also when it exists but is not the user's to see."""
    try:
        # The town's outline (GeoJSON) is large and no page of one water user draws it.
        return visible_water_users(user).select_related("industry", "town").defer("town__boundary").get(code=code)
    except WaterUser.DoesNotExist:
        raise Http404 from None

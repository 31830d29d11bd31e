"""Which water users' records a signed-in user may see.

Bureau roles see every water user; an enterprise reporter sees only the one it
is bound to; nobody else sees any. Every page and endpoint that shows a water
user's records goes through here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civic.water.models import WaterUser, WaterUserReporter


def water_user_of(user: Any) -> WaterUser | None:
    """The water user `user` reports for (their `WaterUserReporter` link); None when they have none."""
    link = reporter_link_of(user)
    return link.water_user if link else None


def water_user_id_of(user: Any) -> int | None:
    """The id of the water user `user` reports for; None when they have none."""
    link = reporter_link_of(user)
    return link.water_user_id if link else None


def reporter_link_of(user: Any) -> WaterUserReporter | None:
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    try:
        link: WaterUserReporter = user.water_user_reporter
    except WaterUserReporter.DoesNotExist:
        return None
    return link


def visible_water_users(user: Any) -> QuerySet[WaterUser]:
    if not user.is_authenticated:
        return WaterUser.objects.none()
    if user.is_bureau:
        return WaterUser.objects.all()
    if user.is_enterprise_reporter and (water_user_id := water_user_id_of(user)):
        return WaterUser.objects.filter(pk=water_user_id)
    return WaterUser.objects.none()


def visible_water_user_or_404(user: Any, code: str) -> WaterUser:
    """The water user with `code`, or 404 — also when it exists but is not the user's to see."""
    try:
        return visible_water_users(user).select_related("industry", "town").get(code=code)
    except WaterUser.DoesNotExist:
        raise Http404 from None

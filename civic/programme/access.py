"""Which firms, projects and feedback a signed-in user may see and file.

The water-saving office (WATER_OFFICE) sees everything. An enterprise
reporter sees the firm it is bound to in this app (``FirmReporter``) and the
firm linked to its water user; nothing of any other firm. Every page and
endpoint of the programme goes through here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from civic.core.permissions import WATER_OFFICE, user_has_role
from civic.programme.models import Feedback, Firm, Project
from civic.water.access import water_user_id_of


def is_office(user: Any) -> bool:
    return user_has_role(user, WATER_OFFICE)


def visible_firms(user: Any) -> QuerySet[Firm]:
    if not user.is_authenticated:
        return Firm.objects.none()
    if is_office(user):
        return Firm.objects.all()
    if user.is_enterprise_reporter:
        bound = Q(reporters__user=user)
        if water_user_id := water_user_id_of(user):
            bound |= Q(water_user_id=water_user_id)
        return Firm.objects.filter(bound).distinct()
    return Firm.objects.none()


def own_firm(user: Any) -> Firm | None:
    """The firm an enterprise reporter files for (None for others or an unbound reporter)."""
    if not user.is_authenticated or is_office(user):
        return None
    return visible_firms(user).order_by("pk").first()


def visible_projects(user: Any) -> QuerySet[Project]:
    if is_office(user):
        return Project.objects.all()
    return Project.objects.filter(firm__in=visible_firms(user))


def visible_feedback(user: Any) -> QuerySet[Feedback]:
    if is_office(user):
        return Feedback.objects.all()
    return Feedback.objects.filter(firm__in=visible_firms(user))


def visible_project_or_404(user: Any, number: str) -> Project:
    """The project numbered `number`, or 404 — also when it exists but belongs to another firm."""
    try:
        return visible_projects(user).select_related("firm").get(number=number)
    except Project.DoesNotExist:
        raise Http404 from None


def visible_firm_or_404(user: Any, firm_id: int) -> Firm:
    try:
        return visible_firms(user).get(pk=firm_id)
    except Firm.DoesNotExist:
        raise Http404 from None

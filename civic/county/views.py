"""The county dashboard: each office's figures on one page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from civic.core.caching import kept_for_a_while
from civic.core.models import Role
from civic.core.permissions import no_role_page, role_required, signed_in_user
from civic.county import dashboard as dashboard_figures

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
    return render(request, "county/dashboard.html", context)

"""The network page: the supply network's map, sensors and a localised leak."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from civic.core.models import Role
from civic.core.permissions import BUREAU, role_required
from civic.water import network as network_summary

# The supply network's leak alarms: the stored localisation (civic.water.network) on a map and charts.


@role_required(*BUREAU, Role.NETWORK_ANALYST)
def network_overview(request: HttpRequest) -> HttpResponse:
    """The network map with its sensors, each alarm with its ranked candidate pipes, and night residuals."""
    summary = network_summary.read_summary()
    words = {
        "consumption": _("Night consumption"),
        "reference": _("Reference"),
        "sensor": _("Pressure sensor"),
        "candidate": _("Candidate pipe"),
    }
    return render(
        request, "water/network_overview.html", {"summary": summary, "words": {k: str(v) for k, v in words.items()}}
    )

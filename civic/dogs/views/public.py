"""What the public opens without signing in (the tag and licence check, the statistics) and the staff statistics."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from civic.core import rates
from civic.core.client_address import client_address
from civic.core.permissions import DOG_OFFICE, role_required
from civic.dogs import forms, rules, statistics
from civic.dogs.models import (
    Dog,
    Licence,
    Tag,
    TagStatus,
)
from civic.dogs.views.common import (
    photo_data_uri,
    today,
)


def find_tag_or_licence(number: str) -> tuple[Licence | None, Tag | None]:
    """The licence behind a tag or licence number, and the tag when a tag number was given."""
    number = number.strip().upper()
    tag = Tag.objects.select_related("licence").filter(number=number).first()
    if tag is not None:
        return tag.licence, tag
    return Licence.objects.filter(number=number).first(), None


def check_result(number: str) -> dict[str, Any]:
    """What a finder needs of a number: state, breed, colour, thumbnail and the service point to call.

    No owner's name, address or phone. A cancelled licence shows no validity
    date; a dog reported lost shows as lost.
    """
    licence, tag = find_tag_or_licence(number)
    if licence is None:
        return {"found": False, "number": number}
    dog = Dog.objects.select_related("breed", "service_point").get(pk=licence.dog_id)
    state = licence.state(today())
    if tag is not None and tag.status != TagStatus.ACTIVE and state == rules.LicenceState.VALID:
        # A replaced tag no longer proves anything: the dog wears its new one.
        state = rules.LicenceState.CANCELLED
    return {
        "found": True,
        "number": number,
        "state": str(state),
        "tag_replaced": tag is not None and tag.status == TagStatus.REPLACED,
        "breed": dog.breed.name,
        "colour": dog.colour,
        "photo": photo_data_uri(dog, thumbnail=True),
        "expires_on": licence.expires_on if state in (rules.LicenceState.VALID, rules.LicenceState.EXPIRED) else None,
        "service_point": dog.service_point,
    }


# The public check answers at most this many numbers per address in a window, so
# the register cannot be read out number by number (tag numbers run in sequence).
PUBLIC_CHECKS_PER_WINDOW = 30
PUBLIC_CHECK_WINDOW_SECONDS = 600
SHOWN_NUMBER_CHARACTERS = 40


def check_allowed(request: HttpRequest) -> bool:
    """Count one check against the caller's address; False once the window's allowance is used up.

    The address is the client's behind the trusted proxies (civic.core.client_address), and the checks
    are counted in the database (civic.core.rates), so the allowance is the address's on the whole server.
    """
    limit = getattr(settings, "CIVIC_PUBLIC_CHECKS_PER_WINDOW", PUBLIC_CHECKS_PER_WINDOW)
    key = f"dogs:public-check:{client_address(request) or 'unknown'}"
    return rates.within_allowance(key, limit, PUBLIC_CHECK_WINDOW_SECONDS)


def render_check(request: HttpRequest, number: str | None) -> HttpResponse:
    """The public check page for any string: a result, a refusal of a malformed number, or the rate limit."""
    form = forms.CheckForm({"number": number} if number is not None else None)
    context: dict[str, Any] = {"form": form, "result": None, "limited": False, "malformed": None}
    status = 200
    if number is not None and not form.is_valid():
        shown = number[:SHOWN_NUMBER_CHARACTERS] + ("…" if len(number) > SHOWN_NUMBER_CHARACTERS else "")
        context["malformed"] = shown
    elif form.is_valid():
        if check_allowed(request):
            context["result"] = check_result(form.cleaned_data["number"])
        else:
            context["limited"], status = True, 429
    return render(request, "dogs/public_check.html", context, status=status)


def public_check(request: HttpRequest) -> HttpResponse:
    """Public, no sign-in: is this tag or licence valid, expired, cancelled or lost?"""
    return render_check(request, request.GET.get("number") or None)


def public_check_number(request: HttpRequest, number: str) -> HttpResponse:
    """Where a tag's QR code leads: the check of that tag's number (any string gets a page)."""
    return render_check(request, number)


def public_statistics(request: HttpRequest) -> HttpResponse:
    """Published figures: licensed dogs by town and key area, breeds, registrations, violations."""
    figures = statistics.public_figures(today())
    return render(request, "dogs/public_statistics.html", {"figures": figures, "chart_data": chart_data(figures)})


def chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    """The parts of the figures the page's charts and map draw, as JSON-ready values."""
    keys = ("towns", "key_areas", "breeds", "monthly_registrations", "violations_by_type", "violations_by_place_kind")
    data = {key: figures[key] for key in keys}
    data.update({"town_layer": figures["town_layer"], "key_area_layer": figures["key_area_layer"]})
    for key in ("throughput", "renewals"):
        if key in figures:
            data[key] = figures[key]
    data["labels"] = CHART_LABELS
    return data


# Series and legend names of the charts, in the page's language (json_script writes lazy text as a string).
CHART_LABELS = {
    "dogs": _("Number of dogs"),
    "registrations": _("Registrations"),
    "renewals": _("Renewals"),
    "other": _("Other work"),
    "due": _("Due"),
    "overdue": _("Overdue"),
    "cases": _("Number of cases"),
}


@role_required(*DOG_OFFICE)
def staff_statistics(request: HttpRequest) -> HttpResponse:
    """The bureau's figures: the published ones with throughput per service point and renewals due."""
    figures = statistics.staff_figures(today())
    return render(request, "dogs/staff_statistics.html", {"figures": figures, "chart_data": chart_data(figures)})

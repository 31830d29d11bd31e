"""The register and one-stop registration: the dog list, a licence, registering a dog, refusals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civic.core.models import User
from civic.core.permissions import role_required, signed_in_user
from civic.dogs import actions, documents, forms, rules
from civic.dogs.access import (
    REGISTER_READERS,
    REGISTER_WRITERS,
    may_change_register,
    may_correct_owner,
    own_service_point_id,
    visible_dogs,
    visible_licence_or_404,
    visible_refusal_or_404,
    visible_refusals,
)
from civic.dogs.models import (
    Deadline,
    DeadlineKind,
    Licence,
    Refusal,
    ServicePoint,
)
from civic.dogs.views.common import (
    add_errors,
    page_of,
    pdf_response,
    photo_data_uri,
    query_without_page,
    today,
)


@role_required(*REGISTER_READERS)
def dog_list(request: HttpRequest) -> HttpResponse:
    """The register of dogs, with search (name, microchip, licence or tag, owner, address) and paging."""
    user = signed_in_user(request)
    form = forms.DogSearchForm(request.GET or None)
    dogs = visible_dogs(user).select_related("breed", "owner__household__town", "licence", "service_point")
    dogs = form.filtered(dogs.order_by("-licence__issued_on", "name"))
    page = page_of(request, dogs)
    context = {"form": form, "page": page, "total": page.paginator.count, "query": query_without_page(request)}
    return render(request, "dogs/dog_list.html", context)


@role_required(*REGISTER_READERS)
def licence_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One licence: the dog, its owner (ID masked), immunisations, tags, events and what may be done next."""
    user = signed_in_user(request)
    licence = visible_licence_or_404(user, number)
    on = today()
    context = {
        "licence": licence,
        "dog": licence.dog,
        "state": licence.state(on),
        "renewal_state": licence.renewal_state(on) if not licence.is_cancelled else None,
        "photo": photo_data_uri(licence.dog),
        "immunisations": licence.dog.immunisations.select_related("service_point"),
        "tags": licence.tags.order_by("-issued_on", "-number"),
        "events": licence.events.select_related("service_point", "recorded_by"),
        "reminders": licence.reminders.all(),
        "cases": licence.dog.cases.select_related("violation_type"),
        "may_change": may_change_register(user) and not licence.is_cancelled,
        "may_correct_owner": may_correct_owner(user, licence.dog.owner),
        "open_flags": licence.dog.owner.discrepancies.filter(resolved_on__isnull=True),
    }
    return render(request, "dogs/licence_detail.html", context)


@role_required(*REGISTER_WRITERS)
def licence_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The printed licence with its tag: number and the QR code of the public check."""
    licence = visible_licence_or_404(signed_in_user(request), number)
    tag = licence.active_tag()
    check_url = request.build_absolute_uri(reverse("dogs:check_number", args=[tag.number if tag else licence.number]))
    content = documents.licence_and_tag(licence, check_url, settings.CIVIC_COUNTY_NAME)
    return pdf_response(content, f"{licence.number}.pdf")


@role_required(*REGISTER_WRITERS)
def register_dog(request: HttpRequest) -> HttpResponse:
    """The one-stop registration: owner → dog → immunisation → licence and tag, or a refusal letter."""
    user = signed_in_user(request)
    point_id = own_service_point_id(user)
    point = ServicePoint.objects.get(pk=point_id) if point_id else None
    form = forms.RegistrationForm(request.POST or None, request.FILES or None, service_point=point)
    if request.method == "POST" and form.is_valid():
        outcome = _register_from_form(form, user)
        if isinstance(outcome, Licence):
            messages.success(request, _("Registered. Print the licence and tag."))
            return redirect("dogs:licence_detail", number=outcome.number)
        if isinstance(outcome, Refusal):
            messages.error(request, _("The registration is refused. Print the letter for the owner."))
            return redirect("dogs:refusal_detail", number=outcome.number)
    return render(request, "dogs/register_dog.html", {"form": form, "steps": form.steps(), "service_point": point})


@role_required(*REGISTER_WRITERS)
def registration_check(request: HttpRequest) -> HttpResponse:
    """What registering would give, before anything is stored: the rules the dog and household meet or fail.

    The registration page asks for it (htmx) on its last step; nothing is written.
    """
    user = signed_in_user(request)
    point_id = own_service_point_id(user)
    point = ServicePoint.objects.get(pk=point_id) if point_id else None
    form = forms.RegistrationForm(request.POST or None, service_point=point)
    context: dict[str, Any] = {"form": form, "checked": False}
    if request.method == "POST" and form.is_valid():
        on = today()
        facts = actions.registration_facts(form.application(), on)
        reasons = [actions.REFUSAL_REASON_LABELS[reason] for reason in rules.refusal_reasons(facts)]
        validity = Deadline.rule_for(DeadlineKind.LICENCE_VALIDITY, on)
        licence_until = rules.licence_expiry(
            on, validity.days, form.cleaned_data["valid_until"], rules.PeriodUnit(validity.unit)
        )
        context.update(
            {
                "checked": True,
                "facts": facts,
                "reasons": reasons,
                "key_area": form.cleaned_data.get("key_area"),
                "licence_until": licence_until,
            }
        )
    return render(request, "dogs/_registration_check.html", context)


def _register_from_form(form: forms.RegistrationForm, user: User) -> Licence | Refusal | None:
    try:
        return actions.register_dog(
            form.application(), form.chosen_service_point(), user, today(), photo=form.cleaned_data.get("photo")
        )
    except ValidationError as error:
        add_errors(form, error)
        return None


@role_required(*REGISTER_WRITERS)
def refusal_list(request: HttpRequest) -> HttpResponse:
    """Refused registrations, newest first; search by letter number, owner or dog."""
    search = forms.SearchForm(request.GET or None)
    refusals = visible_refusals(signed_in_user(request)).select_related("breed", "service_point")
    if words := search.words():
        refusals = refusals.filter(
            Q(number__icontains=words) | Q(owner_name__icontains=words) | Q(dog_name__icontains=words)
        )
    context = {"search": search, "page": page_of(request, refusals), "query": query_without_page(request)}
    return render(request, "dogs/refusal_list.html", context)


@role_required(*REGISTER_WRITERS)
def refusal_detail(request: HttpRequest, number: str) -> HttpResponse:
    refusal = visible_refusal_or_404(signed_in_user(request), number)
    reasons = [actions.REFUSAL_REASON_LABELS.get(rules.RefusalReason(code), code) for code in refusal.reasons]
    return render(request, "dogs/refusal_detail.html", {"refusal": refusal, "reasons": reasons})


@role_required(*REGISTER_WRITERS)
def refusal_letter_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """不予登记告知书: the written reasons and the 5-day rehoming deadline, in Chinese."""
    refusal = visible_refusal_or_404(signed_in_user(request), number)
    return pdf_response(documents.refusal_letter(refusal, settings.CIVIC_COUNTY_NAME), f"{refusal.number}.pdf")

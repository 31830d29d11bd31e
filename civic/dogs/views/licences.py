"""A licence afterwards: renewal, changes, cancellation, replacement, owner corrections, and the renewals due."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from civic.core.models import User
from civic.core.permissions import role_required, signed_in_user
from civic.dogs import actions, forms, rules
from civic.dogs.access import (
    REGISTER_WRITERS,
    acting_service_point,
    correctable_owner_or_404,
    own_service_point_id,
    visible_discrepancies,
    visible_dogs,
    visible_licence_or_404,
    visible_reminders,
)
from civic.dogs.models import (
    Licence,
    ServicePoint,
)
from civic.dogs.views.common import (
    add_errors,
    error_text,
    page_of,
    today,
)


def changeable_licence(request: HttpRequest, number: str) -> Licence:
    return visible_licence_or_404(signed_in_user(request), number)


@role_required(*REGISTER_WRITERS)
def renew_licence(request: HttpRequest, number: str) -> HttpResponse:
    """Renewal in the window before expiry (late renewals are marked late), with a new immunisation if brought."""
    user = signed_in_user(request)
    licence = changeable_licence(request, number)
    form = forms.RenewalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.renew_licence(licence, acting_service_point(user, licence), user, today(), form.immunisation())
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Renewed until %(date)s.") % {"date": licence.expires_on.isoformat()})
            return redirect("dogs:licence_detail", number=licence.number)
    problems = actions.renewal_errors(licence, today())
    return render(request, "dogs/renew_licence.html", {"licence": licence, "form": form, "problems": problems})


@role_required(*REGISTER_WRITERS)
def change_registration(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    """Change of owner, address or contact; done more than 15 days after the change, it is marked late."""
    user = signed_in_user(request)
    licence = changeable_licence(request, number)
    if kind not in forms.CHANGE_FORMS:
        return redirect("dogs:licence_detail", number=licence.number)
    form = forms.CHANGE_FORMS[kind](request.POST or None)
    return _licence_form_page(
        request,
        licence,
        form,
        forms.CHANGE_TITLES[kind],
        lambda: _apply_change(kind, form, licence, user),
        _("The change is registered."),
    )


def _licence_form_page(
    request: HttpRequest,
    licence: Licence,
    form: Any,
    title: StrOrPromise,
    change: Callable[[], object],
    done: StrOrPromise,
) -> HttpResponse:
    """One change to a licence on its form: on a valid POST `change` makes it and the licence's page follows
    with `done` said; a rule the change breaks stays on the form as its error, and nothing is changed."""
    if request.method == "POST" and form.is_valid():
        try:
            change()
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, done)
            return redirect("dogs:licence_detail", number=licence.number)
    return render(request, "dogs/licence_form.html", {"licence": licence, "form": form, "title": title})


def _apply_change(kind: str, form: Any, licence: Licence, user: User) -> None:
    point, on, changed_on = acting_service_point(user, licence), today(), form.cleaned_data["changed_on"]
    if kind == "owner":
        actions.change_owner(licence, form.owner_details(), form.address_details(), changed_on, point, user, on)
    elif kind == "address":
        actions.change_address(licence, form.address_details(), changed_on, point, user, on)
    else:
        actions.change_contact(licence, form.cleaned_data["phone"].strip(), changed_on, point, user, on)


@role_required(*REGISTER_WRITERS)
def cancel_licence(request: HttpRequest, number: str) -> HttpResponse:
    """Cancellation on death, surrender or loss: the tag stops checking as valid at once."""
    user = signed_in_user(request)
    licence = changeable_licence(request, number)
    form = forms.CancellationForm(request.POST or None)

    def cancel() -> None:
        data = form.cleaned_data
        actions.cancel_licence(
            licence, data["reason"], data["happened_on"], acting_service_point(user, licence), user, today()
        )

    return _licence_form_page(request, licence, form, _("Cancel the licence"), cancel, _("The licence is cancelled."))


@role_required(*REGISTER_WRITERS)
def replace_tag_or_licence(request: HttpRequest, number: str) -> HttpResponse:
    """A replacement tag (new number, the old one stops checking as valid) or a replacement printed licence."""
    user = signed_in_user(request)
    licence = changeable_licence(request, number)
    form = forms.ReplacementForm(request.POST or None)

    def replace() -> None:
        replace_one = actions.replace_tag if form.cleaned_data["what"] == "tag" else actions.replace_licence
        replace_one(licence, acting_service_point(user, licence), user, today())

    title, done = _("Replace the tag or the licence"), _("Replaced. Print the licence and tag again.")
    return _licence_form_page(request, licence, form, title, replace, done)


@role_required(*REGISTER_WRITERS)
def correct_owner(request: HttpRequest, owner_id: int) -> HttpResponse:
    """Correct a person's name, phone or address: at their own service point or by the dog office, with a reason."""
    user = signed_in_user(request)
    owner = correctable_owner_or_404(user, owner_id)
    initial: dict[str, Any] = {"owner_name": owner.name, "phone": owner.phone, "address": owner.household.address}
    initial["town"] = owner.household.town_id
    form = forms.OwnerCorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        point_id = own_service_point_id(user)
        point = ServicePoint.objects.get(pk=point_id) if point_id else None
        try:
            actions.correct_owner(
                owner, data["owner_name"].strip(), data["phone"], form.address_details(), data["reason"].strip(),
                point, user, today(),
            )  # fmt: skip
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The owner's details are corrected; their licences record it."))
            return redirect("dogs:owner_discrepancy_list")
    context = {
        "owner": owner,
        "form": form,
        "flags": owner.discrepancies.filter(resolved_on__isnull=True),
        "licences": owner.licences().select_related("dog"),
    }
    return render(request, "dogs/correct_owner.html", context)


@role_required(*REGISTER_WRITERS)
def owner_discrepancy_list(request: HttpRequest) -> HttpResponse:
    """Details given at a counter that differ from those held for a resident ID, to be checked and corrected."""
    user = signed_in_user(request)
    show_all = request.GET.get("all") == "1"
    flags = visible_discrepancies(user)
    if not show_all:
        flags = flags.filter(resolved_on__isnull=True)
    context = {"page": page_of(request, flags), "show_all": show_all, "query": "all=1" if show_all else ""}
    return render(request, "dogs/owner_discrepancy_list.html", context)


@role_required(*REGISTER_WRITERS)
def renewal_list(request: HttpRequest) -> HttpResponse:
    """Licences due for renewal or overdue; one button queues the owners' reminders (recorded, not sent)."""
    user = signed_in_user(request)
    on = today()
    state = rules.RenewalState.OVERDUE if request.GET.get("state") == "overdue" else rules.RenewalState.DUE
    visible = Licence.objects.filter(dog__in=visible_dogs(user))
    if request.method == "POST":
        due = actions.licences_to_renew(on, rules.RenewalState.DUE).filter(pk__in=visible)
        overdue = actions.licences_to_renew(on, rules.RenewalState.OVERDUE).filter(pk__in=visible)
        queued = actions.queue_reminders_of_kind(list(due.select_related("dog__owner")), "due", on)
        queued += actions.queue_reminders_of_kind(list(overdue.select_related("dog__owner")), "overdue", on)
        queued_text = ngettext(
            "%(count)d reminder queued for sending.", "%(count)d reminders queued for sending.", queued
        )
        messages.success(request, queued_text % {"count": queued})
        return redirect(f"{reverse('dogs:renewal_list')}?state={state}")
    licences = (
        actions.licences_to_renew(on, state)
        .filter(pk__in=visible)
        .select_related("dog__owner", "dog__breed", "dog__service_point")
        .order_by("expires_on", "number")
    )
    context = {
        "state": state,
        "page": page_of(request, licences),
        "query": f"state={state}",
        "due_count": actions.licences_to_renew(on, rules.RenewalState.DUE).filter(pk__in=visible).count(),
        "overdue_count": actions.licences_to_renew(on, rules.RenewalState.OVERDUE).filter(pk__in=visible).count(),
        "recent_reminders": visible_reminders(user).select_related("licence")[:20],
        "queued_total": visible_reminders(user).filter(sent_at__isnull=True, withdrawn_on__isnull=True).count(),
    }
    return render(request, "dogs/renewal_list.html", context)

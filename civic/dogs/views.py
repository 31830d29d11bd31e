"""Pages of dog management. Views validate, call `actions` or a model, and render.

Signed-in pages are guarded by `role_required` and read records through
`civic.dogs.access`; the public check and the published statistics are open
to everyone and show no personal data.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.core.models import User
from civic.core.permissions import DOG_OFFICE, role_required, signed_in_user
from civic.dogs import actions, documents, forms, rules, statistics
from civic.dogs.access import (
    ENFORCERS,
    REGISTER_READERS,
    REGISTER_WRITERS,
    correctable_owner_or_404,
    may_change_register,
    may_correct_owner,
    own_service_point_id,
    visible_discrepancies,
    visible_dogs,
    visible_licence_or_404,
    visible_refusal_or_404,
    visible_refusals,
    visible_reminders,
)
from civic.dogs.models import (
    CaseStatus,
    Deadline,
    DeadlineKind,
    Dog,
    Licence,
    Patrol,
    PenaltyStep,
    Refusal,
    ServicePoint,
    ShelterIntake,
    ShelterOutcome,
    Tag,
    TagStatus,
    ViolationCase,
)

PAGE_SIZE = 50
PDF = "application/pdf"


def today() -> datetime.date:
    return timezone.localdate()


def page_of(request: HttpRequest, records: Any) -> Any:
    return Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def pdf_response(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    return response


def photo_data_uri(dog: Dog, thumbnail: bool = False) -> str:
    """The dog's photo (or its thumbnail) inlined in the page, so no page needs a media server.

    Public pages take the thumbnail: a small JPEG written afresh, without the
    upload's metadata (`civic.dogs.photos`).
    """
    image = dog.photo_thumbnail if thumbnail else dog.photo
    if not image:
        return ""
    try:
        with image.open("rb") as photo:
            content = photo.read()
    except OSError:
        return ""
    kind = "png" if content[:4] == b"\x89PNG" else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(content).decode()}"


def acting_service_point(user: User, licence: Licence | None = None) -> ServicePoint:
    """Where the work is recorded: a clinic's own point; for the bureau, the dog's point."""
    point_id = own_service_point_id(user)
    if point_id:
        return ServicePoint.objects.get(pk=point_id)
    assert licence is not None
    return licence.dog.service_point


def add_errors(form: Any, error: ValidationError) -> None:
    """Put an action's errors on the form fields they name, the rest at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- REGISTER ----------------------------------------------------------------


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


# --- END REGISTER ------------------------------------------------------------


# --- REGISTRATION ------------------------------------------------------------


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


# --- END REGISTRATION --------------------------------------------------------


# --- AFTERWARDS --------------------------------------------------------------


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
    if request.method == "POST" and form.is_valid():
        try:
            _apply_change(kind, form, licence, user)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The change is registered."))
            return redirect("dogs:licence_detail", number=licence.number)
    context = {"licence": licence, "form": form, "title": forms.CHANGE_TITLES[kind]}
    return render(request, "dogs/licence_form.html", context)


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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.cancel_licence(
                licence, data["reason"], data["happened_on"], acting_service_point(user, licence), user, today()
            )
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The licence is cancelled."))
            return redirect("dogs:licence_detail", number=licence.number)
    context = {"licence": licence, "form": form, "title": _("Cancel the licence")}
    return render(request, "dogs/licence_form.html", context)


@role_required(*REGISTER_WRITERS)
def replace_tag_or_licence(request: HttpRequest, number: str) -> HttpResponse:
    """A replacement tag (new number, the old one stops checking as valid) or a replacement printed licence."""
    user = signed_in_user(request)
    licence = changeable_licence(request, number)
    form = forms.ReplacementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        replace = actions.replace_tag if form.cleaned_data["what"] == "tag" else actions.replace_licence
        try:
            replace(licence, acting_service_point(user, licence), user, today())
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Replaced. Print the licence and tag again."))
            return redirect("dogs:licence_detail", number=licence.number)
    context = {"licence": licence, "form": form, "title": _("Replace the tag or the licence")}
    return render(request, "dogs/licence_form.html", context)


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


# --- END AFTERWARDS ----------------------------------------------------------


# --- RENEWALS ----------------------------------------------------------------


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


# --- END RENEWALS ------------------------------------------------------------


# --- ENFORCEMENT -------------------------------------------------------------


@role_required(*ENFORCERS)
def patrol_list(request: HttpRequest) -> HttpResponse:
    """Patrol records by place, and the form to record one."""
    user = signed_in_user(request)
    form = forms.PatrolForm(request.POST or None, initial={"patrolled_on": today()})
    if request.method == "POST" and form.is_valid():
        patrol = form.save(commit=False)
        patrol.inspector = user
        patrol.save()
        messages.success(request, _("Patrol recorded."))
        return redirect("dogs:patrol_list")
    patrols = Patrol.objects.select_related("place", "inspector").order_by("-patrolled_on", "-id")
    return render(request, "dogs/patrol_list.html", {"form": form, "page": page_of(request, patrols), "query": ""})


def filtered_cases(filters: forms.CaseFilterForm) -> QuerySet[ViolationCase]:
    cases = ViolationCase.objects.select_related("violation_type", "place", "dog__breed")
    if not filters.is_valid():
        return cases
    for field in ("status", "violation_type"):
        if filters.cleaned_data[field]:
            cases = cases.filter(**{field: filters.cleaned_data[field]})
    words = filters.cleaned_data["q"].strip()
    if words:
        cases = cases.filter(
            Q(number__icontains=words)
            | Q(offender_name__icontains=words)
            | Q(place__name__icontains=words)
            | Q(dog__licence__number__iexact=words)
        )
    return cases


@role_required(*ENFORCERS)
def case_list(request: HttpRequest) -> HttpResponse:
    filters = forms.CaseFilterForm(request.GET or None)
    page = page_of(request, filtered_cases(filters))
    context = {"filters": filters, "page": page, "total": page.paginator.count, "query": query_without_page(request)}
    return render(request, "dogs/case_list.html", context)


@role_required(*ENFORCERS)
def case_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    initial = {"observed_on": today(), "patrol": request.GET.get("patrol")}
    form = forms.CaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        case = actions.open_case(ViolationCase(**form.case_fields()), user)
        messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
        return redirect("dogs:case_detail", number=case.number)
    return render(request, "dogs/case_form.html", {"form": form})


@role_required(*ENFORCERS)
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A case with its step's rule, the decision within it, and the follow-up of an order to correct."""
    user = signed_in_user(request)
    case = get_object_or_404(
        ViolationCase.objects.select_related(
            "violation_type", "place", "dog__breed", "dog__licence", "decided_by", "follows"
        ),
        number=number,
    )
    posted = request.POST if request.method == "POST" else None
    form = forms.DecisionForm(posted if request.POST.get("step") != "follow_up" else None)
    follow_up_form = forms.FollowUpForm(posted if request.POST.get("step") == "follow_up" else None)
    if posted is not None and request.POST.get("step") == "follow_up":
        if follow_up_form.is_valid():
            outcome = _follow_up(request, case, follow_up_form.cleaned_data["corrected"], user)
            if outcome is not None:
                return outcome
    elif posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            actions.decide_case(
                case, data["decision"], data["fine_yuan"], data["reasons"], user, today(), defence=data["defence"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The case is decided."))
            return redirect("dogs:case_detail", number=case.number)
    penalty = case.penalty_range()
    context = {
        "case": case,
        "penalty": penalty,
        "next_penalty": case.violation_type.penalty_range(case.observed_on, PenaltyStep.NOT_CORRECTED),
        "form": form if case.status == CaseStatus.OPEN else None,
        "follow_up_form": follow_up_form if case.status == CaseStatus.CORRECTION_ORDERED else None,
        "follow_up_due": case.follow_up_due(today()),
        "follow_ups": case.follow_ups.all(),
        "intakes": case.intakes.all(),
    }
    return render(request, "dogs/case_detail.html", context)


def _follow_up(request: HttpRequest, case: ViolationCase, corrected: bool, user: User) -> HttpResponse | None:
    try:
        further = actions.follow_up(case, corrected, today(), user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return None
    if further is None:
        messages.success(request, _("Corrected in time: the case is closed."))
        return redirect("dogs:case_detail", number=case.number)
    messages.warning(
        request,
        _("Not corrected in time: case %(number)s opened for the further penalty.") % {"number": further.number},
    )
    return redirect("dogs:case_detail", number=further.number)


@role_required(*ENFORCERS)
def case_decision_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The decision of a decided case, printed for the offender (Chinese)."""
    case = get_object_or_404(
        ViolationCase.objects.select_related("violation_type", "place", "dog__breed", "dog__licence", "follows"),
        number=number,
        status__in=[CaseStatus.DECIDED, CaseStatus.CORRECTION_ORDERED],
        decided_on__isnull=False,
    )
    return pdf_response(documents.case_decision(case, settings.CIVIC_COUNTY_NAME), f"{case.number}.pdf")


# --- END ENFORCEMENT ---------------------------------------------------------


# --- SHELTER -----------------------------------------------------------------


@role_required(*ENFORCERS)
def shelter_list(request: HttpRequest) -> HttpResponse:
    """Dogs in the shelter and where each stands: owner to be told, claim running, open for adoption."""
    form = forms.IntakeForm(request.POST or None, initial={"intake_on": today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        licence = data["dog_number"]
        try:
            intake = actions.take_in_found_dog(data["description"], data["intake_on"], licence.dog if licence else None)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Dog taken in."))
            return redirect("dogs:intake_detail", intake_id=intake.pk)
    show_all = request.GET.get("all") == "1"
    intakes = ShelterIntake.objects.select_related("dog__breed", "case")
    if not show_all:
        intakes = intakes.filter(outcome=ShelterOutcome.HELD)
    page = page_of(request, intakes)
    on = today()
    rows = [{"intake": intake, "stage": intake.stage(on)} for intake in page]
    context = {"form": form, "page": page, "rows": rows, "show_all": show_all, "query": "all=1" if show_all else ""}
    return render(request, "dogs/shelter_list.html", context)


SHELTER_STEPS = {"notice", "claim", "adopt"}


@role_required(*ENFORCERS)
def intake_detail(request: HttpRequest, intake_id: int) -> HttpResponse:
    intake = get_object_or_404(ShelterIntake.objects.select_related("dog__owner", "dog__breed", "case"), pk=intake_id)
    notice_form = forms.OwnerNoticeForm(initial={"notified_on": today()})
    adoption_form = forms.AdoptionForm()
    step = request.POST.get("step", "")
    if request.method == "POST" and step in SHELTER_STEPS:
        error = _take_shelter_step(request, intake, step)
        if error is None:
            return redirect("dogs:intake_detail", intake_id=intake.pk)
        messages.error(request, error)
    on = today()
    context = {
        "intake": intake,
        "stage": intake.stage(on),
        "notice_due_by": intake.notice_due_by(),
        "claim_by": intake.claim_by(),
        "notice_form": notice_form,
        "adoption_form": adoption_form,
    }
    return render(request, "dogs/intake_detail.html", context)


def _take_shelter_step(request: HttpRequest, intake: ShelterIntake, step: str) -> str | None:
    """Record the owner's notice, a claim or an adoption; the error text when it may not be done."""
    try:
        if step == "notice":
            form: Any = forms.OwnerNoticeForm(request.POST)
            if not form.is_valid():
                return str(_("Give the day the owner was told."))
            actions.record_owner_notice(intake, form.cleaned_data["notified_on"])
        elif step == "claim":
            actions.record_claim(intake, today())
        else:
            form = forms.AdoptionForm(request.POST)
            if not form.is_valid():
                return str(_("Give the adopter's name and phone."))
            actions.record_adoption(
                intake, form.cleaned_data["adopter_name"], form.cleaned_data["adopter_phone"], today()
            )
    except ValidationError as error:
        return error_text(error)
    return None


@role_required(*ENFORCERS)
def intake_notice_pdf(request: HttpRequest, intake_id: int) -> HttpResponse:
    """The notice to a sheltered dog's registered owner, with the day to claim it by (Chinese)."""
    intake = get_object_or_404(
        ShelterIntake.objects.select_related("dog__owner", "dog__breed", "case"), pk=intake_id, dog__isnull=False
    )
    notice_day = intake.owner_notified_on or today()
    claim_by = None
    if intake.is_claimable:
        claim_by = rules.deadline(notice_day, Deadline.days_for(DeadlineKind.CLAIM_PERIOD, intake.intake_on))
    content = documents.shelter_notice(intake, notice_day, claim_by, settings.CIVIC_COUNTY_NAME)
    return pdf_response(content, f"shelter-notice-{intake.pk}.pdf")


# --- END SHELTER -------------------------------------------------------------


# --- PUBLIC ------------------------------------------------------------------


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


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def check_allowed(request: HttpRequest) -> bool:
    """Count one check against the caller's address; False once the window's allowance is used up."""
    limit = getattr(settings, "CIVIC_PUBLIC_CHECKS_PER_WINDOW", PUBLIC_CHECKS_PER_WINDOW)
    key = f"dogs:public-check:{client_address(request)}"
    cache.add(key, 0, timeout=PUBLIC_CHECK_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=PUBLIC_CHECK_WINDOW_SECONDS)
        count = 1
    return count <= limit


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


# --- END PUBLIC --------------------------------------------------------------


# --- STATISTICS --------------------------------------------------------------


@role_required(*DOG_OFFICE)
def staff_statistics(request: HttpRequest) -> HttpResponse:
    """The bureau's figures: the published ones with throughput per service point and renewals due."""
    figures = statistics.staff_figures(today())
    return render(request, "dogs/staff_statistics.html", {"figures": figures, "chart_data": chart_data(figures)})


# --- END STATISTICS ----------------------------------------------------------

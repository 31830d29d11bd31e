"""Enforcement and the shelter: patrols, violation cases and their decisions, intakes and their steps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from civic.core.models import User
from civic.core.permissions import role_required, signed_in_user
from civic.dogs import actions, documents, forms, rules
from civic.dogs.access import (
    ENFORCERS,
)
from civic.dogs.models import (
    CaseStatus,
    Deadline,
    DeadlineKind,
    Patrol,
    PenaltyStep,
    ShelterIntake,
    ShelterOutcome,
    ViolationCase,
)
from civic.dogs.views.common import (
    add_errors,
    error_text,
    page_of,
    pdf_response,
    query_without_page,
    today,
)


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

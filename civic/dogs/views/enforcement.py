"""Enforcement and the shelter: patrols, violation cases and their decisions, intakes and their steps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from civic.core.models import Role, User
from civic.core.permissions import role_required, signed_in_user
from civic.dogs import access, actions, documents, forms, rules
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


def filtered_cases(filters: forms.CaseFilterForm, user: User) -> QuerySet[ViolationCase]:
    """The cases the filters ask for; "my cases" are those `user` handles."""
    cases = ViolationCase.objects.select_related("violation_type", "place", "dog__breed", "assignee")
    if not filters.is_valid():
        return cases
    for field in ("status", "violation_type"):
        if filters.cleaned_data[field]:
            cases = cases.filter(**{field: filters.cleaned_data[field]})
    assignee = filters.cleaned_data["assignee"]
    if assignee == forms.UNASSIGNED:
        cases = cases.filter(assignee__isnull=True)
    elif assignee:
        cases = cases.filter(assignee_id=int(assignee))
    if filters.cleaned_data["mine"]:
        cases = cases.filter(assignee=user)
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
    user = signed_in_user(request)
    filters = forms.CaseFilterForm(request.GET or None)
    page = page_of(request, filtered_cases(filters, user))
    context = {
        "filters": filters,
        "page": page,
        "total": page.paginator.count,
        "query": query_without_page(request),
        "handles_cases": user.role == Role.INSPECTOR,
    }
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
    case = _case_or_404(number)
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
    return _case_page(request, case, {"form": form, "follow_up_form": follow_up_form})


def _case_or_404(number: str) -> ViolationCase:
    return get_object_or_404(
        ViolationCase.objects.select_related(
            "violation_type", "place", "dog__breed", "dog__licence", "decided_by", "follows", "assignee"
        ),
        number=number,
    )


def _case_page(request: HttpRequest, case: ViolationCase, bound: dict[str, Any], status: int = 200) -> HttpResponse:
    """The case page with the forms of its next steps (those of `bound` as posted)."""
    user = signed_in_user(request)
    open_to_steps = case.status != CaseStatus.DECIDED
    may_assign = open_to_steps and access.may_assign_cases(user)
    initial_assignee = {"assignee": case.assignee_id} if case.assignee_id else None
    context = {
        "case": case,
        "penalty": case.penalty_range(),
        "next_penalty": case.violation_type.penalty_range(case.observed_on, PenaltyStep.NOT_CORRECTED),
        "form": (bound.get("form") or forms.DecisionForm()) if case.status == CaseStatus.OPEN else None,
        "follow_up_form": (bound.get("follow_up_form") or forms.FollowUpForm())
        if case.status == CaseStatus.CORRECTION_ORDERED
        else None,
        "follow_up_due": case.follow_up_due(today()),
        "follow_ups": case.follow_ups.all(),
        "intakes": case.intakes.all(),
        "assign_form": (bound.get("assign_form") or forms.AssignCaseForm(initial=initial_assignee))
        if may_assign or "assign_form" in bound
        else None,
        "may_take": open_to_steps and access.may_take_case(user, case),
        "assignments": assignment_history(case),
    }
    return render(request, "dogs/case_detail.html", context, status=status)


def assignment_history(case: ViolationCase) -> list[dict[str, Any]]:
    """Each change of the case's assignee, oldest first: when, to whom (None: to no one), by whom.

    Read from the case's history: an assignment on its page, a case opened
    already assigned (one an inspector recorded on patrol, the further penalty
    of an order its inspector handled), a correction in the admin.
    """
    entries: list[dict[str, Any]] = []
    previous = None
    records = case.history.select_related("assignee", "history_user").order_by("history_date", "history_id")
    for record in records:
        if record.assignee_id != previous:
            entries.append({"at": record.history_date, "assignee": record.assignee, "by": record.history_user})
        previous = record.assignee_id
    return entries


@role_required(*ENFORCERS)
def case_assign(request: HttpRequest, number: str) -> HttpResponse:
    """POST: give the case to an inspector (the dog office), or take an unassigned one (an inspector)."""
    user = signed_in_user(request)
    case = _case_or_404(number)
    if request.method != "POST":
        return redirect("dogs:case_detail", number=case.number)
    if not (access.may_assign_cases(user) or access.may_take_case(user, case)):
        raise PermissionDenied
    form = forms.AssignCaseForm(request.POST)
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        if not access.may_assign_case(user, case, assignee):
            raise PermissionDenied
        try:
            case = actions.assign_case(case, assignee, user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            person = assignee.get_full_name() or assignee.get_username()
            messages.success(
                request, _("Case %(number)s assigned to %(person)s.") % {"number": case.number, "person": person}
            )
            return redirect("dogs:case_detail", number=case.number)
    return _case_page(request, case, {"assign_form": form}, status=400)


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

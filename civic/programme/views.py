"""Pages of the water-saving programme: the register, projects step by step, subsidies and feedback.

Views are thin: they check the role (``role_required``), fetch records through
``access`` (a reporter's other firms are 404), validate a form and call one
function of ``actions``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civic.core.models import Role
from civic.core.permissions import WATER_OFFICE, role_required, signed_in_user
from civic.programme import access, actions, documents, forms, spreadsheets, statistics
from civic.programme.models import (
    Feedback,
    Firm,
    Project,
    ProjectStep,
    Stage,
    SubsidyDecision,
    SubsidyPolicy,
    UpgradeAdvice,
)
from civic.water.spreadsheets import XLSX_CONTENT_TYPE

PROGRAMME_READERS = (*WATER_OFFICE, Role.ENTERPRISE_REPORTER)
PAGE_SIZE = 30


def _page(request: HttpRequest, records: Any) -> tuple[Any, str]:
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.xlsx"'
    return response


# --- Register -------------------------------------------------------------------


@role_required(*WATER_OFFICE)
def firm_list(request: HttpRequest) -> HttpResponse:
    """The register of firms, with search by name or code and a segment filter."""
    filters = forms.FirmFilterForm(request.GET or None)
    firms = filters.filtered(Firm.objects.select_related("town", "park").prefetch_related("segments"))
    page, query = _page(request, firms)
    return render(request, "programme/firm_list.html", {"filters": filters, "page": page, "query": query})


@role_required(*PROGRAMME_READERS)
def firm_detail(request: HttpRequest, firm_id: int) -> HttpResponse:
    user = signed_in_user(request)
    firm = access.visible_firm_or_404(user, firm_id)
    advice_form = forms.AdviceForm(request.POST or None) if access.is_office(user) else None
    if request.method == "POST" and advice_form is not None and advice_form.is_valid():
        UpgradeAdvice.objects.create(
            firm=firm,
            product=advice_form.cleaned_data["product"],
            advice=advice_form.cleaned_data["advice"],
            sent_on=timezone.localdate(),
        )
        messages.success(request, _("Upgrade advice sent."))
        return redirect("programme:firm_detail", firm_id=firm.pk)
    context = {
        "firm": firm,
        "years": firm.years.order_by("-year"),
        "projects": access.visible_projects(user).filter(firm=firm),
        "supplies": firm.supplies.select_related("customer"),
        "supplied_by": firm.supplied_by.select_related("supplier"),
        "products": firm.products.select_related("segment"),
        "advice": firm.advice.select_related("product"),
        "advice_form": advice_form,
        "reply_form": forms.ReplyForm(),
    }
    return render(request, "programme/firm_detail.html", context)


@role_required(*PROGRAMME_READERS)
def my_firm(request: HttpRequest) -> HttpResponse:
    firm = access.own_firm(signed_in_user(request))
    if firm is None:
        raise Http404
    return redirect("programme:firm_detail", firm_id=firm.pk)


@role_required(*PROGRAMME_READERS)
@require_http_methods(["GET", "POST"])
def advice_reply(request: HttpRequest, advice_id: int) -> HttpResponseBase:
    """The maker's reply to upgrade advice (its reporter, or the office recording it)."""
    user = signed_in_user(request)
    advice = get_object_or_404(UpgradeAdvice.objects.filter(firm__in=access.visible_firms(user)), pk=advice_id)
    form = forms.ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        advice.reply, advice.replied_on = form.cleaned_data["reply"], timezone.localdate()
        advice.save(update_fields=["reply", "replied_on"])
        messages.success(request, _("Reply recorded."))
    return redirect("programme:firm_detail", firm_id=advice.firm_id)


@role_required(*WATER_OFFICE)
def firm_import(request: HttpRequest) -> HttpResponse:
    """Import firms and yearly figures from a workbook: all rows or none, each bad row named."""
    form = forms.FirmFileForm(request.POST or None, request.FILES or None)
    errors: list[spreadsheets.RowError] = []
    if request.method == "POST" and form.is_valid():
        outcome = spreadsheets.import_firm_workbook(form.cleaned_data["file"])
        if not outcome.errors:
            messages.success(
                request,
                _(
                    "Firm workbook imported: %(created)d firms added, %(updated)d rows changed, %(unchanged)d rows unchanged."
                )
                % {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged},
            )
            return redirect("programme:firm_list")
        errors = outcome.errors
    return render(request, "programme/firm_import.html", {"form": form, "errors": errors})


@role_required(*WATER_OFFICE)
def firm_export(request: HttpRequest) -> HttpResponse:
    return _xlsx(spreadsheets.write_firm_workbook(Firm.objects.all()), "programme-firms")


@role_required(*WATER_OFFICE)
def chain_graph(request: HttpRequest) -> HttpResponse:
    """The chain as a graph: firms as nodes (chain leaders large), supply relations as edges."""
    return render(request, "programme/chain_graph.html", {"graph": statistics.chain_graph()})


@role_required(*WATER_OFFICE)
def segment_figures(request: HttpRequest) -> HttpResponse:
    context = {"figures": statistics.segment_figures(), "park": statistics.park_figures()}
    return render(request, "programme/segment_figures.html", context)


# --- Projects -------------------------------------------------------------------


@role_required(*PROGRAMME_READERS)
def project_list(request: HttpRequest) -> HttpResponse:
    filters = forms.ProjectFilterForm(request.GET or None)
    projects = filters.filtered(access.visible_projects(signed_in_user(request)).select_related("firm"))
    page, query = _page(request, projects)
    return render(request, "programme/project_list.html", {"filters": filters, "page": page, "query": query})


@role_required(*PROGRAMME_READERS)
def project_apply(request: HttpRequest) -> HttpResponse:
    """A firm's application (self-service for its reporter; the office may file for any firm)."""
    user = signed_in_user(request)
    firms = access.visible_firms(user)
    if not firms.exists():
        raise Http404
    form = forms.ApplicationForm(request.POST or None, request.FILES or None, firms=firms)
    if request.method == "POST" and form.is_valid():
        try:
            project = actions.apply_for_project(
                form.save(commit=False),
                user,
                timezone.localdate(),
                form.cleaned_data["note"],
                form.cleaned_data["document"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            project.meters.set(form.cleaned_data["meters"])
            messages.success(request, _("Application %(number)s filed.") % {"number": project.number})
            return redirect("programme:project_detail", number=project.number)
    return render(request, "programme/project_apply.html", {"form": form})


@role_required(*PROGRAMME_READERS)
def project_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The project's whole timeline; the office's form for the step the project is at."""
    user = signed_in_user(request)
    project = access.visible_project_or_404(user, number)
    context: dict[str, Any] = {
        "project": project,
        "steps": project.steps.select_related("done_by"),
        "reviews": project.reviews.all(),
        "verifications": project.verifications.all(),
        "decision": SubsidyDecision.objects.filter(project=project).first(),
        "today": timezone.localdate(),
        "is_office": access.is_office(user),
    }
    if context["is_office"]:
        context.update(_stage_forms(project))
    return render(request, "programme/project_detail.html", context)


def _stage_forms(project: Project) -> dict[str, Any]:
    forms_by_stage: dict[str, Callable[[], dict[str, Any]]] = {
        Stage.REVIEW: lambda: {"review_form": forms.ReviewForm()},
        Stage.APPROVAL: lambda: {"approval_form": forms.ApprovalForm()},
        Stage.CONSTRUCTION: lambda: {"milestone_form": forms.StepDoneForm()},
        Stage.ACCEPTANCE: lambda: {"acceptance_form": forms.AcceptanceForm()},
        Stage.SUBSIDY_DECISION: lambda: _decision_context(project),
        Stage.PAYMENT: lambda: {"payment_form": forms.PaymentForm()},
    }
    return forms_by_stage.get(project.stage, dict)()


def _decision_context(project: Project) -> dict[str, Any]:
    try:
        policy, _verification, calculation = actions.propose_subsidy(project, timezone.localdate())
    except ValidationError as error:
        return {"decision_problem": " ".join(error.messages)}
    return {"decision_form": forms.DecisionForm(), "proposal": calculation, "proposal_policy": policy}


def _office_step(request: HttpRequest, number: str, form_class: type, act: Callable[..., Any]) -> HttpResponse:
    """A POST of one step's form on a project: validate, act, go back to the project page."""
    user = signed_in_user(request)
    project = access.visible_project_or_404(user, number)
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                act(project, form, user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Step recorded."))
        else:
            messages.error(request, _errors_text(form))
    return redirect("programme:project_detail", number=project.number)


def _errors_text(form: Any) -> str:
    return " ".join(
        f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}"
        for field, errors in form.errors.items()
    )


@role_required(*WATER_OFFICE)
def project_review(request: HttpRequest, number: str) -> HttpResponse:
    def act(project: Project, form: forms.ReviewForm, user: Any) -> None:
        actions.record_review(project, form.reviews(), user, form.cleaned_data["reviewed_on"])

    return _office_step(request, number, forms.ReviewForm, act)


@role_required(*WATER_OFFICE)
def project_approval(request: HttpRequest, number: str) -> HttpResponse:
    def act(project: Project, form: Any, user: Any) -> None:
        data = form.cleaned_data
        actions.decide_approval(
            project, data["decision"] == "approve", data["milestones"], user, data["decided_on"], data["note"]
        )

    return _office_step(request, number, forms.ApprovalForm, act)


@role_required(*WATER_OFFICE)
def milestone_done(request: HttpRequest, number: str, step_id: int) -> HttpResponse:
    def act(project: Project, form: Any, user: Any) -> None:
        data = form.cleaned_data
        step = get_object_or_404(ProjectStep, pk=step_id, project=project)
        actions.complete_milestone(step, user, data["done_on"], data["note"], data["document"])

    return _office_step(request, number, forms.StepDoneForm, act)


@role_required(*WATER_OFFICE)
def project_acceptance(request: HttpRequest, number: str) -> HttpResponse:
    def act(project: Project, form: Any, user: Any) -> None:
        data = form.cleaned_data
        actions.record_acceptance(project, data["passed"], user, data["done_on"], data["note"], data["document"])

    return _office_step(request, number, forms.AcceptanceForm, act)


@role_required(*PROGRAMME_READERS)
def project_production(request: HttpRequest, number: str) -> HttpResponse:
    """The site's monthly production, the regressor of the saving: reported by the firm or the office."""
    project = access.visible_project_or_404(signed_in_user(request), number)
    form = forms.ProductionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        count = actions.record_production(project, form.cleaned_data["lines"])
        messages.success(request, _("%(count)d months of production recorded.") % {"count": count})
        return redirect("programme:project_production", number=project.number)
    context = {"project": project, "form": form, "months": project.production.all()}
    return render(request, "programme/project_production.html", context)


@role_required(*WATER_OFFICE)
def project_verification(request: HttpRequest, number: str) -> HttpResponse:
    """Measure the saving from the project's meters with ``hydro.savings`` and show its fit and interval."""
    user = signed_in_user(request)
    project = access.visible_project_or_404(user, number)
    form = forms.VerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.verify_savings(
                project,
                (data["baseline_first"], data["baseline_last"]),
                (data["reporting_first"], data["reporting_last"]),
                user,
                data["verified_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("programme:project_verification", number=project.number)
    context = {"project": project, "form": form, "verifications": project.verifications.select_related("criteria")}
    return render(request, "programme/project_verification.html", context)


@role_required(*WATER_OFFICE)
def subsidy_decide(request: HttpRequest, number: str) -> HttpResponse:
    def act(project: Project, form: Any, user: Any) -> None:
        data = form.cleaned_data
        actions.decide_subsidy(project, user, data["decided_on"])

    return _office_step(request, number, forms.DecisionForm, act)


@role_required(*WATER_OFFICE)
def subsidy_payment(request: HttpRequest, number: str) -> HttpResponse:
    def act(project: Project, form: Any, user: Any) -> None:
        data = form.cleaned_data
        decision = get_object_or_404(SubsidyDecision, project=project)
        actions.record_payment(decision, data["amount_yuan"], data["voucher"], user, data["paid_on"])

    return _office_step(request, number, forms.PaymentForm, act)


@role_required(*PROGRAMME_READERS)
def decision_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The subsidy decision notice (奖补决定书) in Chinese, for the office and the project's firm."""
    project = access.visible_project_or_404(signed_in_user(request), number)
    decision = get_object_or_404(SubsidyDecision, project=project)
    response = HttpResponse(documents.decision_notice_pdf(decision), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{decision.number}.pdf"'
    return response


@role_required(*WATER_OFFICE)
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Steps past their deadline, the office's own first, then the firms'."""
    today = timezone.localdate()
    steps = ProjectStep.objects.filter(done_on__isnull=True, due_on__lt=today).select_related("project__firm")
    steps = steps.exclude(project__stage__in=[Stage.REJECTED, Stage.CLOSED]).order_by("owner", "due_on")
    page, query = _page(request, steps)
    return render(request, "programme/overdue_list.html", {"page": page, "query": query, "today": today})


# --- Subsidies ------------------------------------------------------------------


@role_required(*WATER_OFFICE)
def ledger(request: HttpRequest) -> HttpResponse:
    """Commitments and payments against each year's budget."""
    years = statistics.budget_years()
    decisions = SubsidyDecision.objects.select_related("project__firm").prefetch_related("payments")
    page, query = _page(request, decisions)
    return render(
        request,
        "programme/ledger.html",
        {"years": years, "page": page, "query": query, "policies": SubsidyPolicy.objects.all()},
    )


@role_required(*WATER_OFFICE)
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    return _xlsx(spreadsheets.write_ledger_workbook(), "subsidy-ledger")


# --- Feedback -------------------------------------------------------------------


@role_required(*PROGRAMME_READERS)
def feedback_list(request: HttpRequest) -> HttpResponse:
    """Feedback on products in use: a reporter files and sees only its own firm's."""
    user = signed_in_user(request)
    firms = access.visible_firms(user)
    form = forms.FeedbackForm(request.POST or None, firms=firms, projects=access.visible_projects(user))
    if request.method == "POST" and form.is_valid():
        feedback = form.save(commit=False)
        feedback.reported_by = user
        feedback.save()
        messages.success(request, _("Feedback recorded."))
        return redirect("programme:feedback_list")
    records = access.visible_feedback(user).select_related("product__firm", "firm", "project")
    page, query = _page(request, records)
    return render(request, "programme/feedback_list.html", {"form": form, "page": page, "query": query})


@role_required(*WATER_OFFICE)
def feedback_analysis(request: HttpRequest) -> HttpResponse:
    return render(request, "programme/feedback_analysis.html", {"analysis": statistics.feedback_analysis()})


@role_required(*WATER_OFFICE)
def feedback_xlsx(request: HttpRequest) -> HttpResponse:
    return _xlsx(spreadsheets.write_feedback_workbook(Feedback.objects.all()), "product-feedback")

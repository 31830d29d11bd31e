"""Pages of reuse studies: a firm's streams, building and running a study, its scenarios and exports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from civic.core.jobs import job_status_document, jobs_about
from civic.core.models import JobState
from civic.core.permissions import BUREAU, role_required, signed_in_user
from civic.water import actions, forms, reuse_problems
from civic.water.access import visible_reuse_studies, visible_water_user_or_404, visible_water_users
from civic.water.models import (
    ReuseSite,
    ReuseStream,
    ReuseStudy,
)
from civic.water.spreadsheets import XLSX_CONTENT_TYPE

REUSE_STUDY_PAGE_SIZE = 20
DEFAULT_SANKEY_SCENARIO = "between_plants"
REUSE_STATUS_LABELS = reuse_problems.STATUS_LABELS


@role_required(*BUREAU)
def reuse_study_list(request: HttpRequest) -> HttpResponse:
    """Reuse studies with search and paging, a form for a new one, and the firms whose streams are entered."""
    firms = visible_water_users(request.user)
    if request.GET.get("firm"):
        return redirect("water:reuse_firm_streams", code=request.GET["firm"].strip())
    form = forms.ReuseStudyForm(request.POST or None, firms=firms)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "firms"}
        study = actions.create_reuse_study(fields, form.cleaned_data["firms"], signed_in_user(request))
        messages.success(request, _("Study created: run it to compare the scenarios."))
        return redirect("water:reuse_study_detail", study_id=study.pk)
    query = request.GET.get("q", "").strip()
    studies = visible_reuse_studies(request.user).prefetch_related("firms")
    if query:
        studies = studies.filter(
            Q(name__icontains=query) | Q(firms__name__icontains=query) | Q(firms__code__icontains=query)
        ).distinct()
    context = {
        "form": form,
        "query": query,
        "page_query": urlencode({"q": query}) if query else "",
        "page": Paginator(studies, REUSE_STUDY_PAGE_SIZE).get_page(request.GET.get("page")),
        "firms_with_streams": firms.annotate(stream_count=Count("reuse_streams"))
        .filter(stream_count__gt=0)
        .order_by("code"),
    }
    return render(request, "water/reuse_study_list.html", context)


@role_required(*BUREAU)
def reuse_firm_streams(request: HttpRequest, code: str) -> HttpResponse:
    """A firm's reuse streams and site: list, add, remove."""
    water_user = visible_water_user_or_404(request.user, code)
    site = ReuseSite.objects.filter(water_user=water_user).first() or ReuseSite(water_user=water_user)
    action = request.POST.get("action")
    stream_form = forms.ReuseStreamForm(request.POST if action == "add" else None, water_user=water_user)
    site_form = forms.ReuseSiteForm(request.POST if action == "site" else None, instance=site)
    if action == "add" and stream_form.is_valid():
        stream_form.save()
        messages.success(request, _("Stream added."))
        return redirect("water:reuse_firm_streams", code=code)
    if action == "site" and site_form.is_valid():
        site_form.save()
        messages.success(request, _("Site saved."))
        return redirect("water:reuse_firm_streams", code=code)
    stream_number = request.POST.get("stream", "")
    if action == "delete" and stream_number.isdigit():
        ReuseStream.objects.filter(water_user=water_user, pk=int(stream_number)).delete()
        messages.success(request, _("Stream removed."))
        return redirect("water:reuse_firm_streams", code=code)
    context = {
        "water_user": water_user,
        "streams": water_user.reuse_streams.all(),
        "stream_form": stream_form,
        "site_form": site_form,
    }
    return render(request, "water/reuse_firm_streams.html", context)


@role_required(*BUREAU)
def reuse_study_detail(request: HttpRequest, study_id: int) -> HttpResponse:
    """The study's firms and streams, the scenarios side by side, and a Sankey diagram of one network."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    scenarios = _labelled_scenarios(study)
    chosen = request.GET.get("scenario", DEFAULT_SANKEY_SCENARIO)
    shown = next((scenario for scenario in scenarios if scenario["key"] == chosen), None)
    context = {
        "study": study,
        "firms": study.firms.order_by("code"),
        "streams": reuse_problems.study_streams(study),
        "contaminants": ", ".join(study.results.get("contaminants", [])),
        "scenarios": scenarios,
        "shown": shown,
        "sankey": _sankey(shown) if shown else None,
        "job": jobs_about(study).first(),
    }
    return render(request, "water/reuse_study_detail.html", context)


def _labelled_scenarios(study: ReuseStudy) -> list[dict[str, Any]]:
    labels = {spec.key: spec.label for spec in reuse_problems.SCENARIOS}
    return [
        {
            **scenario,
            "label": labels.get(scenario["key"], scenario["key"]),
            "status_label": REUSE_STATUS_LABELS.get(scenario["status"], scenario["status"]),
        }
        for scenario in study.results.get("scenarios", [])
    ]


def _sankey(scenario: dict[str, Any]) -> dict[str, Any]:
    """Nodes and links of an ECharts Sankey diagram of a scenario's flows [m³/h]."""
    names = {
        reuse_problems.TAP_ID: str(_("Tap water")),
        reuse_problems.RECLAIMED_ID: str(_("Reclaimed water")),
        "wastewater": str(_("Discharge")),
    }
    links = [
        {
            "source": names.get(flow["from"], flow["from"]),
            "target": names.get(flow["to"], flow["to"]),
            "value": round(reuse_problems.m3_per_h(flow["flow_t_per_h"]), 3),
        }
        for flow in scenario["flows"]
    ]
    nodes = sorted({link["source"] for link in links} | {link["target"] for link in links})
    return {"nodes": [{"name": node} for node in nodes], "links": links}


@role_required(*BUREAU)
def reuse_study_run(request: HttpRequest, study_id: int) -> HttpResponse:
    """POST: queue the solving of every scenario of the study (a worker runs it); GET goes back to the study."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    if request.method == "POST":
        job, started = actions.start_reuse_study_run(study, signed_in_user(request))
        if not started:
            messages.warning(request, _("This study is being solved already; the page follows the run."))
        elif job.state == JobState.SUCCEEDED:
            messages.success(request, _("Scenarios solved."))
        elif job.state == JobState.FAILED:
            messages.error(request, _("Solving failed: %(reason)s") % {"reason": job.error_text})
        else:
            messages.info(request, _("Solving the scenarios; the page follows the progress."))
    return redirect("water:reuse_study_detail", study_id=study.pk)


@role_required(*BUREAU)
def reuse_study_progress(request: HttpRequest, study_id: int) -> JsonResponse:
    """The study's latest run as the job queue has it (see civic.core.views.job_status), and when it was solved."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    job = jobs_about(study).first()
    return JsonResponse(
        {
            "job": job_status_document(job) if job is not None else None,
            "solved_at": study.solved_at.isoformat() if study.solved_at else None,
        }
    )


@role_required(*BUREAU)
def reuse_study_json(request: HttpRequest, study_id: int) -> JsonResponse:
    """The study's problem (docs/reuse-problem.md format, with reclaimed water) and its scenarios' results."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    document = {
        "problem": reuse_problems.study_problem(study, reclaimed=True).to_json(),
        "scenarios": study.results.get("scenarios", []),
        "solved_at": study.solved_at.isoformat() if study.solved_at else None,
    }
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="reuse-study-{study.pk}.json"'
    return response


@role_required(*BUREAU)
def reuse_study_xlsx(request: HttpRequest, study_id: int) -> HttpResponse:
    """The scenarios side by side and each scenario's flows, as an Excel workbook."""
    study = get_object_or_404(visible_reuse_studies(request.user), pk=study_id)
    content = reuse_problems.study_workbook(study, _labelled_scenarios(study))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="reuse-study-{study.pk}.xlsx"'
    return response

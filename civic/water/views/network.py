"""The network analyst's pages: the county's network model, analyses of its sensor data, and the leak alarms.

The overview shows the latest analysis (or the one chosen). Where its run is
comes from its job alone (civic/core/jobs.py), shown as the jobs' pages show
it: while it runs, its progress (the page polls the job's status); when it
failed, the reason and a retry for whoever may retry it; when done, the
network on a map with the sensors, each located leak with its candidate area
and ranked candidates, the alarms in a searchable list, and the charts of the
night consumption and residuals.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from civic.core import jobs
from civic.core.models import JobState, Role
from civic.core.permissions import BUREAU, role_required, signed_in_user, user_has_role
from civic.water import actions, network_files, network_forms
from civic.water.actions.network import wall_clock
from civic.water.forms import AlarmContactForm, AssignAlarmForm
from civic.water.jobs import analysis_url
from civic.water.models import AlarmStatus, NetworkAnalysis, NetworkLeakAlarm, NetworkModel
from civic.water.models.network import NO_JOB
from civic.water.views.alarms import apply_step_view, workflow_timeline

NETWORK_ROLES = (*BUREAU, Role.NETWORK_ANALYST)
NETWORK_ALARM_PAGE_SIZE = 25
ANALYSES_SHOWN = 10


def visible_network_analyses(user: Any) -> QuerySet[NetworkAnalysis]:
    """The county's network analyses, without their stored data: the network office's and the bureau's to see."""
    analyses = (
        NetworkAnalysis.objects.select_related("network_model", "job", "job__started_by")
        .defer(*NetworkAnalysis.DATA_FIELDS)
        .defer("network_model__inp_text")
    )
    return analyses if user_has_role(user, NETWORK_ROLES) else analyses.none()


def visible_network_alarms(user: Any) -> QuerySet[NetworkLeakAlarm]:
    return NetworkLeakAlarm.objects.filter(analysis__in=visible_network_analyses(user))


def _map_summary(analysis: NetworkAnalysis, alarms: list[NetworkLeakAlarm]) -> dict[str, Any]:
    """What the map and the charts draw: the model's layers, the sensors, the leaks, the charts' series."""
    return {
        **analysis.network_model.map_layers,
        "network": str(analysis.network_model),
        "sensors": {kind: analysis.sensors.get(kind, []) for kind in ("pressures", "flows", "levels")},
        "leaks": [
            {
                "id": alarm.pk,
                "pipe_id": alarm.pipe_id,
                "start_time": f"{wall_clock(alarm.start_time):%Y-%m-%d %H:%M}",
                "size_m3_per_h": alarm.size_m3_per_h,
                "candidates": [{"pipe_id": pipe, "similarity": value} for pipe, value in alarm.candidates],
                "area": [pipe for pipe, _distance in alarm.candidate_area],
            }
            for alarm in alarms
        ],
        "true_leaks": analysis.simulated_leaks,
        **analysis.details,
    }


def _words() -> dict[str, str]:
    return {
        "consumption": _("Night consumption"),
        "reference": _("Reference"),
        "sensor": _("Pressure sensor"),
        "candidate": _("Candidate pipe"),
        "area": _("Candidate area"),
        "leak": _("Located leak"),
    }


@role_required(*NETWORK_ROLES)
def network_overview(request: HttpRequest) -> HttpResponse:
    """The county's latest network analysis (or `?analysis=`), with the list of analyses."""
    analyses = visible_network_analyses(request.user)
    chosen = request.GET.get("analysis", "")
    analysis = get_object_or_404(analyses, pk=int(chosen)) if chosen.isdigit() else analyses.first()
    context: dict[str, Any] = {
        "analysis": analysis,
        "analyses": analyses[:ANALYSES_SHOWN],
        "models": NetworkModel.objects.defer("inp_text", "map_layers")[:1],
        "summary": None,
        "words": _words(),
    }
    if analysis is not None:
        context.update(_run_context(request, analysis))
    if analysis is not None and analysis.succeeded:
        form = network_forms.NetworkAlarmFilterForm(request.GET or None)
        alarms = form.filtered(analysis.alarms.select_related("assignee"))
        page = Paginator(alarms, NETWORK_ALARM_PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            query=query.urlencode(),
            summary=_map_summary(analysis, list(analysis.alarms.all())),
        )
    return render(request, "water/network_overview.html", context)


def _run_context(request: HttpRequest, analysis: NetworkAnalysis) -> dict[str, Any]:
    """Where the analysis's run is, from its job: the job itself, and whether the reader may retry it."""
    job = analysis.job
    return {
        "job": job,
        "no_job_reason": _(NO_JOB),
        "no_retry": job is not None and not jobs.may_retry(request.user, job),
        "analysis_url": analysis_url(analysis.pk),
    }


@role_required(*NETWORK_ROLES)
def network_analysis_status(request: HttpRequest, analysis_id: int) -> JsonResponse:
    """The state and progress of an analysis, for the page that follows it."""
    analysis = get_object_or_404(visible_network_analyses(request.user), pk=analysis_id)
    status = jobs.job_status_document(analysis.job) if analysis.job is not None else _jobless_status()
    status.update(
        analysis=analysis.pk,
        finished=analysis.state not in (JobState.QUEUED, JobState.RUNNING),
        alarms=analysis.alarms.count(),
        url=analysis_url(analysis.pk),
    )
    return JsonResponse(status, json_dumps_params={"ensure_ascii": False})


def _jobless_status() -> dict[str, Any]:
    """The status of an analysis without a job: failed, never run to its end (see `NetworkAnalysis.state`)."""
    return {
        "id": None,
        "state": JobState.FAILED,
        "state_label": str(JobState.FAILED.label),
        "fraction": 0.0,
        "message": "",
        "error": _(NO_JOB),
    }


@role_required(*NETWORK_ROLES)
def network_analysis_retry(request: HttpRequest, analysis_id: int) -> HttpResponse:
    """POST: queue a failed analysis again on its stored data (its job, or a new one); GET goes to the analysis."""
    analysis = get_object_or_404(visible_network_analyses(request.user), pk=analysis_id)
    if request.method != "POST":
        return redirect(analysis_url(analysis.pk))
    if analysis.job is not None and not jobs.may_retry(request.user, analysis.job):
        messages.error(request, _("Only a failed analysis can be run again."))
        return redirect(analysis_url(analysis.pk))
    try:
        actions.retry_network_analysis(analysis, signed_in_user(request))
    except actions.NetworkAnalysisError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The analysis is queued again."))
    return redirect(analysis_url(analysis.pk))


@role_required(*NETWORK_ROLES)
def network_model_upload(request: HttpRequest) -> HttpResponse:
    """Upload the network model as a new version; the versions kept so far."""
    form = network_forms.NetworkModelForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = request.FILES["inp_file"]
        model = actions.save_network_model(
            form.cleaned_data["checked"],
            form.cleaned_data["name"],
            network_forms.upload_name(upload),
            signed_in_user(request),
        )
        messages.success(request, _("Network model %(model)s kept.") % {"model": model})
        return redirect("water:network_analysis_new")
    context = {"form": form, "models": NetworkModel.objects.defer("inp_text", "map_layers")}
    return render(request, "water/network_model_upload.html", context, status=400 if form.errors else 200)


@role_required(*NETWORK_ROLES)
def network_analysis_new(request: HttpRequest) -> HttpResponse:
    """Upload a sensor list and sensor data, and queue their analysis on a version of the network model."""
    if not NetworkModel.objects.exists():
        messages.info(request, _("Upload the network model first."))
        return redirect("water:network_model_upload")
    form = network_forms.NetworkAnalysisForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        form.initial["network_model"] = NetworkModel.objects.values_list("pk", flat=True).first()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            analysis = actions.queue_network_analysis(
                data["network_model"], data["layout"], data["data"], signed_in_user(request), data["training_days"]
            )
        except network_files.NetworkUploadError as error:
            for line in error.lines:
                form.add_error("training_days", line)
        else:
            messages.success(request, _("The analysis is queued."))
            for note in data["data"].data.grid_notes:
                messages.info(request, network_files.grid_note_message(note))
            return redirect(analysis_url(analysis.pk))
    return render(request, "water/network_analysis_new.html", {"form": form}, status=400 if form.errors else 200)


# --- the alarms' follow-up -----------------------------------------------------------------------------------


def _alarm_page(
    request: HttpRequest, alarm: NetworkLeakAlarm, bound: dict[str, Any], status: int = 200
) -> HttpResponse:
    initial_assignee = {"assignee": alarm.assignee_id} if alarm.assignee_id else None
    context = {
        "alarm": alarm,
        "start_time": wall_clock(alarm.start_time),
        "estimated_start": wall_clock(alarm.estimated_start) if alarm.estimated_start else None,
        "timeline": workflow_timeline(alarm, _raised_at(alarm.analysis)),
        "closed": alarm.status == AlarmStatus.CLOSED,
        "step_url": "water:network_alarm_step",
        "assign_form": bound.get("assign") or AssignAlarmForm(initial=initial_assignee),
        "contact_form": bound.get("contact") or AlarmContactForm(),
        "close_form": bound.get("close") or network_forms.CloseNetworkAlarmForm(),
    }
    return render(request, "water/network_alarm_detail.html", context, status=status)


def _raised_at(analysis: NetworkAnalysis) -> Any:
    """When an analysis's alarms were raised: the end of its job's run (the upload, for a run without that record)."""
    job = analysis.job
    return job.finished_at if job is not None and job.finished_at else analysis.created_at


@role_required(*NETWORK_ROLES)
def network_alarm_detail(request: HttpRequest, alarm_id: int) -> HttpResponse:
    """One located leak: its pipe, times, size, candidate area and ranked candidates; the follow-up."""
    alarm = get_object_or_404(
        visible_network_alarms(request.user).select_related("analysis__network_model", "analysis__job"), pk=alarm_id
    )
    return _alarm_page(request, alarm, {})


@role_required(*NETWORK_ROLES)
def network_alarm_step(request: HttpRequest, alarm_id: int, step: str) -> HttpResponse:
    """POST one workflow step (assign, contact, close, reopen) on a network leak alarm; GET goes to the alarm."""
    alarm = get_object_or_404(
        visible_network_alarms(request.user).select_related("analysis__network_model", "analysis__job"), pk=alarm_id
    )
    return apply_step_view(request, alarm, step, "water:network_alarm_detail", _alarm_page)

"""Pages of the long jobs: the list of jobs one may follow, one job, its status as JSON, and retrying it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from civic.core import jobs
from civic.core.models import JobKind, JobState
from civic.core.permissions import WORKING_ROLES, role_required

JOB_PAGE_SIZE = 30


@role_required(*WORKING_ROLES)
def job_list(request: HttpRequest) -> HttpResponse:
    """The jobs the user may follow, newest first, with search (kind, person, number) and a filter by state."""
    query = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    found = jobs.visible_jobs(request.user).select_related("started_by")
    if query:
        kinds = [kind for kind, label in JobKind.choices if query.lower() in str(label).lower()]
        matches = Q(kind__in=kinds) | Q(started_by__username__icontains=query)
        if query.isdigit():
            matches |= Q(pk=int(query))
        found = found.filter(matches)
    if state in JobState.values:
        found = found.filter(state=state)
    filters = {name: value for name, value in (("q", query), ("state", state)) if value}
    context = {
        "query": query,
        "state": state,
        "states": JobState.choices,
        "page_query": urlencode(filters),
        "page": Paginator(found, JOB_PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "core/job_list.html", context)


@role_required(*WORKING_ROLES)
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(jobs.visible_jobs(request.user), pk=job_id)
    return render(request, "core/job_detail.html", {"job": job})


@role_required(*WORKING_ROLES)
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    """Where the job is, as JSON: the pages' progress bars poll this (civic/static/civic/job_progress.js)."""
    job = get_object_or_404(jobs.visible_jobs(request.user), pk=job_id)
    return JsonResponse(jobs.job_status_document(job), json_dumps_params={"ensure_ascii": False})


@role_required(*WORKING_ROLES)
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """POST: queue a failed job again; then back to the page it was retried from (or the job's page)."""
    job = get_object_or_404(jobs.visible_jobs(request.user), pk=job_id)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if request.method == "POST":
        if jobs.retry(job):
            messages.info(request, _("The job is queued again."))
        else:
            messages.warning(request, _("Only a failed job can be retried."))
    if back:
        return redirect(back)
    return redirect("job_detail", job_id=job.pk)


@role_required(*WORKING_ROLES)
def job_file(request: HttpRequest, job_id: int) -> FileResponse:
    """The file a finished job made (e.g. a ZIP of plan notices), for those who may follow the job."""
    job = get_object_or_404(jobs.visible_jobs(request.user), pk=job_id)
    path = jobs.job_file(job)
    if path is None:
        raise Http404("This job made no file.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)

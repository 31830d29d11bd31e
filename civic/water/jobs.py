"""The water-saving office's long jobs, queued here and run by a worker from the job queue (civic/core/jobs.py).

Each function here is a job body: called by the worker as `body(job, **arguments)`,
it reports its progress outside any transaction and writes its results in one
transaction, so a worker killed midway leaves nothing partial and the job can run again.
"""

from __future__ import annotations

import datetime
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from civic.core import jobs
from civic.core.command_author import recorded_as
from civic.core.jobs import job_folder, job_progress
from civic.core.models import Job, JobKind, JobState, User
from civic.water import actions
from civic.water.models import AnnualPlan, MeteringRun, PlanStatus
from civic.water.plan_notices import plan_notice_number, plan_notice_pdf
from hydro import surcharge
from hydro.readings.periods import Period
from hydro.readings.store import stored_files

NETWORK_PROGRESS_STEPS = 1000
"""A network analysis reports its progress in thousandths: its sweeps over a hundred pipes move the bar smoothly."""


def solve_reuse_study(job: Job, study_id: int) -> dict[str, Any]:
    """Solve every scenario of a reuse study, scenario by scenario, and store the comparison in one write."""

    def report(done: int, total: int) -> None:
        job_progress(
            job, done, total, gettext_noop("%(done)s of %(total)s scenarios solved."), {"done": done, "total": total}
        )

    study = actions.run_reuse_study(study_id, progress=report)
    return {"scenarios": len(study.results.get("scenarios", []))}


def network_analysis(job: Job, analysis_id: int) -> dict[str, Any]:
    """Detect and localise the leaks of a network analysis (`actions.run_network_analysis`), reporting on the job.

    The job is the analysis's one record of its state, progress (in thousandths) and failure.
    """
    from civic.water.actions.network import run_network_analysis

    def report(fraction: float, message: str, parameters: dict[str, Any]) -> None:
        done = round(min(max(fraction, 0.0), 1.0) * NETWORK_PROGRESS_STEPS)
        job_progress(job, done, NETWORK_PROGRESS_STEPS, message, parameters)

    analysis = run_network_analysis(analysis_id, progress=report)
    return {"alarms": analysis.alarms.count(), "url": analysis_url(analysis.pk)}


def analysis_url(analysis_id: int) -> str:
    """The network page opened on one analysis."""
    return f"{reverse('water:network_overview')}?analysis={analysis_id}"


def surcharge_run(job: Job, due_at: str) -> dict[str, Any]:
    """Bill the over-plan surcharges of the month that ended before `due_at` (one transaction, safe to run again)."""
    day = datetime.datetime.fromisoformat(due_at).date()
    last_day = day.replace(day=1) - datetime.timedelta(days=1)
    first_day = last_day.replace(day=1)

    def report(done: int, total: int) -> None:
        job_progress(
            job, done, total, gettext_noop("%(done)s of %(total)s water users billed."), {"done": done, "total": total}
        )

    run = actions.compute_bills(first_day, last_day, progress=report)
    return {
        "period": surcharge.format_period(first_day, last_day),
        "billed": run.billed,
        "total_yuan": str(run.total_yuan),
        "unread": len(run.unread),
    }


def readings_analysis(
    job: Job, store: str, zones: list[list[str]], period: str, engine: str | None = None
) -> dict[str, Any]:
    """Analyse a period of smart-meter readings and keep the summaries (written in one transaction)."""
    job_progress(job, 0, 1, gettext_noop("Analysing the readings of %(period)s."), {"period": period})
    zone_table = pd.DataFrame(zones, columns=["meter_id", "dma_id", "role"])
    if job.started_by is not None:
        with recorded_as(job.started_by):
            run = actions.record_metering_run(store, zone_table, Period.parse(period), job.started_by, engine=engine)
    else:
        run = actions.record_metering_run(store, zone_table, Period.parse(period), None, engine=engine)
    return {
        "run": run.pk,
        "balances": run.balances.count(),
        "customer_alarms": run.found_customer_alarms().count(),
        "url": f"{reverse('water:metering_dashboard')}?run={run.pk}",
    }


def queue_readings_analysis(
    zones: pd.DataFrame, period: str, started_by: User | None, store: str | None = None, engine: str | None = None
) -> tuple[Job, bool]:
    """Queue the analysis of a period of the readings store (the county's by default) with these zones; returns
    the job and True, or the queued or running analysis of the same period and False."""
    running = Job.objects.filter(
        kind=JobKind.READINGS_ANALYSIS, arguments__period=period, state__in=(JobState.QUEUED, JobState.RUNNING)
    ).first()
    if running is not None:
        return running, False
    rows = [[str(meter), str(dma), str(role)] for meter, dma, role in zones[["meter_id", "dma_id", "role"]].to_numpy()]
    arguments = {
        "store": store or str(settings.CIVIC_READINGS_STORE),
        "zones": rows,
        "period": period,
        "engine": engine,
    }
    return jobs.enqueue(JobKind.READINGS_ANALYSIS, readings_analysis, started_by=started_by, arguments=arguments)


def nightly_readings_analysis(job: Job, due_at: str) -> dict[str, Any]:
    """Analyse this month's readings up to yesterday with the zones of the last analysis; nothing without one."""
    last_run = MeteringRun.objects.order_by("-created_at").first()
    if last_run is None or not last_run.zones:
        job_progress(job, 1, 1, gettext_noop("No earlier analysis gives the zones: nothing analysed."))
        return {"skipped": "no zones"}
    yesterday = timezone.localtime(datetime.datetime.fromisoformat(due_at)).date() - datetime.timedelta(days=1)
    period = f"{yesterday.replace(day=1).isoformat()}..{yesterday.isoformat()}"
    county_store = settings.CIVIC_READINGS_STORE
    store = str(county_store) if stored_files(county_store) else last_run.store
    return readings_analysis(job, store, last_run.zones, period)


def readings_import(job: Job, path: str, file_name: str) -> dict[str, Any]:
    """Import a large uploaded readings file kept at `path` (whole or not at all; the same bytes twice store once).

    The import stages its rows chunk by chunk and stores them with their batch
    in one transaction (actions.import_readings_file); a worker killed midway
    leaves no batch and no reading, and the retried job imports the file whole.
    """
    upload = Path(path)
    totals = {"rows": 0}

    def checked(rows: int) -> None:
        totals["rows"] = rows
        job_progress(job, 0, rows, gettext_noop("%(rows)s rows checked; storing them."), {"rows": rows})

    def stored(done: int) -> None:
        job_progress(
            job,
            done,
            totals["rows"],
            gettext_noop("%(done)s of %(total)s readings stored."),
            {"done": done, "total": totals["rows"]},
        )

    with upload.open("rb") as content:
        batch = actions.import_readings_file(file_name, content, job.started_by, progress=stored, on_checked=checked)
    upload.unlink(missing_ok=True)
    return {
        "batch": batch.pk,
        "status": batch.status,
        "rows": batch.row_count,
        "url": reverse("water:import_batch_detail", args=[batch.pk]),
    }


def plan_notices(job: Job, year: int) -> dict[str, Any]:
    """The plan notices (PDF) of every plan issued for `year`, in one ZIP file kept with the job."""
    plans = list(
        AnnualPlan.objects.filter(year=year, status=PlanStatus.ISSUED).select_related("water_user").order_by("pk")
    )
    folder = job_folder(job)
    target = folder / f"plan-notices-{year}.zip"
    partial = folder / f".{target.name}.part"
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, plan in enumerate(plans, start=1):
            number = plan_notice_number(plan)
            archive.writestr(f"{number}.pdf", plan_notice_pdf(plan))
            job_progress(
                job,
                done,
                len(plans),
                gettext_noop("%(done)s of %(total)s notices written."),
                {"done": done, "total": len(plans)},
            )
    partial.replace(target)  # the finished file appears whole, or not at all
    return {"notices": len(plans), "file": str(target.relative_to(settings.MEDIA_ROOT))}


def queue_readings_import(uploaded: Any, imported_by: User) -> Job:
    """Keep an upload too large to import within the request, and queue its import for a worker.

    The file is kept under MEDIA_ROOT (readings-uploads/) until the import has
    run; the job's page follows it and links to the import's report at the end.
    """
    folder = Path(settings.MEDIA_ROOT) / "readings-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(uploaded.name).suffix.lower()}"
    with path.open("wb") as kept:
        for chunk in uploaded.chunks():
            kept.write(chunk)
    job, _started = jobs.enqueue(
        JobKind.READINGS_IMPORT,
        readings_import,
        started_by=imported_by,
        arguments={"path": str(path), "file_name": uploaded.name},
    )
    return job


def queue_plan_notices(year: int, started_by: User) -> tuple[Job, bool]:
    """Queue the ZIP of a year's plan notices, unless that year's is being made already."""
    running = Job.objects.filter(
        kind=JobKind.PLAN_NOTICES, arguments__year=year, state__in=(JobState.QUEUED, JobState.RUNNING)
    ).first()
    if running is not None:
        return running, False
    return jobs.enqueue(JobKind.PLAN_NOTICES, plan_notices, started_by=started_by, arguments={"year": year})

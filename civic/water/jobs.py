"""The water-saving office's long jobs, run by a worker from the job queue (civic/core/jobs.py).

Each function here is a job body: called by the worker as `body(job, **arguments)`,
it reports its progress outside any transaction and writes its results in one
transaction, so a worker killed midway leaves nothing partial and the job can run again.
"""

from __future__ import annotations

import datetime
from typing import Any

import pandas as pd
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from civic.core.command_author import recorded_as
from civic.core.jobs import job_progress
from civic.core.models import Job
from civic.water import actions
from civic.water.models import MeteringRun
from hydro import surcharge
from hydro.readings_analysis import Period


def solve_reuse_study(job: Job, study_id: int) -> dict[str, Any]:
    """Solve every scenario of a reuse study, scenario by scenario, and store the comparison in one write."""

    def report(done: int, total: int) -> None:
        job_progress(
            job, done, total, gettext_noop("%(done)s of %(total)s scenarios solved."), {"done": done, "total": total}
        )

    study = actions.run_reuse_study(study_id, progress=report)
    return {"scenarios": len(study.results.get("scenarios", []))}


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
    return {"run": run.pk, "balances": run.balances.count(), "customer_alarms": run.customer_alarms.count()}


def nightly_readings_analysis(job: Job, due_at: str) -> dict[str, Any]:
    """Analyse this month's readings up to yesterday with the zones of the last analysis; nothing without one."""
    last_run = MeteringRun.objects.order_by("-created_at").first()
    if last_run is None or not last_run.zones:
        job_progress(job, 1, 1, gettext_noop("No earlier analysis gives the zones: nothing analysed."))
        return {"skipped": "no zones"}
    yesterday = timezone.localtime(datetime.datetime.fromisoformat(due_at)).date() - datetime.timedelta(days=1)
    period = f"{yesterday.replace(day=1).isoformat()}..{yesterday.isoformat()}"
    store = str(settings.CIVIC_READINGS_STORE) if settings.CIVIC_READINGS_STORE.exists() else last_run.store
    return readings_analysis(job, store, last_run.zones, period)

"""The dog-management office's long jobs, run by a worker from the job queue (civic/core/jobs.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from civic.core.command_author import recorded_as
from civic.core.jobs import job_progress
from civic.core.models import Job
from civic.dogs import actions, rules
from civic.dogs.models import ReminderKind


def queue_reminders(on: datetime.date) -> dict[str, Any]:
    """Queue one SMS reminder per licence due for renewal or overdue on `on`; returns the counts.

    One reminder per licence, kind and expiry: running it again on a day queues nothing new.
    """
    counts: dict[str, Any] = {"date": on.isoformat()}
    for state, kind in (
        (rules.RenewalState.DUE, ReminderKind.DUE),
        (rules.RenewalState.OVERDUE, ReminderKind.OVERDUE),
    ):
        licences = list(actions.licences_to_renew(on, state).select_related("dog__owner"))
        counts[f"{kind}_licences"] = len(licences)
        counts[f"{kind}_queued"] = actions.queue_reminders_of_kind(licences, kind, on)
    return counts


def renewal_reminders(job: Job, due_at: str | None = None, date: str | None = None) -> dict[str, Any]:
    """The reminders of the day the job was due (or of `date`)."""
    if date:
        on = datetime.date.fromisoformat(date)
    elif due_at:
        on = timezone.localtime(datetime.datetime.fromisoformat(due_at)).date()
    else:
        on = timezone.localdate()
    if job.started_by is not None:
        with recorded_as(job.started_by):
            counts = queue_reminders(on)
    else:
        counts = queue_reminders(on)
    job_progress(
        job,
        1,
        1,
        gettext_noop("%(due)s due and %(overdue)s overdue reminders queued."),
        {"due": counts["due_queued"], "overdue": counts["overdue_queued"]},
    )
    return counts

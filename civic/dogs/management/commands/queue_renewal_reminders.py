"""Queue renewal reminders for licences due or overdue: `manage.py queue_renewal_reminders` (daily, from cron).

Reminders are recorded for the SMS gateway, which reads the queue and marks
them sent; this command sends nothing. Running it twice on a day queues
nothing new: one reminder per licence, kind and expiry.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from civic.core.command_author import add_by_argument, command_author, recorded_as
from civic.core.jobs import enqueue
from civic.core.models import JobKind
from civic.dogs.jobs import queue_reminders, renewal_reminders


def day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date like 2024-03-22") from error


class Command(BaseCommand):
    help = (
        "Queue one SMS reminder per dog licence that is due for renewal (inside the renewal window) or overdue "
        "(expired, not renewed), for the SMS gateway to send. Safe to run again: nothing is queued twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=day, help="The day to count from (default: today), as 2024-03-22.")
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the job for a worker (`manage.py run_worker`) instead of running it here; the worker's "
            "schedule (civic/schedule.py) does so every day by itself.",
        )
        add_by_argument(parser, "the person who queued the reminders")

    def handle(self, *args: Any, **options: Any) -> None:
        author = command_author(options["by"], lambda user: user.is_dog_office, "the dog-management office")
        on = options["date"] or timezone.localdate()
        if options["queue"]:
            job, _started = enqueue(
                JobKind.RENEWAL_REMINDERS, renewal_reminders, started_by=author, arguments={"date": on.isoformat()}
            )
            self.stdout.write(f"Queued as job {job.pk} ({job.get_state_display()}).")
            return
        with recorded_as(author):
            counts = queue_reminders(on)
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{on}: {counts['due_queued']} due and {counts['overdue_queued']} overdue reminders queued "
                f"({counts['due_licences']} due and {counts['overdue_licences']} overdue licences)."
            )
        )

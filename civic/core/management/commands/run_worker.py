"""Run Civic's job worker: `manage.py run_worker` (one or more per server; `make serve` starts one).

It is django-tasks' database worker (`db_worker`, all its options) with two
duties more, done every few seconds by a thread of the worker: the schedule
(civic/schedule.py) is looked at and due jobs queued, and jobs whose worker
died mid-job (killed, the machine restarted) are retried or marked failed
(civic/core/jobs.py). Stop it with SIGTERM or Ctrl+C: it finishes the job in
hand first (a second signal stops it at once; the job is then retried).
"""

from __future__ import annotations

import logging
import os
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections, connection
from django_tasks_db.management.commands import db_worker

from civic.core import jobs, scheduling

logger = logging.getLogger("civic.core.worker")


class Command(db_worker.Command):
    help = (
        "Run Civic's job worker: the database queue's jobs (reuse studies, large imports, analyses, notices, "
        "reminders), the schedule of civic/schedule.py, and the recovery of jobs whose worker died."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False, queue_name="default")
        parser.add_argument(
            "--no-schedule", action="store_false", dest="schedule", help="Queue no scheduled jobs from this worker."
        )
        parser.add_argument(
            "--housekeeping-interval",
            type=db_worker.valid_interval,
            default=5.0,
            help="Seconds between looks at the schedule and at jobs whose worker died (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        keeper = threading.Thread(
            target=housekeeping,
            args=(stop, options.pop("housekeeping_interval"), options.pop("schedule")),
            name="civic-worker-housekeeping",
            daemon=True,
        )
        keeper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()


def housekeeping(stop: threading.Event, interval: float, schedule: bool) -> None:
    """Until `stop`: note this worker alive on its jobs, recover abandoned jobs, queue the schedule's due jobs."""
    from civic.schedule import SCHEDULE

    pid = os.getpid()
    while not stop.is_set():
        try:
            jobs.beat(pid)
            for job in jobs.recover():
                logger.warning(
                    "job %s recovered: %s (attempt %s of %s)", job.pk, job.state, job.attempts, job.max_attempts
                )
            if schedule:
                for job in scheduling.enqueue_due(SCHEDULE):
                    logger.info("scheduled job %s queued (%s)", job.pk, job.kind)
        except Exception:  # the worker goes on; the next look may succeed (e.g. the database was locked)
            logger.exception("worker housekeeping failed")
        finally:
            close_old_connections()
        stop.wait(interval)
    connection.close()

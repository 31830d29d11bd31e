"""The background job that sends notices, for the task queue (django-tasks; the worker is `manage.py db_worker`).

`send_notices.enqueue()` does on the queue what `manage.py send_notices` does
from cron: the daily checks, then the e-mail and SMS that wait. Schedule it
every few minutes, and enqueue it with `run_checks=False` after a change that
wrote notices, to send them without waiting for the next run.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from civic.notices.actions import deliver_pending, run_sweeps


@task()
def send_notices(run_checks: bool = True) -> dict[str, int]:
    notified = run_sweeps(timezone.localdate()) if run_checks else 0
    run = deliver_pending()
    return {"notices": notified, "sent": run.sent, "failed": run.failed}

"""The notices' job body for the job queue (civic/core/jobs.py), queued every few minutes by civic/schedule.py."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from civic.core.models import Job
from civic.notices.actions import check_and_send


def send_notices(job: Job, due_at: str) -> dict[str, Any]:
    """Run the daily checks for the day of `due_at` (each tells once), then send the e-mail and SMS that wait."""
    notified, run = check_and_send(timezone.localdate(datetime.datetime.fromisoformat(due_at)))
    return {"notices": notified, "sent": run.sent, "failed": run.failed}

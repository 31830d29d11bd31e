"""The notices' job body for the job queue (civic/core/jobs.py), queued every few minutes by civic/schedule.py."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from civic.core.models import Job
from civic.notices.actions import deliver_pending, run_sweeps


def send_notices(job: Job, due_at: str) -> dict[str, Any]:
    """Run the daily checks for the day of `due_at` (each tells once), then send the e-mail and SMS that wait."""
    day = timezone.localdate(datetime.datetime.fromisoformat(due_at))
    notified = run_sweeps(day)
    run = deliver_pending()
    return {"notices": notified, "sent": run.sent, "failed": run.failed}

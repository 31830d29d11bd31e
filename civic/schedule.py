"""Civic's timetable: the jobs a worker (`manage.py run_worker`) queues by itself, and when (county time).

This is the one place scheduled jobs are set; change a time here and restart
the workers. How occurrences are queued (once each, missed ones caught up
within `catch_up`) is described in civic/core/scheduling.py and docs/deploy.md.
"""

from __future__ import annotations

import datetime

from civic.core.models import JobKind
from civic.core.scheduling import Daily, Entry, Every, Monthly

SCHEDULE: list[Entry] = [
    # The over-plan surcharge bills of the month just ended (a re-run keeps bills already paid or cancelled).
    Entry(
        name="monthly-surcharge-run",
        kind=JobKind.SURCHARGE_RUN,
        body="civic.water.jobs.surcharge_run",
        timing=Monthly(day=1, at=datetime.time(2, 0)),
        catch_up=datetime.timedelta(days=7),
    ),
    # SMS reminders for dog licences due for renewal or overdue (nothing is queued twice).
    Entry(
        name="renewal-reminders",
        kind=JobKind.RENEWAL_REMINDERS,
        body="civic.dogs.jobs.renewal_reminders",
        timing=Daily(at=datetime.time(8, 0)),
        catch_up=datetime.timedelta(hours=12),
    ),
    # This month's smart-meter readings up to yesterday: balances, night flow and customer alarms.
    Entry(
        name="nightly-readings-analysis",
        kind=JobKind.READINGS_ANALYSIS,
        body="civic.water.jobs.nightly_readings_analysis",
        timing=Daily(at=datetime.time(1, 30)),
        catch_up=datetime.timedelta(hours=6),
    ),
    # The daily checks of notices (bills gone overdue, deadlines to correct passed) and the e-mail and SMS waiting.
    Entry(
        name="send-notices",
        kind=JobKind.NOTICES,
        body="civic.notices.jobs.send_notices",
        timing=Every(minutes=5),
        catch_up=datetime.timedelta(minutes=30),
    ),
]

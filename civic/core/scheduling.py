"""Jobs that run on a timetable: the kinds of timing, and queuing each occurrence once.

The timetable itself is civic/schedule.py, the one place a county changes it.
A worker (`manage.py run_worker`) looks at it every few seconds and queues an
occurrence that is due and not yet queued. Each occurrence queued is recorded
(`ScheduledRun`, one per entry and due time, a unique constraint), so two
workers, or a worker restarted, never queue it twice. An occurrence missed
while no worker ran is queued when one starts again, if it is no older than
the entry's `catch_up`; older ones are skipped (the next occurrence comes).
Times are in the county's time zone (TIME_ZONE).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from civic.core import jobs
from civic.core.models import Job, ScheduledRun


@dataclass(frozen=True)
class Daily:
    """Every day at a time of day (county time)."""

    at: datetime.time

    def latest(self, now: datetime.datetime) -> datetime.datetime:
        """The latest occurrence at or before `now`."""
        local = timezone.localtime(now)
        today = timezone.make_aware(datetime.datetime.combine(local.date(), self.at))
        return today if today <= local else today - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Monthly:
    """Every month on a day (1–28) at a time of day (county time)."""

    day: int
    at: datetime.time

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 28:
            raise ValueError(f"a monthly job runs on a day from 1 to 28, not {self.day}")

    def latest(self, now: datetime.datetime) -> datetime.datetime:
        local = timezone.localtime(now)
        this_month = timezone.make_aware(
            datetime.datetime.combine(datetime.date(local.year, local.month, self.day), self.at)
        )
        if this_month <= local:
            return this_month
        year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        assert self.day <= calendar.monthrange(year, month)[1]
        return timezone.make_aware(datetime.datetime.combine(datetime.date(year, month, self.day), self.at))


@dataclass(frozen=True)
class Every:
    """Every `minutes` minutes (1–1,440), counted from midnight UTC: 5 runs at :00, :05, :10 …"""

    minutes: int

    def __post_init__(self) -> None:
        if not 1 <= self.minutes <= 24 * 60:
            raise ValueError(f"a repeated job runs every 1 to 1440 minutes, not {self.minutes}")

    def latest(self, now: datetime.datetime) -> datetime.datetime:
        step = self.minutes * 60
        seconds = int(now.timestamp()) // step * step
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


@dataclass(frozen=True)
class Entry:
    """One scheduled job: its name, kind, body (dotted path), timing, and how late a missed occurrence may run."""

    name: str
    kind: str
    body: str
    timing: Daily | Monthly | Every
    catch_up: datetime.timedelta


def enqueue_due(entries: Sequence[Entry], now: datetime.datetime | None = None) -> list[Job]:
    """Queue each entry's latest occurrence that is due, recent enough and not queued before; returns the jobs."""
    now = now or timezone.now()
    queued = []
    for entry in entries:
        due_at = entry.timing.latest(now)
        if now - due_at > entry.catch_up or ScheduledRun.objects.filter(entry=entry.name, due_at=due_at).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(entry=entry.name, due_at=due_at)
                job, _created = jobs.enqueue(
                    entry.kind, import_string(entry.body), arguments={"due_at": due_at.isoformat()}
                )
                ScheduledRun.objects.filter(pk=run.pk).update(job=job)
        except IntegrityError:  # another worker queued it a moment ago
            continue
        queued.append(job)
    return queued

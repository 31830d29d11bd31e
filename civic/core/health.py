"""The health check: can Civic reach its database, write its readings store, and are its jobs being run?

Each check answers ``ok`` and a few figures; none names a path, a host, a user
or an error's text (the answer is public, so a monitor needs no account). A
failed check makes the whole answer fail, which the health endpoint turns into
HTTP 503 for the monitor or load balancer watching it.
"""

from __future__ import annotations

import datetime
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max


@dataclass(frozen=True)
class Check:
    """One check's outcome: whether it passed, and what it found (figures and a reason, never a secret)."""

    ok: bool
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.details}


def check_database() -> Check:
    """One query answered by the database."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Check(False, {"reason": f"the database cannot be queried ({type(error).__name__})."})
    return Check(True, {"duration_ms": round((time.perf_counter() - started) * 1000, 1)})


def check_readings_store(store: Path | None = None) -> Check:
    """The readings store's directory can be read and written (or, before the first import, created)."""
    store = Path(settings.CIVIC_READINGS_STORE) if store is None else store
    if not store.exists():
        parent = store.parent
        if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
            return Check(True, {"state": "not created yet; the first import creates it"})
        return Check(False, {"reason": "the readings store does not exist and cannot be created."})
    if not store.is_dir():
        return Check(False, {"reason": "the readings store is not a directory."})
    probe = store / f".health-{uuid.uuid4().hex}"
    try:
        list(os.scandir(store))
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as error:
        return Check(False, {"reason": f"the readings store cannot be read and written ({type(error).__name__})."})
    return Check(True, {"state": "readable and writable"})


def check_queue(now: datetime.datetime | None = None) -> Check:
    """The job table can be read, and no job due to run has waited longer than CIVIC_HEALTH_QUEUE_WAIT_MINUTES.

    A job waits from when it was queued, or from the time it was set to run
    after when it was given one. A job that waits much longer than the longest
    job takes means that no worker is running.
    """
    now = timezone.now() if now is None else now
    limit_s = settings.CIVIC_HEALTH_QUEUE_WAIT_MINUTES * 60
    try:
        waiting_since = _oldest_waiting_since()
        waiting = DBTaskResult.objects.ready().count()
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    except DatabaseError as error:
        return Check(False, {"reason": f"the job queue cannot be read ({type(error).__name__})."})
    oldest_s = None if waiting_since is None else max(0.0, round((now - waiting_since).total_seconds(), 1))
    details: dict[str, Any] = {
        "waiting_jobs": waiting,
        "running_jobs": running,
        "oldest_waiting_s": oldest_s,
        "limit_s": limit_s,
    }
    if oldest_s is not None and oldest_s > limit_s:
        details["reason"] = "a job has waited longer than the limit: is the worker (manage.py run_worker) running?"
        return Check(False, details)
    return Check(True, details)


def _oldest_waiting_since() -> datetime.datetime | None:
    """When the longest-waiting job due to run began to wait."""
    ready = DBTaskResult.objects.ready()
    unscheduled = ready.filter(run_after=get_date_max()).order_by("enqueued_at").first()
    scheduled = ready.exclude(run_after=get_date_max()).order_by("run_after").first()
    times = [
        *([unscheduled.enqueued_at] if unscheduled is not None else []),
        *([max(scheduled.run_after, scheduled.enqueued_at)] if scheduled is not None else []),
    ]
    return min(times) if times else None


def health() -> dict[str, Any]:
    """Every check, and the overall status: "ok" when all pass, "failing" otherwise."""
    checks = {"database": check_database(), "readings_store": check_readings_store(), "queue": check_queue()}
    return {
        "status": "ok" if all(check.ok for check in checks.values()) else "failing",
        "checks": {name: check.as_json() for name, check in checks.items()},
    }

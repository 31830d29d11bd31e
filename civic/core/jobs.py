"""Long jobs on the job queue: starting them, running them in a worker, following them, retrying them.

Civic's long work (solving a reuse study, a large readings import, a
smart-meter analysis, a county's plan notices, reminders, the monthly
surcharge run) runs in a worker process (`manage.py run_worker`), never in the
web process. The queue is django-tasks with its database backend: the work
waits as a row in the database, so it needs no other server on SQLite or
PostgreSQL, and a worker claims a row in a locked transaction, so two workers
never take the same one.

Each job also has a `Job` row, which is what the pages show: its kind, who
started it, its state, its progress (steps done of all, with a message in the
reader's language), why it failed, and its attempts. A job's function (its
`body`) is called as `body(job, **arguments)`; it reports progress with
`job_progress` outside any transaction and writes its results in one
transaction (or idempotently), so a worker killed mid-job leaves nothing
partial. Such a job is noticed by the next worker's recovery: retried while it
has attempts left (`max_attempts`, CIVIC_JOB_MAX_ATTEMPTS by default), marked
failed after. An error raised by the body fails the job at once, with its
reason; a user may retry it.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from django_tasks import task
from django_tasks.base import TaskResultStatus

from civic.core.models import Job, JobKind, JobState, QueueCheckStep, Role, User
from civic.core.permissions import BUREAU, DOG_OFFICE, WATER_OFFICE, user_has_role

logger = logging.getLogger(__name__)

# Who may follow and retry any job of a kind (besides the person who started it).
JOB_READERS: dict[str, tuple[str, ...]] = {
    JobKind.QUEUE_CHECK: (Role.BUREAU_ADMIN,),
    JobKind.REUSE_STUDY: WATER_OFFICE,
    JobKind.READINGS_IMPORT: WATER_OFFICE,
    JobKind.READINGS_ANALYSIS: (*WATER_OFFICE, Role.NETWORK_ANALYST),
    JobKind.PLAN_NOTICES: WATER_OFFICE,
    JobKind.RENEWAL_REMINDERS: DOG_OFFICE,
    JobKind.SURCHARGE_RUN: WATER_OFFICE,
    JobKind.NOTICES: (Role.BUREAU_ADMIN,),
    JobKind.NETWORK_ANALYSIS: (*BUREAU, Role.NETWORK_ANALYST),
}

WORKER_STOPPED = gettext_noop("The worker running this job stopped before it finished.")
RETRYING = gettext_noop("The worker stopped; trying again (attempt %(attempt)s of %(attempts)s).")
WAITING = gettext_noop("Waiting for a worker.")

HOST = socket.gethostname()


def body_path(body: Callable[..., Any]) -> str:
    return f"{body.__module__}.{body.__qualname__}"


def visible_jobs(user: Any) -> QuerySet[Job]:
    """The jobs a user may follow: those they started, and every job of the kinds their role looks after."""
    if not user.is_authenticated:
        return Job.objects.none()
    if user.is_superuser:
        return Job.objects.all()
    kinds = [kind for kind, roles in JOB_READERS.items() if user_has_role(user, roles)]
    return Job.objects.filter(Q(started_by=user) | Q(kind__in=kinds))


def jobs_about(subject: models.Model) -> QuerySet[Job]:
    return Job.objects.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)


def job_folder(job: Job) -> Path:
    """Where a job keeps the files it makes (under MEDIA_ROOT, so backups hold them), created if need be."""
    folder = Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def job_file(job: Job) -> Path | None:
    """The file a finished job made (named in its result), if it is there."""
    name = job.result.get("file") if job.state == JobState.SUCCEEDED else None
    if not name:
        return None
    path = (Path(settings.MEDIA_ROOT) / name).resolve()
    folder = (Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None


def may_retry(user: Any, job: Job) -> bool:
    """A failed job may be queued again by whoever may follow it."""
    return job.state == JobState.FAILED and visible_jobs(user).filter(pk=job.pk).exists()


def job_status_document(job: Job) -> dict[str, Any]:
    """Where a job is, for the pages that poll it: state, progress (a fraction and a message), failure, attempts."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "kind_label": str(job.get_kind_display()),
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "done": job.progress_done,
        "total": job.progress_total,
        "fraction": round(job.fraction, 4),
        "message": job.message_text,
        "error": job.error_text,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "started_by": job.started_by.get_username() if job.started_by else None,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "result_url": job.result.get("url") if job.state == JobState.SUCCEEDED else None,
        "file_url": reverse("job_file", args=[job.pk]) if job_file(job) else None,
    }


def enqueue(
    kind: str,
    body: Callable[..., Any],
    *,
    started_by: User | None = None,
    subject: models.Model | None = None,
    arguments: dict[str, Any] | None = None,
    max_attempts: int | None = None,
    one_at_a_time: bool = False,
) -> tuple[Job, bool]:
    """Queue a job; returns it and True, or, with `one_at_a_time`, the subject's active job and False.

    The job's row and its queue entry are written in one transaction: a job
    is never recorded without the work queued, nor the reverse. With
    `one_at_a_time`, the subject's row is locked first, so two clicks queue one job.
    With CIVIC_JOBS_RUN_AT_ONCE (the test suite) the job then runs before this returns.
    """
    with transaction.atomic():
        if subject is not None and one_at_a_time:
            list(type(subject)._default_manager.select_for_update().filter(pk=subject.pk).values_list("pk"))
            active = jobs_about(subject).filter(state__in=(JobState.QUEUED, JobState.RUNNING)).first()
            if active is not None:
                return active, False
        job = Job.objects.create(
            kind=kind,
            body=body_path(body),
            arguments=arguments or {},
            started_by=started_by,
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=subject.pk if subject is not None else None,
            max_attempts=max_attempts or settings.CIVIC_JOB_MAX_ATTEMPTS,
            progress_message=WAITING,
        )
        _queue(job)
    if settings.CIVIC_JOBS_RUN_AT_ONCE:
        run_now(job)
        job.refresh_from_db()
    return job, True


def _queue(job: Job) -> None:
    """Put the job's work on the queue (inside the caller's transaction) and note the queue entry on the job."""
    entry = run_job.enqueue(job.pk)
    job.task_result_id = entry.id
    Job.objects.filter(pk=job.pk).update(task_result_id=entry.id)


def retry(job: Job) -> bool:
    """Queue a failed job again, with a fresh allowance of attempts; False unless it had failed."""
    with transaction.atomic():
        queued = Job.objects.filter(pk=job.pk, state=JobState.FAILED).update(
            state=JobState.QUEUED,
            error="",
            progress_done=0,
            progress_message=WAITING,
            progress_parameters={},
            finished_at=None,
            max_attempts=F("attempts") + settings.CIVIC_JOB_MAX_ATTEMPTS,
        )
        if queued:
            job.refresh_from_db()
            _queue(job)
    if queued and settings.CIVIC_JOBS_RUN_AT_ONCE:
        run_now(job)
    job.refresh_from_db()
    return bool(queued)


def job_progress(job: Job, done: int, total: int, message: str = "", parameters: dict[str, Any] | None = None) -> None:
    """Record how far a job has come; `message` is an English msgid (marked with gettext_noop) with its `parameters`.

    Call it outside the job's writing transaction: each report is its own short write.
    """
    job.progress_done, job.progress_total = done, total
    parameters = parameters or {}
    job.progress_message, job.progress_parameters = message, parameters
    Job.objects.filter(pk=job.pk).update(
        progress_done=done,
        progress_total=total,
        progress_message=message,
        progress_parameters=parameters,
        heartbeat_at=timezone.now(),
    )


@task()
def run_job(job_id: int) -> str:
    """The queue's one task: run the job `job_id` in this process, recording its start, end and failure."""
    return execute(job_id)


def execute(job_id: int) -> str:
    """Claim the job (queued to running, one attempt more) and call its body; the claim is one conditional update."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        worker_host=HOST,
        worker_pid=os.getpid(),
        progress_done=0,
        error="",
    )
    if not claimed:
        return "not queued"
    job = Job.objects.get(pk=job_id)
    mine = Job.objects.filter(pk=job_id, state=JobState.RUNNING, attempts=job.attempts, worker_pid=os.getpid())
    try:
        body = import_string(job.body)
        result = body(job, **job.arguments)
    except Exception as error:
        logger.warning("job %s (%s) failed: %s", job_id, job.kind, error)
        mine.update(state=JobState.FAILED, error=failure_reason(error), finished_at=timezone.now())
        raise
    mine.update(
        state=JobState.SUCCEEDED,
        result=result if isinstance(result, dict) else {},
        progress_done=F("progress_total"),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    return "succeeded"


def failure_reason(error: Exception) -> str:
    """What a failed job's page says: a validation error's own messages, else the error's type and text."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return f"{type(error).__name__}: {error}"


def run_now(job: Job) -> None:
    """Run a queued job in this process through the queue, as a worker would (the test suite's synchronous run)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    entries = DBTaskResult.objects.filter(id=job.task_result_id)
    with exclusive_transaction(entries.db):
        entry = entries.ready().get_locked()
        if entry is None:
            return
        entry.claim(f"in-process-{os.getpid()}")
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"in-process-{os.getpid()}",
        excluded_queue_names=[],
    ).run_task(entry)


# --- The worker's housekeeping: heartbeats and the recovery of jobs whose worker died -----------------------------


def beat(worker_pid: int) -> int:
    """Note that this worker is alive on the jobs it is running."""
    return Job.objects.filter(state=JobState.RUNNING, worker_host=HOST, worker_pid=worker_pid).update(
        heartbeat_at=timezone.now()
    )


def process_alive(pid: int) -> bool:
    """Whether a process of this host is running (a zombie, killed and not yet reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def abandoned(job: Job, now: datetime.datetime) -> bool:
    """A running job no worker is running: its process on this host is gone, or nothing heard for too long."""
    if job.worker_host == HOST and job.worker_pid:
        return job.worker_pid != os.getpid() and not process_alive(job.worker_pid)
    stale_after = datetime.timedelta(seconds=settings.CIVIC_JOB_STALE_SECONDS)
    return job.heartbeat_at is None or now - job.heartbeat_at > stale_after


def recover(now: datetime.datetime | None = None) -> list[Job]:
    """Retry, or mark failed once out of attempts, every running job whose worker died; returns them."""
    now = now or timezone.now()
    recovered = []
    for job in Job.objects.filter(state=JobState.RUNNING):
        if abandoned(job, now) and _recover_one(job):
            job.refresh_from_db()
            recovered.append(job)
    return recovered


def _recover_one(job: Job) -> bool:
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        same_attempt = Job.objects.filter(
            pk=job.pk, state=JobState.RUNNING, attempts=job.attempts, worker_pid=job.worker_pid
        )
        if job.attempts < job.max_attempts:
            changed = same_attempt.update(
                state=JobState.QUEUED,
                progress_message=RETRYING,
                progress_parameters={"attempt": job.attempts + 1, "attempts": job.max_attempts},
            )
        else:
            changed = same_attempt.update(state=JobState.FAILED, error=WORKER_STOPPED, finished_at=timezone.now())
        if not changed:
            return False
        DBTaskResult.objects.filter(id=job.task_result_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path="civic.core.jobs.WorkerStopped",
            traceback=f"{WORKER_STOPPED} ({job.worker_host}, process {job.worker_pid})",
        )
        if job.attempts < job.max_attempts:
            _queue(job)
    logger.warning("job %s: its worker (process %s) stopped; attempt %s", job.pk, job.worker_pid, job.attempts)
    return True


# --- A queue check: a job that writes a few rows in one transaction, to try a worker ------------------------------


def check_queue(job: Job, steps: int = 3, pause_seconds: float = 0.0, due_at: str | None = None) -> dict[str, Any]:
    """Prepare `steps` steps (reporting each), then write one row per step in one transaction, pausing between.

    A worker stopped while writing leaves no row; a finished check leaves exactly `steps` rows. A check
    may be scheduled (`due_at`, the occurrence it runs for, is then given and not used).
    """
    for step in range(1, steps + 1):
        job_progress(
            job, step - 1, steps, gettext_noop("Preparing step %(step)s of %(steps)s."), {"step": step, "steps": steps}
        )
        time.sleep(pause_seconds)
    job_progress(job, steps, steps, gettext_noop("Writing %(steps)s steps."), {"steps": steps})
    with transaction.atomic():
        for step in range(1, steps + 1):
            QueueCheckStep.objects.create(job=job, step=step, attempt=job.attempts)
            logger.info("queue check %s: step %s of %s written (attempt %s)", job.pk, step, steps, job.attempts)
            time.sleep(pause_seconds)
    return {"steps": steps}

"""The job worker (`manage.py run_worker`) as real processes: killed mid-job, two at once, progress, retry.

Each test enqueues queue checks (civic.core.jobs.check_queue): a job that
reports a few steps of preparation, then writes one row per step in one
transaction, pausing between rows and logging each row written. A worker is
killed with SIGKILL once it has logged a row written but not the last: the
transaction it had open dies with it, so no row is left, and the next
worker's recovery sees the job's process gone and retries it (it has
attempts left) or marks it failed (it has none). Runs on the suite's database:
the SQLite test file (WAL) or PostgreSQL when DATABASE_URL names one.
No wall-clock assertion: waits poll with a generous deadline.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from civic.core import jobs
from civic.core.models import Job, JobKind, JobState, QueueCheckStep
from civic.core.tests.worker_processes import Worker, running_workers, wait_for
from civic.testing import Cast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

STEPS = 5


@pytest.fixture(autouse=True)
def queued_for_a_worker(settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False


def queue_check(cast: Cast, steps: int = STEPS, pause_seconds: float = 0.4, max_attempts: int = 3) -> Job:
    job, started = jobs.enqueue(
        JobKind.QUEUE_CHECK,
        jobs.check_queue,
        started_by=cast.bureau_admin,
        arguments={"steps": steps, "pause_seconds": pause_seconds},
        max_attempts=max_attempts,
    )
    assert started and job.state == JobState.QUEUED
    return job


def fresh(job: Job) -> Job:
    return Job.objects.get(pk=job.pk)


def kill_mid_write(job: Job) -> None:
    """Start a worker, let it write two of the job's rows in its transaction, SIGKILL it; nothing is left."""
    with running_workers(1) as (worker,):
        worker.wait_for_line(f"queue check {job.pk}: step 2 of {STEPS} written (attempt 1)")
        worker.kill()
        assert f"step {STEPS} of {STEPS} written" not in worker.text()
    assert QueueCheckStep.objects.filter(job=job).count() == 0  # the open transaction died with the worker
    assert fresh(job).state == JobState.RUNNING  # until a worker looks


def signed_in(cast: Cast, language: str | None = None) -> Client:
    client = Client()
    client.force_login(cast.bureau_admin)
    if language:
        client.cookies["django_language"] = language
    return client


def test_a_worker_killed_mid_job_leaves_nothing_and_the_next_worker_runs_the_job_again(cast: Cast):
    job = queue_check(cast)
    kill_mid_write(job)

    with running_workers(1):
        wait_for(lambda: fresh(job).state in (JobState.SUCCEEDED, JobState.FAILED))
    job = fresh(job)
    assert (job.state, job.attempts, job.error) == (JobState.SUCCEEDED, 2, "")
    rows = list(QueueCheckStep.objects.filter(job=job).values_list("step", "attempt"))
    assert rows == [(step, 2) for step in range(1, STEPS + 1)]  # each step once, all from the second attempt
    entries = DBTaskResult.objects.filter(args_kwargs__args=[job.pk]).order_by("enqueued_at")
    assert [(entry.status, entry.exception_class_path) for entry in entries] == [
        ("FAILED", "civic.core.jobs.WorkerStopped"),
        ("SUCCESSFUL", ""),
    ]
    assert [entry.worker_ids for entry in entries] == [["test-worker-0"], ["test-worker-0"]]


def test_a_job_out_of_attempts_is_failed_with_its_reason_and_can_be_retried(cast: Cast):
    job = queue_check(cast, max_attempts=1)
    kill_mid_write(job)
    client = signed_in(cast, "en")

    with running_workers(1):
        wait_for(lambda: fresh(job).state != JobState.RUNNING)
        status = client.get(reverse("job_status", args=[job.pk])).json()
        assert (status["state"], status["attempts"], status["max_attempts"]) == ("failed", 1, 1)
        assert status["error"] == "The worker running this job stopped before it finished."
        chinese = signed_in(cast).get(reverse("job_status", args=[job.pk])).json()
        assert chinese["error"] == "运行此任务的工作进程在任务完成前停止了。"
        page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
        assert "The job failed: The worker running this job stopped before it finished." in page
        assert QueueCheckStep.objects.filter(job=job).count() == 0

        response = client.post(reverse("job_retry", args=[job.pk]))
        assert response.status_code == 302
        wait_for(lambda: fresh(job).state in (JobState.SUCCEEDED, JobState.FAILED))
    job = fresh(job)
    assert (job.state, job.attempts, job.max_attempts) == (JobState.SUCCEEDED, 2, 4)  # 1 used + 3 more allowed
    assert QueueCheckStep.objects.filter(job=job, attempt=2).count() == STEPS


def test_the_status_endpoint_shows_a_running_jobs_progress(cast: Cast):
    job = queue_check(cast, steps=4, pause_seconds=1.0)
    client = signed_in(cast)  # in Chinese, the county's language
    seen: list[dict] = []

    def record() -> bool:
        status = client.get(reverse("job_status", args=[job.pk])).json()
        seen.append(status)
        return status["state"] in ("succeeded", "failed")

    with running_workers(1):
        wait_for(record)
    running = [status for status in seen if status["state"] == "running" and 0 < status["done"] < 4]
    assert running, f"no progress seen between start and end: {seen}"
    for status in running:
        assert status["fraction"] == pytest.approx(status["done"] / 4, abs=1e-4)
        assert status["message"] == f"正在准备第 {status['done'] + 1} 步（共 4 步）。"
    assert (seen[-1]["state"], seen[-1]["fraction"], seen[-1]["message"]) == ("succeeded", 1.0, "正在写入 4 步。")


def test_two_workers_never_run_the_same_job(cast: Cast):
    queued = [queue_check(cast, steps=2, pause_seconds=0.05) for _ in range(12)]
    with running_workers(2):
        wait_for(lambda: Job.objects.filter(state__in=(JobState.QUEUED, JobState.RUNNING)).count() == 0)
    assert set(Job.objects.values_list("state", "attempts")) == {(JobState.SUCCEEDED, 1)}
    assert QueueCheckStep.objects.count() == 2 * len(queued)
    entries = DBTaskResult.objects.all()
    assert entries.count() == len(queued)  # one queue entry per job: none was queued again
    assert {entry.status for entry in entries} == {"SUCCESSFUL"}
    assert all(len(entry.worker_ids) == 1 for entry in entries)  # each claimed by one worker, once


def test_a_worker_stops_when_asked_and_leaves_no_job_running(cast: Cast):
    job = queue_check(cast, steps=2, pause_seconds=0.0)
    worker = Worker("test-worker-stop")
    try:
        wait_for(lambda: fresh(job).state == JobState.SUCCEEDED)
    finally:
        worker.stop()
    assert worker.process.returncode == 0
    assert "Starting worker worker_id=test-worker-stop" in worker.text()

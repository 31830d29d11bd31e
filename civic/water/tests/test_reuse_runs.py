"""Solving a reuse study as a job on the job queue: progress scenario by scenario, one run at a time, failures said.

The tests here run each queued job at once, in the test's process, through
the queue's own claim and run (civic.core.jobs.run_now, as a worker would;
conftest.py), so a test sees the job's end without a worker process; the
study page following a real worker's run is tested at the end, with
`manage.py run_worker` as a process. Worker deaths and two workers are tested
in civic/core/tests/test_worker.py.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civic.core import jobs
from civic.core.models import Job, JobKind, JobState
from civic.core.tests.worker_processes import running_workers, wait_for
from civic.water import reuse_problems
from civic.water.jobs import solve_reuse_study
from civic.water.models import ReuseStudy

pytestmark = pytest.mark.django_db


def progress(client: Client, study_id: int) -> dict:
    response = client.get(reverse("water:reuse_study_progress", args=[study_id]))
    assert response.status_code == 200
    return response.json()


def test_the_solver_reports_each_scenario_as_it_is_done(study: ReuseStudy):
    reports: list[tuple[int, int]] = []
    reuse_problems.solve_study(study, lambda done, total: reports.append((done, total)))
    assert reports == [(1, 4), (2, 4), (3, 4), (4, 4)]  # no reuse, within plants, between plants, with reclaimed


def test_a_finished_run_says_so(study: ReuseStudy, engineer: Client):
    engineer.post(reverse("water:reuse_study_run", args=[study.pk]))
    run = progress(engineer, study.pk)
    job = run["job"]
    assert (job["state"], job["done"], job["total"], job["fraction"], job["error"]) == ("succeeded", 4, 4, 1.0, "")
    assert job["kind"] == "reuse_study" and job["attempts"] == 1 and job["started_by"] == "wangfang"
    assert run["solved_at"] is not None
    entry = Job.objects.get(pk=job["id"])
    assert entry.subject_id == study.pk and entry.result == {"scenarios": 4}


def test_a_second_run_is_refused_while_one_is_going(study: ReuseStudy, engineer: Client, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False  # queued, and no worker takes it
    engineer.post(reverse("water:reuse_study_run", args=[study.pk]))
    response = engineer.post(reverse("water:reuse_study_run", args=[study.pk]), follow=True)
    assert "being solved already" in response.content.decode()
    assert Job.objects.filter(kind=JobKind.REUSE_STUDY).count() == 1
    study.refresh_from_db()
    assert study.results == {}  # nothing ran
    page = engineer.get(reverse("water:reuse_study_detail", args=[study.pk])).content.decode()
    assert 'class="job-bar"' in page and "job_progress.js" in page
    assert progress(engineer, study.pk)["job"]["state"] == "queued"


def test_a_failed_run_is_recorded_with_its_reason_and_can_be_retried(study: ReuseStudy, engineer: Client, monkeypatch):
    def broken(study, progress=None):
        raise ValueError("HiGHS ran out of memory")

    monkeypatch.setattr(reuse_problems, "solve_study", broken)
    response = engineer.post(reverse("water:reuse_study_run", args=[study.pk]), follow=True)
    assert "HiGHS ran out of memory" in response.content.decode()
    job = progress(engineer, study.pk)["job"]
    assert (job["state"], job["error"]) == ("failed", "ValueError: HiGHS ran out of memory")
    study.refresh_from_db()
    assert study.results == {}  # nothing half-written
    page = engineer.get(reverse("water:reuse_study_detail", args=[study.pk])).content.decode()
    assert "job-retry" in page and reverse("job_retry", args=[job["id"]]) in page

    monkeypatch.undo()
    engineer.post(reverse("job_retry", args=[job["id"]]))
    again = progress(engineer, study.pk)["job"]
    assert (again["id"], again["state"], again["attempts"]) == (job["id"], "succeeded", 2)
    study.refresh_from_db()
    assert len(study.results["scenarios"]) == 4


@pytest.mark.django_db(transaction=True)
def test_the_study_page_follows_a_run_by_a_worker(study: ReuseStudy, engineer: Client, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    response = engineer.post(reverse("water:reuse_study_run", args=[study.pk]), follow=True)
    assert "the page follows the progress" in response.content.decode()
    with running_workers(1):
        wait_for(lambda: progress(engineer, study.pk)["job"]["state"] in ("succeeded", "failed"))
    run = progress(engineer, study.pk)
    assert (run["job"]["state"], run["job"]["done"], run["job"]["total"]) == ("succeeded", 4, 4)
    study.refresh_from_db()
    assert study.results["scenarios"][2]["tap_saved_m3_per_year"] == pytest.approx(400_000)  # as worked by hand


def test_a_job_body_names_the_study(study: ReuseStudy):
    job, started = jobs.enqueue(JobKind.REUSE_STUDY, solve_reuse_study, arguments={"study_id": study.pk})
    assert started and job.state == JobState.SUCCEEDED and job.body == "civic.water.jobs.solve_reuse_study"

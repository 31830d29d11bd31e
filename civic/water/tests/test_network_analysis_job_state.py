"""A network analysis's state, progress and failure are its job's alone: the page, the status and the migration.

A worker that dies on the job's last allowed attempt (CIVIC_JOB_MAX_ATTEMPTS)
leaves the job failed, as civic.core.jobs.recover marks it (the same set-up as
civic/core/tests/test_jobs.py); the analysis's page must then say failed, with
the job's reason, not "running". Migration 0016 carries the state each
analysis kept on its own record over to a job.
"""

from __future__ import annotations

import datetime
import subprocess
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from civic.core import jobs
from civic.core.jobs import job_progress
from civic.core.models import Job, JobState
from civic.testing import Cast
from civic.water import actions
from civic.water.actions.network import SWEPT
from civic.water.models import NetworkAnalysis, NetworkModel

MOMENT = datetime.datetime(2019, 1, 3, 1, tzinfo=datetime.UTC)
BEFORE = [("water", "0015_merge_reporter_links")]
AFTER = [("water", "0016_network_analysis_job_state")]
JOBS = [("core", "0007_merge_user_links_job_kinds")]  # the jobs as 0016 finds them


def client_of(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def unrun_analysis() -> NetworkAnalysis:
    """An analysis recorded but never run (no hydraulics: its job is the subject of these tests)."""
    model = NetworkModel.objects.create(
        version=1, name="Net3", file_name="Net3.inp", inp_text="", junctions=92, pipes=117, total_length_m=0.0
    )
    return NetworkAnalysis.objects.create(
        network_model=model, pressures_csv="", flows_csv="", levels_csv="", data_start=MOMENT, data_end=MOMENT
    )


def dead_process_id() -> int:
    """The id of a process of this host that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def page_of(client: Client, analysis: NetworkAnalysis) -> str:
    return client.get(reverse("water:network_overview"), {"analysis": analysis.pk}).content.decode()


def status_of(client: Client, analysis: NetworkAnalysis) -> dict[str, Any]:
    return client.get(reverse("water:network_analysis_status", args=[analysis.pk])).json()


@pytest.mark.django_db
def test_a_job_whose_worker_died_on_its_last_attempt_shows_the_analysis_failed_with_the_reason(cast: Cast, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    settings.CIVIC_JOB_MAX_ATTEMPTS = 2
    analysis = unrun_analysis()
    job = actions.start_network_analysis(analysis, cast.network_analyst)
    # the worker took the job for its second (last) attempt, and was killed
    DBTaskResult.objects.filter(id=job.task_result_id).update(status="RUNNING")
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=2, worker_host=jobs.HOST, worker_pid=dead_process_id()
    )
    job_progress(job, 420, 1000, SWEPT, {"done": 49, "total": 117})
    assert [recovered.pk for recovered in jobs.recover()] == [job.pk]

    analyst = client_of(cast.network_analyst)
    reason = "The worker running this job stopped before it finished."
    status = status_of(analyst, analysis)
    assert (status["state"], status["finished"], status["error"], status["attempts"]) == ("failed", True, reason, 2)
    page = page_of(analyst, analysis)
    assert '<dd id="analysis-state">Failed</dd>' in page
    assert f"The job failed: {reason}" in page
    assert f'<input type="hidden" name="next" value="/water/network/?analysis={analysis.pk}">' in page  # retry
    assert "job-bar" not in page  # no progress bar left running
    chinese = page_of(client_of(cast.network_analyst, "zh-hans"), analysis)
    assert '<dd id="analysis-state">失败</dd>' in chinese
    assert "任务失败：运行此任务的工作进程在任务完成前停止了。" in chinese


@pytest.mark.django_db
def test_the_page_and_the_status_show_the_jobs_own_progress(cast: Cast, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    analysis = unrun_analysis()
    job = actions.start_network_analysis(analysis, cast.network_analyst)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=1)
    # what the job body reports half-way through the first sweep of Net3's 117 pipes: 0.1 + 0.5 × 49/117 of the bar
    job_progress(job, 309, 1000, SWEPT, {"done": 49, "total": 117})
    job.refresh_from_db()
    assert job.fraction == 0.309

    analyst = client_of(cast.network_analyst)
    status = status_of(analyst, analysis)
    assert (status["state"], status["fraction"], status["message"]) == (
        "running",
        0.309,
        "Leak sweep: 49 of 117 pipes.",
    )
    assert (status["done"], status["total"], status["finished"]) == (309, 1000, False)
    page = page_of(analyst, analysis)
    assert '<progress class="job-bar" max="1" value="0.3090"' in page
    assert '<p class="job-message">Leak sweep: 49 of 117 pipes.</p>' in page
    assert '<dd id="analysis-state">Running</dd>' in page
    chinese = page_of(client_of(cast.network_analyst, "zh-hans"), analysis)
    assert '<p class="job-message">漏损扫描：已完成 49 / 117 根管道。</p>' in chinese


@pytest.mark.django_db
def test_the_job_runs_the_analysis_and_reports_on_itself_alone(cast: Cast):
    """The body's reports land on the job (the analysis has no copy); a run that fails leaves the job failed."""
    analysis = unrun_analysis()  # an empty model file: the run fails on reading it
    job = actions.start_network_analysis(analysis, cast.network_analyst)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.progress_done, job.progress_total) == (JobState.FAILED, 1, 20, 1000)
    assert job.message_text == "读取管网模型与传感器数据。"
    assert job.error == "pressures.csv: no such sensor file"  # the data's own error, as the upload's check words it
    analysis.refresh_from_db()
    assert (analysis.job_id, analysis.state, analysis.alarms.count()) == (job.pk, JobState.FAILED, 0)


@pytest.mark.django_db
def test_an_analysis_without_a_job_is_failed_and_its_retry_queues_a_job(cast: Cast, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    analysis = unrun_analysis()
    analyst = client_of(cast.network_analyst)
    reason = "This analysis has no job record: it never ran to its end. Run it again."
    assert (status_of(analyst, analysis)["state"], status_of(analyst, analysis)["error"]) == ("failed", reason)
    page = page_of(analyst, analysis)
    assert f"The job failed: {reason}" in page
    assert f'action="/water/network/analyses/{analysis.pk}/retry/"' in page
    assert analyst.post(reverse("water:network_analysis_retry", args=[analysis.pk])).status_code == 302
    analysis.refresh_from_db()
    assert analysis.job is not None
    assert (analysis.state, analysis.job.started_by, analysis.job.arguments) == (
        JobState.QUEUED,
        cast.network_analyst,
        {"analysis_id": analysis.pk},
    )


# --- migration 0016: the analyses' own state carried over to their jobs ----------------------------------------


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate the test database to `targets`; the apps (historical models) as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([*targets, *JOBS]).apps


@pytest.fixture
def before_the_migration(transactional_db: None) -> Any:
    """The database as it was before 0016, with the latest migrations put back after the test."""
    apps = migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_analysis(apps: Any, model: Any, **fields: Any) -> Any:
    """An analysis as it was kept before 0016, uploaded at MOMENT, with its own state fields."""
    analyses = apps.get_model("water", "NetworkAnalysis").objects
    analysis = analyses.create(
        network_model=model, pressures_csv="", flows_csv="", levels_csv="", data_start=MOMENT, data_end=MOMENT, **fields
    )
    analyses.filter(pk=analysis.pk).update(created_at=MOMENT)
    return analysis


def test_the_migration_carries_each_analysis_state_over_to_a_job(before_the_migration: Any, settings):
    apps = before_the_migration
    settings.CIVIC_JOB_MAX_ATTEMPTS = 3
    model = apps.get_model("water", "NetworkModel").objects.create(
        version=1, name="Net3", file_name="Net3.inp", inp_text="", junctions=92, pipes=117, total_length_m=0.0
    )
    old_job = apps.get_model("core", "Job")
    finished = MOMENT + datetime.timedelta(minutes=3)
    # the demo's run, outside the queue: done, with one alarm, no job
    demo = old_analysis(apps, model, state="done", progress_fraction=1.0, started_at=MOMENT, finished_at=finished)
    apps.get_model("water", "NetworkLeakAlarm").objects.create(
        analysis=demo, pipe_id="171", start_time=MOMENT, size_m3_per_h=95.7
    )
    # a run that failed on its data, before jobs were recorded
    bad_data = old_analysis(apps, model, state="failed", error="pressures.csv:3: timestamp …", finished_at=finished)
    # left running when its worker died, with no job that would ever run it again; and one whose job was deleted
    orphan = old_analysis(apps, model, state="running", progress_fraction=0.42, started_at=MOMENT)
    lost = old_analysis(apps, model, state="queued", task_id="999999")
    # the defect: the job ran out of attempts and failed, the analysis still said running
    failed_job = old_job.objects.create(
        kind="network_analysis", body="civic.water.jobs.network_analysis", state="failed", error="stopped", attempts=3
    )
    diverged = old_analysis(apps, model, state="running", progress_fraction=0.6, task_id=str(failed_job.pk))

    apps = migrate(AFTER)
    analyses = apps.get_model("water", "NetworkAnalysis").objects.select_related("job")
    carried = {analysis.pk: analysis.job for analysis in analyses}
    left_unfinished = "The analysis was left unfinished, with no job to run it. Run it again."
    assert [
        (job.state, job.error, job.progress_done, job.attempts, job.max_attempts)
        for job in (carried[demo.pk], carried[bad_data.pk], carried[orphan.pk], carried[lost.pk])
    ] == [
        ("succeeded", "", 1000, 1, 3),
        ("failed", "pressures.csv:3: timestamp …", 0, 1, 3),
        ("failed", left_unfinished, 420, 1, 3),
        ("failed", left_unfinished, 0, 0, 3),
    ]
    assert (carried[diverged.pk].pk, carried[diverged.pk].state) == (failed_job.pk, "failed")  # the job's word wins
    demo_job = carried[demo.pk]
    assert (demo_job.created_at, demo_job.started_at, demo_job.finished_at) == (MOMENT, MOMENT, finished)
    assert (demo_job.result, demo_job.arguments, demo_job.subject_id) == (
        {"alarms": 1},
        {"analysis_id": demo.pk},
        demo.pk,
    )
    assert carried[orphan.pk].finished_at == MOMENT  # ended, as far as anyone knows, when it started

    # and back: the analyses' own fields say again what their jobs say
    apps = migrate(BEFORE)
    back = {row.pk: row for row in apps.get_model("water", "NetworkAnalysis").objects.all()}
    assert [(back[pk].state, back[pk].progress_fraction, back[pk].error) for pk in (demo.pk, orphan.pk)] == [
        ("done", 1.0, ""),
        ("failed", 0.42, left_unfinished),
    ]
    assert (back[diverged.pk].state, back[diverged.pk].task_id) == ("failed", str(failed_job.pk))

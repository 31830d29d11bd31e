"""Jobs on the queue, run at once in the test's process (civic.core.jobs.run_now, as a worker runs them).

What the worker processes do (kills, two workers, progress while running) is
in test_worker.py; here: recovery of a job whose process is gone, the
schedule, the jobs list, and the jobs moved onto the queue (a large readings
import, a year's plan notices, renewal reminders, the monthly surcharge run).
"""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import zipfile

import pytest
from django.core.management import call_command
from django.http import FileResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civic.core import jobs, scheduling
from civic.core.models import Job, JobKind, JobState, QueueCheckStep, ScheduledRun
from civic.dogs.testing import make_dogs_cast
from civic.schedule import SCHEDULE
from civic.testing import Cast
from civic.water.models import MeteringRun, MeterReading, ReadingImportBatch, SurchargeBill
from civic.water.plan_notices import plan_notice_number
from civic.water.testing import issue_plan, make_run, read

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))  # the county's time zone (TIME_ZONE, no summer time)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def dead_process_id() -> int:
    """The id of a process of this host that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def running_on_a_dead_worker(max_attempts: int) -> Job:
    job, _ = jobs.enqueue(JobKind.QUEUE_CHECK, jobs.check_queue, arguments={"steps": 2}, max_attempts=max_attempts)
    DBTaskResult.objects.filter(id=job.task_result_id).update(status="RUNNING")
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=1, worker_host=jobs.HOST, worker_pid=dead_process_id()
    )
    return Job.objects.get(pk=job.pk)


def test_a_running_job_whose_process_is_gone_is_queued_again(settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    job = running_on_a_dead_worker(max_attempts=3)
    first_entry = job.task_result_id
    assert [recovered.pk for recovered in jobs.recover()] == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.attempts, job.message_text) == (
        JobState.QUEUED,
        1,
        "工作进程已停止，正在重试（第 2 次，共 3 次）。",
    )
    assert DBTaskResult.objects.get(id=first_entry).status == "FAILED"
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "READY"  # a new entry, for the next worker
    assert jobs.recover() == []  # recovered once


def test_a_job_out_of_attempts_is_failed_and_retried_on_request(cast: Cast, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    job = running_on_a_dead_worker(max_attempts=1)
    jobs.recover()
    job.refresh_from_db()
    assert (job.state, job.error_text) == (JobState.FAILED, "运行此任务的工作进程在任务完成前停止了。")
    settings.CIVIC_JOBS_RUN_AT_ONCE = True
    assert jobs.retry(job)
    assert (job.state, job.attempts, job.max_attempts) == (JobState.SUCCEEDED, 2, 4)
    assert QueueCheckStep.objects.filter(job=job).count() == 2
    assert not jobs.retry(job)  # only a failed job is retried


def test_a_running_job_of_a_live_process_is_left_alone(settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    job, _ = jobs.enqueue(JobKind.QUEUE_CHECK, jobs.check_queue)
    with subprocess.Popen(["sleep", "30"]) as alive:
        Job.objects.filter(pk=job.pk).update(
            state=JobState.RUNNING, attempts=1, worker_host=jobs.HOST, worker_pid=alive.pid
        )
        assert jobs.recover() == []
        alive.kill()
    # A worker on another host is judged by its heartbeat: silent past CIVIC_JOB_STALE_SECONDS, it is taken for dead.
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.CIVIC_JOB_STALE_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(worker_host="elsewhere", heartbeat_at=timezone.now())
    assert jobs.recover() == []
    Job.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
    assert [recovered.pk for recovered in jobs.recover()] == [job.pk]


# --- The schedule ---------------------------------------------------------------------------------------------------

CHECK_DAILY = scheduling.Entry(
    name="check-daily",
    kind=JobKind.QUEUE_CHECK,
    body="civic.core.jobs.check_queue",
    timing=scheduling.Daily(at=datetime.time(8, 0)),
    catch_up=datetime.timedelta(hours=12),
)
CHECK_MONTHLY = scheduling.Entry(
    name="check-monthly",
    kind=JobKind.QUEUE_CHECK,
    body="civic.core.jobs.check_queue",
    timing=scheduling.Monthly(day=1, at=datetime.time(2, 0)),
    catch_up=datetime.timedelta(days=7),
)


def test_a_due_occurrence_is_queued_once():
    now = datetime.datetime(2024, 3, 22, 9, 0, tzinfo=SHANGHAI)
    queued = scheduling.enqueue_due([CHECK_DAILY, CHECK_MONTHLY], now)
    assert [job.state for job in queued] == [JobState.SUCCEEDED]
    runs = {run.entry: run.due_at for run in ScheduledRun.objects.all()}
    # Today at 08:00 (an hour ago); 1 March at 02:00 is 21 days ago, past the monthly entry's 7 days' catch-up.
    assert runs == {"check-daily": datetime.datetime(2024, 3, 22, 8, 0, tzinfo=SHANGHAI)}
    assert ScheduledRun.objects.get().job == queued[0]
    assert scheduling.enqueue_due([CHECK_DAILY], now + datetime.timedelta(minutes=5)) == []  # not twice


def test_an_occurrence_missed_for_longer_than_its_catch_up_is_skipped():
    # At 07:00 the latest occurrence is yesterday's 08:00: 23 hours ago, past the 12 hours' catch-up.
    assert scheduling.enqueue_due([CHECK_DAILY], datetime.datetime(2024, 3, 22, 7, 0, tzinfo=SHANGHAI)) == []
    # On 5 March the month's occurrence (1 March 02:00) is within its 7 days: queued.
    queued = scheduling.enqueue_due([CHECK_MONTHLY], datetime.datetime(2024, 3, 5, 12, 0, tzinfo=SHANGHAI))
    assert len(queued) == 1 and queued[0].arguments["due_at"] == "2024-03-01T02:00:00+08:00"


def test_a_repeated_entry_falls_on_the_multiples_of_its_minutes():
    every_five = scheduling.Every(minutes=5)
    # 09:07:30 in Shanghai is 01:07:30 UTC: the latest multiple of 5 minutes from midnight UTC is 01:05 UTC.
    latest = every_five.latest(datetime.datetime(2024, 3, 22, 9, 7, 30, tzinfo=SHANGHAI))
    assert latest == datetime.datetime(2024, 3, 22, 1, 5, tzinfo=datetime.UTC)
    assert every_five.latest(latest) == latest  # an occurrence is its own latest
    with pytest.raises(ValueError, match="not 0"):
        scheduling.Every(minutes=0)


def test_the_schedule_names_jobs_that_exist():
    assert {entry.name for entry in SCHEDULE} == {
        "monthly-surcharge-run",
        "renewal-reminders",
        "nightly-readings-analysis",
        "send-notices",
    }
    for entry in SCHEDULE:
        assert entry.kind in JobKind.values
        assert callable(scheduling.import_string(entry.body))


def test_the_monthly_surcharge_run_bills_the_month_just_ended(cast: Cast):
    issue_plan(cast.runhua, 1000)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 1300)
    entry = next(entry for entry in SCHEDULE if entry.name == "monthly-surcharge-run")
    (job,) = scheduling.enqueue_due([entry], datetime.datetime(2024, 4, 1, 3, 0, tzinfo=SHANGHAI))
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.result["period"] == "2024-03" and job.result["billed"] == 1
    bill = SurchargeBill.objects.get(water_user=cast.runhua)
    assert (bill.period_start, bill.period_end) == (datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))


def test_the_nightly_analysis_does_nothing_without_zones(cast: Cast):
    entry = next(entry for entry in SCHEDULE if entry.name == "nightly-readings-analysis")
    (job,) = scheduling.enqueue_due([entry], datetime.datetime(2024, 3, 22, 2, 0, tzinfo=SHANGHAI))
    assert (job.state, job.result) == (JobState.SUCCEEDED, {"skipped": "no zones"})
    page = client_of(cast.network_analyst).get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "the schedule" in page and "No earlier analysis gives the zones: nothing analysed." in page


# --- Jobs moved onto the queue ----------------------------------------------------------------------------------------


def test_a_readings_file_above_the_size_set_is_imported_by_a_job(cast: Cast, settings, tmp_path):
    settings.CIVIC_READINGS_QUEUE_BYTES = 10
    settings.MEDIA_ROOT = tmp_path
    content = "表号,抄表日期,表底数,用水量,备注\r\nM-RH-01,2024-03-31,,120,\r\n".encode()
    upload = io.BytesIO(content)
    upload.name = "2024-03.csv"
    client = client_of(cast.bureau_staff)
    response = client.post(reverse("water:import_readings"), {"file": upload})
    job = Job.objects.get(kind=JobKind.READINGS_IMPORT)
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.state, job.started_by, job.result["rows"]) == (JobState.SUCCEEDED, cast.bureau_staff, 1)
    batch = ReadingImportBatch.objects.get()
    assert job.result["url"] == reverse("water:import_batch_detail", args=[batch.pk])
    assert MeterReading.objects.get(batch=batch).volume_m3 == 120
    assert list((tmp_path / "readings-uploads").iterdir()) == []  # the kept upload is gone once imported
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert 'class="job-result"' in page


def test_a_years_plan_notices_are_made_into_one_zip_by_a_job(cast: Cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    plans = [issue_plan(cast.runhua, 1000), issue_plan(cast.xinglong, 2000)]
    issue_plan(cast.runhua, 1100, year=2025)  # another year's: not in the file
    client = client_of(cast.bureau_staff)
    response = client.post(reverse("water:plan_notices_export"), {"year": "2024"})
    job = Job.objects.get(kind=JobKind.PLAN_NOTICES)
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.state, job.result["notices"]) == (JobState.SUCCEEDED, 2)
    download = client.get(reverse("job_file", args=[job.pk]))
    assert isinstance(download, FileResponse)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(archive.namelist()) == sorted(f"{plan_notice_number(plan)}.pdf" for plan in plans)
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())
    assert client_of(cast.dog_office_staff).get(reverse("job_file", args=[job.pk])).status_code == 404


def test_renewal_reminders_can_be_queued_from_the_command(cast: Cast, capsys):
    make_dogs_cast(cast)
    by = cast.dog_office_staff.username
    call_command("queue_renewal_reminders", "--date", "2025-03-01", "--by", by, "--queue")
    job = Job.objects.get(kind=JobKind.RENEWAL_REMINDERS)
    assert f"Queued as job {job.pk}" in capsys.readouterr().out
    assert (job.state, job.started_by, job.result["date"]) == (JobState.SUCCEEDED, cast.dog_office_staff, "2025-03-01")
    call_command("queue_renewal_reminders", "--date", "2025-03-01", "--by", by, "--json")
    again = json.loads(capsys.readouterr().out)
    assert (again["due_licences"], again["overdue_licences"]) == (
        job.result["due_licences"],
        job.result["overdue_licences"],
    )
    assert (again["due_queued"], again["overdue_queued"]) == (0, 0)  # the job queued them all


def test_the_jobs_list_shows_each_person_their_offices_jobs(cast: Cast):
    water, _ = jobs.enqueue(JobKind.SURCHARGE_RUN, jobs.check_queue, started_by=cast.bureau_staff)
    dogs, _ = jobs.enqueue(JobKind.RENEWAL_REMINDERS, jobs.check_queue, started_by=cast.dog_office_staff)
    listed = client_of(cast.bureau_staff).get(reverse("job_list")).content.decode()
    assert reverse("job_detail", args=[water.pk]) in listed and reverse("job_detail", args=[dogs.pk]) not in listed
    searched = client_of(cast.bureau_admin).get(reverse("job_list"), {"q": "renewal"}).content.decode()
    assert reverse("job_detail", args=[dogs.pk]) in searched and reverse("job_detail", args=[water.pk]) not in searched


def test_an_analysis_queued_from_the_command_keeps_the_hand_worked_balance(cast: Cast, tmp_path, capsys):
    first = make_run(cast, tmp_path)
    call_command(
        "analyse_readings",
        "--store",
        str(tmp_path / "store"),
        "--zones",
        str(tmp_path / "zones.csv"),
        "--period",
        "2024-03-01..2024-03-02",
        "--by",
        cast.network_analyst.username,
        "--queue",
        verbosity=0,
    )
    job = Job.objects.get(kind=JobKind.READINGS_ANALYSIS)
    assert f"Queued as job {job.pk}" in capsys.readouterr().out
    assert (job.state, job.started_by) == (JobState.SUCCEEDED, cast.network_analyst), job.error
    run = MeteringRun.objects.get(pk=job.result["run"])
    assert run.pk != first.pk and run.created_by == cast.network_analyst
    # Worked in hydro/tests/test_readings_analysis.py: Hongxing's 46.2 m³ in, 9.6 out, 8.42 used: 28.18 m³ lost.
    assert run.balances.get(dma_code="HX").nrw_m3 == pytest.approx(28.18)


def test_the_nightly_analysis_uses_the_last_runs_zones_up_to_yesterday(cast: Cast, tmp_path, settings):
    make_run(cast, tmp_path)
    # The county's store exists but holds nothing yet (an upload was refused): the last run's store is used.
    settings.CIVIC_READINGS_STORE = tmp_path / "county-store"
    settings.CIVIC_READINGS_STORE.mkdir()
    entry = next(entry for entry in SCHEDULE if entry.name == "nightly-readings-analysis")
    (job,) = scheduling.enqueue_due([entry], datetime.datetime(2024, 3, 3, 2, 0, tzinfo=SHANGHAI))
    assert job.state == JobState.SUCCEEDED, job.error
    run = MeteringRun.objects.get(pk=job.result["run"])
    assert (run.period_start, run.period_end) == (datetime.date(2024, 3, 1), datetime.date(2024, 3, 2))
    assert run.balances.get(dma_code="HX").nrw_m3 == pytest.approx(28.18)

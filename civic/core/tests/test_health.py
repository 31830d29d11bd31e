"""The health endpoint: public, JSON, no secrets; 503 when the database, the readings store or the queue fails."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from civic.core import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(settings, tmp_path):
    settings.CIVIC_READINGS_STORE = tmp_path / "readings"
    settings.CIVIC_HEALTH_QUEUE_WAIT_MINUTES = 15
    return settings.CIVIC_READINGS_STORE


def waiting_job(enqueued_at: datetime.datetime, run_after: datetime.datetime | None = None) -> DBTaskResult:
    """A job queued at `enqueued_at` that no worker has taken."""
    job = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="civic.core.tests.test_health.no_such_task",
        backend_name="default",
        run_after=run_after or get_date_max(),
    )
    DBTaskResult.objects.filter(pk=job.pk).update(enqueued_at=enqueued_at)
    return job


def test_it_answers_ok_to_anyone_without_a_session(store):
    store.mkdir()
    response = Client().get(reverse("health"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    answer = response.json()
    assert answer["status"] == "ok"
    assert set(answer["checks"]) == {"database", "readings_store", "queue"}
    assert all(check["ok"] for check in answer["checks"].values())
    assert answer["checks"]["queue"] == {
        "ok": True,
        "waiting_jobs": 0,
        "running_jobs": 0,
        "oldest_waiting_s": None,
        "limit_s": 900,
    }


def test_it_names_no_path_host_or_key(settings, store):
    store.mkdir()
    text = Client().get(reverse("health")).content.decode()

    assert str(store) not in text
    assert str(settings.DATABASES["default"]["NAME"]) not in text
    assert settings.SECRET_KEY not in text


def test_a_store_not_created_yet_is_healthy_when_it_can_be_made(store):
    answer = Client().get(reverse("health")).json()

    assert answer["checks"]["readings_store"] == {"ok": True, "state": "not created yet; the first import creates it"}
    assert not store.exists()  # the check creates nothing


def test_a_file_where_the_store_should_be_fails_with_503(store):
    store.write_text("not a directory")

    response = Client().get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert response.json()["checks"]["readings_store"] == {
        "ok": False,
        "reason": "the readings store is not a directory.",
    }


def test_a_store_whose_parent_is_missing_fails(settings, tmp_path):
    settings.CIVIC_READINGS_STORE = tmp_path / "no-such-disk" / "readings"

    check = health.check_readings_store()

    assert not check.ok
    assert check.details["reason"] == "the readings store does not exist and cannot be created."


def test_the_probe_file_is_removed_after_the_write_check(store):
    store.mkdir()
    (store / "_batches").mkdir()

    assert health.check_readings_store().ok
    assert sorted(path.name for path in store.iterdir()) == ["_batches"]


def test_the_oldest_waiting_job_is_measured_from_when_it_was_queued(store):
    queued = timezone.now() - datetime.timedelta(minutes=20)
    waiting_job(queued)
    waiting_job(queued + datetime.timedelta(minutes=5))

    # 10 minutes after the first job was queued: 600 s waited, within the 15-minute limit.
    check = health.check_queue(now=queued + datetime.timedelta(minutes=10))

    assert check.ok
    assert check.details == {"waiting_jobs": 2, "running_jobs": 0, "oldest_waiting_s": 600.0, "limit_s": 900}


def test_a_scheduled_job_waits_from_its_run_after_time(store):
    queued = timezone.now() - datetime.timedelta(hours=5)
    waiting_job(queued, run_after=timezone.now() - datetime.timedelta(minutes=2))

    check = health.check_queue(now=queued + datetime.timedelta(hours=5))

    # Queued 5 h before, but due only 2 min before: it has waited about 120 s for a worker, not 5 h.
    assert check.ok
    assert 115 <= check.details["oldest_waiting_s"] <= 125


def test_a_job_waiting_beyond_the_limit_fails_with_503(store):
    store.mkdir()
    waiting_job(timezone.now() - datetime.timedelta(minutes=16))

    response = Client().get(reverse("health"))

    assert response.status_code == 503
    queue = response.json()["checks"]["queue"]
    assert queue["ok"] is False
    assert queue["oldest_waiting_s"] >= 16 * 60
    assert "run_worker" in queue["reason"]
    assert response.json()["checks"]["database"]["ok"] is True


def test_jobs_done_or_running_are_not_waiting(store):
    long_ago = timezone.now() - datetime.timedelta(days=1)
    done = waiting_job(long_ago)
    running = waiting_job(long_ago)
    DBTaskResult.objects.filter(pk=done.pk).update(status="SUCCESSFUL")
    DBTaskResult.objects.filter(pk=running.pk).update(status="RUNNING")

    check = health.check_queue()

    assert check.ok
    assert (check.details["waiting_jobs"], check.details["running_jobs"]) == (0, 1)
    assert check.details["oldest_waiting_s"] is None


def test_only_get_is_answered(store):
    assert Client().post(reverse("health")).status_code == 405

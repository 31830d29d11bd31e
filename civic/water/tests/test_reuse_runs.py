"""Solving a reuse study as a long job: progress scenario by scenario, one run at a time, failures said."""

from __future__ import annotations

import datetime
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civic.water import reuse_problems
from civic.water.models import ReuseRunState, ReuseStudy

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
    assert (run["state"], run["done"], run["total"], run["error"]) == ("idle", 4, 4, "")
    assert run["solved_at"] is not None


def test_a_second_run_is_refused_while_one_is_going(study: ReuseStudy, engineer: Client):
    ReuseStudy.objects.filter(pk=study.pk).update(
        run_state=ReuseRunState.RUNNING, run_done=1, run_total=4, run_reported_at=timezone.now()
    )
    response = engineer.post(reverse("water:reuse_study_run", args=[study.pk]), follow=True)
    assert "being solved already" in response.content.decode()
    study.refresh_from_db()
    assert study.results == {} and study.run_done == 1  # nothing ran
    page = engineer.get(reverse("water:reuse_study_detail", args=[study.pk])).content.decode()
    assert 'id="reuse-run-progress"' in page and 'max="4" value="1"' in page
    assert "reuse_run.js" in page


def test_a_run_left_by_a_stopped_server_can_be_started_again(study: ReuseStudy, engineer: Client):
    long_ago = timezone.now() - datetime.timedelta(minutes=20)  # past the 15 minutes after which a run is stale
    ReuseStudy.objects.filter(pk=study.pk).update(run_state=ReuseRunState.RUNNING, run_reported_at=long_ago)
    assert progress(engineer, study.pk)["state"] == "stalled"
    page = engineer.get(reverse("water:reuse_study_detail", args=[study.pk])).content.decode()
    assert 'id="reuse-run-stalled"' in page
    engineer.post(reverse("water:reuse_study_run", args=[study.pk]))
    study.refresh_from_db()
    assert study.run_state == ReuseRunState.IDLE and len(study.results["scenarios"]) == 4


def test_a_failed_run_is_recorded_with_its_reason(study: ReuseStudy, engineer: Client, monkeypatch):
    def broken(study, progress=None):
        raise ValueError("HiGHS ran out of memory")

    monkeypatch.setattr(reuse_problems, "solve_study", broken)
    response = engineer.post(reverse("water:reuse_study_run", args=[study.pk]), follow=True)
    assert "Solving failed: HiGHS ran out of memory" in response.content.decode()
    study.refresh_from_db()
    assert study.run_state == ReuseRunState.FAILED
    assert study.run_error == "ValueError: HiGHS ran out of memory"
    assert study.results == {}  # nothing half-written
    assert (
        'id="reuse-run-failed"' in engineer.get(reverse("water:reuse_study_detail", args=[study.pk])).content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_the_run_goes_on_in_the_background_while_the_page_follows(study: ReuseStudy, engineer: Client, settings):
    settings.CIVIC_BACKGROUND_RUNS = True
    response = engineer.post(reverse("water:reuse_study_run", args=[study.pk]), follow=True)
    assert "the page follows the progress" in response.content.decode()
    deadline = time.monotonic() + 60
    while progress(engineer, study.pk)["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    run = progress(engineer, study.pk)
    assert (run["state"], run["done"], run["total"]) == ("idle", 4, 4)
    study.refresh_from_db()
    assert study.results["scenarios"][2]["tap_saved_m3_per_year"] == pytest.approx(400_000)  # as worked by hand

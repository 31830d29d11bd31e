"""Wang Fang, bureau staff, enters a stream on Runhua's reuse page, solves the demo study and reads its Sankey.

The study is the demo's five firms (civic/demo/water_reuse.py); figures are checked in test_reuse_pages.py.
"""

import pytest
from django.urls import reverse

from civic.browser_testing import save_screenshot, sign_in
from civic.core.models import Job, JobKind, JobState
from civic.core.tests.worker_processes import running_workers
from civic.demo.water_reuse import load_reuse_demo
from civic.testing import PASSWORD
from civic.water.models import ReuseStudy

pytestmark = pytest.mark.browser


def test_wang_fang_compares_reuse_scenarios_and_sees_the_network(cast, live_server, page):
    study = load_reuse_demo(cast.bureau_staff)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)

    page.goto(live_server.url + reverse("water:reuse_firm_streams", args=[cast.runhua.code]))
    page.fill("#id_name", "软化水站排水")
    page.select_option("#id_kind", "source")
    page.fill("#id_flow_m3_per_h", "6")
    page.fill("#id_cod_mg_per_l", "12")
    with page.expect_navigation():
        page.click("#reuse-stream-form button[type=submit]")
    assert "软化水站排水" in page.inner_text("#reuse-stream-table")

    page.goto(live_server.url + reverse("water:reuse_study_detail", args=[study.pk]))
    with page.expect_navigation():
        page.click("#reuse-run-form button[type=submit]")
    assert page.locator("#reuse-scenario-table thead th").count() == 5
    page.wait_for_selector("#reuse-sankey canvas")
    save_screenshot(page, "reuse-study")
    assert errors == []


def test_the_study_page_follows_the_run_a_worker_makes(cast, live_server, page, settings):
    """Queued, the page shows the job waiting; a worker (`manage.py run_worker`) solves it; the page shows the results."""
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    study = load_reuse_demo(cast.bureau_staff)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, cast.bureau_staff.username, PASSWORD)
    page.goto(live_server.url + reverse("water:reuse_study_detail", args=[study.pk]))
    with page.expect_navigation():
        page.click("#reuse-run-form button[type=submit]")
    assert page.inner_text("#reuse-run .job-message") == "等待工作进程处理。"
    assert page.locator("#reuse-run-form button[type=submit]").is_disabled()
    solved_before = ReuseStudy.objects.get(pk=study.pk).solved_at
    with running_workers(1):
        # The page polls the job and reloads when it ends: the progress section goes, the new results show.
        page.wait_for_selector("#reuse-run", state="detached", timeout=180_000)
    assert Job.objects.get(kind=JobKind.REUSE_STUDY).state == JobState.SUCCEEDED
    solved_after = ReuseStudy.objects.get(pk=study.pk).solved_at
    assert solved_before is not None and solved_after is not None and solved_after > solved_before
    assert page.locator("#reuse-scenario-table thead th").count() == 5
    assert errors == []

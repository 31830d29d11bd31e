"""The network analysis in Chromium: Chen Jie, the network analyst, uploads Net3, its sensors and 17 days of
data, follows the queued job, sees the leak located at pipe 171 on the map, and records the repair.

The job is queued on the job queue (civic/core/jobs.py, on django-tasks' database backend) and run by a
worker (`manage.py run_worker --batch`) from the test, while the page polls its status.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from civic.browser_testing import save_screenshot, sign_in
from civic.testing import PASSWORD
from civic.water.models import NetworkAnalysis
from civic.water.tests import network_cases

pytestmark = pytest.mark.browser


def write_files(folder: Path) -> dict[str, Path]:
    paths = {"inp": folder / "Net3.inp", "sensors": folder / "sensors.yaml"}
    paths["inp"].write_bytes(network_cases.net3_inp())
    paths["sensors"].write_bytes(network_cases.sensors_yaml())
    for kind, content in network_cases.data_files().items():
        paths[kind] = folder / f"{kind}.csv"
        paths[kind].write_bytes(content)
    return paths


@pytest.mark.django_db(transaction=True)
def test_chen_jie_walks_an_analysis_from_upload_to_the_located_leak(cast, live_server, page, tmp_path, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False  # the job waits on the queue until the worker below runs it
    files = write_files(tmp_path)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, cast.network_analyst.username, PASSWORD)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/water/network/")
    assert page.locator("#no-analysis").is_visible()

    page.click("#upload-model")
    page.set_input_files("input[name=inp_file]", str(files["inp"]))
    with page.expect_navigation():
        page.click("#model-submit")
    # the model kept, the analysis form opens on it
    page.set_input_files("input[name=sensors_file]", str(files["sensors"]))
    for kind in ("pressures", "flows", "levels"):
        page.set_input_files(f"input[name={kind}_file]", str(files[kind]))
    page.fill("input[name=training_days]", str(network_cases.TRAINING_DAYS))
    with page.expect_navigation():
        page.click("#analysis-submit")
    page.wait_for_selector("#analysis-run .job-bar")  # the job's own progress bar, as the jobs' pages show it
    assert NetworkAnalysis.objects.get().state == "queued"
    assert page.locator("#analysis-state").inner_text() == "排队中"

    call_command("run_worker", batch=True, no_startup_delay=True, schedule=False, verbosity=0)
    analysis = NetworkAnalysis.objects.select_related("job").get()
    assert analysis.job is not None
    assert (analysis.state, analysis.job.error, analysis.job.progress_done) == ("succeeded", "", 1000)
    # the page polls the job's status and shows the result when it is done
    page.wait_for_selector("#network-map path.located-leak", state="attached", timeout=30_000)
    assert page.locator("#network-map path.candidate-area").count() == 1  # pipe 171 alone within 300 m
    assert page.locator("#alarm-table tbody tr td strong").first.inner_text() == "171"
    page.wait_for_selector("#night-chart canvas")
    save_screenshot(page, "water-network")

    with page.expect_navigation():
        page.click("#alarm-table tbody tr td a")
    assert "171" in page.locator("#candidate-area").inner_text()
    page.select_option("#close-form select[name=outcome]", "leak_repaired")
    page.fill("#close-form input[name=volume_recovered_m3]", "2300")
    with page.expect_navigation():
        page.click("#close-form button[type=submit]")
    assert page.locator("#alarm-outcome").inner_text().startswith("发现漏点并已修复")
    assert errors == []

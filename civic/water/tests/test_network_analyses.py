"""Network analyses: the model kept as versions, uploads checked whole, the job's progress, results in the database.

The located pipe is known: the data are simulated on Net3 with the 40 mm hole
of the demo on pipe 171 opening at noon on 2 January 2019
(`hydro.network.demo.DEMO_LEAK`, `network_cases`). Jobs run on the job queue
(civic/core/jobs.py), at once in the suite (CIVIC_JOBS_RUN_AT_ONCE) unless a test keeps it queued.
"""

from __future__ import annotations

import datetime
import io
import zoneinfo
from typing import Any

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from civic.core.models import JobState
from civic.demo.network import load_network_demo
from civic.testing import Cast
from civic.water import actions, network_files
from civic.water.actions.network import READING, STORING, SWEPT
from civic.water.models import (
    AlarmStatus,
    NetworkAnalysis,
    NetworkLeakAlarm,
    NetworkLeakOutcome,
    NetworkModel,
)
from civic.water.tests import network_cases
from hydro.network.sensors import GridNote

COUNTY = zoneinfo.ZoneInfo("Asia/Shanghai")


def county_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=COUNTY)


@pytest.fixture
def analyst(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.network_analyst)
    client.cookies["django_language"] = "en"
    return client


def upload_model(client: Client, content: bytes | None = None, name: str = "Net3.inp") -> Any:
    upload = SimpleUploadedFile(name, content if content is not None else network_cases.net3_inp())
    return client.post(reverse("water:network_model_upload"), {"name": "县城管网", "inp_file": upload})


def analysis_form(files: dict[str, bytes], training_days: int = network_cases.TRAINING_DAYS) -> dict[str, object]:
    return {
        "network_model": NetworkModel.objects.get().pk,
        "training_days": training_days,
        "sensors_file": SimpleUploadedFile("sensors.yaml", network_cases.sensors_yaml()),
        **{f"{kind}_file": SimpleUploadedFile(f"{kind}.csv", content) for kind, content in files.items()},
    }


@pytest.mark.django_db
def test_an_upload_runs_as_a_job_and_locates_the_leak_at_pipe_171(analyst, settings):
    assert upload_model(analyst).status_code == 302
    model = NetworkModel.objects.get()
    # Net3 (EPANET example 3): 92 junctions and 117 pipes
    assert (model.version, model.junctions, model.pipes) == (1, 92, 117)
    response = analyst.post(reverse("water:network_analysis_new"), analysis_form(network_cases.data_files()))
    assert response.status_code == 302, response.content.decode()[:2000]
    analysis = NetworkAnalysis.objects.select_related("job").get()
    assert analysis.job is not None
    assert (analysis.state, analysis.job.started_by) == (JobState.SUCCEEDED, analysis.created_by), analysis.job.error
    assert (analysis.job.fraction, analysis.job.progress_done, analysis.job.progress_total) == (1.0, 1000, 1000)
    alarm = analysis.alarms.get()
    assert alarm.pipe_id == "171"
    # Noise-free data: the change point is the hole's opening; the alarm is raised at the end of the night
    # window after it (Net3's nights are watched: its pumps and tanks answer a leak), 09:00 the next morning.
    assert alarm.estimated_start == county_time("2019-01-02 12:00")
    assert alarm.start_time == county_time("2019-01-03 09:00")
    # Net3's pipes are long: the nearest other pipe, 163, lies 1054.6/2 + 356.6/2 = 705.6 m away (they share
    # node 151), beyond the 300 m of the candidate area, which is pipe 171 alone.
    assert alarm.candidate_area == [["171", 0.0]]
    assert alarm.candidates[0][0] == "171"
    page = analyst.get(response["Location"])
    assert page.status_code == 200
    assert page.context["summary"]["leaks"][0]["area"] == ["171"]
    assert 'id="network-map"' in page.content.decode()


@pytest.mark.django_db
def test_a_logger_s_missing_row_is_read_as_a_drop_out_and_said(analyst):
    # Line 12 of pressures.csv (00:50 on the first day) is missing from the upload, as a logger's export leaves
    # it out: the analysis runs on the 5-minute grid with that row empty, finds the same leak, and says so.
    upload_model(analyst)
    files = network_cases.data_files()
    lines = files["pressures"].decode().splitlines(keepends=True)
    files["pressures"] = "".join(lines[:11] + lines[12:]).encode()
    response = analyst.post(reverse("water:network_analysis_new"), analysis_form(files), follow=True)
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert "pressures.csv: 1 missing rows were read as drop-outs" in shown
    assert NetworkAnalysis.objects.get().alarms.get().pipe_id == "171"


@pytest.mark.django_db
def test_a_logger_s_zero_fill_and_lone_spikes_are_drop_outs_and_shown(analyst):
    # Logger 15 wrote 0 for one reading (its fill for no reading) and dipped 30 m for one reading three times
    # (surges, or glitches): the same leak is found, the upload says the fill was read as a drop-out, and the
    # analysis's page lists the three spikes read as drop-outs.
    upload_model(analyst)
    files = network_cases.data_files()
    pressures = pd.read_csv(io.BytesIO(files["pressures"]), dtype={"Timestamp": str})
    pressures.loc[50, "15"] = 0.0
    for row in (len(pressures) - 900, len(pressures) - 500, len(pressures) - 100):
        pressures.loc[row, "15"] -= 30.0
    files["pressures"] = pressures.to_csv(index=False).encode()
    response = analyst.post(reverse("water:network_analysis_new"), analysis_form(files), follow=True)
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert (
        "pressures.csv: 1 readings of exactly 0 m or below vacuum (a logger's fill for no reading) were read as "
        "drop-outs" in shown
    )
    analysis = NetworkAnalysis.objects.get()
    assert analysis.alarms.get().pipe_id == "171"
    assert analysis.details["spikes_read_as_dropouts"] == {"pressures": {"15": 3}}
    page = analyst.get(f"{reverse('water:network_overview')}?analysis={analysis.pk}").content.decode()
    assert 'id="spikes"' in page


@pytest.mark.django_db
def test_battledim_s_own_files_with_semicolons_and_decimal_commas_are_read(analyst):
    # BattLeDIM publishes its data separated by semicolons with decimal commas (2019_SCADA_Pressures.csv):
    # the same data written so are read as the comma-separated ones, and place the leak on pipe 171.
    upload_model(analyst)
    files = {
        kind: "\n".join(line.replace(",", ";").replace(".", ",") for line in content.decode().splitlines()).encode()
        for kind, content in network_cases.data_files().items()
    }
    assert b";" in files["pressures"] and b"," in files["pressures"]
    response = analyst.post(reverse("water:network_analysis_new"), analysis_form(files))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert NetworkAnalysis.objects.get().alarms.get().pipe_id == "171"


def test_what_was_done_to_a_file_is_said_in_chinese_and_english():
    note = GridNote("pressures.csv", step_seconds=900, missing_rows=2, repeated_rows=1)
    with translation.override("zh-hans"):
        assert network_files.grid_note_message(note) == (
            "pressures.csv: 每 15 分钟一个读数，已线性插值为 5 分钟步长; 缺少的 2 行按数据缺失处理; 重复的 1 行只读一次"
        )
    with translation.override("en"):
        assert network_files.grid_note_message(GridNote("flows.csv", 60, 0, 0)) == (
            "flows.csv: readings every 1 minutes were averaged over each 5 minutes"
        )
    with translation.override("zh-hans"):
        assert network_files.grid_note_message(GridNote("pressures.csv", 300, 0, 0, coarse=(("15", 1.02),))) == (
            "pressures.csv: 这些记录仪的读数步长过粗：15 (1.02 m)；发现漏损需要 0.1 m（0.001 MPa）或更细的分辨率"
        )
    blanks = GridNote("pressures.csv", 300, 0, 0, not_read=3)
    with translation.override("zh-hans"):
        assert network_files.grid_note_message(blanks) == (
            "pressures.csv: 3 个恰为 0 m 或低于真空的读数（记录仪无读数时的填充值）按数据缺失处理"
        )


def test_uploaded_times_with_an_offset_are_kept_as_the_county_s_wall_clock():
    # A SCADA export in UTC: 16:00Z on 31 December is 00:00 on 1 January in Shanghai, as the stored CSV gives it
    upload = io.BytesIO(b"Timestamp,15\n2018-12-31T16:00:00Z,50\n2018-12-31T16:05:00Z,51\n")
    table = network_files.read_sensor_table(upload, "pressures.csv", ["15"])
    assert list(table.index.strftime("%Y-%m-%d %H:%M")) == ["2019-01-01 00:00", "2019-01-01 00:05"]


@pytest.mark.django_db
def test_the_job_reports_its_progress_in_order_and_to_the_queue(cast):
    analysis = load_network_demo(cast.network_analyst)
    assert analysis.state == JobState.SUCCEEDED
    reports: list[tuple[float, str, dict[str, Any]]] = []
    actions.run_network_analysis(analysis.pk, lambda *report: reports.append(report))
    fractions = [fraction for fraction, _message, _parameters in reports]
    assert fractions == sorted(fractions)
    assert reports[0][1] == READING
    assert reports[-1] == (0.9, STORING, {})
    # Net3's 117 pipes are swept twice (windows, then nights), filling 0.1–0.6 and 0.6–0.85 of the bar
    assert (pytest.approx(0.85), SWEPT, {"done": 117, "total": 117}) in reports
    # a run again replaces the alarms: still one
    assert NetworkLeakAlarm.objects.filter(analysis=analysis).count() == 1


@pytest.mark.django_db
def test_the_demo_records_its_run_on_the_county_model(cast):
    analysis = load_network_demo(cast.network_analyst)
    assert str(analysis.network_model) == "县城供水管网（Net3） v1"
    # run by its job, in the loading process: a finished job of the analyst's, no entry left on the queue
    assert analysis.job is not None
    assert (analysis.job.state, analysis.job.started_by, analysis.job.task_result_id) == (
        JobState.SUCCEEDED,
        cast.network_analyst,
        "",
    )
    assert analysis.training_days == 14
    assert analysis.simulated_leaks == [{"pipe_id": "171", "start_time": "2019-01-02 12:00", "diameter_m": 0.04}]
    alarm = analysis.alarms.get()
    assert (alarm.pipe_id, alarm.start_time, alarm.estimated_start) == (
        "171",
        county_time("2019-01-03 09:00"),
        county_time("2019-01-02 12:00"),
    )
    # the size hydro's own run of the demo gives (95.74 m³/h), within the rounding of the data to 0.1 mm
    assert alarm.size_m3_per_h == pytest.approx(95.74, rel=0.005)


def stored_failing_analysis(model: NetworkModel) -> NetworkAnalysis:
    """An analysis whose stored pressures name a node Net3 does not have: the job fails on reading them."""
    rows = "\n".join(f"2019-01-01 00:{minute:02d},30.0" for minute in range(0, 60, 5))
    start = county_time("2019-01-01 00:00")
    return NetworkAnalysis.objects.create(
        network_model=model,
        sensors={"pressures": ["J-999"]},
        pressures_csv=f"Timestamp,J-999\n{rows}\n",
        flows_csv=f"Timestamp\n{rows.replace(',30.0', '')}\n",
        levels_csv=f"Timestamp\n{rows.replace(',30.0', '')}\n",
        data_start=start,
        data_end=start,
    )


@pytest.mark.django_db
def test_a_failed_job_keeps_its_reason_and_can_be_queued_again(analyst, cast, settings):
    upload_model(analyst)
    analysis = stored_failing_analysis(NetworkModel.objects.get())
    job = actions.start_network_analysis(analysis, cast.network_analyst)  # run at once in the suite: it fails
    job.refresh_from_db()
    reason = "pressures.csv: pressures sensor 'J-999' names no node of the model"
    assert (job.state, job.error) == (JobState.FAILED, reason)
    status = analyst.get(reverse("water:network_analysis_status", args=[analysis.pk])).json()
    assert (status["state"], status["finished"], status["error"], status["id"]) == ("failed", True, reason, job.pk)
    page = analyst.get(reverse("water:network_overview"), {"analysis": analysis.pk}).content.decode()
    assert f"The job failed: {reason}".replace("'", "&#x27;") in page and 'class="job-retry"' in page
    settings.CIVIC_JOBS_RUN_AT_ONCE = False  # the job stays queued: no worker runs here
    response = analyst.post(reverse("water:network_analysis_retry", args=[analysis.pk]))
    assert response.status_code == 302
    analysis = NetworkAnalysis.objects.select_related("job").get(pk=analysis.pk)
    assert analysis.job is not None
    assert (analysis.job.pk, analysis.state, analysis.job.error, analysis.job.fraction) == (job.pk, "queued", "", 0.0)
    status = analyst.get(reverse("water:network_analysis_status", args=[analysis.pk])).json()
    assert (status["state"], status["finished"], status["message"]) == ("queued", False, "Waiting for a worker.")
    # a queued analysis is not retried twice
    with pytest.raises(actions.NetworkAnalysisError):
        actions.retry_network_analysis(analysis, None)


@pytest.mark.django_db
def test_a_bad_cell_names_its_row_and_column_and_nothing_is_kept(analyst, settings):
    upload_model(analyst)
    files = dict(network_cases.data_files())
    lines = files["pressures"].decode().splitlines()
    # row 5 of the sheet (the header is row 1) is the fourth data row; its third cell is sensor 35's
    cells = lines[4].split(",")
    cells[2] = "3O.5"
    lines[4] = ",".join(cells)
    files["pressures"] = ("\n".join(lines) + "\n").encode()
    response = analyst.post(reverse("water:network_analysis_new"), analysis_form(files))
    assert response.status_code == 400
    errors = response.context["form"].errors["pressures_file"]
    assert errors == ["pressures.csv: 5, 35: 3O.5 is not a number."]
    assert NetworkAnalysis.objects.count() == 0


@pytest.mark.django_db
def test_a_row_off_the_grid_names_its_line_and_nothing_is_kept(analyst, settings):
    upload_model(analyst)
    files = dict(network_cases.data_files())
    lines = files["pressures"].decode().splitlines()
    lines[10] = lines[10].replace("00:45", "00:47", 1)  # line 11 of the file, the first day's 00:45
    files["pressures"] = ("\n".join(lines) + "\n").encode()
    response = analyst.post(reverse("water:network_analysis_new"), analysis_form(files))
    assert response.status_code == 400
    (error,) = response.context["form"].errors["pressures_file"]
    assert error.startswith(
        "pressures.csv:11: timestamp 2018-12-18 00:47:00 is off the file's grid of 5-minute steps from 2018-12-18"
    )
    assert NetworkAnalysis.objects.count() == 0


@pytest.mark.django_db
def test_a_gbk_model_is_kept_in_its_own_words(analyst):
    # Net3 as Chinese modelling software on Windows writes it: GBK, a Chinese title and comment (ids in Chinese
    # are read the same way: hydro's test_it_reads_a_gbk_model_with_chinese_ids_and_comments).
    text = network_cases.net3_inp().decode().replace("[TITLE]", "[TITLE]\n县城管网（东区） ; 二〇二四年校核", 1)
    assert upload_model(analyst, text.encode("gbk")).status_code == 302
    model = NetworkModel.objects.get()
    assert "县城管网（东区） ; 二〇二四年校核" in model.inp_text and (model.junctions, model.pipes) == (92, 117)


@pytest.mark.django_db
def test_a_bad_model_line_is_named_and_no_version_is_kept(analyst):
    text = network_cases.net3_inp().decode()
    broken = text.replace("[PIPES]", "[PIPES]\nP-BAD  10  11  long  12  100", 1)
    response = upload_model(analyst, broken.encode())
    assert response.status_code == 400
    line = broken.splitlines().index("P-BAD  10  11  long  12  100") + 1
    assert response.context["form"].errors["inp_file"] == [
        f"Net3.inp:{line}: [PIPES] length must be a number, found 'long'"
    ]
    assert NetworkModel.objects.count() == 0
    upload_model(analyst)
    upload_model(analyst)
    assert list(NetworkModel.objects.values_list("version", flat=True)) == [2, 1]


@pytest.mark.django_db
def test_too_few_days_for_the_training_are_refused(analyst, settings):
    upload_model(analyst)
    response = analyst.post(
        reverse("water:network_analysis_new"), analysis_form(network_cases.data_files(), training_days=16)
    )
    assert response.status_code == 400
    # 14 + 3 days of 5-minute rows: the last at 23:55 of the 17th day, 16.997 days after the first; 16 training
    # days leave less than one whole day to watch
    assert response.context["form"].errors["training_days"] == [
        "The data cover 17.0 days: they must cover the 16 training days and at least one more."
    ]
    assert NetworkAnalysis.objects.count() == 0


@pytest.mark.django_db
def test_a_located_leak_is_followed_up_to_its_repair(analyst, cast):
    analysis = load_network_demo(cast.network_analyst)
    alarm = analysis.alarms.get()
    step = "water:network_alarm_step"
    assert (
        analyst.post(reverse(step, args=[alarm.pk, "assign"]), {"assignee": cast.network_analyst.pk}).status_code == 302
    )
    # a repair needs the volume it recovered
    refused = analyst.post(reverse(step, args=[alarm.pk, "close"]), {"outcome": NetworkLeakOutcome.LEAK_REPAIRED})
    assert refused.status_code == 400
    assert refused.context["close_form"].errors["volume_recovered_m3"] == ["Give the volume the repair recovered (m³)."]
    closed = analyst.post(
        reverse(step, args=[alarm.pk, "close"]),
        {"outcome": NetworkLeakOutcome.LEAK_REPAIRED, "volume_recovered_m3": 2300, "note": "DN300 管道接口漏水"},
    )
    assert closed.status_code == 302
    alarm.refresh_from_db()
    assert (alarm.status, alarm.outcome, alarm.volume_recovered_m3) == (AlarmStatus.CLOSED, "leak_repaired", 2300)
    detail = analyst.get(reverse("water:network_alarm_detail", args=[alarm.pk])).content.decode()
    assert "DN300 管道接口漏水" in detail
    analyst.post(reverse(step, args=[alarm.pk, "reopen"]))
    alarm.refresh_from_db()
    assert (alarm.status, alarm.outcome, alarm.volume_recovered_m3) == (AlarmStatus.ASSIGNED, "", None)


@pytest.mark.django_db
def test_the_alarm_list_searches_by_pipe_and_pages(analyst, cast):
    analysis = load_network_demo(cast.network_analyst)
    template = analysis.alarms.get()
    NetworkLeakAlarm.objects.bulk_create(
        NetworkLeakAlarm(
            analysis=analysis,
            pipe_id=f"P{number}",
            start_time=template.start_time + datetime.timedelta(hours=number),
            size_m3_per_h=1.0,
            candidate_area=[[f"P{number}", 0.0]],
        )
        for number in range(30)
    )
    page = analyst.get(reverse("water:network_overview"))
    assert page.context["page"].paginator.count == 31
    assert len(page.context["page"]) == 25
    second = analyst.get(reverse("water:network_overview"), {"analysis": analysis.pk, "page": 2})
    assert len(second.context["page"]) == 6
    found = analyst.get(reverse("water:network_overview"), {"analysis": analysis.pk, "q": "171"})
    assert [alarm.pipe_id for alarm in found.context["page"]] == ["171"]


@pytest.mark.django_db
def test_the_admin_lists_models_analyses_and_alarms_without_their_files(client, cast):
    analysis = load_network_demo(cast.network_analyst)
    cast.bureau_admin.is_superuser = True
    cast.bureau_admin.save()
    client.force_login(cast.bureau_admin)
    for name in ("networkmodel", "networkanalysis", "networkleakalarm"):
        assert client.get(reverse(f"admin:water_{name}_changelist")).status_code == 200
    change = client.get(reverse("admin:water_networkanalysis_change", args=[analysis.pk]))
    assert change.status_code == 200
    assert "Timestamp,15,35" not in change.content.decode()  # the stored data are left out of the form
    alarm = analysis.alarms.get()
    assert client.get(reverse("admin:water_networkleakalarm_history", args=[alarm.pk])).status_code == 200


@pytest.mark.django_db
def test_a_sensor_table_names_the_row_of_an_unknown_kind(analyst, settings):
    upload_model(analyst)
    form = analysis_form(network_cases.data_files())
    table = b"kind,element_id\npressures,15\nvalves,10\n"
    form["sensors_file"] = SimpleUploadedFile("sensors.csv", table)
    response = analyst.post(reverse("water:network_analysis_new"), form)
    assert response.status_code == 400
    assert response.context["form"].errors["sensors_file"] == [
        "sensors.csv: 3, kind: valves is not a kind of sensor; write pressures, flows, levels or demands."
    ]
    # a table naming an element the model lacks is refused by name
    form = analysis_form(network_cases.data_files())
    form["sensors_file"] = SimpleUploadedFile("sensors.csv", b"kind,element_id\npressures,J-999\n")
    response = analyst.post(reverse("water:network_analysis_new"), form)
    assert response.context["form"].errors["sensors_file"] == [
        "sensors.csv: pressures sensor 'J-999' names no node of the model"
    ]
    assert NetworkAnalysis.objects.count() == 0


def test_a_year_of_five_minute_rows_is_read_and_a_row_more_than_a_leap_year_is_refused():
    """BattLeDIM's 2019 files hold the year in 105,120 five-minute rows; a leap year has 366 × 288 = 105,408."""
    times = pd.date_range("2019-01-01", periods=105_120, freq="5min")
    year = pd.DataFrame({"15": 50.0}, index=times).to_csv(index_label="Timestamp", date_format="%Y-%m-%d %H:%M")
    table = network_files.read_sensor_table(io.BytesIO(year.encode()), "pressures.csv", ["15"])
    assert len(table) == 105_120 and str(table.index[-1]) == "2019-12-31 23:55:00"
    times = pd.date_range("2020-01-01", periods=105_409, freq="5min")
    longer = pd.DataFrame({"15": 50.0}, index=times).to_csv(index_label="Timestamp", date_format="%Y-%m-%d %H:%M")
    with pytest.raises(network_files.NetworkUploadError) as refusal, translation.override("en"):
        network_files.read_sensor_table(io.BytesIO(longer.encode()), "pressures.csv", ["15"])
    assert "105,408" in refusal.value.lines[0]

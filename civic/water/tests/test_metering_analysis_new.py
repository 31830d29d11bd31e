"""Starting a readings analysis on the web: a period of the stored readings, the zones, and the job's result.

The readings are Hongxing's and Fenghuang's two hand-worked days (hydro/tests/readings_cases.py), stored in
the county's readings store; their balance and alarms are worked in hydro/tests/test_readings_analysis.py.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from civic.core import xlsx
from civic.core.models import Job, JobKind, JobState
from civic.testing import sign_in
from civic.water.models import MeteringParameters, MeteringRun
from hydro.readings.store import import_file
from hydro.tests import readings_cases

URL = reverse("water:metering_analysis_new")
PERIOD = "2024-03-01..2024-03-02"
ZONES_IN_CHINESE = (
    readings_cases.ZONES_CSV.replace("meter_id,dma_id,role", "表号,分区,角色")
    .replace(",inflow", ",进水")
    .replace(",outflow", ",出水")
    .replace(",customer", ",用户")
)


@pytest.fixture
def store(settings, tmp_path):
    """The county's readings store holding the two days, with the county's two-day thresholds (as make_run)."""
    (tmp_path / "readings.csv").write_text(readings_cases.readings_csv())
    settings.CIVIC_READINGS_STORE = tmp_path / "store"
    import_file(settings.CIVIC_READINGS_STORE, tmp_path / "readings.csv")
    MeteringParameters.objects.create(
        effective_from=datetime.date(2024, 1, 1), continuous_flow_hours=48, gap_hours=3, stuck_hours=72
    )
    return settings.CIVIC_READINGS_STORE


def zone_upload(text: str, name: str = "zones.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    return xlsx.workbook_bytes(book)


def posted(client, cast, data):
    sign_in(client, cast.network_analyst)
    with translation.override("en"):
        return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en")


def errors_of(response, field: str) -> list[str]:
    """The form's errors of a field, in English (the test reads them outside the request's language)."""
    with translation.override("en"):
        return [str(error) for error in response.context["form"].errors[field]]


def test_an_analyst_uploads_the_zones_and_the_job_keeps_the_run(client, cast, store):
    response = posted(client, cast, {"period": PERIOD, "zones_file": zone_upload(readings_cases.ZONES_CSV)})
    job = Job.objects.get(kind=JobKind.READINGS_ANALYSIS)
    assert response.status_code == 302 and response.url == reverse("job_detail", args=[job.pk])
    assert job.state == JobState.SUCCEEDED and job.started_by == cast.network_analyst
    run = MeteringRun.objects.get()
    assert job.result["url"] == f"{reverse('water:metering_dashboard')}?run={run.pk}"
    # Worked in hydro/tests/test_readings_analysis.py: 46.2 m³ in, 9.6 out, 8.42 used: 28.18 m³ = 76.99 %.
    hongxing = run.balances.get(dma_code="HX")
    assert (hongxing.inflow_m3, hongxing.outflow_m3, hongxing.nrw_m3) == pytest.approx((46.2, 9.6, 28.18))
    assert sorted(run.customer_alarms.values_list("meter_code", "kind")) == [
        ("C-BURST", "burst"),
        ("C-GAP", "gap"),
        ("C-LEAK", "continuous_flow"),
        ("C-REVERSE", "reverse"),
    ]
    page = client.get(response.url).content.decode()
    assert 'class="job-result"' in page


def test_a_zone_sheet_in_chinese_gives_the_same_zones(client, cast, store):
    sheet = [line.split(",") for line in ZONES_IN_CHINESE.strip().splitlines()]
    upload = SimpleUploadedFile("分区.xlsx", workbook(sheet))
    assert posted(client, cast, {"period": PERIOD, "zones_file": upload}).status_code == 302
    gbk = zone_upload(ZONES_IN_CHINESE, "分区.csv", "gbk")
    assert posted(client, cast, {"period": "2024-03-01", "zones_file": gbk}).status_code == 302
    english = [line.split(",") for line in readings_cases.ZONES_CSV.strip().splitlines()[1:]]
    assert [run.zones for run in MeteringRun.objects.order_by("pk")] == [english, english]


def test_each_bad_zone_row_is_named_and_nothing_is_queued(client, cast, store):
    text = "meter_id,dma_id,role\nHX-IN,HX,inflow\nC-LEAK,HX,consumer\nC-NORMAL,,customer\nHX-IN,HX,inflow\n"
    response = posted(client, cast, {"period": PERIOD, "zones_file": zone_upload(text)})
    assert response.status_code == 400
    assert errors_of(response, "zones_file") == [
        "zones.csv, row 3, 角色 / role: consumer is not a role; write inflow (进水), outflow (出水) or customer (用户).",
        "zones.csv, row 4, 分区 / 分区编号 / dma_id: This cell must not be empty.",
        "zones.csv, row 5, 表号 / 水表编号 / meter_id: Meter HX-IN is listed twice in this DMA.",
    ]
    assert not Job.objects.exists() and not MeteringRun.objects.exists()


def test_an_inflow_meter_without_readings_is_refused_by_row(client, cast, store):
    text = readings_cases.ZONES_CSV + "HX-IN-2,HX,inflow\n"
    response = posted(client, cast, {"period": PERIOD, "zones_file": zone_upload(text)})
    assert response.status_code == 400
    [error] = errors_of(response, "zones_file")
    assert "row 11" in error and "HX-IN-2" in error and "no readings in the period" in error
    assert not Job.objects.exists()


def test_a_customer_meter_without_readings_is_named_and_the_analysis_runs(client, cast, store):
    text = readings_cases.ZONES_CSV + "C-NEW,HX,customer\n"
    response = posted(client, cast, {"period": PERIOD, "zones_file": zone_upload(text)})
    assert response.status_code == 302
    shown = [str(message) for message in response.wsgi_request._messages]
    assert any("1 customer meter has no readings in the period (C-NEW)" in message for message in shown)
    assert MeteringRun.objects.get().customer_alarms.filter(meter_code="C-NEW", kind="gap").exists()


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("March", "March is not a period"),
        ("2024-03-05..2024-03-01", "2024-03-05..2024-03-01 is not a period"),
        ("2023-01", "No readings of 2023-01 have been stored yet."),
    ],
)
def test_a_bad_period_is_explained(client, cast, store, period, expected):
    response = posted(client, cast, {"period": period, "zones_file": zone_upload(readings_cases.ZONES_CSV)})
    assert response.status_code == 400
    assert expected in errors_of(response, "period")[0]


def test_without_a_zone_file_the_last_analysis_gives_the_zones(client, cast, store):
    response = posted(client, cast, {"period": PERIOD})
    assert "No earlier analysis gives the zones" in errors_of(response, "zones_file")[0]
    posted(client, cast, {"period": PERIOD, "zones_file": zone_upload(readings_cases.ZONES_CSV)})
    page = client.get(URL).content.decode()
    # Hongxing and Fenghuang; HX-OUT is Hongxing's outflow and Fenghuang's inflow, so 8 meters in 9 rows.
    assert "2 个计量分区，8 块水表" in page
    assert posted(client, cast, {"period": "2024-03-02"}).status_code == 302
    first, second = MeteringRun.objects.order_by("pk")
    assert second.zones == first.zones and (second.period_start, second.period_end) == (
        datetime.date(2024, 3, 2),
        datetime.date(2024, 3, 2),
    )


def test_the_same_period_queued_twice_is_one_job(client, cast, store, settings):
    settings.CIVIC_JOBS_RUN_AT_ONCE = False
    posted(client, cast, {"period": PERIOD, "zones_file": zone_upload(readings_cases.ZONES_CSV)})
    response = posted(client, cast, {"period": PERIOD, "zones_file": zone_upload(readings_cases.ZONES_CSV)})
    job = Job.objects.get(kind=JobKind.READINGS_ANALYSIS)
    assert response.url == reverse("job_detail", args=[job.pk]) and job.state == JobState.QUEUED
    assert any("under way already" in str(message) for message in response.wsgi_request._messages)


def test_the_form_reads_in_chinese(client, cast, store):
    sign_in(client, cast.bureau_staff)
    with translation.override("zh-hans"):
        page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "新建读数分析" in page and "分区文件" in page

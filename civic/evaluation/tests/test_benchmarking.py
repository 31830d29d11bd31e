"""Quota benchmarking: a firm reports its output, the bureau sees intensity against the quota."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from civic.evaluation.models import ProductOutput
from civic.water.models import MeterReading, WaterQuota


@pytest.fixture
def dyeing_quota(cast):
    return WaterQuota.objects.create(
        industry=cast.runhua.industry, product="棉机织物印染", unit="m³/100m", leading_value=1.2, advanced_value=1.6,
        general_value=2.0, source_standard="江苏省用水定额（2019年修订）", effective_from=datetime.date(2020, 1, 1),
    )  # fmt: skip


def test_the_reporter_reports_output_and_the_bureau_sees_it_over_quota(cast, dyeing_quota, li_qiang, wang_fang):
    # 2024 metered 25,000 m³ for 10,000 (100 m): 2.5 m³/100m, 25 % over the general value of 2.0.
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2024, 6, 30), volume_m3=25_000)
    response = li_qiang.post(
        reverse("evaluation:output_report"),
        {"water_user": cast.runhua.pk, "quota": dyeing_quota.pk, "year": 2024, "output": 10_000},
    )
    assert response.status_code == 302
    assert ProductOutput.objects.get().reported_by == cast.runhua_reporter
    page = wang_fang.get(reverse("evaluation:benchmark_list"), {"year": 2024})
    row = page.context["page"][0]
    assert row.result.intensity == pytest.approx(2.5)
    assert row.over_quota
    assert page.context["share"] == 0
    assert "over quota by 25.0 %" in page.content.decode()


def test_the_list_shows_each_users_intensity_the_year_before(cast, dyeing_quota, wang_fang):
    # 2023: 18,000 m³ for 10,000 → 1.8; 2024: 15,000 m³ for 10,000 → 1.5 (advanced), down from 1.8.
    for year, volume in ((2023, 18_000), (2024, 15_000)):
        MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(year, 6, 30), volume_m3=volume)
        ProductOutput.objects.create(
            water_user=cast.runhua, quota=dyeing_quota, year=year, output=10_000, reported_by=cast.bureau_staff
        )
    page = wang_fang.get(reverse("evaluation:benchmark_list"), {"year": 2024})
    row = page.context["page"][0]
    assert row.result.level == "advanced"
    assert row.previous_intensity == pytest.approx(1.8)
    assert page.context["trend"] == [(2023, 1.0), (2024, 1.0)]


def test_a_reporter_cannot_report_for_another_firm(cast, dyeing_quota, zhao_min):
    response = zhao_min.post(
        reverse("evaluation:output_report"),
        {"water_user": cast.runhua.pk, "quota": dyeing_quota.pk, "year": 2024, "output": 10_000},
    )
    assert response.status_code == 200
    assert "water_user" in response.context["form"].errors
    assert not ProductOutput.objects.exists()


def output_workbook(rows) -> bytes:
    import io

    from openpyxl import load_workbook

    from civic.evaluation.workbooks import output_template

    workbook = load_workbook(io.BytesIO(output_template()))
    for row in rows:
        workbook.worksheets[0].append(row)
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


def test_output_comes_in_from_excel_all_or_nothing(cast, dyeing_quota, li_qiang):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = output_workbook([("WJ0001", "棉机织物印染", 2023, 9_000), ("WJ0001", "棉机织物印染", 2024, 10_000)])
    bad = output_workbook([("WJ0001", "棉机织物印染", 2025, 11_000), ("WJ0002", "转炉钢", 2025, 5_000)])
    url = reverse("evaluation:output_import")
    refused = li_qiang.post(url, {"file": SimpleUploadedFile("bad.xlsx", bad)})
    assert refused.status_code == 200
    assert any("WJ0002" in error for error in refused.context["errors"])  # not Li Qiang's firm
    assert not ProductOutput.objects.exists()
    accepted = li_qiang.post(url, {"file": SimpleUploadedFile("good.xlsx", good)})
    assert accepted.status_code == 302
    assert sorted(ProductOutput.objects.values_list("year", "output")) == [(2023, 9_000), (2024, 10_000)]

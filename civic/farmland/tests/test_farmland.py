"""Farmland water saving: project imports whole or not at all, progress against the plan, the coefficient pages.

The cast's county has two towns, 湖塘镇 and 牛塘镇 (civic/testing.py). Figures are worked by hand below.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
import shapefile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from civic.core.boundaries import BoundaryError, Bounds, read_boundary
from civic.farmland import actions
from civic.farmland.models import (
    FarmlandProject,
    FarmlandTarget,
    IrrigationMethod,
    IrrigationYear,
    ProjectStatus,
    SampleDistrict,
    TypicalField,
)
from civic.farmland.testing import GOOD_ROWS, workbook
from civic.testing import sign_in


def upload(content: bytes, name: str = "projects.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def bureau(client, cast):
    sign_in(client, cast.bureau_staff)
    return client


def test_a_good_file_stores_every_project_and_again_changes_nothing(cast):
    outcome = actions.import_projects(workbook(GOOD_ROWS), cast.bureau_staff)
    assert (outcome.report, outcome.created, outcome.updated) == ([], 3, 0)
    project = FarmlandProject.objects.get(code="GBNT-2023-001")
    assert (project.town, project.area_mu, project.irrigation_method, project.status) == (
        cast.niutang,
        Decimal("2500.0"),
        IrrigationMethod.EARTH_CANAL,
        ProjectStatus.ACCEPTANCE,
    )
    # 150 + 125 + 100 + 25 = 400 (¥10,000)
    assert project.investment_10k_yuan == Decimal("400.00")
    again = actions.import_projects(workbook(GOOD_ROWS), cast.bureau_staff)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_bad_file_is_refused_whole_with_each_bad_row_named(cast):
    rows = [
        GOOD_ROWS[0],
        [
            "GBNT-2023-001",
            "牛塘镇",
            "某某镇",
            2023,
            2500,
            150,
            125,
            100,
            25,
            "土渠",
            "验收",
            "2024-03-15",
        ],  # row 3: town
        ["GBNT-2024-001", "湖塘镇", "湖塘镇", 2024, -5, 90, 75, 60, 0, "漫灌", "施工", None],  # row 4: area, method
        ["GBNT-2022-001", "重复", "湖塘镇", 2022, 100, 1, 1, 1, 0, "喷灌", "验收", None],  # row 5: duplicate, no date
    ]
    outcome = actions.import_projects(workbook(rows), cast.bureau_staff)
    assert FarmlandProject.objects.count() == 0
    assert [(line.row, line.column.split(" ")[0]) for line in outcome.report] == [
        (3, "镇街"),
        (4, "面积（亩）"),
        (4, "灌溉方式"),
        (5, "项目编号"),
        (5, "验收日期"),
    ]


def test_progress_sums_the_accepted_projects_of_the_plan_against_its_target(cast):
    actions.import_projects(workbook(GOOD_ROWS), cast.bureau_staff)
    target = FarmlandTarget.objects.create(plan_name="十四五", first_year=2021, last_year=2025, area_mu=10_000)
    FarmlandTarget.objects.create(plan_name="十四五", first_year=2021, last_year=2025, town=cast.hutang, area_mu=6_000)
    summary = actions.progress(FarmlandProject.objects.all(), target)
    # Built: 3,000 (in use) + 2,500 (accepted) = 5,500 of 10,000; the 1,500 under construction do not count.
    assert (summary.built_mu, summary.remaining_mu) == (Decimal("5500.0"), Decimal("4500.0"))
    assert summary.by_year == [
        (2022, Decimal("3000.0"), Decimal("3000.0")),
        (2023, Decimal("2500.0"), Decimal("5500.0")),
    ]
    # Efficient irrigation: only the pipe project among those built (the earth canal is not).
    assert summary.efficient_mu == Decimal("3000.0")
    hutang = next(row for row in summary.by_town if row["town"] == cast.hutang)
    assert (hutang["built_mu"], hutang["target_mu"], hutang["remaining_mu"]) == (
        Decimal("3000.0"),
        Decimal("6000.0"),
        Decimal("3000.0"),
    )


def year_with_samples() -> IrrigationYear:
    """Two small districts: 300 mu × 400 / 200,000 = 0.60 and 140 × 500 / 100,000 = 0.70; mean 0.65."""
    year = IrrigationYear.objects.create(year=2025, small_gross_m3=5_000_000, provincial_value=0.63)
    for name, gross, area, net in (("S1", 200_000, 300, 400), ("S2", 100_000, 140, 500)):
        district = SampleDistrict.objects.create(
            year=year, name=name, district_class="small", gross_m3=gross, irrigated_area_mu={"水稻": area}
        )
        TypicalField.objects.create(district=district, name="1号田", crop="水稻", net_m3_per_mu=net)
    return year


def test_the_coefficient_page_shows_the_county_value_from_hydro(bureau, cast):
    year_with_samples()
    response = bureau.get(reverse("farmland:coefficient_year", args=[2025]))
    assert response.status_code == 200
    assert response.context["result"].coefficient == pytest.approx(0.65)
    assert 'id="county-coefficient">0.650<' in response.content.decode()


def test_the_coefficient_report_prints_in_chinese(bureau, cast):
    year_with_samples()
    response = bureau.get(reverse("farmland:coefficient_pdf", args=[2025]))
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = "".join(page.extract_text() for page in pages).replace("\x00", "")
    assert "2025年农田灌溉水有效利用系数测算分析报告" in text
    assert "0.650" in text and "小型灌区" in text


SAMPLE_HEADINGS = [
    "灌区名称",
    "灌区类型",
    "规模分组",
    "毛灌溉用水量（立方米）",
    "作物",
    "作物灌溉面积（亩）",
    "典型田块",
    "亩均净灌溉用水量（立方米）",
]


def test_samples_upload_replaces_the_year_or_names_the_rows_that_disagree(cast):
    year = IrrigationYear.objects.create(year=2025)
    bad = workbook(
        [
            ["M1", "中型", "10k-50k", 2_000_000, "水稻", 2_500, "1号田", 480],
            ["M1", "中型", "10k-50k", 2_100_000, "水稻", 2_500, "2号田", 470],  # row 3: another gross
            ["M2", "中型", "", 1_000_000, "水稻", 1_300, "1号田", 500],  # row 4: no size group
        ],
        SAMPLE_HEADINGS,
    )
    outcome = actions.import_samples(bad, year)
    assert [(line.row, line.column.split(" ")[0]) for line in outcome.report] == [
        (3, "毛灌溉用水量（立方米）"),
        (4, "规模分组"),
    ]
    assert SampleDistrict.objects.count() == 0
    good = workbook(
        [
            ["M1", "中型", "10k-50k", 2_000_000, "水稻", 2_500, "1号田", 470],
            ["M1", "中型", "10k-50k", 2_000_000, "水稻", 2_500, "2号田", 490],
        ],
        SAMPLE_HEADINGS,
    )
    assert actions.import_samples(good, year).report == []
    # Mean 480 m³/mu × 2,500 mu / 2,000,000 m³ = 0.60
    result = actions.coefficient_for(year)
    assert result is not None and result.coefficient == pytest.approx(0.60)


def test_a_project_form_refuses_a_boundary_ring_that_is_not_closed(bureau, cast):
    open_ring = {"type": "Polygon", "coordinates": [[[119.9, 31.7], [120.0, 31.7], [120.0, 31.8]]]}
    data = {
        "code": "GBNT-2025-009",
        "name": "test",
        "town": cast.hutang.pk,
        "plan_year": 2025,
        "area_mu": 100,
        "central_funds_10k_yuan": 0,
        "provincial_funds_10k_yuan": 0,
        "county_funds_10k_yuan": 0,
        "other_funds_10k_yuan": 0,
        "irrigation_method": "pipe",
        "status": "planned",
        "boundary_file": upload(json.dumps(open_ring).encode(), "b.geojson"),
    }
    response = bureau.post(reverse("farmland:project_create"), data)
    assert response.status_code == 200
    assert "环未闭合" in str(response.context["form"].errors["boundary_file"])
    assert not FarmlandProject.objects.exists()


SQUARE = [[119.90, 31.70], [119.91, 31.70], [119.91, 31.71], [119.90, 31.71], [119.90, 31.70]]
WUJIN = Bounds(119.7, 31.5, 120.2, 31.9)


def test_a_geojson_feature_collection_inside_the_county_is_taken():
    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}],
    }
    geometry = read_boundary("b.geojson", json.dumps(document).encode(), WUJIN)
    assert geometry["type"] == "Polygon"


def test_a_boundary_outside_the_county_is_refused():
    far = [[x + 1.0, y] for x, y in SQUARE]
    with translation.override("en"), pytest.raises(BoundaryError, match="outside the county"):
        read_boundary("b.geojson", json.dumps({"type": "Polygon", "coordinates": [far]}).encode(), WUJIN)


def test_a_zipped_shapefile_is_read():
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON) as writer:
        writer.field("name", "C")
        writer.poly([list(reversed(SQUARE))])
        writer.record("field")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for suffix, part in (("shp", shp), ("shx", shx), ("dbf", dbf)):
            bundle.writestr(f"project.{suffix}", part.getvalue())
    geometry = read_boundary("project.zip", archive.getvalue(), WUJIN)
    assert geometry["type"] == "Polygon"


def test_a_self_crossing_polygon_is_refused():
    bow_tie = [[119.90, 31.70], [119.91, 31.71], [119.91, 31.70], [119.90, 31.71], [119.90, 31.70]]
    with translation.override("en"), pytest.raises(BoundaryError, match="not valid"):
        read_boundary("b.geojson", json.dumps({"type": "Polygon", "coordinates": [bow_tie]}).encode(), WUJIN)


def test_the_export_follows_the_filters_and_reads_back(bureau, cast):
    actions.import_projects(workbook(GOOD_ROWS), cast.bureau_staff)
    response = bureau.get(reverse("farmland:export_projects"), {"town": cast.hutang.pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    codes = [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["GBNT-2022-001", "GBNT-2024-001"]
    assert actions.import_projects(response.content, cast.bureau_staff).unchanged == 2


def test_the_list_searches_and_pages(bureau, cast):
    actions.import_projects(workbook(GOOD_ROWS), cast.bureau_staff)
    response = bureau.get(reverse("farmland:project_list"), {"q": "牛塘"})
    assert [project.code for project in response.context["page"]] == ["GBNT-2023-001"]
    response = bureau.get(reverse("farmland:project_list"), {"plan_year": "abc"})
    assert response.status_code == 200 and response.context["filters"].errors


def test_an_accepted_project_without_its_date_is_refused_on_the_form(bureau, cast):
    data = {
        "code": "GBNT-2025-010",
        "name": "test",
        "town": cast.hutang.pk,
        "plan_year": 2025,
        "area_mu": 100,
        "central_funds_10k_yuan": 0,
        "provincial_funds_10k_yuan": 0,
        "county_funds_10k_yuan": 0,
        "other_funds_10k_yuan": 0,
        "irrigation_method": "pipe",
        "status": "in_use",
    }
    response = bureau.post(reverse("farmland:project_create"), data)
    assert "accepted_on" in response.context["form"].errors
    data["accepted_on"] = datetime.date(2025, 6, 1).isoformat()
    response = bureau.post(reverse("farmland:project_create"), data)
    assert response.status_code == 302


def test_a_report_counts_the_errors_it_does_not_list(cast, settings):
    # 501 rows with an unknown town: the report lists the first 500 and one line counts the last one.
    rows = [[f"P-{n:04d}", "x", "无此镇", 2024, 10, 0, 0, 0, 0, "喷灌", "施工", None] for n in range(501)]
    outcome = actions.import_projects(workbook(rows), cast.bureau_staff)
    assert len(outcome.report) == 501
    assert outcome.report[-1].row is None and "1" in outcome.report[-1].message

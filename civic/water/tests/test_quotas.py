"""The quota table (用水定额): its pages, its Excel import and export, and the import command.

The quotas are the Jiangsu 2019 table's kind of entries for the cast's two
industries; the values are made up for the tests and checked by hand.
"""

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from civic.testing import sign_in
from civic.water import actions, quotas
from civic.water.models import WaterQuota

JIANGSU_2019 = "《江苏省林牧渔业、工业、服务业和生活用水定额（2019年修订）》"
HEADINGS = ["行业代码", "产品名称", "单位", "领先值", "先进值", "通用值", "标准来源", "生效日期", "失效日期", "待核实"]
GOOD_ROWS: list[list[Any]] = [
    ["C1713", "棉印染布", "m³/百米", 1.5, 2.0, 2.5, JIANGSU_2019, datetime.date(2020, 1, 1), None, "否"],
    ["C1713", "棉印染布", "m³/百米", 1.2, 1.6, 2.0, JIANGSU_2019, datetime.date(2023, 1, 1), None, "是"],
    [
        "C3120",
        "转炉炼钢",
        "m³/t",
        None,
        0.8,
        1.1,
        JIANGSU_2019,
        datetime.date(2020, 1, 1),
        datetime.date(2022, 12, 31),
        "否",
    ],
]


def workbook_bytes(rows, headings=HEADINGS):
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content, name="定额.xlsx"):
    return SimpleUploadedFile(name, content, content_type=quotas.XLSX_CONTENT_TYPE)


def stored_quotas():
    return sorted(
        (
            quota.industry.code,
            quota.product,
            quota.unit,
            quota.leading_value,
            quota.advanced_value,
            quota.general_value,
            quota.source_standard,
            quota.effective_from,
            quota.effective_to,
            quota.to_verify,
        )
        for quota in WaterQuota.objects.select_related("industry")
    )


@pytest.fixture
def table(cast):
    """The three good rows, stored through the import."""
    outcome = actions.import_quota_workbook(io.BytesIO(workbook_bytes(GOOD_ROWS)))
    assert outcome.errors == []
    return cast


def test_it_stores_a_good_workbook_whole(table):
    assert stored_quotas() == sorted(
        (*row[:9], row[9] == "是") for row in GOOD_ROWS
    )  # 3 rows in, 3 quotas out, value for value


def test_it_changes_nothing_when_the_same_workbook_is_imported_again(table):
    history_before = WaterQuota.history.count()
    outcome = actions.import_quota_workbook(io.BytesIO(workbook_bytes(GOOD_ROWS)))
    assert outcome.summary == actions.QuotaSaveSummary(created=0, updated=0, unchanged=3)
    assert WaterQuota.history.count() == history_before == 3


def test_it_updates_a_quota_with_the_same_industry_product_and_start(table):
    changed = [list(row) for row in GOOD_ROWS]
    changed[2][5] = 1.0  # 转炉炼钢's general value lowered from 1.1 to 1.0
    outcome = actions.import_quota_workbook(io.BytesIO(workbook_bytes(changed)), by_user=table.bureau_staff)
    assert outcome.summary == actions.QuotaSaveSummary(created=0, updated=1, unchanged=2)
    steel = WaterQuota.objects.get(product="转炉炼钢")
    assert steel.general_value == 1.0
    assert steel.history.first().history_user == table.bureau_staff


def test_it_round_trips_the_export_through_the_import(table):
    exported = quotas.write_quota_workbook(WaterQuota.objects.all())
    before = stored_quotas()
    WaterQuota.objects.all().delete()
    outcome = actions.import_quota_workbook(io.BytesIO(exported))
    assert outcome.summary == actions.QuotaSaveSummary(created=3, updated=0, unchanged=0)
    assert stored_quotas() == before


def test_it_exports_in_the_layout_the_import_reads(client, table):
    response = sign_in(client, table.bureau_staff).get(reverse("water:export_quotas"), {"q": "转炉"})
    sheet: Any = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert response["Content-Type"] == quotas.XLSX_CONTENT_TYPE
    assert list(rows[0]) == HEADINGS
    assert rows[1] == (
        "C3120",
        "转炉炼钢",
        "m³/t",
        None,
        0.8,
        1.1,
        JIANGSU_2019,
        datetime.datetime(2020, 1, 1),
        datetime.datetime(2022, 12, 31),
        "否",
    )
    assert len(rows) == 2  # the header and the one quota the search finds


def test_it_refuses_a_workbook_with_bad_rows_naming_each_row_and_column(cast):
    rows = [
        GOOD_ROWS[0],
        ["C1713", "棉印染布", "m³/百米", 1.5, 2.0, "两吨", JIANGSU_2019, datetime.date(2021, 1, 1), None, "否"],
        ["C1713", "涤纶印染布", "m³/百米", 3.0, 2.0, 2.5, JIANGSU_2019, datetime.date(2020, 1, 1), None, "否"],
        ["C9999", "不存在", "m³/t", None, None, 1.0, JIANGSU_2019, datetime.date(2020, 1, 1), None, ""],
        ["C3120", "转炉炼钢", "m³/t", None, 0.8, 1.1, JIANGSU_2019, "2020年13月1日", None, "否"],
    ]
    with translation.override("en"):  # messages are worded in the language active during the check
        outcome = actions.import_quota_workbook(io.BytesIO(workbook_bytes(rows)))
        report = [(error.row, error.column, str(error.message)) for error in outcome.errors]
    assert report == [
        (3, "通用值 (F)", "两吨 is not a number."),
        (4, "领先值 (D)", "领先值 (D) must not be above 先进值 (E): for a quota, lower is stricter."),
        (5, "行业代码 (A)", "Unknown industry code “C9999”."),
        (6, "生效日期 (H)", "2020年13月1日 is not a date; write it as YYYY-MM-DD."),
    ]
    assert outcome.summary is None
    assert WaterQuota.objects.count() == 0  # row 2 was good, but nothing of the file is stored


def test_it_names_missing_columns_and_a_repeated_row(cast):
    missing = actions.import_quota_workbook(io.BytesIO(workbook_bytes([], headings=HEADINGS[:5])))
    with translation.override("en"):
        repeated = actions.import_quota_workbook(io.BytesIO(workbook_bytes([GOOD_ROWS[0], GOOD_ROWS[0]])))
    assert [(error.row, error.column) for error in missing.errors] == [
        (1, "通用值"),
        (1, "标准来源"),
        (1, "生效日期"),
        (1, "失效日期"),
    ]
    assert [(error.row, str(error.message)) for error in repeated.errors] == [
        (3, "Same industry, product and start date as row 2.")
    ]
    assert WaterQuota.objects.count() == 0


def test_it_reads_english_headings(cast):
    english = ["industry_code", "product", "unit", "leading_value", "advanced_value", "general_value"]
    english += ["source_standard", "effective_from", "effective_to"]
    outcome = actions.import_quota_workbook(io.BytesIO(workbook_bytes([row[:9] for row in GOOD_ROWS], english)))
    assert outcome.summary == actions.QuotaSaveSummary(created=3, updated=0, unchanged=0)


def test_it_lists_quotas_with_search_and_filters(client, table):
    sign_in(client, table.bureau_staff)

    def products(**query):
        page = client.get(reverse("water:quota_list"), query).context["page"]
        return [(quota.product, quota.effective_from.year) for quota in page]

    assert products() == [("棉印染布", 2023), ("棉印染布", 2020), ("转炉炼钢", 2020)]
    assert products(q="炼钢") == [("转炉炼钢", 2020)]
    assert products(industry=table.runhua.industry_id) == [("棉印染布", 2023), ("棉印染布", 2020)]
    # On 2022-12-31 the 2020 dyeing quota and the steel quota (ending that day) are in force; a day later,
    # the 2023 dyeing quota and still the 2020 one (it has no end date), but no longer the steel quota.
    assert products(in_force_on="2022-12-31") == [("棉印染布", 2020), ("转炉炼钢", 2020)]
    assert products(in_force_on="2023-01-01") == [("棉印染布", 2023), ("棉印染布", 2020)]


def test_it_pages_the_quota_list_fifty_at_a_time(client, table):
    for number in range(57):  # 57 more: 60 in all → pages of 50 and 10
        WaterQuota.objects.create(
            industry=table.runhua.industry,
            product=f"产品{number:02d}",
            unit="m³/t",
            general_value=1.0,
            source_standard=JIANGSU_2019,
            effective_from=datetime.date(2020, 1, 1),
        )
    sign_in(client, table.bureau_staff)
    assert len(client.get(reverse("water:quota_list")).context["page"]) == 50
    assert len(client.get(reverse("water:quota_list"), {"page": 2}).context["page"]) == 10


def test_it_imports_from_the_page_and_says_what_changed(client, cast):
    sign_in(client, cast.bureau_admin)
    response = client.post(
        reverse("water:import_quotas"),
        {"file": upload(workbook_bytes(GOOD_ROWS))},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.redirect_chain == [(reverse("water:quota_list"), 302)]
    assert "Quota table imported: 3 added, 0 changed, 0 unchanged." in response.text
    assert WaterQuota.objects.count() == 3


def test_it_shows_the_report_of_a_bad_workbook_and_stores_nothing(client, cast):
    bad = [
        GOOD_ROWS[0],
        ["C1713", "涤纶印染布", "m³/百米", 1.0, 2.0, 2.5, JIANGSU_2019, datetime.date(2020, 1, 1), None, "也许"],
    ]
    response = sign_in(client, cast.bureau_staff).post(
        reverse("water:import_quotas"), {"file": upload(workbook_bytes(bad))}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.context["bad_row_count"] == 1
    assert "Nothing of this workbook was stored." in response.text
    assert "待核实 (J)" in response.text and "Not yes or no: “也许”. Write 是 or 否." in response.text
    assert WaterQuota.objects.count() == 0


def test_it_refuses_a_file_that_is_not_a_workbook(client, cast):
    sign_in(client, cast.bureau_staff)
    not_xlsx = client.post(
        reverse("water:import_quotas"), {"file": upload(b"a,b\n", "定额.csv")}, HTTP_ACCEPT_LANGUAGE="en"
    )
    broken = client.post(reverse("water:import_quotas"), {"file": upload(b"PK not a zip")}, HTTP_ACCEPT_LANGUAGE="en")
    assert not_xlsx.context["form"].errors["file"] == [
        "定额.csv is not an .xlsx file. Save the table as Excel workbook (.xlsx)."
    ]
    assert broken.context["form"].errors["file"] == ["This file is not an Excel workbook (.xlsx) that can be opened."]


@pytest.mark.parametrize("url_name", ["water:quota_list", "water:import_quotas", "water:export_quotas"])
def test_it_opens_the_quota_pages_to_the_bureau_only(client, cast, url_name):
    url = reverse(url_name)
    assert client.get(url).status_code == 302  # anonymous: sent to sign in
    assert sign_in(client, cast.bureau_staff).get(url).status_code == 200
    assert sign_in(client, cast.bureau_admin).get(url).status_code == 200
    for outsider in (cast.runhua_reporter, cast.network_analyst, cast.clinic_staff, cast.inspector):
        assert sign_in(client, outsider).get(url).status_code == 403


def test_it_refuses_an_enterprise_reporter_an_upload(client, cast):
    response = sign_in(client, cast.runhua_reporter).post(
        reverse("water:import_quotas"), {"file": upload(workbook_bytes(GOOD_ROWS))}
    )
    assert response.status_code == 403
    assert WaterQuota.objects.count() == 0


def test_the_command_imports_a_workbook_and_reports_it(tmp_path, cast):
    path = tmp_path / "定额.xlsx"
    path.write_bytes(workbook_bytes(GOOD_ROWS))
    first, second = io.StringIO(), io.StringIO()
    call_command("import_quotas", str(path), "--user", "wangfang", stdout=first)
    call_command("import_quotas", str(path), "--by", "wangfang", stdout=second)
    assert "定额.xlsx: 3 quotas added, 0 changed, 0 unchanged." in first.getvalue()
    assert "定额.xlsx: 0 quotas added, 0 changed, 3 unchanged." in second.getvalue()
    assert WaterQuota.history.filter(history_user=cast.bureau_staff).count() == 3


def test_the_command_prints_each_bad_row_and_fails(tmp_path, cast):
    path = tmp_path / "定额.xlsx"
    path.write_bytes(
        workbook_bytes(
            [
                GOOD_ROWS[0],
                ["C1713", "涤纶印染布", "m³/百米", 1.0, 2.0, -2.5, JIANGSU_2019, datetime.date(2020, 1, 1), None, "否"],
            ]
        )
    )
    output = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match=r"定额\.xlsx rejected, nothing stored\."):
        call_command("import_quotas", str(path), "--by", "wangfang", stdout=output)
    assert "row 3, 通用值 (F): A quota must be a number greater than zero." in output.getvalue()
    assert WaterQuota.objects.count() == 0


def test_the_export_command_writes_what_the_import_command_reads_back(tmp_path, table):
    path = tmp_path / "定额.xlsx"
    output = io.StringIO()
    call_command("export_quotas", str(path), stdout=output)
    before = stored_quotas()
    WaterQuota.objects.all().delete()
    call_command("import_quotas", str(path), "--by", "wangfang", stdout=output)
    assert "定额.xlsx: 3 quotas written." in output.getvalue()
    assert stored_quotas() == before

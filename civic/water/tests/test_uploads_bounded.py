"""Hostile and oversized uploads of readings files and quota workbooks: refused clearly, in bounded memory.

The cast registers the meters M-RH-01, M-RH-01A and M-XL-01 (civic.testing);
every other serial below is unknown on purpose. Counts are of the rows each
test writes.
"""

import datetime
import io
import sqlite3
import tracemalloc
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from civic.testing import sign_in
from civic.water import actions, quotas, readings_files, readings_reasons
from civic.water.models import MeterReading, ReadingImportBatch, StagedReading, WaterQuota

HEADER = "表号,抄表日期,表底数,用水量,备注\r\n"
ENTITIES = b'<?xml version="1.0"?><!DOCTYPE bomb [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'


def readings_workbook(rows, sheet_xml=lambda xml: xml):
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append(["表号", "抄表日期", "表底数", "用水量", "备注"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item.filename, sheet_xml(data) if item.filename == "xl/worksheets/sheet1.xml" else data)
    return rewritten.getvalue()


def declared_huge(xml: bytes) -> bytes:
    """The sheet claims the largest range Excel allows, and has an empty formatted cell in its last corner."""
    start = xml.index(b"<dimension ref=")
    end = xml.index(b"/>", start) + 2
    xml = xml[:start] + b'<dimension ref="A1:XFD1048576"/>' + xml[end:]
    return xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')


def codes(batch):
    return [error["code"] for error in batch.errors]


def test_a_small_workbook_declaring_the_largest_sheet_is_imported_in_little_memory(cast):
    # 1 reading in a 5 KB workbook whose sheet spans A1:XFD1048576: read as declared, a million rows of 16,384 cells.
    content = readings_workbook([["M-RH-01", "2024-01-31", 1200, None, None]], declared_huge)
    assert len(content) < 10_000
    tracemalloc.start()
    batch = actions.import_readings_file("huge.xlsx", content, None)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert batch.status == "accepted" and batch.row_count == 1
    assert peak < 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("sheet_xml", "code"),
    [
        (lambda xml: ENTITIES + xml.replace(b"<t>M-RH-01</t>", b"<t>&b;</t>"), "unsafe_workbook"),
        (lambda xml: xml[: len(xml) // 2], "unsafe_workbook"),
    ],
    ids=["dtd-and-entities", "broken-sheet-xml"],
)
def test_a_hostile_workbook_is_rejected_with_a_clear_report_not_a_500(cast, client, sheet_xml, code):
    content = readings_workbook([["M-RH-01", "2024-01-31", 1200, None, None]], sheet_xml)
    sign_in(client, cast.bureau_staff)
    response = client.post(
        reverse("water:import_readings"),
        {"file": SimpleUploadedFile("hostile.xlsx", content)},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    batch = ReadingImportBatch.objects.get()
    assert response.status_code == 200
    assert batch.status == "rejected" and codes(batch) == [code]
    assert "declares a document type or entities, or is broken" in response.text
    assert MeterReading.objects.count() == 0


def test_a_file_of_more_than_250_000_distinct_meters_is_refused_without_a_500(cast):
    rows = "".join(f"M-{number:07d},2024-01-31,1,,\r\n" for number in range(250_001))
    batch = actions.import_readings_file("meters.csv", (HEADER + rows).encode(), None)
    assert batch.status == "rejected" and codes(batch) == ["too_many_rows"]
    with translation.override("en"):
        assert readings_reasons.describe(batch.errors[0]) == (
            "The file has more than 200,000 rows of data; split it into files of at most 200,000 rows."
        )


def test_a_file_naming_more_meters_than_one_query_takes_is_checked_in_chunks(cast):
    # 12,001 unknown meters: more than 2 × 5,000 serials per query and SQLite's usual 32,766 parameters.
    rows = "".join(f"M-{number:07d},2024-01-31,1,,\r\n" for number in range(12_000)) + "M-RH-01,2024-01-31,1200,,\r\n"
    batch = actions.import_readings_file("many.csv", (HEADER + rows).encode(), None)
    assert batch.status == "rejected" and batch.row_count == 12_001
    assert len(batch.errors) == readings_files.LIMITS.max_errors + 1  # the first 1,000 and a count of the rest
    assert batch.errors[0]["row"] == 2 and batch.errors[999]["row"] == 1001
    assert batch.errors[-1]["code"] == "more_errors" and batch.errors[-1]["details"] == {"count": "11,000"}
    with translation.override("en"):
        assert readings_reasons.describe(batch.errors[-1]).startswith("… and 11,000 more errors, not listed.")


def test_a_rejected_file_imported_again_and_again_adds_nothing(cast):
    content = (HEADER + "M-NOPE,2024-01-31,10,,\r\n").encode()
    first = actions.import_readings_file("bad.csv", content, None)
    for _attempt in range(3):
        again = actions.import_readings_file("bad.csv", content, None)
    assert ReadingImportBatch.objects.count() == 1
    assert again.pk == first.pk and codes(again) == ["unknown_meter"]


def test_an_oversized_upload_is_refused_by_its_size(cast):
    content = (HEADER + "M-RH-01,2024-01-31,1200,,\r\n").encode() + b" " * (readings_files.LIMITS.max_bytes + 1)
    batch = actions.import_readings_file("big.csv", io.BytesIO(content), None)
    assert codes(batch) == ["too_large"]
    assert batch.errors[0]["details"] == {"size_mb": "20", "limit_mb": "20"}


def test_a_quota_workbook_with_entities_is_refused_on_the_form_not_with_a_500(client, cast):
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append(["行业代码", "产品名称"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item.filename, ENTITIES + data if item.filename == "xl/workbook.xml" else data)
    sign_in(client, cast.bureau_staff)
    response = client.post(
        reverse("water:import_quotas"),
        {"file": SimpleUploadedFile("定额.xlsx", hostile.getvalue())},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "declares a document type or entities" in response.context["form"].errors["file"][0]
    assert WaterQuota.objects.count() == 0


# --- fuzz: any readings file or quota workbook gives an accepted or a rejected import, never an exception ------

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
SERIALS = st.sampled_from(["M-RH-01", "M-RH-01A", "M-XL-01", "M-NOPE", "", " m-rh-01 "])
DATES = st.one_of(st.sampled_from(["2024-01-31", "2024/2/29", "2024-13-01", "", "昨天"]), st.dates().map(str))
NUMBERS = st.one_of(st.just(""), st.integers(-10, 10**7).map(str), st.floats().map(str), st.text(max_size=6))
ROWS = st.lists(st.tuples(SERIALS, DATES, NUMBERS, NUMBERS, st.sampled_from(["", "翻转", "rollover"])), max_size=8)


@FUZZ
@given(rows=ROWS, encoding=st.sampled_from(["utf-8-sig", "gb18030"]))
def test_any_readings_file_is_accepted_or_rejected_whole(cast, rows, encoding):
    text = HEADER + "".join(",".join(cell.replace(",", "，") for cell in row) + "\r\n" for row in rows)
    batch = actions.import_readings_file("fuzz.csv", text.encode(encoding), None)
    stored = MeterReading.objects.filter(batch=batch).count()
    assert (batch.status, stored) in {("accepted", batch.row_count), ("rejected", 0)}
    assert all(readings_reasons.describe(error) for error in batch.errors)


QUOTA_CELLS = st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 5), st.floats(-1, 10), st.dates())


@FUZZ
@given(rows=st.lists(st.lists(QUOTA_CELLS, min_size=9, max_size=10), max_size=5))
def test_any_quota_workbook_is_stored_whole_or_reported(cast, rows):
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append([column.heading for column in quotas.COLUMNS])
    try:
        for row in rows:
            sheet.append(row)
    except IllegalCharacterError:  # openpyxl refuses control characters in text; no such workbook exists
        return
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = actions.import_quota_workbook(io.BytesIO(buffer.getvalue()))
    assert (outcome.summary is None) == bool(outcome.errors)
    assert all(str(line.message) for line in outcome.errors)


@pytest.mark.django_db(transaction=True)
def test_a_long_import_lets_other_users_write_between_its_chunks(cast):
    # 3 meters × 40 daily readings = 120 rows in chunks of 10: after each chunk the import holds no transaction,
    # so another connection takes SQLite's write lock at once (timeout 0) — before, one transaction held it
    # from the first chunk to the last.
    serials = ["M-RH-01", "M-RH-01A", "M-XL-01"]
    days = [datetime.date(2024, 1, 1) + datetime.timedelta(days=day) for day in range(40)]
    rows = "".join(f"{serial},{day.isoformat()},,1,\r\n" for serial in serials for day in days)
    probes = []

    def another_user_writes(done_rows):
        probes.append((done_rows, connection.in_atomic_block, other_connection_can_write()))

    batch = actions.import_readings_file(
        "long.csv", (HEADER + rows).encode(), None, progress=another_user_writes, chunk_rows=10
    )
    assert batch.status == "accepted" and MeterReading.objects.filter(batch=batch).count() == 120
    assert probes == [(done, False, True) for done in range(10, 121, 10)]
    assert StagedReading.objects.count() == 0  # the staged rows are gone once stored


def other_connection_can_write() -> bool:
    if connection.vendor != "sqlite":
        return True  # PostgreSQL locks rows, not the database; no transaction open is the point there
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_the_upload_forms_refuse_a_file_over_the_intake_s_size_limit(client, cast):
    sign_in(client, cast.bureau_staff)
    readings = SimpleUploadedFile("big.csv", HEADER.encode() + b" " * (21 * 1024 * 1024))
    quota_table = SimpleUploadedFile("定额.xlsx", b"PK\x03\x04" + b" " * (11 * 1024 * 1024))
    readings_page = client.post(reverse("water:import_readings"), {"file": readings}, HTTP_ACCEPT_LANGUAGE="en")
    quota_page = client.post(reverse("water:import_quotas"), {"file": quota_table}, HTTP_ACCEPT_LANGUAGE="en")
    assert readings_page.context["form"].errors["file"] == [
        "The file is 21 MB; at most 20 MB is read. Split it into smaller files."
    ]
    assert quota_page.context["form"].errors["file"] == [
        "The file is 11 MB; at most 10 MB is read. Split it into smaller files."
    ]
    assert ReadingImportBatch.objects.count() == 0


def test_the_import_page_states_the_limits_of_a_readings_file(client, cast):
    sign_in(client, cast.bureau_staff)
    chinese = client.get(reverse("water:import_readings")).text
    english = client.get(reverse("water:import_readings"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "一个文件最多 200,000 行、20 MB；报告列出前 1,000 处错误，其余只计数。" in chinese
    assert "A file holds at most 200,000 rows in 20 MB; a report lists its first 1,000 errors" in english

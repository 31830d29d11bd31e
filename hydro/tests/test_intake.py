"""The intake of uploaded tables: headings, typed cells, encodings, limits and hostile workbooks.

Figures are counted by hand from the files each test writes; the hostile
workbooks are the kinds a county's upload page meets (a declared sheet of
the largest size Excel allows, a DTD with entities, broken XML, a ZIP bomb).
"""

import codecs
import datetime
import io
import tracemalloc
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from hydro import intake

SCHEMA = intake.TableSchema(
    columns=(
        intake.Column("name", headings=("名称", "Name"), type=str, max_length=10),
        intake.Column("area_m2", headings=("面积",), type=float),
        intake.Column("workers", headings=("人数",), type=int, required=False, column_required=False),
        intake.Column("opened_on", headings=("开业日期",), type=datetime.date, required=False, column_required=False),
        intake.Column("certified", headings=("认证",), type=bool, required=False, column_required=False),
    )
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def workbook_bytes(rows):
    workbook = Workbook()
    sheet: Any = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_part(content, name, transform):
    """The workbook with one of its parts rewritten."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item.filename, transform(data) if item.filename == name else data)
    return buffer.getvalue()


def test_it_reads_chinese_and_english_headings_into_typed_values():
    text = '名称,面积（m²）,人数,开业日期, Opened \r\n润华印染,"12,500",120,2020/3/1,x\r\n,,,,\r\n新立纺织,800.5,,2021年7月15日,\r\n'
    result = intake.read_table(text.encode("utf-8"), SCHEMA)
    assert [row.number for row in result.rows] == [2, 4]  # the blank row 3 is skipped
    assert result.rows[0].values == {
        "name": "润华印染",
        "area_m2": 12500.0,
        "workers": 120,
        "opened_on": datetime.date(2020, 3, 1),
    }
    assert result.rows[1].values["opened_on"] == datetime.date(2021, 7, 15)
    assert result.headings == {
        "name": "名称 (A)",
        "area_m2": "面积（m²） (B)",
        "workers": "人数 (C)",
        "opened_on": "开业日期 (D)",
    }
    assert result.kind == "csv" and result.error_count == 0


def test_it_names_each_bad_cell_with_a_stable_code():
    text = "Name,面积,人数,开业日期,认证\n一个很长很长很长的名字啊,abc,1.5,2024-02-30,也许\n,-3,,,是\n"
    result = intake.read_table(text.encode("utf-8"), SCHEMA)
    assert [(error.row_number, error.column, error.code) for error in result.errors] == [
        (2, "name", "too_long"),
        (2, "area_m2", "not_a_number"),
        (2, "workers", "not_a_whole_number"),
        (2, "opened_on", "bad_date"),
        (2, "certified", "not_yes_no"),
        (3, "name", "blank_cell"),
    ]
    assert result.errors[1].message == "abc is not a number."
    assert result.errors[0].message == "Too long: at most 10 characters."
    assert result.rows == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_it_reads_the_encodings_excel_and_chinese_windows_write(encoding):
    text = "名称,面积\r\n润华印染,1200\r\n"
    result = intake.read_table(text.encode(encoding), SCHEMA.__class__(columns=SCHEMA.columns[:2]))
    assert result.rows == [intake.Row(2, {"name": "润华印染", "area_m2": 1200.0})]


def test_it_reads_semicolons_with_decimal_commas_as_european_excel_and_battledim_write():
    # "1200,5" is 1200.5 where cells are separated by semicolons; a comma-separated file is read as before
    text = "名称;面积\r\n润华印染;1200,5\r\n鑫隆钢铁;-3,25\r\n"
    result = intake.read_table(text.encode(), SCHEMA.__class__(columns=SCHEMA.columns[:2]))
    assert result.rows == [
        intake.Row(2, {"name": "润华印染", "area_m2": 1200.5}),
        intake.Row(3, {"name": "鑫隆钢铁", "area_m2": -3.25}),
    ]
    result = intake.read_table(
        '名称,面积\r\n润华印染,"1,200"\r\n'.encode(), SCHEMA.__class__(columns=SCHEMA.columns[:2])
    )
    assert result.rows == [intake.Row(2, {"name": "润华印染", "area_m2": 1200.0})]  # a thousands separator


def test_it_reads_the_first_sheet_of_a_workbook_with_excel_day_numbers_as_dates():
    # 45322 is 2024-01-31 in Excel's 1900 date system (day 1 = 1900-01-01, with its 29 February 1900).
    content = workbook_bytes(
        [["名称", "面积", "开业日期"], ["润华印染", 1200, 45322], ["新立", 5, datetime.date(2020, 1, 1)]]
    )
    result = intake.read_table(content, SCHEMA)
    assert [row.values["opened_on"] for row in result.rows] == [datetime.date(2024, 1, 31), datetime.date(2020, 1, 1)]
    assert result.kind == "xlsx"


def test_it_refuses_a_header_without_a_required_column_naming_each():
    with pytest.raises(intake.TableError) as refusal:
        intake.read_table("名称,人数\n润华,3\n".encode(), SCHEMA)
    assert refusal.value.code == "missing_columns"
    assert [(error.row_number, error.column) for error in refusal.value.errors] == [(1, "area_m2")]
    assert refusal.value.details == {"missing": "面积 / area_m2", "found": "名称, 人数"}


def test_it_refuses_a_file_over_the_size_limit_before_reading_it():
    with pytest.raises(intake.TableError) as refusal:
        intake.read_table(b"x" * 2_000_000, SCHEMA, intake.Limits(max_bytes=1_048_576))
    assert refusal.value.code == "too_large"
    assert str(refusal.value) == "The file is 1.9 MB; at most 1 MB is read. Split it into smaller files."


def test_it_refuses_more_rows_or_columns_than_the_limits():
    rows = "".join(f"F{number},1\n" for number in range(6))
    with pytest.raises(intake.TableError) as too_many_rows:
        intake.read_table(("名称,面积\n" + rows).encode(), SCHEMA, intake.Limits(max_rows=5))
    with pytest.raises(intake.TableError) as too_many_columns:
        intake.read_table(("名称,面积" + ",x" * 10 + "\n").encode(), SCHEMA, intake.Limits(max_columns=5))
    assert too_many_rows.value.code == "too_many_rows" and too_many_rows.value.details == {"limit": "5"}
    assert too_many_columns.value.code == "too_many_columns"
    # five rows are within a limit of five
    assert (
        len(
            intake.read_table(
                ("名称,面积\n" + rows[: rows.index("F5")]).encode(), SCHEMA, intake.Limits(max_rows=5)
            ).rows
        )
        == 5
    )


def test_it_keeps_the_first_errors_and_counts_the_rest():
    text = "名称,面积\n" + "".join(f"F{number},abc\n" for number in range(2500))
    result = intake.read_table(text.encode(), SCHEMA, intake.Limits(max_errors=100))
    assert result.error_count == 2500
    assert [error.row_number for error in result.errors] == list(range(2, 102))


def test_an_error_log_keeps_the_earliest_rows_whatever_order_they_come_in():
    log = intake.ErrorLog(limit=3)
    log.order_columns(["a", "b"])
    for row, column in [(9, "a"), (4, "b"), (2, "b"), (4, "a"), (7, "a")]:
        log.add(intake.row_error(row, column, "", "blank_cell"))
    assert [(error.row_number, error.column) for error in log.errors] == [(2, "b"), (4, "a"), (4, "b")]
    assert log.count == 5


def test_a_small_workbook_declaring_the_largest_sheet_is_read_in_little_memory():
    # The sheet says it spans A1:XFD1048576 (16,384 columns × 1,048,576 rows) and has an empty cell in that
    # corner, but holds three rows: read as declared, a million rows of 16,384 cells each.
    content = with_part(
        workbook_bytes([["名称", "面积"], ["润华", 1], ["新立", 2]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<dimension ref="A1:B3" />', b'<dimension ref="A1:XFD1048576" />').replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'
        ),
    )
    assert len(content) < 10_000 and b"XFD1048576" in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )
    tracemalloc.start()
    result = intake.read_table(content, SCHEMA)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [row.values["name"] for row in result.rows] == ["润华", "新立"]
    assert peak < 20 * 1024 * 1024


def test_a_workbook_with_a_cell_far_below_the_row_limit_is_refused():
    content = with_part(
        workbook_bytes([["名称", "面积"], ["润华", 1]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        ),
    )
    with pytest.raises(intake.TableError) as refusal:
        intake.read_table(content, SCHEMA)
    assert refusal.value.code == "too_many_rows"


ENTITIES = b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'


@pytest.mark.parametrize(
    ("part", "transform", "code"),
    [
        ("xl/worksheets/sheet1.xml", lambda xml: ENTITIES + xml, "unsafe_workbook"),
        ("xl/worksheets/sheet1.xml", lambda xml: ENTITIES + xml.replace(b"<t>", b"<t>&lol2;", 1), "unsafe_workbook"),
        ("xl/workbook.xml", lambda xml: ENTITIES + xml, "unsafe_workbook"),
        ("xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2], "unsafe_workbook"),
        ("xl/workbook.xml", lambda xml: b"not xml at all", "unsafe_workbook"),
    ],
    ids=["dtd-in-sheet", "entities-in-cells", "dtd-in-workbook", "broken-sheet", "broken-workbook"],
)
def test_a_workbook_with_a_dtd_entities_or_broken_xml_is_refused_clearly(part, transform, code):
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append(["名称", "面积"])
    sheet.append(["润华", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    with pytest.raises(intake.TableError) as refusal:
        intake.read_table(with_part(content, part, transform), SCHEMA)
    assert refusal.value.code == code


def test_a_zip_bomb_is_refused_by_its_unzipped_size():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 50_000_000)  # 50 MB of spaces deflate to ~50 KB
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(intake.TableError) as refusal:
        intake.read_table(buffer.getvalue(), SCHEMA, intake.Limits(max_unzipped_bytes=10_000_000))
    assert refusal.value.code == "too_large"


def test_only_a_workbook_is_taken_where_only_a_workbook_is_asked_for():
    with pytest.raises(intake.TableError) as csv_file:
        intake.read_table("名称,面积\n润华,1\n".encode(), SCHEMA, formats=("xlsx",))
    with pytest.raises(intake.TableError) as broken:
        intake.read_table(b"PK\x03\x04 not a zip", SCHEMA, formats=("xlsx",))
    assert csv_file.value.code == broken.value.code == "not_a_workbook"


def test_an_error_never_stores_a_whole_huge_cell():
    error = intake.row_error(2, "name", "x" * 100_000, "not_a_number")
    assert len(error.value) == intake.ERROR_VALUE_CHARS + 1 and len(error.message) < 300


# --- fuzz: whatever the bytes, a table or a TableError, never another exception ------------------------------


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_table_or_a_table_error(content):
    try:
        result = intake.read_table(content, SCHEMA, intake.Limits(max_rows=50, max_columns=10))
    except intake.TableError as error:
        assert error.code in intake.MESSAGES
    else:
        assert result.error_count >= len(result.errors)


CELLS = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.floats(allow_nan=True), st.dates())


@FUZZ
@given(st.lists(st.lists(CELLS, max_size=7), max_size=12), st.sampled_from(["utf-8", "gb18030"]))
def test_any_csv_under_a_good_header_gives_rows_or_coded_errors(rows, encoding):
    text = io.StringIO()
    text.write("名称,面积,人数,开业日期,认证\n")
    for row in rows:
        text.write(",".join("" if cell is None else str(cell).replace("\x00", "") for cell in row) + "\n")
    try:
        content = text.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        result = intake.read_table(content, SCHEMA, intake.Limits(max_columns=10))
    except intake.TableError as error:
        assert error.code in intake.MESSAGES
        return
    assert all(error.code in intake.MESSAGES for error in result.errors)


@FUZZ
@given(st.lists(st.lists(CELLS, max_size=6), max_size=8), st.integers(0, 4000), st.binary(min_size=1, max_size=8))
def test_any_workbook_cells_or_damage_give_rows_or_coded_errors(rows, position, damage):
    clean_rows = [
        [
            cell.replace("\x00", "") if isinstance(cell, str) else cell
            for cell in row
            if not isinstance(cell, float) or cell == cell
        ]
        for row in rows
    ]
    try:
        content = workbook_bytes([["名称", "面积", "人数", "开业日期", "认证"], *clean_rows])
    except Exception:  # openpyxl refuses some text (control characters); nothing to read then
        return
    sheet = "xl/worksheets/sheet1.xml"
    damaged = with_part(content, sheet, lambda xml: xml[: position % len(xml)] + damage + xml[position % len(xml) :])
    for candidate in (content, damaged):
        try:
            result = intake.read_table(candidate, SCHEMA)
        except intake.TableError as error:
            assert error.code in intake.MESSAGES
        else:
            assert all(error.code in intake.MESSAGES for error in result.errors)


def test_the_byte_order_mark_never_reaches_the_first_heading():
    content = codecs.BOM_UTF8 + "名称,面积\n润华,1\n".encode()
    assert intake.read_table(content, SCHEMA.__class__(columns=SCHEMA.columns[:2])).headings["name"] == "名称 (A)"

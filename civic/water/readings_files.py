"""Readings files in the bureau's layout, CSV or XLSX, read into raw rows; the checks live in hydro.readings.meter_readings.

The layout is one row per reading under a header row naming the columns in
Chinese or English: 表号 / meter_serial, 抄表日期 / reading_date, 表底数 /
index_m3 or 用水量 / volume_m3 (a row gives one of them), and optionally
备注 / remark. CSV files may be UTF-8 (with or without a byte-order mark, as
Excel writes it) or GB18030 (as Chinese Windows writes it); of a workbook the
first sheet is read. The file goes through `hydro.intake` like every upload,
within `LIMITS`; the cells are handed on as read, for hydro.readings.meter_readings to
check against the registered meters.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io

from openpyxl import Workbook

from civic.core import xlsx
from hydro import intake
from hydro.readings.meter_readings import INDEX, METER_SERIAL, READING_DATE, REMARK, VOLUME, CellValue, RawReading

LIMITS = intake.Limits(max_bytes=20 * 1024 * 1024, max_rows=200_000, max_columns=50, max_errors=1000)
"""A readings file holds at most 200,000 readings in 20 MB; a report keeps its first 1,000 errors."""
HEADER_NAMES = {
    METER_SERIAL: ("表号", "meter_serial"),
    READING_DATE: ("抄表日期", "reading_date"),
    INDEX: ("表底数", "index_m3"),
    VOLUME: ("用水量", "volume_m3"),
    REMARK: ("备注", "remark"),
}
"""The Chinese and the English header of each column."""

SCHEMA = intake.TableSchema(
    columns=tuple(
        intake.Column(
            column,
            headings=names,
            type=None,  # the cells are checked by hydro.readings.meter_readings, which knows the meters
            required=False,
            column_required=column in (METER_SERIAL, READING_DATE),
        )
        for column, names in HEADER_NAMES.items()
    ),
    one_of=((INDEX, VOLUME),),
)
TEMPLATE_ROWS: tuple[tuple[str, datetime.date, float | None, float | None, str], ...] = (
    ("M-RH-01", datetime.date(2024, 1, 31), 1200.0, None, ""),
    ("M-RH-01A", datetime.date(2024, 1, 31), None, 350.0, ""),
    ("M-XL-01", datetime.date(2024, 1, 31), 40.0, None, "翻转"),
)


def read_readings_file(file_name: str, content: intake.Source) -> list[RawReading]:
    """The data rows of a readings file, numbered as a spreadsheet numbers them (the header is row 1).

    Blank rows are skipped. Raises `hydro.intake.TableError` when the file is
    not a table, is beyond `LIMITS` or its header lacks a needed column.
    """
    table = intake.read_table(content, SCHEMA, LIMITS)
    serial_dates = table.kind == "xlsx"
    return [_raw_reading(row, serial_dates) for row in table.rows]


def header_label(column: str) -> str:
    """The Chinese and the English header of a column, as "表号 / meter_serial"."""
    return SCHEMA.column(column).label


def template_csv() -> bytes:
    """An example readings file as CSV in UTF-8 with a byte-order mark, so that Excel opens it right."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(names[0] for names in HEADER_NAMES.values())
    for serial, reading_date, index_m3, volume_m3, remark in TEMPLATE_ROWS:
        writer.writerow([serial, reading_date.isoformat(), _blank_if_none(index_m3), _blank_if_none(volume_m3), remark])
    return codecs.BOM_UTF8 + text.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """An example readings file as an XLSX workbook, dates as real Excel dates."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "抄表数据"
    sheet.append([names[0] for names in HEADER_NAMES.values()])
    for row in TEMPLATE_ROWS:
        sheet.append(list(row))
    for cell in sheet["B"][1:]:
        cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDE", (14, 12, 12, 12, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    return xlsx.workbook_bytes(workbook)


def _blank_if_none(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _raw_reading(row: intake.Row, serial_dates: bool) -> RawReading:
    values = row.values
    reading_date: CellValue = values[READING_DATE]
    if serial_dates and isinstance(reading_date, int | float) and not isinstance(reading_date, bool):
        reading_date = intake.excel_serial_date(reading_date) or reading_date
    return RawReading(
        row.number, values[METER_SERIAL], reading_date, values.get(INDEX), values.get(VOLUME), values.get(REMARK)
    )

"""Readings files in the bureau's layout, CSV or XLSX, read into raw rows; the checks live in hydro.meter_readings.

The layout is one row per reading under a header row naming the columns in
Chinese or English: 表号 / meter_serial, 抄表日期 / reading_date, 表底数 /
index_m3 or 用水量 / volume_m3 (a row gives one of them), and optionally
备注 / remark. CSV files may be UTF-8 (with or without a byte-order mark, as
Excel writes it) or GB18030 (as Chinese Windows writes it); of a workbook the
first sheet is read.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import from_excel

from hydro.meter_readings import INDEX, METER_SERIAL, READING_DATE, REMARK, VOLUME, CellValue, RawReading

ZIP_SIGNATURE = b"PK\x03\x04"
HEADER_NAMES = {
    METER_SERIAL: ("表号", "meter_serial"),
    READING_DATE: ("抄表日期", "reading_date"),
    INDEX: ("表底数", "index_m3"),
    VOLUME: ("用水量", "volume_m3"),
    REMARK: ("备注", "remark"),
}
"""The Chinese and the English header of each column."""

COLUMN_BY_HEADER = {name.lower(): column for column, names in HEADER_NAMES.items() for name in names}
TEMPLATE_ROWS: tuple[tuple[str, datetime.date, float | None, float | None, str], ...] = (
    ("M-RH-01", datetime.date(2024, 1, 31), 1200.0, None, ""),
    ("M-RH-01A", datetime.date(2024, 1, 31), None, 350.0, ""),
    ("M-XL-01", datetime.date(2024, 1, 31), 40.0, None, "翻转"),
)


class ReadingsFileError(Exception):
    """A file that cannot be read as a readings table at all.

    `code` is "not_a_table" (neither a CSV text nor an XLSX workbook) or
    "missing_columns" (the header row lacks `missing_columns`, canonical names).
    """

    def __init__(self, code: str, missing_columns: Sequence[str] = (), found_headers: Sequence[str] = ()) -> None:
        super().__init__(code)
        self.code = code
        self.missing_columns = tuple(missing_columns)
        self.found_headers = tuple(found_headers)


def read_readings_file(file_name: str, content: bytes) -> list[RawReading]:
    """The data rows of a readings file, numbered as a spreadsheet numbers them (the header is row 1).

    Blank rows are skipped. Raises ReadingsFileError when the file is not a
    table or its header lacks a needed column.
    """
    if content.startswith(ZIP_SIGNATURE):
        return _rows_from_table(_xlsx_table(content), dates_may_be_serial=True)
    return _rows_from_table(_csv_table(content), dates_may_be_serial=False)


def header_label(column: str) -> str:
    """The Chinese and the English header of a column, as "表号 / meter_serial"."""
    return " / ".join(HEADER_NAMES[column])


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
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _blank_if_none(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _csv_table(content: bytes) -> Iterable[Sequence[CellValue]]:
    try:
        return list(csv.reader(io.StringIO(_decode_text(content), newline="")))
    except csv.Error as error:
        raise ReadingsFileError("not_a_table") from error


def _decode_text(content: bytes) -> str:
    """The text of a CSV file: UTF-8 (a byte-order mark is dropped) or else GB18030."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadingsFileError("not_a_table")


def _xlsx_table(content: bytes) -> Iterable[Sequence[CellValue]]:
    """The rows of the workbook's first sheet; rows of a read-only sheet come with their gaps, so numbers hold."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ReadingsFileError("not_a_table") from error
    try:
        sheet = workbook.worksheets[0]
        return [tuple(_xlsx_cell(value) for value in row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _xlsx_cell(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | datetime.date):
        return value
    return str(value)


def _rows_from_table(table: Iterable[Sequence[CellValue]], dates_may_be_serial: bool) -> list[RawReading]:
    rows = iter(enumerate(table, start=1))
    header_row = next(rows, None)
    if header_row is None:
        raise ReadingsFileError("missing_columns", missing_columns=(METER_SERIAL, READING_DATE, INDEX, VOLUME))
    positions = _column_positions(header_row[1])
    readings = []
    for row_number, cells in rows:
        if any(_is_filled(cell) for cell in cells):
            readings.append(_raw_reading(row_number, cells, positions, dates_may_be_serial))
    return readings


def _column_positions(header: Sequence[CellValue]) -> dict[str, int]:
    """Where each known column sits in the header row; raises ReadingsFileError for missing ones."""
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        column = COLUMN_BY_HEADER.get(_normalise_header(name))
        if column is not None:
            positions.setdefault(column, position)
    missing = [column for column in (METER_SERIAL, READING_DATE) if column not in positions]
    if INDEX not in positions and VOLUME not in positions:
        missing += [INDEX, VOLUME]
    if missing:
        found = [str(name) for name in header if _is_filled(name)]
        raise ReadingsFileError("missing_columns", missing_columns=missing, found_headers=found)
    return positions


def _normalise_header(name: CellValue) -> str:
    """A header as compared: no spaces, lower case, without a unit in brackets ("表底数（m³）" → "表底数")."""
    text = re.sub(r"\s+", "", str(name or "")).lstrip("\ufeff").lower()
    return re.sub(r"[(（][^()（）]*[)）]$", "", text)


def _raw_reading(
    row_number: int, cells: Sequence[CellValue], positions: dict[str, int], dates_may_be_serial: bool
) -> RawReading:
    def cell(column: str) -> CellValue:
        position = positions.get(column)
        return cells[position] if position is not None and position < len(cells) else None

    reading_date = cell(READING_DATE)
    if dates_may_be_serial and isinstance(reading_date, int | float) and not isinstance(reading_date, bool):
        reading_date = _excel_serial_date(reading_date)
    return RawReading(row_number, cell(METER_SERIAL), reading_date, cell(INDEX), cell(VOLUME), cell(REMARK))


def _excel_serial_date(serial: float) -> CellValue:
    """A date typed into a cell not formatted as a date shows as Excel's day number; read it as the date."""
    try:
        return from_excel(serial).date()
    except (ValueError, OverflowError):
        return serial


def _is_filled(cell: CellValue) -> bool:
    return cell is not None and str(cell).strip() != ""

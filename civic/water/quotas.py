"""The water-use quota table (用水定额) as a spreadsheet: reading, checking and writing it.

The layout is the bureau's: one row per industry and product, with the
columns 行业代码 / 产品名称 / 单位 / 领先值 / 先进值 / 通用值 / 标准来源 /
生效日期 / 失效日期, and an optional 待核实 (to verify) column. English
headers are accepted as well. A file is checked whole: every bad cell is
reported with its row and column, and nothing is stored unless all rows pass.

For a quota, lower is stricter: leading ≤ advanced ≤ general.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, SupportsFloat, SupportsIndex

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from civic.water.models import WaterQuota

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
YES_WORDS = frozenset({"是", "yes", "y", "true", "1", "√"})
NO_WORDS = frozenset({"否", "no", "n", "false", "0"})
HEADER_ROW = 1


@dataclass(frozen=True)
class QuotaColumn:
    name: str  # the WaterQuota field it fills
    heading: str  # the bureau's Chinese heading
    required_column: bool = True
    required_cell: bool = True
    max_length: int = 0  # for text cells; 0 for other kinds
    width: int = 12  # in the exported sheet, in characters


COLUMNS: tuple[QuotaColumn, ...] = (
    QuotaColumn("industry_code", "行业代码", max_length=8, width=10),
    QuotaColumn("product", "产品名称", max_length=100, width=28),
    QuotaColumn("unit", "单位", max_length=30, width=14),
    QuotaColumn("leading_value", "领先值", required_cell=False),
    QuotaColumn("advanced_value", "先进值", required_cell=False),
    QuotaColumn("general_value", "通用值"),
    QuotaColumn("source_standard", "标准来源", max_length=200, width=48),
    QuotaColumn("effective_from", "生效日期"),
    QuotaColumn("effective_to", "失效日期", required_cell=False),
    QuotaColumn("to_verify", "待核实", required_column=False, required_cell=False, width=8),
)
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}
VALUE_COLUMNS = ("leading_value", "advanced_value", "general_value")


class QuotaFileError(ValueError):
    """The upload is not a spreadsheet that can be opened."""


@dataclass(frozen=True)
class RowError:
    """One reason a row was refused, naming its spreadsheet row and column heading."""

    row: int
    column: str
    message: str | Promise

    def __str__(self) -> str:
        return f"{_('row')} {self.row}, {self.column}: {self.message}"


@dataclass(frozen=True)
class RawRow:
    """A row as read: its number in the sheet, its cells by field name and the headings found."""

    number: int
    cells: dict[str, Any]
    headings: dict[str, str]


@dataclass(frozen=True)
class QuotaRow:
    """A checked row, ready to be stored."""

    industry_code: str
    product: str
    unit: str
    leading_value: float | None
    advanced_value: float | None
    general_value: float
    source_standard: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    to_verify: bool | None  # None when the file has no 待核实 column or leaves the cell empty

    @property
    def key(self) -> tuple[str, str, datetime.date]:
        return (self.industry_code, self.product, self.effective_from)


@dataclass
class QuotaSheet:
    rows: list[RawRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class CheckedQuotas:
    quotas: list[QuotaRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# --- Reading -----------------------------------------------------------------


def column_for_heading(heading: object) -> QuotaColumn | None:
    text = str(heading or "").strip()
    for column in COLUMNS:
        if text in (column.heading, column.name):
            return column
    return None


def map_headings(headings: Sequence[object]) -> tuple[dict[int, QuotaColumn], list[RowError]]:
    """Which column of the sheet holds which field; a missing required column is an error."""
    positions: dict[int, QuotaColumn] = {}
    for position, heading in enumerate(headings):
        column = column_for_heading(heading)
        if column and column not in positions.values():
            positions[position] = column
    found = {column.name for column in positions.values()}
    errors = [
        RowError(HEADER_ROW, column.heading, _("This column is missing."))
        for column in COLUMNS
        if column.required_column and column.name not in found
    ]
    return positions, errors


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def rows_from_values(table: Iterable[Sequence[object]]) -> QuotaSheet:
    """Turn a table whose first row holds the headings into raw rows; blank rows are skipped."""
    lines = iter(table)
    header = list(next(lines, []))
    positions, errors = map_headings(header)
    if errors:
        return QuotaSheet(errors=errors)
    # errors name a column as the file heads it (Chinese or English) and by its letter
    headings = {
        column.name: f"{str(header[position]).strip()} ({get_column_letter(position + 1)})"
        for position, column in positions.items()
    }
    sheet = QuotaSheet()
    for number, values in enumerate(lines, start=HEADER_ROW + 1):
        cells = {
            column.name: values[position] if position < len(values) else None for position, column in positions.items()
        }
        if not all(is_blank(value) for value in cells.values()):
            sheet.rows.append(RawRow(number, cells, headings))
    return sheet


def read_quota_workbook(file: IO[bytes]) -> QuotaSheet:
    """Read the first sheet of an XLSX file; raise QuotaFileError if it cannot be opened."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise QuotaFileError(_("This file is not an Excel workbook (.xlsx) that can be opened.")) from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong used range; read every row
        return rows_from_values(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def read_quota_csv(path: Path) -> list[RawRow]:
    """Read a UTF-8 CSV in the same layout (used for the sample table shipped with Civic)."""
    with path.open(encoding="utf-8", newline="") as handle:
        sheet = rows_from_values(csv.reader(handle))
    if sheet.errors:
        raise QuotaFileError("; ".join(str(error) for error in sheet.errors))
    return sheet.rows


# --- Checking one cell -------------------------------------------------------


class CellError(ValueError):
    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


def parse_text(value: object, column: QuotaColumn) -> str:
    text = "" if value is None else str(value).strip()
    if column.max_length and len(text) > column.max_length:
        raise CellError(_("Too long: at most %(limit)d characters.") % {"limit": column.max_length})
    return text


def _as_float(value: object) -> float:
    """A cell's number: text may carry thousands separators ("12,500"); anything else float() takes."""
    if isinstance(value, str):
        return float(value.strip().replace(",", ""))
    if isinstance(value, SupportsFloat | SupportsIndex):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def parse_number(value: object) -> float:
    if isinstance(value, bool):
        raise CellError(_("Not a number: “%(value)s”.") % {"value": value})
    try:
        number = _as_float(value)
    except (TypeError, ValueError) as error:
        raise CellError(_("Not a number: “%(value)s”.") % {"value": value}) from error
    if not math.isfinite(number) or number <= 0:
        raise CellError(_("A quota must be a number greater than zero."))
    return number


def parse_date(value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        return from_excel(value).date()  # a date cell saved without its date format
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(str(value).strip(), date_format).date()
        except ValueError:
            continue
    raise CellError(_("Not a date: “%(value)s”. Write it as YYYY-MM-DD.") % {"value": value})


def parse_yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise CellError(_("Not yes or no: “%(value)s”. Write 是 or 否.") % {"value": value})


def parse_cell(column: QuotaColumn, value: object, known_industry_codes: set[str]) -> object:
    if is_blank(value):
        if column.required_cell:
            raise CellError(_("This cell is required."))
        return None
    if column.name == "industry_code":
        code = parse_text(value, column).upper()
        if code not in known_industry_codes:
            raise CellError(_("Unknown industry code “%(code)s”.") % {"code": code})
        return code
    if column.name in VALUE_COLUMNS:
        return parse_number(value)
    if column.name in ("effective_from", "effective_to"):
        return parse_date(value)
    if column.name == "to_verify":
        return parse_yes_no(value)
    return parse_text(value, column)


# --- Checking a row and a file ----------------------------------------------


def order_errors(raw: RawRow, values: dict[str, Any]) -> list[RowError]:
    """Leading ≤ advanced ≤ general, as far as the values are given (lower is stricter)."""
    present = [(name, values[name]) for name in VALUE_COLUMNS if values.get(name) is not None]
    errors = []
    for (stricter, stricter_value), (looser, looser_value) in itertools.pairwise(present):
        if stricter_value > looser_value:
            message = _("%(stricter)s must not be above %(looser)s: for a quota, lower is stricter.") % {
                "stricter": raw.headings[stricter],
                "looser": raw.headings[looser],
            }
            errors.append(RowError(raw.number, raw.headings[stricter], message))
    return errors


def date_errors(raw: RawRow, values: dict[str, Any]) -> list[RowError]:
    start, end = values.get("effective_from"), values.get("effective_to")
    if start and end and end < start:
        return [RowError(raw.number, raw.headings["effective_to"], _("The end date is before the start date."))]
    return []


def check_row(raw: RawRow, known_industry_codes: set[str]) -> tuple[QuotaRow | None, list[RowError]]:
    values: dict[str, Any] = {}
    errors = []
    for name, value in raw.cells.items():
        try:
            values[name] = parse_cell(COLUMNS_BY_NAME[name], value, known_industry_codes)
        except CellError as error:
            errors.append(RowError(raw.number, raw.headings[name], error.message))
    errors += order_errors(raw, values) + date_errors(raw, values)
    if errors:
        return None, errors
    fields: dict[str, Any] = {column.name: values.get(column.name) for column in COLUMNS}
    return QuotaRow(**fields), []


def duplicate_errors(rows: Sequence[tuple[RawRow, QuotaRow]]) -> list[RowError]:
    first_row_by_key: dict[tuple[str, str, datetime.date], int] = {}
    errors = []
    for raw, quota in rows:
        if quota.key in first_row_by_key:
            message = _("Same industry, product and start date as row %(row)d.") % {"row": first_row_by_key[quota.key]}
            errors.append(RowError(raw.number, raw.headings["product"], message))
        else:
            first_row_by_key[quota.key] = raw.number
    return errors


def check_quota_rows(rows: Sequence[RawRow], known_industry_codes: set[str]) -> CheckedQuotas:
    """Check every row; the result holds either the quotas to store or every error found."""
    checked = CheckedQuotas()
    passed = []
    for raw in rows:
        quota, errors = check_row(raw, known_industry_codes)
        checked.errors += errors
        if quota:
            passed.append((raw, quota))
    checked.errors += duplicate_errors(passed)
    if not checked.errors:
        checked.quotas = [quota for _raw, quota in passed]
    return checked


# --- Writing -----------------------------------------------------------------


def quota_cells(quota: WaterQuota) -> list[object]:
    return [
        quota.industry.code,
        quota.product,
        quota.unit,
        quota.leading_value,
        quota.advanced_value,
        quota.general_value,
        quota.source_standard,
        quota.effective_from,
        quota.effective_to,
        "是" if quota.to_verify else "否",
    ]


def write_quota_workbook(quotas: Iterable[WaterQuota]) -> bytes:
    """The quota table as an XLSX file in the import layout, so it can be edited and uploaded again."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "用水定额"
    sheet.append([column.heading for column in COLUMNS])
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
    for quota in quotas:
        sheet.append(quota_cells(quota))
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column.width
        if column.name.startswith("effective_"):
            for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=position, max_col=position):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

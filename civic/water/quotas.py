"""The water-use quota table (用水定额) as a spreadsheet: reading, checking and writing it.

The layout is the bureau's: one row per industry and product, with the
columns 行业代码 / 产品名称 / 单位 / 领先值 / 先进值 / 通用值 / 标准来源 /
生效日期 / 失效日期, and an optional 待核实 (to verify) column. English
headers are accepted as well. A file is checked whole: every bad cell is
reported with its row and column, and nothing is stored unless all rows pass.

For a quota, lower is stricter: leading ≤ advanced ≤ general.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from civic.core import intake as intake_messages
from civic.core import xlsx
from civic.water.models import WaterQuota
from hydro import intake

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_ROW = intake.HEADER_ROW
LIMITS = intake.Limits(max_bytes=10 * 1024 * 1024, max_rows=20_000, max_columns=30, max_errors=1000)
"""A quota table holds at most 20,000 rows in 10 MB; a report keeps its first 1,000 errors."""


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
DATE_COLUMNS = ("effective_from", "effective_to")


def positive_quota(value: intake.CellValue) -> float:
    """A quota value: a number greater than zero."""
    number = intake.parse_number(value)
    if number is None:
        raise intake.CellError("not_a_number")
    if number <= 0:
        raise intake.CellError("quota_not_positive")
    return number


def _column_type(column: QuotaColumn) -> intake.ColumnType:
    if column.name in VALUE_COLUMNS:
        return positive_quota
    if column.name in DATE_COLUMNS:
        return datetime.date
    return bool if column.name == "to_verify" else str


SCHEMA = intake.TableSchema(
    columns=tuple(
        intake.Column(
            column.name,
            headings=(column.heading,),
            type=_column_type(column),
            required=column.required_cell,
            column_required=column.required_column,
            max_length=column.max_length,
        )
        for column in COLUMNS
    )
)

MESSAGES: dict[str, Promise] = intake_messages.catalogue(
    {
        "quota_not_positive": _("A quota must be a number greater than zero."),
        "unknown_industry": _("Unknown industry code “%(code)s”."),
        "quota_order": _("%(stricter)s must not be above %(looser)s: for a quota, lower is stricter."),
        "end_before_start": _("The end date is before the start date."),
        "duplicate_quota": _("Same industry, product and start date as row %(first_row)s."),
    }
)
"""The messages of a quota table's errors: the intake's and the quotas' own."""


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
class CheckedQuotas:
    """Either the quotas to store, or the errors of the file (the first `LIMITS.max_errors`, and their count)."""

    quotas: list[QuotaRow] = field(default_factory=list)
    errors: list[intake.RowError] = field(default_factory=list)
    error_count: int = 0
    headings: dict[str, str] = field(default_factory=dict)

    def report(self) -> list[intake_messages.ReportLine]:
        """The errors in the active language, each column named as the file heads it, with its letter."""
        return report_lines(self.errors, self.error_count, self.headings)


def report_lines(
    errors: Sequence[intake.RowError], error_count: int, headings: dict[str, str] | None = None
) -> list[intake_messages.ReportLine]:
    """Errors as report lines; a column the file lacks is named by its Chinese heading."""
    found = headings or {}
    entries = intake_messages.bounded_entries(errors, error_count)
    return intake_messages.report_lines(
        entries, MESSAGES, lambda name: found.get(name) or COLUMNS_BY_NAME[name].heading
    )


# --- Reading and checking ------------------------------------------------------


def read_quota_table(source: intake.Source, formats: tuple[str, ...] = ("xlsx",)) -> intake.TableResult:
    """Read a quota table (an upload is XLSX) through the intake; raises `hydro.intake.TableError` if not one."""
    return intake.read_table(source, SCHEMA, LIMITS, formats)


def _row_error(number: int, column: str, value: intake.CellValue, code: str, /, **details: object) -> intake.RowError:
    """An error of the quotas' own checks; its message is written from `MESSAGES` when shown."""
    return intake.row_error(number, column, value, code, {}, **details)


def order_errors(row: intake.Row, headings: dict[str, str]) -> list[intake.RowError]:
    """Leading ≤ advanced ≤ general, as far as the values are given (lower is stricter)."""
    values = row.values
    present = [(name, values[name]) for name in VALUE_COLUMNS if values.get(name) is not None]
    errors = []
    for (stricter, stricter_value), (looser, looser_value) in itertools.pairwise(present):
        if stricter_value > looser_value:
            details = {"stricter": headings[stricter], "looser": headings[looser]}
            errors.append(_row_error(row.number, stricter, stricter_value, "quota_order", **details))
    return errors


def date_errors(row: intake.Row) -> list[intake.RowError]:
    start, end = row.values.get("effective_from"), row.values.get("effective_to")
    if start and end and end < start:
        return [_row_error(row.number, "effective_to", end, "end_before_start")]
    return []


def check_row(
    row: intake.Row, headings: dict[str, str], known_industry_codes: set[str]
) -> tuple[QuotaRow | None, list[intake.RowError]]:
    values = dict(row.values)
    values["industry_code"] = values["industry_code"].upper()
    errors = []
    if values["industry_code"] not in known_industry_codes:
        code = values["industry_code"]
        errors.append(_row_error(row.number, "industry_code", code, "unknown_industry", code=code))
    errors += order_errors(row, headings) + date_errors(row)
    if errors:
        return None, errors
    fields: dict[str, Any] = {column.name: values.get(column.name) for column in COLUMNS}
    return QuotaRow(**fields), []


def duplicate_errors(rows: Sequence[tuple[int, QuotaRow]]) -> list[intake.RowError]:
    first_row_by_key: dict[tuple[str, str, datetime.date], int] = {}
    errors = []
    for number, quota in rows:
        if quota.key in first_row_by_key:
            first_row = first_row_by_key[quota.key]
            errors.append(_row_error(number, "product", quota.product, "duplicate_quota", first_row=first_row))
        else:
            first_row_by_key[quota.key] = number
    return errors


def check_quota_rows(table: intake.TableResult, known_industry_codes: set[str]) -> CheckedQuotas:
    """Check every row read; the result holds either the quotas to store or the errors found."""
    log = intake.ErrorLog(LIMITS.max_errors)
    log.order_columns(column.name for column in COLUMNS)
    log.extend(table.errors)
    passed = []
    for row in table.rows:
        quota, errors = check_row(row, table.headings, known_industry_codes)
        log.extend(errors)
        if quota:
            passed.append((row.number, quota))
    log.extend(duplicate_errors(passed))
    error_count = log.count + table.error_count - len(table.errors)
    checked = CheckedQuotas(errors=log.errors, error_count=error_count, headings=table.headings)
    if not error_count:
        checked.quotas = [quota for _number, quota in passed]
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
    return xlsx.workbook_bytes(workbook)

"""Excel files of the evaluation: the balance-test template and its reading, and the scorecard export.

The template has two sheets with Chinese headings (English ones are read
too): 测试概况 (the test, one field a row) and 用水单元 (one unit a row).
Reading names each bad cell by sheet, row and column, and keeps nothing of a
file with any error.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from civic.evaluation.models import UnitKind

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_SHEET = "测试概况"
UNITS_SHEET = "用水单元"
HEADING_FILL = PatternFill("solid", fgColor="E8EEF4")

# (field, Chinese label, English label, kind) of the test sheet
HEADER_FIELDS = (
    ("period_start", "测试开始日期", "period start", "date"),
    ("period_end", "测试结束日期", "period end", "date"),
    ("product_output", "产品产量", "product output", "number"),
    ("product_unit", "产品单位", "product unit", "text"),
    ("output_value_10k_yuan", "产值（万元）", "output value (10k yuan)", "number"),
    ("metered_fresh_intake_m3", "计量取水量（立方米）", "metered fresh intake (m3)", "number"),
    ("wastewater_reused_m3", "废水回用量（立方米）", "wastewater reused (m3)", "number"),
)
# (field, Chinese heading, English heading, required)
UNIT_COLUMNS = (
    ("name", "单元名称", "name", True),
    ("kind", "类别", "kind", True),
    ("fresh_m3", "新水量（立方米）", "fresh_m3", True),
    ("reused_m3", "重复利用水量（立方米）", "reused_m3", True),
    ("consumed_m3", "耗水量（立方米）", "consumed_m3", True),
    ("discharged_m3", "排水量（立方米）", "discharged_m3", True),
    ("leaked_m3", "漏溢水量（立方米）", "leaked_m3", True),
    ("steam_t", "产汽量（吨）", "steam_t", False),
    ("condensate_recovered_t", "冷凝水回收量（吨）", "condensate_recovered_t", False),
)
KIND_NAMES = {"工艺": "process", "间接冷却": "cooling", "冷却": "cooling", "锅炉": "boiler", "生活": "domestic"}
KIND_NAMES |= {"其他": "other", **{kind: kind for kind in UnitKind.values}}


@dataclass
class WorkbookReading:
    header: dict[str, Any] = field(default_factory=dict)
    units: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def balance_test_template() -> bytes:
    """The empty template, with one example unit of each kind."""
    workbook = Workbook()
    header = workbook.active
    assert header is not None
    header.title = HEADER_SHEET
    header.append(["项目", "数值"])
    for _field, label, _english, _kind in HEADER_FIELDS:
        header.append([label, None])
    units = workbook.create_sheet(UNITS_SHEET)
    units.append([heading for _field, heading, _english, _required in UNIT_COLUMNS])
    units.append(["染色车间", "工艺", 0, 0, 0, 0, 0, None, None])
    units.append(["锅炉房", "锅炉", 0, 0, 0, 0, 0, 0, 0])
    for sheet in (header, units):
        for cell in sheet[1]:
            cell.font, cell.fill = Font(bold=True), HEADING_FILL
        sheet.column_dimensions["A"].width = 24
    for letter in "BCDEFGHI":
        units.column_dimensions[letter].width = 18
    header.column_dimensions["B"].width = 18
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    number = float(str(value).replace(",", "").strip()) if isinstance(value, str) else float(value)
    if number < 0:
        raise ValueError
    return number


def parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value).strip())


HEADER_PARSERS: dict[str, Callable[[Any], Any]] = {"date": parse_date, "number": parse_number, "text": str}


def read_header(sheet: Any, reading: WorkbookReading) -> None:
    labels = {label: (name, kind) for name, label, _english, kind in HEADER_FIELDS}
    labels |= {english: (name, kind) for name, _label, english, kind in HEADER_FIELDS}
    for row_number, row in enumerate(sheet.iter_rows(min_row=2, max_col=2, values_only=True), start=2):
        label, value = (str(row[0]).strip() if row[0] is not None else ""), row[1]
        if label not in labels:
            continue
        name, kind = labels[label]
        if value is None or str(value).strip() == "":
            reading.errors.append(
                _("%(sheet)s row %(row)s (%(label)s): no value.")
                % {"sheet": HEADER_SHEET, "row": row_number, "label": label}
            )
            continue
        try:
            reading.header[name] = HEADER_PARSERS[kind](value)
        except (ValueError, TypeError):
            reading.errors.append(
                _("%(sheet)s row %(row)s (%(label)s): %(value)s is not a valid value.")
                % {"sheet": HEADER_SHEET, "row": row_number, "label": label, "value": repr(value)}
            )
    for name, label, _english, _kind in HEADER_FIELDS:
        if name not in reading.header and not any(label in error for error in reading.errors):
            reading.errors.append(
                _("%(sheet)s: the row “%(label)s” is missing.") % {"sheet": HEADER_SHEET, "label": label}
            )


def read_unit_row(row: tuple[Any, ...], columns: dict[int, tuple[str, str, bool]], row_number: int) -> tuple:
    unit: dict[str, Any] = {}
    errors = []
    for index, (name, heading, required) in columns.items():
        value = row[index] if index < len(row) else None
        if value is None or str(value).strip() == "":
            if required:
                errors.append(
                    _("%(sheet)s row %(row)s, %(column)s: no value.")
                    % {"sheet": UNITS_SHEET, "row": row_number, "column": heading}
                )
            unit[name] = None
        elif name == "name":
            unit[name] = str(value).strip()
        elif name == "kind":
            kind = KIND_NAMES.get(str(value).strip())
            if kind is None:
                errors.append(
                    _(
                        "%(sheet)s row %(row)s, %(column)s: %(value)s is not a kind of unit (工艺, 间接冷却, 锅炉, 生活 or 其他)."
                    )
                    % {"sheet": UNITS_SHEET, "row": row_number, "column": heading, "value": repr(value)}
                )
            unit[name] = kind
        else:
            try:
                unit[name] = parse_number(value)
            except (ValueError, TypeError):
                errors.append(
                    _("%(sheet)s row %(row)s, %(column)s: %(value)s is not a number of at least 0.")
                    % {"sheet": UNITS_SHEET, "row": row_number, "column": heading, "value": repr(value)}
                )
    return unit, errors


def read_units(sheet: Any, reading: WorkbookReading) -> None:
    rows = sheet.iter_rows(values_only=True)
    headings = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    columns: dict[int, tuple[str, str, bool]] = {}
    for name, chinese, english, required in UNIT_COLUMNS:
        index = next((i for i, heading in enumerate(headings) if heading in (chinese, english)), None)
        if index is None and required:
            reading.errors.append(
                _("%(sheet)s: the column “%(column)s” is missing.") % {"sheet": UNITS_SHEET, "column": chinese}
            )
        elif index is not None:
            columns[index] = (name, chinese, required)
    if any(required for _n, _c, _e, required in UNIT_COLUMNS if (_n, _c, required) not in columns.values()):
        return
    for row_number, row in enumerate(rows, start=2):
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        unit, errors = read_unit_row(row, columns, row_number)
        reading.units.append(unit)
        reading.errors.extend(errors)
    if not reading.units:
        reading.errors.append(_("%(sheet)s: no water-using unit.") % {"sheet": UNITS_SHEET})


def read_balance_test_workbook(file: IO[bytes]) -> WorkbookReading:
    """The test's header and units from an uploaded template; `errors` names every bad cell."""
    reading = WorkbookReading()
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        reading.errors.append(_("The file is not an .xlsx workbook."))
        return reading
    for sheet_name, reader in ((HEADER_SHEET, read_header), (UNITS_SHEET, read_units)):
        if sheet_name not in workbook.sheetnames:
            reading.errors.append(_("The sheet “%(sheet)s” is missing.") % {"sheet": sheet_name})
        else:
            reader(workbook[sheet_name], reading)
    workbook.close()
    return reading


def scorecard_workbook(scorecard: Any, result: Any) -> bytes:
    """The scorecard as an .xlsx: one row per indicator, then the total and the gap list."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = f"{scorecard.year}年自评"
    sheet.append(["类别", "指标", "数值", "方向", "要求", "得分", "满分", "加分项", "来源", "待核实"])
    indicators = {item.code: item for item in scorecard.profile.indicators.all()}
    for score in result.scores:
        indicator = indicators[score.code]
        sheet.append(
            [
                score.category,
                indicator.name,
                score.value,
                "≥" if indicator.direction == "at_least" else "≤",
                score.threshold,
                round(score.points, 2),
                score.max_points,
                "是" if score.is_bonus else "",
                indicator.source,
                "是" if indicator.to_verify else "",
            ]
        )
    sheet.append([])
    sheet.append(["总得分", None, None, None, None, round(result.total_points, 2), result.max_base_points])
    sheet.append(["达标线", None, None, None, None, result.pass_line])
    sheet.append(["结论", "达标" if result.passes else "未达标"])
    gaps = workbook.create_sheet("差距清单")
    gaps.append(["指标", "数值", "要求", "差距", "失分"])
    for gap in result.gaps:
        gaps.append([indicators[gap.code].name, gap.value, gap.threshold, gap.shortfall, round(gap.points_missing, 2)])
    for each in (sheet, gaps):
        for cell in each[1]:
            cell.font, cell.fill = Font(bold=True), HEADING_FILL
        each.column_dimensions["A"].width = 20
        each.column_dimensions["B"].width = 36
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# (field, Chinese heading, English heading) of the output workbook
OUTPUT_COLUMNS = (
    ("water_user", "用户编号", "user number"),
    ("product", "产品", "product"),
    ("year", "年度", "year"),
    ("output", "产量", "output"),
)
OUTPUT_SHEET = "产品产量"


def output_template() -> bytes:
    """The empty output workbook: one row per user, product and year."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = OUTPUT_SHEET
    sheet.append([heading for _field, heading, _english in OUTPUT_COLUMNS])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADING_FILL
    for letter in "ABCD":
        sheet.column_dimensions[letter].width = 20
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@dataclass
class OutputReading:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_output_row(row: tuple[Any, ...], columns: dict[str, int], row_number: int, reading: OutputReading) -> None:
    values = {name: (row[index] if index < len(row) else None) for name, index in columns.items()}
    headings = {name: chinese for name, chinese, _english in OUTPUT_COLUMNS}
    parsed: dict[str, Any] = {"row": row_number}
    for name, value in values.items():
        if value is None or str(value).strip() == "":
            reading.errors.append(
                _("%(sheet)s row %(row)s, %(column)s: no value.")
                % {"sheet": OUTPUT_SHEET, "row": row_number, "column": headings[name]}
            )
            continue
        try:
            parsed[name] = {"year": lambda v: int(float(v)), "output": parse_number}.get(
                name, lambda v: str(v).strip()
            )(value)
        except (ValueError, TypeError):
            reading.errors.append(
                _("%(sheet)s row %(row)s, %(column)s: %(value)s is not a number of at least 0.")
                % {"sheet": OUTPUT_SHEET, "row": row_number, "column": headings[name], "value": repr(value)}
            )
    reading.rows.append(parsed)


def read_output_workbook(file: IO[bytes]) -> OutputReading:
    """Rows of user number, product, year and output; `errors` names every bad cell."""
    reading = OutputReading()
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        reading.errors.append(_("The file is not an .xlsx workbook."))
        return reading
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headings = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    columns: dict[str, int] = {}
    for name, chinese, english in OUTPUT_COLUMNS:
        index = next((i for i, heading in enumerate(headings) if heading in (chinese, english)), None)
        if index is None:
            reading.errors.append(
                _("%(sheet)s: the column “%(column)s” is missing.") % {"sheet": OUTPUT_SHEET, "column": chinese}
            )
        else:
            columns[name] = index
    if len(columns) == len(OUTPUT_COLUMNS):
        for row_number, row in enumerate(rows, start=2):
            if not all(cell is None or str(cell).strip() == "" for cell in row):
                read_output_row(row, columns, row_number, reading)
    workbook.close()
    return reading

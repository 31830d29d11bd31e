"""Farmland tables as spreadsheets: the project register and the irrigation samples, read and written.

Both are read through the one intake path (`hydro.intake`): a file is
checked whole, every bad cell is reported with its row and column, and
nothing is stored unless every row passes. Headings are Chinese first, as
the bureau's templates write them; English headings are accepted too.

Projects: one row per project (项目编号 … 验收日期). Samples: one row per
typical field, the district's figures repeated on each of its rows
(灌区名称 / 灌区类型 / 规模分组 / 毛灌溉用水量 / 作物 / 作物灌溉面积 /
田块 / 亩均净灌溉用水量); a district's figures and a crop's area must agree
on every row that repeats them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from civic.core import intake as intake_messages
from civic.core import xlsx
from civic.farmland.models import FarmlandProject, IrrigationMethod, ProjectStatus, SampleDistrict
from hydro import intake
from hydro.irrigation import DISTRICT_CLASSES, MEDIUM_SIZE_GROUPS

LIMITS = intake.Limits(max_bytes=5 * 1024 * 1024, max_rows=10_000, max_columns=30, max_errors=500)
"""A farmland table holds at most 10,000 rows in 5 MB; a report keeps its first 500 errors."""

METHOD_WORDS = {
    **{str(label): value for value, label in IrrigationMethod.choices},
    "管道输水": IrrigationMethod.PIPE,
    "管灌": IrrigationMethod.PIPE,
    "喷灌": IrrigationMethod.SPRINKLER,
    "微灌": IrrigationMethod.MICRO,
    "滴灌": IrrigationMethod.MICRO,
    "微灌（滴灌）": IrrigationMethod.MICRO,
    "防渗渠道": IrrigationMethod.LINED_CANAL,
    "土渠": IrrigationMethod.EARTH_CANAL,
    **{value: value for value in IrrigationMethod.values},
}
STATUS_WORDS = {
    "规划": ProjectStatus.PLANNED,
    "招标": ProjectStatus.BIDDING,
    "施工": ProjectStatus.CONSTRUCTION,
    "在建": ProjectStatus.CONSTRUCTION,
    "验收": ProjectStatus.ACCEPTANCE,
    "已验收": ProjectStatus.ACCEPTANCE,
    "建成使用": ProjectStatus.IN_USE,
    "投入使用": ProjectStatus.IN_USE,
    **{value: value for value in ProjectStatus.values},
}
CLASS_WORDS = {"大型": "large", "中型": "medium", "小型": "small", "纯井": "well", "井灌": "well"}
CLASS_WORDS.update({name: name for name in DISTRICT_CLASSES})
METHOD_NAMES = {IrrigationMethod.PIPE: "管道输水", IrrigationMethod.SPRINKLER: "喷灌", IrrigationMethod.MICRO: "微灌"}
METHOD_NAMES.update({IrrigationMethod.LINED_CANAL: "防渗渠道", IrrigationMethod.EARTH_CANAL: "土渠"})
STATUS_NAMES = {
    ProjectStatus.PLANNED: "规划",
    ProjectStatus.BIDDING: "招标",
    ProjectStatus.CONSTRUCTION: "施工",
    ProjectStatus.ACCEPTANCE: "验收",
    ProjectStatus.IN_USE: "建成使用",
}

MESSAGES: dict[str, Promise] = intake_messages.catalogue(
    {
        "unknown_town": _("No town or street of the county is called “%(value)s”."),
        "unknown_method": _(
            "“%(value)s” is not an irrigation method: pipe, sprinkler, micro, lined canal, earth canal."
        ),
        "unknown_status": _("“%(value)s” is not a status: planned, bidding, construction, accepted, in use."),
        "unknown_class": _("“%(value)s” is not a class of irrigation district: large, medium, small, well."),
        "bad_size_group": _("A medium district needs a size group: %(groups)s."),
        "negative": _("%(value)s is below zero."),
        "duplicate_code": _("Project %(value)s is also in row %(first_row)s."),
        "accepted_without_date": _("An accepted project needs its acceptance date."),
        "district_disagrees": _("District %(district)s has other figures in row %(first_row)s."),
        "crop_area_disagrees": _("The area of %(crop)s in %(district)s differs from row %(first_row)s."),
    }
)


def non_negative(value: intake.CellValue) -> float:
    number = intake.parse_number(value)
    if number is None:
        raise intake.CellError("blank_cell")
    if number < 0:
        raise intake.CellError("negative")
    return number


def choice(words: Mapping[str, str], code: str) -> Any:
    def parse(value: intake.CellValue) -> str:
        text = intake.parse_text(value).replace(" ", "")
        if text not in words:
            raise intake.CellError(code)
        return words[text]

    return parse


PROJECT_SCHEMA = intake.TableSchema(
    columns=(
        intake.Column("code", headings=("项目编号", "Project code"), max_length=40),
        intake.Column("name", headings=("项目名称", "Name"), max_length=120),
        intake.Column("town", headings=("镇街", "Town"), max_length=40),
        intake.Column("plan_year", headings=("计划年度", "Year of plan"), type=int),
        intake.Column("area_mu", headings=("面积（亩）", "Area (mu)"), type=non_negative),
        intake.Column("central_funds_10k_yuan", headings=("中央资金（万元）", "Central funds"), type=non_negative),
        intake.Column(
            "provincial_funds_10k_yuan", headings=("省级资金（万元）", "Provincial funds"), type=non_negative
        ),
        intake.Column("county_funds_10k_yuan", headings=("县级资金（万元）", "County funds"), type=non_negative),
        intake.Column(
            "other_funds_10k_yuan", headings=("其他资金（万元）", "Other funds"), type=non_negative, required=False
        ),
        intake.Column(
            "irrigation_method", headings=("灌溉方式", "Irrigation method"), type=choice(METHOD_WORDS, "unknown_method")
        ),
        intake.Column("status", headings=("状态", "Status"), type=choice(STATUS_WORDS, "unknown_status")),
        intake.Column("accepted_on", headings=("验收日期", "Accepted on"), type=datetime.date, required=False),
        intake.Column("remarks", headings=("备注", "Remarks"), required=False, column_required=False, max_length=500),
    )
)

SAMPLE_SCHEMA = intake.TableSchema(
    columns=(
        intake.Column("district", headings=("灌区名称", "District"), max_length=80),
        intake.Column("district_class", headings=("灌区类型", "Class"), type=choice(CLASS_WORDS, "unknown_class")),
        intake.Column("size_group", headings=("规模分组", "Size group"), required=False),
        intake.Column("gross_m3", headings=("毛灌溉用水量（立方米）", "Gross water (m3)"), type=non_negative),
        intake.Column("crop", headings=("作物", "Crop"), max_length=40),
        intake.Column("crop_area_mu", headings=("作物灌溉面积（亩）", "Crop area (mu)"), type=non_negative),
        intake.Column("field", headings=("典型田块", "Typical field"), max_length=40),
        intake.Column("net_m3_per_mu", headings=("亩均净灌溉用水量（立方米）", "Net water (m3/mu)"), type=non_negative),
    )
)


@dataclass
class Checked:
    """The rows of a file that passed every check, or the report of those that did not."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[intake.RowError] = field(default_factory=list)
    error_count: int = 0
    headings: dict[str, str] = field(default_factory=dict)

    def report(self) -> list[intake_messages.ReportLine]:
        lines = intake_messages.report_lines(self.errors, MESSAGES, lambda name: self.headings.get(name, name))
        if self.error_count > len(self.errors):
            extra = intake_messages.file_error_entry(
                "more_errors", MESSAGES, details={"count": f"{self.error_count - len(self.errors):,}"}
            )
            lines += intake_messages.report_lines([extra], MESSAGES)
        return lines


def row_error(number: int, column: str, value: intake.CellValue, code: str, /, **details: object) -> intake.RowError:
    return intake.row_error(number, column, value, code, {}, **details)


def check_projects(table: intake.TableResult, towns: Mapping[str, int]) -> Checked:
    """Projects read, with their towns found by name; duplicates and accepted projects without a date refused."""
    log = intake.ErrorLog(LIMITS.max_errors)
    log.order_columns(column.name for column in PROJECT_SCHEMA.columns)
    log.extend(table.errors)
    passed: list[dict[str, Any]] = []
    first_row_by_code: dict[str, int] = {}
    for row in table.rows:
        values = dict(row.values)
        errors = []
        if values["town"] not in towns:
            errors.append(row_error(row.number, "town", values["town"], "unknown_town"))
        if values["code"] in first_row_by_code:
            errors.append(
                row_error(
                    row.number, "code", values["code"], "duplicate_code", first_row=first_row_by_code[values["code"]]
                )
            )
        first_row_by_code.setdefault(values["code"], row.number)
        if values["status"] in (ProjectStatus.ACCEPTANCE, ProjectStatus.IN_USE) and not values["accepted_on"]:
            errors.append(row_error(row.number, "accepted_on", "", "accepted_without_date"))
        log.extend(errors)
        if not errors:
            values["town_id"] = towns[values.pop("town")]
            passed.append(values)
    error_count = log.count + table.error_count - len(table.errors)
    return Checked(passed if not error_count else [], log.errors, error_count, table.headings)


def check_samples(table: intake.TableResult) -> Checked:
    """Typical fields read, each district's figures and crop areas the same wherever they repeat."""
    log = intake.ErrorLog(LIMITS.max_errors)
    log.order_columns(column.name for column in SAMPLE_SCHEMA.columns)
    log.extend(table.errors)
    districts: dict[str, tuple[int, tuple[Any, ...]]] = {}
    crops: dict[tuple[str, str], tuple[int, float]] = {}
    passed = []
    for row in table.rows:
        errors = sample_row_errors(row, districts, crops)
        log.extend(errors)
        if not errors:
            passed.append(row.values)
    error_count = log.count + table.error_count - len(table.errors)
    return Checked(passed if not error_count else [], log.errors, error_count, table.headings)


def sample_row_errors(
    row: intake.Row, districts: dict[str, tuple[int, tuple[Any, ...]]], crops: dict[tuple[str, str], tuple[int, float]]
) -> list[intake.RowError]:
    values = row.values
    errors = []
    size_group = values["size_group"] or ""
    if values["district_class"] == "medium" and size_group not in MEDIUM_SIZE_GROUPS:
        errors.append(
            row_error(row.number, "size_group", size_group, "bad_size_group", groups=", ".join(MEDIUM_SIZE_GROUPS))
        )
    figures = (values["district_class"], size_group, values["gross_m3"])
    first_row, known = districts.setdefault(values["district"], (row.number, figures))
    if known != figures:
        errors.append(
            row_error(
                row.number,
                "gross_m3",
                values["gross_m3"],
                "district_disagrees",
                district=values["district"],
                first_row=first_row,
            )
        )
    crop_key = (values["district"], values["crop"])
    first_crop_row, area = crops.setdefault(crop_key, (row.number, values["crop_area_mu"]))
    if area != values["crop_area_mu"]:
        errors.append(
            row_error(
                row.number,
                "crop_area_mu",
                values["crop_area_mu"],
                "crop_area_disagrees",
                crop=values["crop"],
                district=values["district"],
                first_row=first_crop_row,
            )
        )
    return errors


# --- Writing ------------------------------------------------------------------------------------------------


def header(sheet: Any, headings: Iterable[str]) -> None:
    sheet.append(list(headings))
    for cell in sheet[intake.HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")


def project_cells(project: FarmlandProject) -> list[object]:
    return [
        project.code,
        project.name,
        project.town.name,
        project.plan_year,
        float(project.area_mu),
        float(project.central_funds_10k_yuan),
        float(project.provincial_funds_10k_yuan),
        float(project.county_funds_10k_yuan),
        float(project.other_funds_10k_yuan),
        METHOD_NAMES[IrrigationMethod(project.irrigation_method)],
        STATUS_NAMES[ProjectStatus(project.status)],
        project.accepted_on,
        project.remarks,
    ]


def write_projects(projects: Iterable[FarmlandProject]) -> bytes:
    """The projects as an XLSX file in the import layout, so it can be edited and uploaded again."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "高标准农田项目"
    header(sheet, (column.headings[0] for column in PROJECT_SCHEMA.columns))
    for project in projects:
        sheet.append(project_cells(project))
    for letter, width in zip("ABCDEFGHIJKLM", (14, 28, 10, 8, 10, 12, 12, 12, 12, 10, 10, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    return xlsx.workbook_bytes(workbook)


def write_samples(districts: Iterable[SampleDistrict]) -> bytes:
    """A year's sample districts as an XLSX file in the import layout (one row per typical field)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "样点灌区"
    header(sheet, (column.headings[0] for column in SAMPLE_SCHEMA.columns))
    names = {value: key for key, value in CLASS_WORDS.items() if key != value}
    for district in districts:
        for typical_field in district.fields.all():
            sheet.append(
                [
                    district.name,
                    names.get(district.district_class, district.district_class),
                    district.size_group,
                    district.gross_m3,
                    typical_field.crop,
                    district.irrigated_area_mu.get(typical_field.crop, 0),
                    typical_field.name,
                    typical_field.net_m3_per_mu,
                ]
            )
    return xlsx.workbook_bytes(workbook)


def decimal(value: float) -> Decimal:
    return Decimal(str(value))

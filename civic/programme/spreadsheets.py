"""Excel files of the programme: the firm register (import and export), the subsidy ledger, product feedback.

A firm workbook has one row per firm and year. Its import reads the file in
read-only mode, checks every row before writing anything, names each bad row
and column, and keeps nothing of a bad file; importing the same file twice
changes nothing the second time. Headings may be in Chinese or English.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from civic.core.identifiers import validate_unified_social_credit_code
from civic.core.models import Region, RegionLevel
from civic.programme.models import ChainRole, Feedback, Firm, FirmYear, Segment, SubsidyDecision

# (field, Chinese heading, English heading)
FIRM_COLUMNS = (
    ("credit_code", "统一社会信用代码", "credit_code"),
    ("name", "企业名称", "name"),
    ("town", "镇街", "town"),
    ("segments", "细分领域", "segments"),
    ("chain_role", "链上角色", "chain_role"),
    ("year", "年份", "year"),
    ("output_value_yuan", "产值（元）", "output_value_yuan"),
    ("water_saving_revenue_yuan", "节水业务收入（元）", "water_saving_revenue_yuan"),
    ("employees", "员工数", "employees"),
    ("research_spend_yuan", "研发投入（元）", "research_spend_yuan"),
    ("patents", "专利数", "patents"),
)
MONEY_FIELDS = ("output_value_yuan", "water_saving_revenue_yuan", "research_spend_yuan")
COUNT_FIELDS = ("year", "employees", "patents")
SEGMENT_SEPARATORS = ("、", ",", "，", ";")
MAXIMUM_ROWS = 20_000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportOutcome:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_firm_workbook(upload: IO[bytes]) -> ImportOutcome:
    """Check every row of the workbook; store them all in one transaction only when none is bad."""
    outcome = ImportOutcome()
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        outcome.errors.append(RowError(0, "", "not an Excel .xlsx workbook"))
        return outcome
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    columns = _heading_columns(next(rows, ()), outcome)
    if outcome.errors:
        return outcome
    parsed = []
    for number, values in enumerate(rows, start=2):
        if number > MAXIMUM_ROWS:
            outcome.errors.append(RowError(number, "", f"more than {MAXIMUM_ROWS} rows"))
            break
        if all(value in (None, "") for value in values):
            continue
        record = _parse_row(
            number, {name: values[index] if index < len(values) else None for name, index in columns.items()}, outcome
        )
        if record is not None:
            parsed.append(record)
    workbook.close()
    if not outcome.errors:
        _store(parsed, outcome)
    return outcome


def _heading_columns(heading: Iterable[Any], outcome: ImportOutcome) -> dict[str, int]:
    names = [str(value).strip() if value is not None else "" for value in heading]
    columns = {}
    for field_name, chinese, english in FIRM_COLUMNS:
        for candidate in (chinese, english):
            if candidate in names:
                columns[field_name] = names.index(candidate)
                break
        else:
            outcome.errors.append(RowError(1, chinese, "column missing"))
    return columns


def _parse_row(number: int, cells: dict[str, Any], outcome: ImportOutcome) -> dict[str, Any] | None:
    record: dict[str, Any] = {}
    errors_before = len(outcome.errors)

    def refuse(column: str, message: str) -> None:
        outcome.errors.append(RowError(number, column, message))

    code = str(cells["credit_code"] or "").strip().upper()
    try:
        validate_unified_social_credit_code(code)
    except ValidationError as error:
        refuse("credit_code", " ".join(str(message) for message in error.messages))
    record["credit_code"] = code
    record["name"] = str(cells["name"] or "").strip()
    if not record["name"]:
        refuse("name", "empty")
    town = Region.objects.filter(level=RegionLevel.TOWN, name=str(cells["town"] or "").strip()).first()
    if town is None:
        refuse("town", f"no town or street named {cells['town']!r}")
    record["town"] = town
    record["segments"] = _segments(str(cells["segments"] or ""), refuse)
    role = str(cells["chain_role"] or ChainRole.SUPPLIER).strip()
    roles = {value: value for value in ChainRole.values} | {str(label): value for value, label in ChainRole.choices}
    if role not in roles:
        refuse("chain_role", f"{role!r} is not one of {', '.join(ChainRole.values)}")
    record["chain_role"] = roles.get(role)
    for name in MONEY_FIELDS + COUNT_FIELDS:
        record[name] = _number(cells[name], name in COUNT_FIELDS, name, refuse)
    return record if len(outcome.errors) == errors_before else None


def _segments(text: str, refuse: Any) -> list[Segment]:
    for separator in SEGMENT_SEPARATORS:
        text = text.replace(separator, "、")
    segments = []
    for name in filter(None, (part.strip() for part in text.split("、"))):
        segment = Segment.objects.filter(models.Q(code=name) | models.Q(name=name) | models.Q(name_en=name)).first()
        if segment is None:
            refuse("segments", f"no segment {name!r}")
        else:
            segments.append(segment)
    return segments


def _number(value: Any, whole: bool, column: str, refuse: Any) -> Any:
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        refuse(column, f"{value!r} is not a number")
        return None
    if number < 0 or (whole and number != number.to_integral_value()):
        refuse(column, f"{value!r} is not a {'whole ' if whole else ''}number of zero or more")
        return None
    return int(number) if whole else number


@transaction.atomic
def _store(records: list[dict[str, Any]], outcome: ImportOutcome) -> None:
    for record in records:
        firm, created = Firm.objects.get_or_create(
            credit_code=record["credit_code"],
            defaults={"name": record["name"], "town": record["town"], "chain_role": record["chain_role"]},
        )
        if created:
            firm.segments.set(record["segments"])
        changed = created or _update_firm(firm, record)
        changed = _store_year(firm, record) or changed
        if created:
            outcome.created += 1
        elif changed:
            outcome.updated += 1
        else:
            outcome.unchanged += 1


def _update_firm(firm: Firm, record: dict[str, Any]) -> bool:
    changed = False
    for name in ("name", "town", "chain_role"):
        if getattr(firm, name) != record[name]:
            setattr(firm, name, record[name])
            changed = True
    if changed:
        firm.save()
    if set(firm.segments.all()) != set(record["segments"]):
        firm.segments.set(record["segments"])
        changed = True
    return changed


def _store_year(firm: Firm, record: dict[str, Any]) -> bool:
    values = {name: record[name] for name in (*MONEY_FIELDS, "employees", "patents")}
    year = FirmYear.objects.filter(firm=firm, year=record["year"]).first()
    if year is None:
        FirmYear.objects.create(firm=firm, year=record["year"], **values)
        return True
    if all(getattr(year, name) == value for name, value in values.items()):
        return False
    for name, value in values.items():
        setattr(year, name, value)
    year.save()
    return True


def _first_sheet(workbook: Workbook, title: str) -> Worksheet:
    workbook.remove(workbook.worksheets[0])  # the empty sheet a new workbook starts with
    return workbook.create_sheet(title)


def _save(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def write_firm_workbook(firms: Iterable[Firm]) -> bytes:
    """The register as the import reads it: one row per firm and year (a firm without figures gets none)."""
    workbook = Workbook()
    sheet = _first_sheet(workbook, "企业")
    sheet.append([chinese for _name, chinese, _english in FIRM_COLUMNS])
    years = FirmYear.objects.filter(firm__in=firms).select_related("firm__town").prefetch_related("firm__segments")
    for year in years.order_by("firm__credit_code", "year"):
        firm = year.firm
        sheet.append([
            firm.credit_code, firm.name, firm.town.name, "、".join(segment.name for segment in firm.segments.all()),
            firm.chain_role, year.year, year.output_value_yuan, year.water_saving_revenue_yuan, year.employees,
            year.research_spend_yuan, year.patents,
        ])  # fmt: skip
    return _save(workbook)


def write_ledger_workbook() -> bytes:
    """Every subsidy decision with what was paid, by year of decision."""
    workbook = Workbook()
    sheet = _first_sheet(workbook, "奖补台账")
    sheet.append(["决定书编号", "项目编号", "项目名称", "企业", "决定日期", "奖补金额（元）", "已拨付（元）", "未拨付（元）",
                  "约束条件"])  # fmt: skip
    decisions = SubsidyDecision.objects.select_related("project__firm").prefetch_related("payments")
    for decision in decisions.order_by("decided_on", "number"):
        paid = decision.paid_yuan
        sheet.append([
            decision.number, decision.project.number, decision.project.title, decision.project.firm.name,
            decision.decided_on, decision.amount_yuan, paid, decision.amount_yuan - paid, decision.limited_by,
        ])  # fmt: skip
    return _save(workbook)


def write_feedback_workbook(records: models.QuerySet[Feedback]) -> bytes:
    workbook = Workbook()
    sheet = _first_sheet(workbook, "产品应用反馈")
    sheet.append(
        ["日期", "产品", "生产企业", "反馈企业", "项目", "问题类别", "严重程度", "声称节水率", "实测节水率", "情况"]
    )
    for record in records.select_related("product__firm", "firm", "project"):
        sheet.append([
            record.reported_on, record.product.name, record.product.firm.name, record.firm.name,
            record.project.number if record.project else "", str(record.get_category_display()), record.severity,
            record.product.claimed_saving_fraction, record.measured_saving_fraction, record.text,
        ])  # fmt: skip
    return _save(workbook)

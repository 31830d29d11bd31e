"""The bureau's Excel files: the summary of over-plan surcharge bills (one sheet per period), the register, and
the alarm work lists that go out with the field crews.

Headers are in Chinese, the bureau's working language for these files; every
figure is a number cell with its format, so the sheet can be summed and
filtered in Excel or WPS.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from civic.core import xlsx
from civic.water.access import AlarmCustomer
from civic.water.actions.network import wall_clock
from civic.water.models import CustomerAlarm, DmaNightFlowAlarm, SurchargeBill, WaterSource, WaterUser
from hydro import surcharge

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (heading, column width in characters, number format)
COLUMNS = (
    ("编号", 16, "@"),
    ("用户编号", 12, "@"),
    ("用户名称", 30, "@"),
    ("镇街", 12, "@"),
    ("计划（立方米）", 15, "#,##0.00"),
    ("实际（立方米）", 15, "#,##0.00"),
    ("超用（立方米）", 15, "#,##0.00"),
    ("超用%", 10, "0.0%"),
    ("基价（元/立方米）", 16, "0.00"),
    ("加价费（元）", 16, "#,##0.00"),
)
HEADING_FILL = PatternFill("solid", fgColor="E8EEF4")
THIN_TOP = Border(top=Side(style="thin"))


def surcharge_summary_workbook(periods: Sequence[tuple[datetime.date, datetime.date]]) -> bytes:
    """The .xlsx file of the bills of each period, in the order given."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the empty sheet a new workbook starts with
    for first_day, last_day in periods:
        bills = (
            SurchargeBill.objects.filter(period_start=first_day, period_end=last_day)
            .select_related("water_user__town")
            .order_by("number")
        )
        _write_period_sheet(workbook.create_sheet(surcharge.format_period(first_day, last_day)), list(bills))
    return xlsx.workbook_bytes(workbook)


def _write_period_sheet(sheet: Worksheet, bills: list[SurchargeBill]) -> None:
    sheet.append([heading for heading, _width, _format in COLUMNS])
    for bill in bills:
        sheet.append(_bill_row(bill))
    sheet.append(_totals_row(bills))
    _format_sheet(sheet, row_count=len(bills))


def _bill_row(bill: SurchargeBill) -> list[object]:
    water_user = bill.water_user
    return [
        bill.number,
        water_user.code,
        water_user.name,
        water_user.town.name,
        bill.planned_m3,
        bill.actual_m3,
        bill.excess_m3,
        bill.excess_m3 / bill.planned_m3,
        bill.base_price_yuan_per_m3,
        bill.amount_yuan,
    ]


def _totals_row(bills: list[SurchargeBill]) -> list[object]:
    planned = sum(bill.planned_m3 for bill in bills)
    excess = sum(bill.excess_m3 for bill in bills)
    return [
        f"合计（{len(bills)} 户）",
        None,
        None,
        None,
        planned,
        sum(bill.actual_m3 for bill in bills),
        excess,
        excess / planned if planned else None,
        None,
        sum((bill.amount_yuan for bill in bills), Decimal("0.00")),
    ]


def _format_sheet(sheet: Worksheet, row_count: int) -> None:
    sheet.freeze_panes = "A2"
    for column, (_heading, width, number_format) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        for row in range(2, row_count + 3):
            sheet.cell(row=row, column=column).number_format = number_format
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADING_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for cell in sheet[row_count + 2]:
        cell.font = Font(bold=True)
        cell.border = THIN_TOP


# --- The register of water users ----------------------------------------------

REGISTER_COLUMNS = (
    ("用户编号", 12, "@"),
    ("用户名称", 30, "@"),
    ("统一社会信用代码", 22, "@"),
    ("类别", 12, "@"),
    ("行业", 24, "@"),
    ("镇街", 12, "@"),
    ("地址", 30, "@"),
    ("联系人", 10, "@"),
    ("联系电话", 16, "@"),
    ("水源", 20, "@"),
    ("计划用水管理", 14, "@"),
    ("节水产业企业", 12, "@"),
    ("设计年用水量（立方米）", 16, "#,##0"),
    ("水表数", 8, "0"),
    ("销户日期", 12, "yyyy-mm-dd"),
)


def register_workbook(water_users: Sequence[WaterUser]) -> bytes:
    """The .xlsx file of the register rows given, in Chinese like the bureau's other files."""
    with translation.override("zh-hans"):
        rows = [_register_row(water_user) for water_user in water_users]
    return _list_workbook("用水户名录", REGISTER_COLUMNS, rows)


def _list_workbook(title: str, columns: Sequence[tuple[str, int, str]], rows: Iterable[list[object]]) -> bytes:
    """One sheet: a bold heading row frozen above the rows, each column of its width and number format."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.append([heading for heading, _width, _format in columns])
    row_count = 0
    for row in rows:
        sheet.append(row)
        row_count += 1
    sheet.freeze_panes = "A2"
    for column, (_heading, width, number_format) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        for row_number in range(2, row_count + 2):
            sheet.cell(row=row_number, column=column).number_format = number_format
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADING_FILL
    return xlsx.workbook_bytes(workbook)


def _register_row(water_user: WaterUser) -> list[object]:
    sources = [str(WaterSource(code).label) for code in water_user.water_sources if code in WaterSource.values]
    return [
        water_user.code,
        water_user.name,
        water_user.social_credit_code,
        str(water_user.get_kind_display()),
        str(water_user.industry) if water_user.industry else "",
        water_user.town.name,
        water_user.address,
        water_user.contact_name,
        water_user.contact_phone,
        "、".join(sources),
        str(water_user.get_planned_use_status_display()),
        "是" if water_user.is_water_saving_enterprise else "否",
        water_user.design_annual_use_m3,
        getattr(water_user, "meter_count", None),
        water_user.closed_on,
    ]


# --- Alarm work lists ------------------------------------------------------------

WORKFLOW_COLUMNS = (
    ("状态", 10, "@"),
    ("处理人", 12, "@"),
    ("联系时间", 17, "yyyy-mm-dd hh:mm"),
    ("联系记录", 30, "@"),
    ("处理结果", 14, "@"),
    ("核查情况", 30, "@"),
)
CUSTOMER_ALARM_COLUMNS = (
    ("表号", 18, "@"),
    ("用户", 24, "@"),
    ("户号", 14, "@"),
    ("地址", 30, "@"),
    ("联系人", 10, "@"),
    ("联系电话", 16, "@"),
    ("分区", 10, "@"),
    ("报警类型", 12, "@"),
    ("开始", 17, "yyyy-mm-dd hh:mm"),
    ("结束", 17, "yyyy-mm-dd hh:mm"),
    ("估计水量（立方米）", 12, "#,##0.000"),
    ("置信度", 8, "0.00"),
    *WORKFLOW_COLUMNS,
    ("联系时的用户", 40, "@"),
)
NIGHT_FLOW_ALARM_COLUMNS = (
    ("分区", 10, "@"),
    ("流量开始上升", 14, "yyyy-mm-dd"),
    ("发现日期", 12, "yyyy-mm-dd"),
    ("最近发现时间", 12, "yyyy-mm-dd"),
    ("超出基线流量（立方米/时）", 14, "0.000"),
    *WORKFLOW_COLUMNS,
    ("挽回水量（立方米）", 14, "#,##0.0"),
)


def customer_alarms_workbook(
    alarms: Iterable[CustomerAlarm], customers: dict[str, AlarmCustomer], contacted: dict[int, str] | None = None
) -> bytes:
    """The customer alarms given as a work list, each with its meter's customer where one is known (`customers`,
    by meter: `civic.water.access.alarm_customers`) and the customer contacted (`contacted`, by alarm:
    `civic.water.access.contacted_customers`), times in the county's wall clock."""
    contacted = contacted or {}
    with translation.override("zh-hans"):
        rows = [
            [*_customer_alarm_row(alarm, customers.get(alarm.meter_code)), contacted.get(alarm.pk, "")]
            for alarm in alarms
        ]
    return _list_workbook("用户用水报警", CUSTOMER_ALARM_COLUMNS, rows)


def night_flow_alarms_workbook(alarms: Iterable[DmaNightFlowAlarm]) -> bytes:
    """The DMA night-flow alarms given as a work list, with the volume each repair recovered."""
    with translation.override("zh-hans"):
        rows = [_night_flow_alarm_row(alarm) for alarm in alarms]
    return _list_workbook("夜间流量报警", NIGHT_FLOW_ALARM_COLUMNS, rows)


def _customer_alarm_row(alarm: CustomerAlarm, customer: AlarmCustomer | None) -> list[object]:
    known = (
        [customer.name, customer.account, customer.address, customer.contact_name, customer.phone] if customer else []
    )
    return [
        alarm.meter_code,
        *(known or ["", "", "", "", ""]),
        alarm.dma_code,
        str(alarm.get_kind_display()),
        wall_clock(alarm.start),
        wall_clock(alarm.end),
        alarm.volume_m3,
        alarm.confidence,
        *_workflow_cells(alarm, str(alarm.get_outcome_display())),
    ]


def _night_flow_alarm_row(alarm: DmaNightFlowAlarm) -> list[object]:
    return [
        alarm.dma_code,
        alarm.start,
        alarm.detected,
        alarm.last_detected or alarm.detected,
        alarm.excess_m3_per_h,
        *_workflow_cells(alarm, str(alarm.get_outcome_display())),
        alarm.volume_recovered_m3,
    ]


def _workflow_cells(alarm: Any, outcome: str) -> list[object]:
    assignee = alarm.assignee.get_full_name() or alarm.assignee.username if alarm.assignee else ""
    contacted = wall_clock(alarm.contacted_at) if alarm.contacted_at else None
    return [str(alarm.get_status_display()), assignee, contacted, alarm.contact_note, outcome, alarm.outcome_note]

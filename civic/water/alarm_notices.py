"""The printed notice of unusual use (用水异常告知书) of a customer alarm, left with or sent to the customer.

Staff who call on a household about a leak behind its meter, a burst, a
stuck meter or a meter running backwards leave this notice when no one is
in, or hand it over with the visit. Like the plan and surcharge notices
(`civic.water.notices`), it is written directly in Chinese on the office's
letterhead with the font embedded. It says what the smart meter recorded
(from the alarm: when, how much, at what rate), what the customer can check
for themselves, and what the office will do. A gap in the readings is the
data's, not the customer's, and has no notice.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from civic.core.pdf import new_chinese_document
from civic.water.access import AlarmCustomer
from civic.water.actions.network import wall_clock
from civic.water.models import AnomalyKind, CustomerAlarm
from civic.water.notices import (
    CONTENT_WIDTH_MM,
    LINE_HEIGHT_MM,
    PAGE_MARGIN_MM,
    chinese_date,
    paragraph,
    volume_text,
    write_closing_and_signature,
    write_letterhead,
)

ALARM_NOTICE_TITLE = "用水异常告知书"
NOTICE_KINDS = (AnomalyKind.CONTINUOUS_FLOW, AnomalyKind.BURST, AnomalyKind.STUCK, AnomalyKind.REVERSE)
"""The kinds a customer is told of; a gap is the readings' own."""
CHECK_ADVICE = {
    AnomalyKind.CONTINUOUS_FLOW: (
        "请关闭户内全部水龙头和用水器具后查看水表：读数或指针仍在走动的，说明表后有漏水。"
        "常见漏点有马桶水箱进水阀、水龙头、热水器和暗埋管道，请尽快自查维修，或请专业人员检修。"
    ),
    AnomalyKind.BURST: (
        "请检查户内管道和用水器具是否破损或未关闭；如属正常用水（如清洗、灌溉、注水），请告知本办公室。"
    ),
    AnomalyKind.STUCK: "水表可能已停走，本办公室将安排工作人员上门检查或更换水表，请予配合。",
    AnomalyKind.REVERSE: "可能存在回流或水表安装方向有误，本办公室将安排工作人员上门检查，请予配合。",
}


def alarm_notice_number(alarm: CustomerAlarm) -> str:
    """YC2024-00042: the year the episode began and the alarm's number."""
    return f"YC{wall_clock(alarm.start).year}-{alarm.pk:05d}"


def customer_alarm_notice_pdf(alarm: CustomerAlarm, customer: AlarmCustomer | None) -> bytes:
    """The alarm's notice to its customer as an A4 PDF in Chinese, addressed to its `customer` where one is known
    (`civic.water.access.alarm_customers`); a gap has no notice."""
    if alarm.kind not in NOTICE_KINDS:
        raise ValueError(f"A {alarm.kind} alarm is the readings' own and has no notice to the customer.")
    number = alarm_notice_number(alarm)
    document = new_chinese_document(f"{ALARM_NOTICE_TITLE} {number}")
    document.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    document.set_auto_page_break(auto=True, margin=PAGE_MARGIN_MM)
    document.add_page()
    write_letterhead(document, ALARM_NOTICE_TITLE, number)
    _write_opening(document, alarm, customer)
    paragraph(document, CHECK_ADVICE[AnomalyKind(alarm.kind)])
    document.ln(2)
    write_closing_and_signature(document, _closing(alarm), timezone.localdate())
    return bytes(document.output())


def _closing(alarm: CustomerAlarm) -> str:
    """Whom to ask: the office's telephone (`CIVIC_WATER_OFFICE_PHONE`) and the member of staff following it up."""
    phone = str(getattr(settings, "CIVIC_WATER_OFFICE_PHONE", "")).strip()
    ask = f"如有疑问，请致电本办公室（{phone}）" if phone else "如有疑问，请与本办公室联系"
    handler = (alarm.assignee.get_full_name() or alarm.assignee.get_username()) if alarm.assignee else ""
    return f"{ask}{f'，经办人：{handler}' if handler else ''}。特此告知。"


def _write_opening(document: FPDF, alarm: CustomerAlarm, customer: AlarmCustomer | None) -> None:
    document.set_font_size(12)
    addressee = f"{customer.name}：" if customer else "尊敬的用户："
    document.cell(CONTENT_WIDTH_MM, LINE_HEIGHT_MM, addressee, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font_size(10.5)
    where = f"（用水地址：{customer.address}）" if customer and customer.address else ""
    paragraph(document, f"经智能水表远程监测，你户水表（表号{alarm.meter_code}）{where}{what_was_recorded(alarm)}")
    document.ln(1)


def what_was_recorded(alarm: CustomerAlarm) -> str:
    """What the meter recorded, in the notice's words, from the alarm's times (county time) and volume."""
    start, end = wall_clock(alarm.start), wall_clock(alarm.end)
    hours = max((end - start).total_seconds() / 3600, 1.0)
    if alarm.kind == AnomalyKind.CONTINUOUS_FLOW:
        rate_l_per_h = alarm.volume_m3 * 1000 / hours
        return (
            f"自{chinese_date(start.date())}起昼夜连续有水流过，夜间也未停止，平均约{rate_l_per_h:.0f}升/小时，"
            f"至{chinese_date(_last_day(end))}估计已流失{volume_text(alarm.volume_m3)}立方米，疑似户内管道或用水器具漏水。"
        )
    if alarm.kind == AnomalyKind.BURST:
        return (
            f"在{_chinese_hours(start, end)}的{hours:.0f}小时内用水量异常偏大，"
            f"比平时多用约{volume_text(alarm.volume_m3)}立方米，疑似管道破裂或用水器具未关闭。"
        )
    if alarm.kind == AnomalyKind.STUCK:
        return f"自{chinese_date(start.date())}起读数不再变化，而你户此前一直正常用水。"
    return f"自{_chinese_hour(start)}起读数出现减少（水表倒转）。"


def _chinese_hour(moment: datetime.datetime) -> str:
    return f"{chinese_date(moment.date())}{moment.hour}时"


def _chinese_hours(start: datetime.datetime, end: datetime.datetime) -> str:
    """2024年3月2日10时至14时 within a day, else each end in full (the end is the hour after the last)."""
    if end.date() == start.date():
        return f"{_chinese_hour(start)}至{end.hour}时"
    return f"{_chinese_hour(start)}至{_chinese_hour(end)}"


def _last_day(end: datetime.datetime) -> datetime.date:
    """The last day an alarm covers: its end is the moment after its last interval (midnight ends the day before)."""
    return (end - datetime.timedelta(microseconds=1)).date()

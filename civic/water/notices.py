"""The printed over-plan surcharge notice (超计划用水累进加价费缴纳通知书) sent to a water user.

The notice is written directly in Chinese for its recipients. It is an A4 PDF
with a subset of Noto Sans SC (the Simplified Chinese face) embedded (see
`civic.core.pdf`), so it prints the same on a machine without Chinese fonts,
and its text can be searched and copied.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from fpdf.recorder import FPDFRecorder
from fpdf.table import Table

from civic.core.pdf import new_chinese_document
from civic.water.models import SurchargeBill, SurchargeMode, SurchargeSchedule
from hydro import surcharge

NOTICE_TITLE = "超计划用水累进加价费缴纳通知书"
DEFAULT_ISSUING_OFFICE = "武进区水利局 节约用水办公室"
PAYMENT_DAYS = 15
OBJECTION_DAYS = 15
FEN = Decimal("0.01")

PAGE_MARGIN_MM = 20
CONTENT_WIDTH_MM = 170
LINE_HEIGHT_MM = 6
OFFICIAL_RED = (200, 16, 30)
INK = (29, 39, 51)
TABLE_HEADING_FILL = (232, 238, 244)

# Chinese capital numerals (大写数字) as used on invoices and payment documents.
CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_SMALL_UNITS = ("", "拾", "佰", "仟")
CAPITAL_GROUP_UNITS = ("", "万", "亿", "万亿")
CHINESE_QUARTERS = ("一", "二", "三", "四")


def issuing_office() -> str:
    """The office that signs notices; a county sets CIVIC_SURCHARGE_ISSUING_OFFICE to its own."""
    return str(getattr(settings, "CIVIC_SURCHARGE_ISSUING_OFFICE", DEFAULT_ISSUING_OFFICE))


# --- Chinese capital numerals -------------------------------------------------


def amount_in_chinese_capitals(amount_yuan: Decimal) -> str:
    """An amount of money in Chinese capital numerals: Decimal("2000") → 贰仟元整.

    Follows the bookkeeping rules (会计基础工作规范 第五十二条): a run of zeros
    inside the number is written as one 零; an amount that stops at 元 or 角
    ends with 整; a zero 角 before a non-zero 分 is written 零
    (100.05 → 壹佰元零伍分). The amount is first rounded half-up to the fen.
    """
    fen_total = int((amount_yuan.quantize(FEN, rounding=ROUND_HALF_UP) * 100).to_integral_value())
    if fen_total < 0:
        raise ValueError(f"A negative amount ({amount_yuan}) has no capital-numeral form for payment.")
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if fen_total == 0:
        return "零元整"
    yuan_part = _integer_in_capitals(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return yuan_part + "整"
    jiao_part = CAPITAL_DIGITS[jiao] + "角" if jiao else ("零" if yuan else "")
    fen_part = CAPITAL_DIGITS[fen] + "分" if fen else "整"
    return yuan_part + jiao_part + fen_part


def _integer_in_capitals(number: int) -> str:
    digits = str(number)
    words: list[str] = []
    pending_zero = False
    for index, character in enumerate(digits):
        position = len(digits) - 1 - index
        digit = int(character)
        if digit == 0:
            pending_zero = bool(words)
        else:
            words.append(("零" if pending_zero else "") + CAPITAL_DIGITS[digit] + CAPITAL_SMALL_UNITS[position % 4])
            pending_zero = False
        group_digits = digits[max(0, len(digits) - position - 4) : len(digits) - position]
        if position % 4 == 0 and position > 0 and int(group_digits) > 0:
            words.append(CAPITAL_GROUP_UNITS[position // 4])
    return "".join(words)


# --- Figures of a bill as printed ---------------------------------------------


@dataclass(frozen=True)
class BillLine:
    """One band of a bill, ready to print: the band as percentages of the plan, its volume and amount."""

    lower_percent: Decimal
    upper_percent: Decimal | None
    multiplier: Decimal
    volume_m3: float
    amount_yuan: Decimal


def fraction_as_percent(fraction: float) -> Decimal:
    """0.1 → Decimal("10"): a band bound as a percentage, without float noise or trailing zeros."""
    percent = (Decimal(str(fraction)) * 100).normalize()
    return percent.quantize(Decimal(1)) if percent == percent.to_integral_value() else percent


def bill_lines(bill: SurchargeBill) -> list[BillLine]:
    """The bill's band lines as stored when it was computed, amounts rounded to the fen for printing."""
    return [
        BillLine(
            lower_percent=fraction_as_percent(line["lower_excess_fraction"]),
            upper_percent=None
            if line["upper_excess_fraction"] is None
            else fraction_as_percent(line["upper_excess_fraction"]),
            multiplier=Decimal(str(line["multiplier"])).normalize(),
            volume_m3=float(line["volume_m3"]),
            amount_yuan=Decimal(line["amount_yuan"]).quantize(FEN, rounding=ROUND_HALF_UP),
        )
        for line in bill.breakdown
    ]


def excess_percent(bill: SurchargeBill) -> float:
    return 100 * bill.excess_m3 / bill.planned_m3 if bill.planned_m3 else 0.0


def payment_deadline(bill: SurchargeBill) -> datetime.date:
    return issue_date(bill) + datetime.timedelta(days=PAYMENT_DAYS)


def issue_date(bill: SurchargeBill) -> datetime.date:
    return timezone.localdate(bill.created_at)


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_period(first_day: datetime.date, last_day: datetime.date) -> str:
    """2024年3月 for a month, 2024年第一季度 for a quarter."""
    if surcharge.period_kind(first_day, last_day) == surcharge.MONTHLY:
        return f"{first_day.year}年{first_day.month}月"
    return f"{first_day.year}年第{CHINESE_QUARTERS[(first_day.month - 1) // 3]}季度"


def volume_text(volume_m3: float) -> str:
    """1300.0 → "1,300"; 12.5 → "12.5": grouped, at most two decimals, no trailing zeros."""
    return f"{volume_m3:,.2f}".rstrip("0").rstrip(".")


def money_text(amount_yuan: Decimal) -> str:
    return f"{amount_yuan:,.2f}"


def band_text(line: BillLine, mode: str = SurchargeMode.BANDED) -> str:
    """The band of a bill line: the part of the excess in it, or (whole-excess mode) the band the excess reached."""
    suffix = "，全部超计划水量" if mode == SurchargeMode.WHOLE_EXCESS else "部分"
    if line.upper_percent is None:
        return f"超计划{line.lower_percent}%以上{suffix}"
    return f"超计划{line.lower_percent}%～{line.upper_percent}%（含）{suffix}"


MODE_WORDS = {
    SurchargeMode.WHOLE_EXCESS: "全部超计划水量按所达区间的倍数计收",
    SurchargeMode.BANDED: "各区间水量分别按本区间的倍数累进计收",
}


def rule_text(schedule: SurchargeSchedule, mode: str) -> str:
    """The schedule's bands in words, as the notice cites them after saying how they apply (`mode`)."""
    parts = []
    for tier in schedule.tiers.order_by("lower_excess_fraction"):
        lower = fraction_as_percent(tier.lower_excess_fraction)
        multiplier = Decimal(str(tier.multiplier)).normalize()
        reach = (
            f"超计划{lower}%以上"
            if tier.upper_excess_fraction is None
            else f"超计划{lower}%～{fraction_as_percent(tier.upper_excess_fraction)}%（含）"
        )
        part = "的" if mode == SurchargeMode.WHOLE_EXCESS else "部分"
        parts.append(f"{reach}{part}按基本水价的{multiplier}倍加价")
    return "；".join(parts) + "。"


# --- The PDF ------------------------------------------------------------------


def surcharge_notice_pdf(bill: SurchargeBill) -> bytes:
    """The bill's payment notice as an A4 PDF in Chinese."""
    document = new_chinese_document(f"{NOTICE_TITLE} {bill.number}")
    document.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    document.set_auto_page_break(auto=True, margin=PAGE_MARGIN_MM)
    document.add_page()
    _write_letterhead(document, bill)
    _write_opening(document, bill)
    _write_facts(document, bill)
    _write_band_table(document, bill)
    _write_total(document, bill)
    _write_terms_and_signature(document, bill)
    return bytes(document.output())


def _write_letterhead(document: FPDF, bill: SurchargeBill) -> None:
    write_letterhead(document, NOTICE_TITLE, bill.number)


def write_letterhead(document: FPDF, title: str, number: str) -> None:
    """The issuing office in red over a red rule, as on a government letterhead, then the title and number."""
    document.set_text_color(*OFFICIAL_RED)
    document.set_font_size(22)
    document.cell(CONTENT_WIDTH_MM, 14, issuing_office(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_draw_color(*OFFICIAL_RED)
    document.set_line_width(0.8)
    document.line(PAGE_MARGIN_MM, document.get_y() + 2, PAGE_MARGIN_MM + CONTENT_WIDTH_MM, document.get_y() + 2)
    document.set_text_color(*INK)
    document.set_draw_color(*INK)
    document.set_line_width(0.2)
    document.ln(4)
    document.set_font_size(17)
    document.cell(CONTENT_WIDTH_MM, 10, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font_size(10.5)
    document.cell(CONTENT_WIDTH_MM, 8, f"编号：{number}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.ln(2)


def _write_opening(document: FPDF, bill: SurchargeBill) -> None:
    document.set_font_size(12)
    document.cell(CONTENT_WIDTH_MM, LINE_HEIGHT_MM, f"{bill.water_user.name}：", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    schedule = bill.schedule
    text = (
        f"根据《{schedule.name}》（自{chinese_date(schedule.effective_from)}起执行）及你单位{bill.period_start.year}年度"
        f"用水计划，经核定，你单位{chinese_period(bill.period_start, bill.period_end)}超计划用水，"
        "应缴纳超计划用水累进加价费。现将有关情况通知如下："
    )
    paragraph(document, text)


def _write_facts(document: FPDF, bill: SurchargeBill) -> None:
    water_user = bill.water_user
    facts = (
        ("用户名称", water_user.name),
        ("用户编号", water_user.code),
        ("用水地址", water_user.address or water_user.town.name),
        ("计费期间", f"{chinese_date(bill.period_start)}至{chinese_date(bill.period_end)}"),
        ("计划用水量", f"{volume_text(bill.planned_m3)}立方米"),
        ("实际用水量", f"{volume_text(bill.actual_m3)}立方米"),
        ("超计划用水量", f"{volume_text(bill.excess_m3)}立方米（超计划{excess_percent(bill):.1f}%）"),
        ("基本水价", f"{money_text(bill.base_price_yuan_per_m3)}元/立方米"),
    )
    document.set_font_size(10.5)
    document.ln(1)
    with document.table(
        col_widths=(35, 135), text_align=("CENTER", "LEFT"), line_height=LINE_HEIGHT_MM, first_row_as_headings=False
    ) as table:
        for label, value in facts:
            row = table.row()
            row.cell(label, style=FontFace(fill_color=TABLE_HEADING_FILL))
            row.cell(value)
    document.ln(4)


@contextmanager
def headed_table(
    document: FPDF, col_widths: tuple[float, ...], text_align: tuple[str, ...], headings: tuple[str, ...]
) -> Iterator[Table]:
    """A table of a printed notice in body type, its row of `headings` centred on the heading fill; the
    caller writes the rows."""
    document.set_font_size(10.5)
    with document.table(
        col_widths=col_widths,
        text_align=text_align,
        line_height=LINE_HEIGHT_MM,
        headings_style=FontFace(emphasis="", fill_color=TABLE_HEADING_FILL),
    ) as table:
        heading = table.row()
        for title in headings:
            heading.cell(title, align="CENTER")
        yield table


def _write_band_table(document: FPDF, bill: SurchargeBill) -> None:
    lines = bill_lines(bill)
    headings = ("区间", "水量（立方米）", "加价倍数", "金额（元）")
    with headed_table(document, (62, 36, 28, 44), ("LEFT", "RIGHT", "CENTER", "RIGHT"), headings) as table:
        for line in lines:
            row = table.row()
            for text in (
                band_text(line, bill.mode),
                volume_text(line.volume_m3),
                f"{line.multiplier}倍",
                money_text(line.amount_yuan),
            ):
                row.cell(text)
        total = table.row()
        for text in ("合计", volume_text(bill.excess_m3), "", money_text(bill.amount_yuan)):
            total.cell(text)
    document.set_font_size(9)
    document.cell(
        CONTENT_WIDTH_MM,
        6,
        "注：金额 = 水量 × 加价倍数 × 基本水价；合计按四舍五入保留到分。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    document.ln(2)


def total_text(bill: SurchargeBill) -> str:
    """The amount due in figures and in capitals, written without spaces as Chinese text is."""
    return (
        f"应缴超计划用水累进加价费：¥{money_text(bill.amount_yuan)}"
        f"（人民币大写：{amount_in_chinese_capitals(bill.amount_yuan)}）。"
    )


def _write_total(document: FPDF, bill: SurchargeBill) -> None:
    document.set_font_size(12)
    paragraph(document, total_text(bill))


def _write_terms_and_signature(document: FPDF, bill: SurchargeBill) -> None:
    document.set_font_size(10.5)
    terms = (
        f"一、计价依据：《{bill.schedule.name}》，自{chinese_date(bill.schedule.effective_from)}起执行"
        + (f"，所依文件：{bill.source_document}" if bill.source_document else "")
        + f"。加价方式：{MODE_WORDS[SurchargeMode(bill.mode)]}。加价标准：{rule_text(bill.schedule, bill.mode)}",
        f"二、缴纳期限：请于{chinese_date(payment_deadline(bill))}前（自本通知书签发之日起{PAYMENT_DAYS}日内）"
        "按非税收入缴款渠道足额缴入国库，缴款时请注明通知书编号。逾期未缴纳的，将依法处理。",
        f"三、异议处理：如对所列用水量、计划用水量或加价费有异议，可自收到本通知书之日起{OBJECTION_DAYS}日内"
        "向本办公室书面申请复核，并附相关计量凭证；复核期间不停止本通知书的执行。"
        "对复核结果仍有异议的，可以依法申请行政复议或者提起行政诉讼。",
    )
    for term in terms[:-1]:
        paragraph(document, term)
    write_closing_and_signature(document, terms[-1], issue_date(bill))


def write_closing_and_signature(document: FPDF, closing: str, signed_on: datetime.date) -> None:
    """The last paragraph, the office, the date and the seal, kept together on one page.

    The seal authenticates the text above it: a page with the seal and no text
    is not allowed in official documents ([GB/T 9704-2012] 7.3.5, the
    signature, date and seal), so the block moves to a new page whole.
    """
    with document.unbreakable() as block:
        paragraph(block, closing)
        block.ln(4)
        block.set_font_size(12)
        for text in (issuing_office(), chinese_date(signed_on), "（盖章）"):
            block.cell(CONTENT_WIDTH_MM, LINE_HEIGHT_MM + 1, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# Line-breaking rules of Chinese typesetting (避头尾, 中文排版需求 W3C clreq 3.1.7): these never
# open a line, these never close one; a run of figures (an amount, a date, a code) is never split.
NOT_AT_LINE_START = set("，。、；：？！）》」』”’%…—～")
NOT_AT_LINE_END = set("（《「『“‘¥")
UNBROKEN_RUN = re.compile(r"[0-9A-Za-z.,%¥/\-]+|.", re.DOTALL)


def chinese_lines(text: str, width_mm: float, string_width: Callable[[str], float]) -> list[str]:
    """Break Chinese text into lines no wider than `width_mm`, keeping figures whole and punctuation in place.

    Greedy fill by tokens (a character, or a run of figures); when a token
    that may not open a line comes next, or the line would close on one that
    may not end it, the line's last token moves down with it.
    """
    lines: list[list[str]] = [[]]
    for token in UNBROKEN_RUN.findall(text):
        line = lines[-1]
        if not line or string_width("".join(line) + token) <= width_mm:
            line.append(token)
            continue
        carried = [token]
        while len(line) > 1 and (carried[0] in NOT_AT_LINE_START or line[-1] in NOT_AT_LINE_END):
            carried.insert(0, line.pop())
        lines.append(carried)
    return ["".join(line) for line in lines]


def paragraph(document: FPDF | FPDFRecorder, text: str) -> None:
    """A paragraph opened by two full-width spaces, as in Chinese official writing, broken by Chinese rules."""
    for line in chinese_lines("\u3000\u3000" + text, CONTENT_WIDTH_MM, document.get_string_width):
        document.cell(CONTENT_WIDTH_MM, LINE_HEIGHT_MM, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

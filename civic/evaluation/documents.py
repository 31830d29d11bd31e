"""Printed documents of the evaluation, in Chinese: the water-saving carrier certificate and the county's
scorecard report (A4 PDFs with the Chinese font embedded, civic.core.pdf)."""

from __future__ import annotations

import datetime

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from civic.core.pdf import new_chinese_document
from civic.evaluation.models import CarrierCertificate, CarrierKind, Scorecard
from hydro.scorecard import ScorecardResult

DEFAULT_ISSUING_OFFICE = "武进区水利局"
PAGE_MARGIN_MM = 20
CONTENT_WIDTH_MM = 170
LINE_HEIGHT_MM = 7
OFFICIAL_RED = (200, 16, 30)
INK = (29, 39, 51)
TABLE_HEADING_FILL = (232, 238, 244)
CERTIFICATE_TITLES = {CarrierKind.ENTERPRISE: "节水型企业证书", CarrierKind.UNIT: "节水型单位证书"}
CARRIER_NAMES = {CarrierKind.ENTERPRISE: "节水型企业", CarrierKind.UNIT: "节水型单位"}


def issuing_office() -> str:
    """The office that signs certificates; a county sets CIVIC_EVALUATION_ISSUING_OFFICE to its own."""
    return str(getattr(settings, "CIVIC_EVALUATION_ISSUING_OFFICE", DEFAULT_ISSUING_OFFICE))


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def check_value_text(check: dict) -> tuple[str, str]:
    """A check's value and threshold as text: rates in per cent, other figures as numbers."""
    is_rate = check["indicator"].endswith("_rate")
    sign = "≥" if check["direction"] == "at_least" else "≤"
    if is_rate:
        return percent_text(check["value"]), f"{sign}{percent_text(check['threshold'])}"
    value = "—" if check["value"] is None else f"{check['value']:.2f}"
    return value, f"{sign}{check['threshold']:.2f}"


def new_document(title: str) -> FPDF:
    document = new_chinese_document(title)
    document.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    document.set_auto_page_break(auto=True, margin=PAGE_MARGIN_MM)
    document.add_page()
    return document


def heading(document: FPDF, title: str) -> None:
    document.set_text_color(*OFFICIAL_RED)
    document.set_font_size(24)
    document.cell(CONTENT_WIDTH_MM, 16, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_text_color(*INK)


def line(document: FPDF, text: str, size: float = 12, align: str = "L") -> None:
    document.set_font_size(size)
    document.multi_cell(CONTENT_WIDTH_MM, LINE_HEIGHT_MM, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def certificate_pdf(certificate: CarrierCertificate) -> bytes:
    """The certificate: the carrier, its test, each indicator against its threshold, validity and issuer."""
    kind = CarrierKind(certificate.carrier_kind)
    document = new_document(f"{CERTIFICATE_TITLES[kind]} {certificate.number}")
    heading(document, CERTIFICATE_TITLES[kind])
    line(document, f"证书编号：{certificate.number}", 10.5, "R")
    document.ln(4)
    test = certificate.test
    line(
        document,
        f"{certificate.water_user.name}（用户编号 {certificate.water_user.code}）经水平衡测试"
        f"（{chinese_date(test.period_start)}至{chinese_date(test.period_end)}）和评价，"
        f"各项指标达到{test.sector.name}{CARRIER_NAMES[kind]}评价要求，特认定为{CARRIER_NAMES[kind]}。",
        13,
    )
    document.ln(3)
    write_checks(document, certificate.checks)
    document.ln(4)
    line(document, f"有效期：{chinese_date(certificate.issued_on)}至{chinese_date(certificate.expires_on)}", 12)
    line(document, "有效期满前应重新进行水平衡测试并申请复核。", 10.5)
    document.ln(10)
    line(document, issuing_office(), 13, "R")
    line(document, chinese_date(certificate.issued_on), 12, "R")
    return bytes(document.output())


def write_checks(document: FPDF, checks: list[dict]) -> None:
    document.set_font_size(10.5)
    with document.table(
        col_widths=(70, 25, 25, 50),
        text_align=("LEFT", "RIGHT", "RIGHT", "LEFT"),
        line_height=LINE_HEIGHT_MM - 1,
        headings_style=FontFace(fill_color=TABLE_HEADING_FILL),
    ) as table:
        table.row(("评价指标", "实测值", "要求", "依据"))
        for check in checks:
            value, threshold = check_value_text(check)
            source = check["source"] + ("（待核实）" if check["to_verify"] else "")
            table.row((check["label"], value, threshold, source))


def scorecard_pdf(scorecard: Scorecard, result: ScorecardResult, previous: ScorecardResult | None) -> bytes:
    """The county's scorecard report: total and pass line, year on year, each indicator and the gap list."""
    document = new_document(f"{scorecard.year}年县域节水型社会达标建设自评报告")
    heading(document, f"{scorecard.year}年县域节水型社会达标建设自评报告")
    line(document, f"评价标准：{scorecard.profile.name}（{scorecard.profile.source}）", 10.5)
    verdict = "达标" if result.passes else "未达标"
    line(
        document,
        f"总得分 {result.total_points:.1f} 分（基本分 {result.base_points:.1f}，加分 {result.bonus_points:.1f}），"
        f"达标线 {result.pass_line:.0f} 分：{verdict}。",
        13,
    )
    if previous is not None:
        change = result.total_points - previous.total_points
        line(document, f"上年得分 {previous.total_points:.1f} 分，同比 {change:+.1f} 分。", 11)
    write_score_bar(document, result)
    write_indicator_table(document, scorecard, result)
    write_gaps(document, scorecard, result)
    return bytes(document.output())


def write_score_bar(document: FPDF, result: ScorecardResult) -> None:
    """A bar chart of the score against the pass line (drawn, so it prints on any machine)."""
    document.ln(3)
    top, height = document.get_y(), 8
    full = max(result.max_base_points + result.bonus_points, result.pass_line, 1)
    document.set_fill_color(*TABLE_HEADING_FILL)
    document.rect(PAGE_MARGIN_MM, top, CONTENT_WIDTH_MM, height, style="F")
    document.set_fill_color(*((46, 125, 50) if result.passes else OFFICIAL_RED))
    document.rect(PAGE_MARGIN_MM, top, CONTENT_WIDTH_MM * min(1.0, result.total_points / full), height, style="F")
    document.set_draw_color(*INK)
    mark = PAGE_MARGIN_MM + CONTENT_WIDTH_MM * result.pass_line / full
    document.line(mark, top - 2, mark, top + height + 2)
    document.set_y(top + height + 4)


def write_indicator_table(document: FPDF, scorecard: Scorecard, result: ScorecardResult) -> None:
    indicators = {item.code: item for item in scorecard.profile.indicators.all()}
    document.set_font_size(9)
    with document.table(
        col_widths=(30, 62, 22, 22, 17, 17),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5.5,
        headings_style=FontFace(fill_color=TABLE_HEADING_FILL),
    ) as table:
        table.row(("类别", "指标", "数值", "要求", "得分", "满分"))
        for score in result.scores:
            indicator = indicators[score.code]
            name = (
                indicator.name
                + ("（加分项）" if score.is_bonus else "")
                + ("（待核实）" if indicator.to_verify else "")
            )
            value = "—" if score.value is None else f"{score.value:.3g}"
            sign = "≥" if indicator.direction == "at_least" else "≤"
            table.row(
                (
                    score.category,
                    name,
                    value,
                    f"{sign}{score.threshold:.3g}",
                    f"{score.points:.1f}",
                    f"{score.max_points:.0f}",
                )
            )


def write_gaps(document: FPDF, scorecard: Scorecard, result: ScorecardResult) -> None:
    document.ln(4)
    line(document, "差距清单", 13)
    if not result.gaps:
        line(document, "各项指标均已达到要求。", 11)
        return
    indicators = {item.code: item for item in scorecard.profile.indicators.all()}
    for number, gap in enumerate(result.gaps, start=1):
        shortfall = "无数据" if gap.shortfall is None else f"差 {gap.shortfall:.3g}"
        line(document, f"{number}. {indicators[gap.code].name}：{shortfall}，失分 {gap.points_missing:.1f} 分。", 10.5)

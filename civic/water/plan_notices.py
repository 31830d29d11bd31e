"""The printed plan notice (计划用水通知书) of an issued annual plan, sent to the water user.

Like the surcharge notice (see `civic.water.notices`), it is written directly in
Chinese for its recipient, on the same letterhead, with the font embedded. It
states the annual plan, how it was worked out and its twelve months, and what
follows from it: the surcharge on use over plan and the way to ask for an
adjustment, as the planned-use rules provide ([MWR planned use 2014]; the
article numbers are to be checked against the county's own rules).
"""

from __future__ import annotations

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from civic.core.pdf import new_chinese_document
from civic.water.models import AnnualPlan, PlanMethod, PlanStatus
from civic.water.notices import (
    CONTENT_WIDTH_MM,
    LINE_HEIGHT_MM,
    PAGE_MARGIN_MM,
    headed_table,
    paragraph,
    volume_text,
    write_closing_and_signature,
    write_letterhead,
)

PLAN_NOTICE_TITLE = "计划用水通知书"
METHOD_WORDS = {
    PlanMethod.HISTORY: "按近年实际用水量核定",
    PlanMethod.QUOTA: "按用水定额和计划产量核定",
    PlanMethod.DESIGN: "按设计用水量核定（新增用水户）",
}


def plan_notice_number(plan: AnnualPlan) -> str:
    """JH2025-WJ0001: one notice per user and year."""
    return f"JH{plan.year}-{plan.water_user.code}"


def plan_notice_pdf(plan: AnnualPlan) -> bytes:
    """The issued plan's notice as an A4 PDF in Chinese; a draft has no notice."""
    if plan.status != PlanStatus.ISSUED:
        raise ValueError(f"The {plan.year} plan of {plan.water_user.code} is not issued and has no notice.")
    document = new_chinese_document(f"{PLAN_NOTICE_TITLE} {plan_notice_number(plan)}")
    document.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    document.set_auto_page_break(auto=True, margin=PAGE_MARGIN_MM)
    document.add_page()
    write_letterhead(document, PLAN_NOTICE_TITLE, plan_notice_number(plan))
    _write_opening(document, plan)
    _write_month_table(document, plan)
    _write_terms_and_signature(document, plan)
    return bytes(document.output())


def _write_opening(document: FPDF, plan: AnnualPlan) -> None:
    document.set_font_size(12)
    document.cell(CONTENT_WIDTH_MM, LINE_HEIGHT_MM, f"{plan.water_user.name}：", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    paragraph(
        document,
        f"根据《计划用水管理办法》，经核定，下达你单位（用户编号{plan.water_user.code}）{plan.year}年度"
        f"计划用水量{volume_text(plan.annual_volume_m3)}立方米，"
        f"{METHOD_WORDS.get(PlanMethod(plan.method), '')}。月度计划如下：",
    )
    document.ln(1)


def _write_month_table(document: FPDF, plan: AnnualPlan) -> None:
    volumes = {month.month: month.volume_m3 for month in plan.months.all()}
    headings = ("月份", "计划用水量（立方米）", "月份", "计划用水量（立方米）")
    with headed_table(document, (28, 57, 28, 57), ("CENTER", "RIGHT", "CENTER", "RIGHT"), headings) as table:
        for first_month in range(1, 7):
            row = table.row()
            for month in (first_month, first_month + 6):
                row.cell(f"{month}月")
                row.cell(volume_text(volumes[month]) if month in volumes else "—")
        total = table.row()
        total.cell("全年")
        total.cell(volume_text(plan.annual_volume_m3))
        total.cell("")
        total.cell("")
    document.ln(4)


def _write_terms_and_signature(document: FPDF, plan: AnnualPlan) -> None:
    document.set_font_size(10.5)
    terms = (
        "一、请你单位按月度计划合理安排用水，加强用水计量和节水管理，按时报送用水情况。",
        "二、超计划用水的，对超计划部分按规定累进加价收费，由本办公室按月或按季核定并另行通知。",
        "三、因生产经营发生重大变化等原因需调整用水计划的，请向本办公室书面申请，说明理由并附相关材料；"
        "本办公室核实后作出决定。",
    )
    for term in terms[:-1]:
        paragraph(document, term)
    # Plans entered as issued without an issue time (older records) are dated on printing.
    signed_on = timezone.localdate(plan.issued_at) if plan.issued_at else timezone.localdate()
    write_closing_and_signature(document, terms[-1], signed_on)

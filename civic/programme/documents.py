"""The subsidy decision notice (节水项目奖补决定书), an A4 PDF in Chinese for the firm."""

from __future__ import annotations

from decimal import Decimal

from fpdf.enums import XPos, YPos

from civic.core.pdf import new_chinese_document
from civic.programme.models import SubsidyDecision
from civic.water.notices import amount_in_chinese_capitals, issuing_office

TITLE = "节水项目奖补决定书"
LINE_MM = 7
WIDTH_MM = 170
LIMIT_WORDS = {
    "saving": "按核定年节水量计算",
    "investment": "按核定投资比例封顶",
    "project_cap": "按单个项目奖补上限封顶",
    "firm_cap": "按单个企业年度奖补上限封顶",
    "budget": "按年度预算余额封顶",
    "no_saving": "未核定节水量",
}
PROJECT_KINDS = {
    "retrofit": "节水技术改造项目",
    "demonstration": "节水减排示范项目",
    "product_application": "节水产品应用项目",
}


def _yuan(amount: Decimal | str) -> str:
    return f"{Decimal(amount):,.2f} 元"


def decision_notice_pdf(decision: SubsidyDecision) -> bytes:
    """The notice: the project, the verified saving with its 90 % interval, the working, the amount, remedies."""
    project, verification, policy = decision.project, decision.verification, decision.policy
    working = decision.working
    document = new_chinese_document(TITLE)
    document.add_page()
    document.set_font_size(18)
    document.cell(WIDTH_MM, 12, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font_size(11)
    document.cell(
        WIDTH_MM,
        LINE_MM,
        f"武节奖〔{decision.decided_on.year}〕{decision.number}号",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    document.ln(4)
    paragraphs = [
        f"{project.firm.name}（统一社会信用代码：{project.firm.credit_code}）：",
        f"你单位申报的{PROJECT_KINDS.get(project.kind, '节水项目')}“{project.title}”（项目编号 {project.number}），"
        f"已于{_date(verification.verified_on)}完成节水量核定。核定依据项目计量水表"
        f"{_date(verification.baseline_first_month, month=True)}至{_date(verification.baseline_last_month, month=True)}"
        f"的基期用水量建立基线模型，按{_date(verification.reporting_first_month, month=True)}至"
        f"{_date(verification.reporting_last_month, month=True)}的生产条件调整后计算节水量"
        f"（IPMVP 方案C，ASHRAE Guideline 14-2014）。",
        f"核定期节水量 {verification.savings_m3:,.0f} 立方米（90% 置信区间 {verification.savings_ci90_low_m3:,.0f}～"
        f"{verification.savings_ci90_high_m3:,.0f} 立方米），折合年节水量 {verification.annual_saving_m3:,.0f} 立方米；"
        f"基线模型 CV(RMSE) {verification.cv_rmse:.1%}，R² {verification.r2:.3f}。",
        f"根据{policy.year}年度节水奖补政策（{policy.document or '节水奖补办法'}）：按节水量计 {_yuan(working['saving_amount_yuan'])}，"
        f"按核定投资 {policy.investment_share:.0%} 计 {_yuan(working['investment_amount_yuan'])}，取其较小者 "
        f"{_yuan(working['base_yuan'])}"
        + (f"，示范项目加奖 {_yuan(working['bonus_yuan'])}" if project.is_demonstration else "")
        + f"；{LIMIT_WORDS.get(decision.limited_by, '')}。",
        f"决定给予奖补资金 {_yuan(decision.amount_yuan)}（大写：{amount_in_chinese_capitals(decision.amount_yuan)}），"
        f"由财政资金拨付至你单位账户。",
        "如对本决定不服，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。",
    ]
    for paragraph in paragraphs:
        document.multi_cell(WIDTH_MM, LINE_MM, paragraph, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        document.ln(2)
    document.ln(10)
    document.cell(WIDTH_MM, LINE_MM, issuing_office(), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.cell(WIDTH_MM, LINE_MM, _date(decision.decided_on), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(document.output())


def _date(day: object, month: bool = False) -> str:
    if month:
        return f"{day:%Y}年{day.month}月"  # type: ignore[attr-defined]
    return f"{day:%Y}年{day.month}月{day.day}日"  # type: ignore[attr-defined]

"""The report of a year's irrigation water efficiency coefficient, in Chinese (an A4 PDF, civic.core.pdf)."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from civic.core.pdf import new_chinese_document
from civic.farmland.models import IrrigationYear
from hydro.irrigation import RegionResult

PAGE_MARGIN_MM = 20
CONTENT_WIDTH_MM = 170
LINE_HEIGHT_MM = 7
TABLE_HEADING_FILL = (232, 238, 244)
CLASS_NAMES = {"large": "大型灌区", "medium": "中型灌区", "small": "小型灌区", "well": "纯井灌区"}
METHOD_NAMES = {
    "weighted by each sample's gross water": "按各样点灌区毛灌溉用水量加权",
    "size groups' arithmetic means weighted by the groups' gross water": "各规模分组算术平均后按毛灌溉用水量加权",
    "arithmetic mean of the samples": "样点灌区算术平均",
}


def coefficient_report(year: IrrigationYear, result: RegionResult) -> bytes:
    """The year's coefficient: the county's value beside the references, each class, each sample district."""
    document = new_chinese_document(f"{year.year}年农田灌溉水有效利用系数测算分析报告")
    document.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    document.add_page()
    document.set_font(size=16)
    document.cell(
        CONTENT_WIDTH_MM,
        12,
        f"{year.year}年农田灌溉水有效利用系数测算分析报告",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    document.set_font(size=11)
    document.multi_cell(
        CONTENT_WIDTH_MM,
        LINE_HEIGHT_MM,
        "按《全国农田灌溉水有效利用系数测算分析技术指导细则》首尾测算分析法，"
        "由样点灌区典型田块亩均净灌溉用水量与渠首毛灌溉用水量测算各样点灌区系数，"
        "按灌区规模分类汇总，并以各类灌区毛灌溉用水量加权得到全县系数。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    document.ln(3)
    summary_table(document, year, result)
    document.ln(4)
    class_table(document, result)
    document.ln(4)
    district_table(document, result)
    if result.weights_from_samples:
        document.ln(2)
        names = "、".join(CLASS_NAMES[name] for name in result.weights_from_samples)
        document.multi_cell(
            CONTENT_WIDTH_MM, LINE_HEIGHT_MM, f"注：{names}缺全县毛灌溉用水量，以样点灌区毛灌溉用水量加权。"
        )
    return bytes(document.output())


def value_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def table(document: FPDF, headings: tuple[str, ...], rows: Sequence[Sequence[str]], widths: tuple[int, ...]) -> None:
    style = FontFace(emphasis="", fill_color=TABLE_HEADING_FILL)
    with document.table(
        col_widths=widths, text_align="CENTER", line_height=LINE_HEIGHT_MM, headings_style=style
    ) as grid:
        heading = grid.row()
        for title in headings:
            heading.cell(title)
        for values in rows:
            row = grid.row()
            for text in values:
                row.cell(text)


def summary_table(document: FPDF, year: IrrigationYear, result: RegionResult) -> None:
    table(
        document,
        ("全县系数", "全省", "全国", "本县目标"),
        [
            (
                f"{result.coefficient:.3f}",
                value_text(year.provincial_value),
                value_text(year.national_value),
                value_text(year.county_target),
            )
        ],
        (40, 40, 40, 50),
    )


def class_table(document: FPDF, result: RegionResult) -> None:
    rows = [
        (
            CLASS_NAMES[group.district_class],
            str(group.samples),
            f"{group.coefficient:.4f}",
            f"{group.weight_m3 / 10_000:,.1f}",
            METHOD_NAMES.get(group.method, group.method),
        )
        for group in result.classes
    ]
    table(document, ("灌区类型", "样点数", "系数", "毛灌溉用水量（万立方米）", "汇总方法"), rows, (26, 18, 22, 40, 64))


def district_table(document: FPDF, result: RegionResult) -> None:
    rows = [
        (
            district.name,
            CLASS_NAMES[district.district_class],
            f"{district.net_m3 / 10_000:,.2f}",
            f"{district.gross_m3 / 10_000:,.2f}",
            f"{district.coefficient:.4f}",
        )
        for district in result.districts
    ]
    table(
        document,
        ("样点灌区", "类型", "净灌溉用水量（万立方米）", "毛灌溉用水量（万立方米）", "系数"),
        rows,
        (44, 24, 38, 38, 26),
    )

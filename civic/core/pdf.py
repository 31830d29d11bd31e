"""Printed documents in Chinese: an A4 PDF with the Noto Sans SC font embedded.

The font is Noto Sans SC, the Simplified Chinese face of Noto Sans CJK, from
the PyPI package `pylopdf-fonts-zh-cn`. The SC face draws the glyph forms of
the mainland standard (通用规范汉字表, 2013); the TC face would print 户, 说,
骨 and others in their Taiwanese forms. fpdf2 embeds the subset of glyphs a
document uses, so a notice prints the same on any machine, with or without
Chinese fonts installed.
"""

from __future__ import annotations

from fpdf import FPDF
from pylopdf_fonts_zh_cn import sans_path

CHINESE_FONT_FAMILY = "NotoSansSC"


def chinese_font_path() -> str:
    return str(sans_path())


def new_chinese_document(title: str) -> FPDF:
    """An empty A4 document whose default font writes Simplified Chinese."""
    document = FPDF(orientation="portrait", unit="mm", format="A4")
    document.set_title(title)
    document.set_creator("Civic")
    document.add_font(CHINESE_FONT_FAMILY, "", chinese_font_path())
    document.set_font(CHINESE_FONT_FAMILY, size=11)
    document.set_auto_page_break(auto=True, margin=20)
    return document

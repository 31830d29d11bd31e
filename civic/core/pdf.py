"""Printed documents in Chinese: an A4 PDF with the Noto Sans CJK font embedded.

The font comes from the PyPI package `cvttf-notosanscjk-regular`; fpdf2 embeds
the subset of glyphs a document uses, so a notice prints correctly on any
machine, with or without Chinese fonts installed.
"""

from __future__ import annotations

from importlib.resources import files

from fpdf import FPDF

CHINESE_FONT_FAMILY = "NotoSansCJK"


def chinese_font_path() -> str:
    return str(files("cvttf_NotoSansCJK_Regular") / "NotoSansCJKtc-Regular.otf")


def new_chinese_document(title: str) -> FPDF:
    """An empty A4 document whose default font writes Chinese."""
    document = FPDF(orientation="portrait", unit="mm", format="A4")
    document.set_title(title)
    document.set_creator("Civic")
    document.add_font(CHINESE_FONT_FAMILY, "", chinese_font_path())
    document.set_font(CHINESE_FONT_FAMILY, size=11)
    document.set_auto_page_break(auto=True, margin=20)
    return document

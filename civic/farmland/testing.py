"""Builders the farmland tests share: the import workbook's headings, good rows and a workbook of rows."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

HEADINGS = [
    "项目编号",
    "项目名称",
    "镇街",
    "计划年度",
    "面积（亩）",
    "中央资金（万元）",
    "省级资金（万元）",
    "县级资金（万元）",
    "其他资金（万元）",
    "灌溉方式",
    "状态",
    "验收日期",
]


GOOD_ROWS = [
    [
        "GBNT-2022-001",
        "湖塘镇2022年度高标准农田",
        "湖塘镇",
        2022,
        3000,
        180,
        150,
        120,
        0,
        "管道输水",
        "建成使用",
        "2023-03-15",
    ],
    [
        "GBNT-2023-001",
        "牛塘镇2023年度高标准农田",
        "牛塘镇",
        2023,
        2500,
        150,
        125,
        100,
        25,
        "土渠",
        "验收",
        "2024-03-15",
    ],
    ["GBNT-2024-001", "湖塘镇2024年度高标准农田", "湖塘镇", 2024, 1500, 90, 75, 60, 0, "喷灌", "施工", None],
]


def workbook(rows: Sequence[Sequence[object]], headings: list[str] = HEADINGS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headings)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

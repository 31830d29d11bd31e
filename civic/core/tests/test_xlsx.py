"""Excel exports keep text as text: a cell typed like a formula is never written as one (formula injection)."""

import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from civic.core import xlsx
from civic.testing import sign_in
from civic.water.models import WaterQuota

HOSTILE = ['=HYPERLINK("http://example.invalid","点此")', "+86-519-8888", "-1+2", "@SUM(A1:A2)"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_beginning_like_a_formula_is_written_as_quoted_text(text):
    workbook = Workbook()
    written: Any = workbook.active
    written.append([text, "润华印染", 12.5])
    sheet: Any = load_workbook(io.BytesIO(xlsx.workbook_bytes(workbook))).active
    cell = sheet["A1"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert (sheet["B1"].quotePrefix, sheet["C1"].value) == (False, 12.5)  # other cells as they were


def test_the_quota_export_writes_a_product_named_like_a_formula_as_text(client, cast):
    WaterQuota.objects.create(
        industry=cast.runhua.industry,
        product="=1+2",
        unit="m³/t",
        general_value=1.0,
        source_standard="@外部链接",
        effective_from=datetime.date(2020, 1, 1),
    )
    sign_in(client, cast.bureau_staff)
    response = client.get(reverse("water:export_quotas"))
    sheet: Any = load_workbook(io.BytesIO(response.content)).active
    assert [(cell.value, cell.data_type) for cell in (sheet["B2"], sheet["G2"])] == [("=1+2", "s"), ("@外部链接", "s")]

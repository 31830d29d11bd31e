"""The balance-test Excel template: filled in, it becomes a draft test; a bad cell refuses the whole file."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from civic.evaluation.defaults import load_carrier_defaults
from civic.evaluation.models import BalanceTest, CarrierSector
from civic.evaluation.testing import RUNHUA_UNITS
from civic.evaluation.workbooks import HEADER_SHEET, UNITS_SHEET, balance_test_template

KIND_LABELS = {"process": "工艺", "cooling": "间接冷却", "boiler": "锅炉", "domestic": "生活"}
HEADER_VALUES = ["2024-03-01", "2024-03-30", 1200, "100 m", 960, 12000, 2400]


def filled_template(units=RUNHUA_UNITS, header=HEADER_VALUES) -> bytes:
    workbook = load_workbook(io.BytesIO(balance_test_template()))
    for row, value in enumerate(header, start=2):
        workbook[HEADER_SHEET].cell(row=row, column=2, value=value)
    sheet = workbook[UNITS_SHEET]
    sheet.delete_rows(2, sheet.max_row)
    for unit in units:
        sheet.append(
            [unit["name"], KIND_LABELS[unit["kind"]], unit["fresh_m3"], unit["reused_m3"], unit["consumed_m3"],
             unit["discharged_m3"], unit["leaked_m3"], unit.get("steam_t"), unit.get("condensate_recovered_t")]
        )  # fmt: skip
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, cast, content: bytes):
    load_carrier_defaults()
    data = {
        "water_user": cast.runhua.pk,
        "sector": CarrierSector.objects.get(code="textile_dyeing").pk,
        "file": SimpleUploadedFile("test.xlsx", content),
    }
    return client.post(reverse("evaluation:balance_test_import"), data)


def test_the_filled_template_becomes_a_draft_test(cast, li_qiang):
    response = upload(li_qiang, cast, filled_template())
    test = BalanceTest.objects.get()
    assert response.status_code == 302
    assert test.status == "draft"
    assert test.period_days == 30
    assert test.units.count() == 4
    # hydro's worked case: R = 29,000 / 41,000.
    assert test.assessment().reuse_rate == pytest.approx(0.707317, abs=1e-6)


def test_every_bad_cell_is_named_and_nothing_is_kept(cast, li_qiang):
    units = [dict(unit) for unit in RUNHUA_UNITS]
    units[1]["fresh_m3"] = -500
    units[2]["consumed_m3"] = "很多"
    header = list(HEADER_VALUES)
    header[4] = None
    response = upload(li_qiang, cast, filled_template(units, header))
    errors = response.context["errors"]
    assert response.status_code == 200
    assert any("用水单元" in error and "3" in error and "新水量" in error for error in errors)
    assert any("用水单元" in error and "4" in error and "耗水量" in error for error in errors)
    assert any("产值" in error for error in errors)
    assert not BalanceTest.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(cast, li_qiang):
    response = upload(li_qiang, cast, b"not a workbook")
    assert response.status_code == 200
    assert response.context["errors"]
    assert not BalanceTest.objects.exists()

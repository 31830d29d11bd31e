"""The firm workbook: whole-file rejection naming each bad row, idempotent re-import, export read back."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from civic.programme.models import Firm, FirmYear
from civic.programme.spreadsheets import FIRM_COLUMNS, import_firm_workbook

HEADINGS = [chinese for _field, chinese, _english in FIRM_COLUMNS]
GOOD_ROWS = [
    ["91320412MA1N00004A", "常州碧源环保科技有限公司", "湖塘镇", "工业废水处理、污水再生利用", "supplier", 2024,
     80_000_000, 60_000_000, 120, 4_000_000, 15],
    ["91320412MA1N00004A", "常州碧源环保科技有限公司", "湖塘镇", "工业废水处理、污水再生利用", "supplier", 2025,
     90_000_000, 70_000_000, 130, 5_000_000, 18],
]  # fmt: skip


def workbook(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    return content


def valid_code_rows():
    from civic.core.identifiers import credit_code_check_character

    code = "91320412MA1N00004"
    code += credit_code_check_character(code)
    return [[code, *row[1:]] for row in GOOD_ROWS]


def test_a_good_workbook_is_stored_and_a_second_import_changes_nothing(programme):
    first = import_firm_workbook(workbook(valid_code_rows()))
    assert first.errors == []
    assert (first.created, first.updated) == (1, 1)  # the firm added, then its second year
    firm = Firm.objects.get(name="常州碧源环保科技有限公司")
    assert sorted(segment.code for segment in firm.segments.all()) == ["reclamation", "wastewater"]
    assert FirmYear.objects.get(firm=firm, year=2025).output_value_yuan == Decimal("90000000")
    second = import_firm_workbook(workbook(valid_code_rows()))
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)


def test_a_bad_row_rejects_the_whole_file_and_is_named(programme):
    rows = valid_code_rows()
    rows[1][0] = "91320412MA1N000040"  # wrong check character
    rows[0][9] = "很多"
    outcome = import_firm_workbook(workbook(rows))
    assert [(error.row, error.column) for error in outcome.errors] == [(2, "research_spend_yuan"), (3, "credit_code")]
    assert not Firm.objects.filter(name="常州碧源环保科技有限公司").exists()


def test_the_import_page_lists_the_bad_rows(programme, office):
    rows = valid_code_rows()
    rows[0][2] = "火星镇"
    upload = SimpleUploadedFile("firms.xlsx", workbook(rows).getvalue())
    page = office.post(reverse("programme:firm_import"), {"file": upload}).content.decode()
    assert "Nothing of this workbook was stored." in page and "火星镇" in page


def test_the_export_reads_back_as_an_import(programme, office):
    import_firm_workbook(workbook(valid_code_rows()))
    response = office.get(reverse("programme:firm_export"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADINGS
    again = import_firm_workbook(io.BytesIO(response.content))
    assert (again.errors, again.created, again.updated, again.unchanged) == ([], 0, 0, 2)

"""Excel files Civic writes: every text cell stays text, whatever it begins with.

A name, a product or a remark typed as "=HYPERLINK(…)", "+1-555", "-2" or
"@SUM(…)" would otherwise be written, or taken on opening or editing, as a
formula (spreadsheet formula injection, [OWASP-CSV-INJECTION]). `workbook_bytes`
is the one place every export saves through: text that begins with one of
`FORMULA_PREFIXES` is stored as a text cell with Excel's quote prefix (the
cell shows the text as typed, and editing it keeps it text).
"""

from __future__ import annotations

import io

from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as .xlsx bytes, each text cell beginning like a formula protected as text."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

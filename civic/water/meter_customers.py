"""The utility's customer file (用户档案): which household or shop is behind each smart meter.

Alarms on a meter name only the meter. The register of water users holds the
bureau's planned-use users; the households behind most smart meters are the
utility's customers, kept in its billing system, which exports them as a
sheet of 表号, 户号, 户名, 地址, 电话. Read here through `hydro.intake` (CSV in
UTF-8 or GBK, or Excel), the whole file or none of it, each bad row named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext_lazy as _

from civic.core import intake as civic_intake
from hydro import intake

MAX_CUSTOMER_FILE_BYTES = 50 * 1024 * 1024
CUSTOMER_LIMITS = intake.Limits(max_bytes=MAX_CUSTOMER_FILE_BYTES, max_rows=1_000_000, max_columns=30, max_errors=50)
CUSTOMER_SCHEMA = intake.TableSchema(
    columns=(
        intake.Column("meter_id", headings=("表号", "水表编号"), type=str, max_length=64),
        intake.Column("account", headings=("户号", "用户编号"), type=str, max_length=40, required=False,
                      column_required=False),
        intake.Column("name", headings=("户名", "用户名称", "用户名"), type=str, max_length=100),
        intake.Column("address", headings=("地址", "用水地址"), type=str, max_length=200, required=False,
                      column_required=False),
        intake.Column("phone", headings=("电话", "联系电话", "手机"), type=str, max_length=30, required=False,
                      column_required=False),
    )
)  # fmt: skip
COLUMNS = ("account", "name", "address", "phone")
"""The columns of a row after its meter, in `CustomerRow`'s order."""
MESSAGES = civic_intake.catalogue({"listed_twice": _("Meter %(value)s is listed twice in this file.")})


@dataclass(frozen=True)
class CustomerRow:
    meter_code: str
    account: str
    name: str
    address: str
    phone: str


class CustomerFileError(civic_intake.RefusedFileError):
    """A customer file refused, one line per reason, each naming the file and, where it can, the row."""


def read_customer_file(upload: IO[bytes], name: str) -> list[CustomerRow]:
    """The rows of an uploaded customer file, or `CustomerFileError` naming each bad row (a blank or too long
    cell, a meter listed twice) and keeping none of them."""
    try:
        table = intake.read_table(upload, CUSTOMER_SCHEMA, CUSTOMER_LIMITS)
    except intake.TableError as error:
        raise CustomerFileError(_report(name, list(error.errors), error)) from error
    errors, rows, seen = list(table.errors), [], set()
    for row in table.rows:
        meter = str(row.values["meter_id"])
        if meter in seen:
            errors.append(intake.row_error(row.number, "meter_id", meter, "listed_twice"))
            continue
        seen.add(meter)
        rows.append(CustomerRow(meter, *(str(row.values.get(column) or "") for column in COLUMNS)))
    if errors:
        errors.sort(key=lambda error: error.row_number or 0)
        more = table.error_count - len(table.errors) + max(0, len(errors) - CUSTOMER_LIMITS.max_errors)
        raise CustomerFileError(_report(name, errors[: CUSTOMER_LIMITS.max_errors], more=more))
    if not rows:
        raise CustomerFileError([f"{name}: {civic_intake.describe({'code': 'no_rows'}, MESSAGES)}"])
    return rows


def _report(
    name: str, errors: list[intake.RowError], error: intake.TableError | None = None, more: int = 0
) -> list[str]:
    """Each error as "用户档案.xlsx, row 4, 户名 / name: why", in the reader's language."""
    label = lambda column: CUSTOMER_SCHEMA.column(column).label  # noqa: E731
    return civic_intake.file_report(name, errors, MESSAGES, label, error, more)

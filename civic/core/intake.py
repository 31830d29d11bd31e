"""The messages of uploaded tables in the reader's language, and their errors as stored and shown.

Every upload is read by `hydro.intake` (see its docstring for the schema and
`read_table`); its errors carry stable codes and the values they were worked
out with. `MESSAGES` translates the intake's own codes once; an app adds the
codes of its own checks (`catalogue`), so each code has one English text in
`hydro` (for the command line) and one translated text here, and
``civic/core/tests/test_intake.py`` keeps the two in step.

An error is stored as a plain dict (`error_entry`): row, column, value,
code, English message and details. The message is written again in the
reader's language when a report is shown (`describe`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from hydro import intake

MESSAGES: dict[str, Promise] = {
    "not_a_table": _(
        "The file is neither a CSV file nor an Excel workbook (.xlsx). Save it as .xlsx or as CSV and try again."
    ),
    "not_a_workbook": _("This file is not an Excel workbook (.xlsx) that can be opened."),
    "unsafe_workbook": _(
        "The workbook's XML declares a document type or entities, or is broken; Civic does not read such a file. "
        "Open it in Excel or WPS and save it again as .xlsx."
    ),
    "too_large": _("The file is %(size_mb)s MB; at most %(limit_mb)s MB is read. Split it into smaller files."),
    "too_many_rows": _("The file has more than %(limit)s rows of data; split it into files of at most %(limit)s rows."),
    "too_many_columns": _("Row %(row)s has more than %(limit)s columns; a file of this kind has at most %(limit)s."),
    "missing_columns": _("The first row must name the columns %(missing)s. It names: %(found)s."),
    "missing_column": _("This column is missing."),
    "no_rows": _("The file has a header row but no data rows."),
    "file_refused": _("Nothing of this file was stored."),
    "more_errors": _("… and %(count)s more errors, not listed. Correct the rows above and import the file again."),
    "blank_cell": _("This cell must not be empty."),
    "not_a_number": _("%(value)s is not a number."),
    "not_a_whole_number": _("%(value)s is not a whole number."),
    "bad_date": _("%(value)s is not a date; write it as YYYY-MM-DD."),
    "too_long": _("Too long: at most %(limit)s characters."),
    "not_yes_no": _("Not yes or no: “%(value)s”. Write 是 or 否."),
}
"""The translated message of each code of `hydro.intake.MESSAGES`; details fill the %(name)s placeholders."""


def catalogue(own: Mapping[str, Promise]) -> dict[str, Promise]:
    """The intake's messages and an app's own, as one catalogue of codes."""
    return {**MESSAGES, **own}


def describe(error: Mapping[str, Any], messages: Mapping[str, Promise] = MESSAGES) -> str:
    """The message of a stored error ({"code": …, "details": {…}}) in the active language."""
    template = messages.get(error.get("code", ""))
    if template is None:
        return str(error.get("message", ""))
    try:
        return str(template) % error.get("details", {})
    except (KeyError, TypeError, ValueError):
        return str(error.get("message", template))


def storable(text: str) -> str:
    """Text a JSON field keeps on every database: PostgreSQL refuses the NUL character, shown here as U+FFFD."""
    return text.replace("\x00", "\ufffd")


def error_entry(error: intake.RowError) -> dict[str, Any]:
    """A row error as stored (in a JSON field, or a session)."""
    return {
        "row": error.row_number,
        "column": error.column,
        "value": storable(error.value),
        "code": error.code,
        "message": storable(error.message),
        "details": {name: storable(detail) for name, detail in error.details.items()},
    }


def file_error_entry(
    code: str,
    messages: Mapping[str, Promise] = MESSAGES,
    row: int | None = None,
    value: str = "",
    details: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An error of the file as a whole; its English message is kept for readers of the raw record."""
    details = dict(details or {})
    with translation.override("en"):
        message = describe({"code": code, "details": details}, messages)
    details = {name: storable(detail) for name, detail in details.items()}
    return {
        "row": row,
        "column": "",
        "value": storable(value),
        "code": code,
        "message": storable(message),
        "details": details,
    }


def size_error(size: int, limits: intake.Limits) -> str:
    """The message refusing an upload of `size` bytes beyond `limits`, in the active language; empty if within."""
    if size <= limits.max_bytes:
        return ""
    details = {"size_mb": intake.megabytes(size), "limit_mb": intake.megabytes(limits.max_bytes)}
    return describe({"code": "too_large", "details": details})


def checked_upload(uploaded: Any, suffixes: tuple[str, ...], wrong_kind: StrOrPromise, limits: intake.Limits) -> Any:
    """The uploaded file of a form, if its name ends in one of `suffixes` and its size is within `limits`;
    otherwise the form's error: `wrong_kind` (naming the file as `%(name)s`) or the size refused."""
    if not uploaded.name.lower().endswith(suffixes):
        raise ValidationError(wrong_kind, params={"name": uploaded.name})
    too_large = size_error(uploaded.size, limits)
    if too_large:
        raise ValidationError(too_large)
    return uploaded


def table_error_entries(error: intake.TableError) -> list[dict[str, Any]]:
    """A file refused as a whole, as stored: its own entry, or one per missing column."""
    value = error.details.get("found", "") if error.code == "missing_columns" else ""
    row = intake.HEADER_ROW if error.code == "missing_columns" else None
    return [file_error_entry(error.code, row=row, value=value, details=error.details)]


def bounded_entries(errors: Iterable[intake.RowError], error_count: int) -> list[dict[str, Any]]:
    """The kept errors as stored, then one entry counting those not kept."""
    entries = [error_entry(error) for error in errors]
    if error_count > len(entries):
        entries.append(file_error_entry("more_errors", details={"count": f"{error_count - len(entries):,}"}))
    return entries


@dataclass(frozen=True)
class ReportLine:
    """One line of an import's report as a page shows it: the row, the column's heading, the value and why."""

    row: int | None
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(str(part) for part in (self.row, self.column) if part)
        return f"{where}: {self.message}" if where else self.message


def report_lines(
    errors: Iterable[intake.RowError | Mapping[str, Any]],
    messages: Mapping[str, Promise] = MESSAGES,
    column_label: Callable[[str], str] = str,
) -> list[ReportLine]:
    """Errors as report lines in the active language, each column named by `column_label`."""
    lines = []
    for error in errors:
        entry = error_entry(error) if isinstance(error, intake.RowError) else error
        column = entry.get("column", "")
        lines.append(
            ReportLine(
                entry.get("row"),
                column_label(column) if column else "",
                entry.get("value", ""),
                describe(entry, messages),
            )
        )
    return lines


def file_report(
    name: str,
    errors: list[intake.RowError],
    messages: Mapping[str, Promise],
    column_label: Callable[[str], str],
    error: intake.TableError | None = None,
    more: int = 0,
) -> list[str]:
    """Each error of an uploaded file as "zones.csv, row 4, 分区 / dma_id: why", in the active language; the
    file's own `error` first, and how many `more` there were last."""
    if more > 0:
        errors = [*errors, intake.RowError(None, "", "", "more_errors", "", {"count": f"{more:,}"})]
    lines = report_lines(errors, messages, column_label)
    described = [_where(name, line.row, line.column) + line.message for line in lines]
    if error is not None:
        described.insert(0, f"{name}: {describe({'code': error.code, 'details': error.details}, messages)}")
    return described


def _where(name: str, row: int | None, column: str) -> str:
    parts = [
        name,
        *([str(translation.gettext("row %(row)s") % {"row": row})] if row else []),
        *([column] if column else []),
    ]
    return ", ".join(parts) + ": "


class RefusedFileError(ValueError):
    """An uploaded file refused whole, one line per reason, each naming the file and, where it can, the row."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines

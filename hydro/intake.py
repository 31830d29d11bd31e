"""One path for every table a user uploads: a CSV or XLSX file read in bounded memory into typed rows.

A file kind is described once, as a schema of columns; `read_table` reads a
file against it and returns the rows whose cells all parsed, and the errors
of the others, each with a stable code. Nothing here knows what a table is
about: the checks that need a register or other rows (an unknown meter, a
duplicate row) stay with the caller, which reports them the same way.

Use
---
::

    from hydro import intake

    FIRMS = intake.TableSchema(
        columns=(
            intake.Column("name", headings=("名称", "Name"), type=str, max_length=100),
            intake.Column("area_m2", headings=("面积", "Area"), type=float),
            intake.Column("opened_on", headings=("开业日期",), type=datetime.date, required=False),
            intake.Column("remark", headings=("备注",), type=str, required=False, column_required=False),
        )
    )
    try:
        result = intake.read_table(uploaded_file, FIRMS, intake.Limits(max_rows=20_000))
    except intake.TableError as error:  # the file as a whole: error.code, error.details, error.errors
        ...
    for row in result.rows:  # intake.Row: row.number (the header is row 1) and row.values by column name
        ...
    result.errors  # at most limits.max_errors RowErrors, in row order
    result.error_count  # every error found, the kept ones included

The source is bytes, a path or a binary file object (a Django upload). A
column is found by its name or any of its headings, compared without spaces
and case and without a trailing unit in brackets ("面积（m²）" is 面积). Its
`type` parses each filled cell: `str` (trimmed, at most `max_length`
characters), `float` (finite; text may carry thousands separators), `int`,
`datetime.date` (a date cell, YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日
or an Excel day number in a workbook), `bool` (是/否, yes/no, y/n, 1/0, √), a
function of the raw cell that returns the value or raises `CellError`, or
None to hand the raw cell on unparsed. An empty cell is None, or the error
``blank_cell`` when the column is `required`. Blank rows are skipped.

Files
-----
CSV in UTF-8 (with or without the byte-order mark Excel writes) or GB18030
(as Chinese Windows writes it), separated by commas, or by semicolons with
decimal commas (a header with semicolons and no comma: Excel in a European
locale, BattLeDIM's published files); of an XLSX workbook the first sheet, streamed
row by row (openpyxl's read-only mode, XML through defusedxml). A workbook
whose XML declares a document type or entities, or is broken, is refused
(``unsafe_workbook``, ``not_a_table``); so is a file over the limits of
`Limits` (``too_large``, ``too_many_rows``, ``too_many_columns``): memory then
stays bounded by the limits whatever a file declares about itself.

References
----------
[ECMA-376] Part 1, the worksheet's ``dimension`` element and the sheet's
largest size; [PY-XML-VULNERABILITIES] for the XML refused (docs/sources.md).

Errors
------
`MESSAGES` holds the English text of each code, the placeholders filled from
an error's `details` (all text). The civic side translates the same codes in
one catalogue (``civic.core.intake``); a test keeps the two in step.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import heapq
import io
import itertools
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from hydro import text_encoding
from hydro.text_encoding import csv_encoding

CellValue = str | int | float | datetime.date | None
"""A cell as read from a file: text, a number, a date (XLSX), or None when empty."""

Source = bytes | str | os.PathLike[str] | IO[bytes]
"""A file to read: its bytes, its path, or a binary file object positioned anywhere (it is rewound)."""

ZIP_SIGNATURE = b"PK\x03\x04"
HEADER_ROW = 1
ERROR_VALUE_CHARS = 200
"""A cell's value is shown in an error cut to this many characters: an error never stores a whole huge cell."""
EXCEL_LAST_SERIAL_DAY = 2_958_466  # 9999-12-31 is day 2,958,465 of Excel's calendar
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
YES_WORDS = frozenset({"是", "yes", "y", "true", "1", "√"})
NO_WORDS = frozenset({"否", "no", "n", "false", "0"})
READ_BLOCK_BYTES = text_encoding.READ_BLOCK_BYTES
XML_PROLOGUE_BYTES = 4096

MESSAGES: dict[str, str] = {
    # the file as a whole
    "not_a_table": "The file is neither a CSV file nor an Excel workbook (.xlsx). Save it as .xlsx or as CSV and "
    "try again.",
    "not_a_workbook": "This file is not an Excel workbook (.xlsx) that can be opened.",
    "unsafe_workbook": "The workbook's XML declares a document type or entities, or is broken; Civic does not read "
    "such a file. Open it in Excel or WPS and save it again as .xlsx.",
    "too_large": "The file is {size_mb} MB; at most {limit_mb} MB is read. Split it into smaller files.",
    "too_many_rows": "The file has more than {limit} rows of data; split it into files of at most {limit} rows.",
    "too_many_columns": "Row {row} has more than {limit} columns; a file of this kind has at most {limit}.",
    "missing_columns": "The first row must name the columns {missing}. It names: {found}.",
    "missing_column": "This column is missing.",
    "no_rows": "The file has a header row but no data rows.",
    "file_refused": "Nothing of this file was stored.",
    "more_errors": "… and {count} more errors, not listed. Correct the rows above and import the file again.",
    # one cell
    "blank_cell": "This cell must not be empty.",
    "not_a_number": "{value} is not a number.",
    "not_a_whole_number": "{value} is not a whole number.",
    "bad_date": "{value} is not a date; write it as YYYY-MM-DD.",
    "too_long": "Too long: at most {limit} characters.",
    "not_yes_no": "Not yes or no: “{value}”. Write 是 or 否.",
}
"""The English message of each code of this module; an error's details fill its placeholders."""


class Limits(NamedTuple):
    """What a file of one kind may hold; a file beyond them is refused before it costs memory.

    Attributes
    ----------
    max_bytes : int
        Size of the file as uploaded [bytes].
    max_rows : int
        Data rows, the header not counted (blank rows count: they are rows of the sheet).
    max_columns : int
        Columns of any row.
    max_errors : int
        Row errors kept; the others are only counted.
    max_unzipped_bytes : int
        Sum of the sizes of a workbook's parts once unzipped [bytes]: a small
        file may unzip to gigabytes.
    max_line_chars : int
        Characters in one line of a CSV file.
    """

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 50
    max_errors: int = 1000
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_line_chars: int = 65_536


DEFAULT_LIMITS = Limits()


class RowError(NamedTuple):
    """Why one row, or one cell of it, is refused: a stable code and an English message.

    `row_number` counts the rows as a spreadsheet shows them (the header is
    row 1); `column` is the column's name in the schema, empty for the row or
    file as a whole. `details` holds the values the message was filled with,
    as text, so that the message can be written again in another language.
    """

    row_number: int | None
    column: str
    value: str
    code: str
    message: str
    details: dict[str, str]

    def __str__(self) -> str:
        place = ", ".join(
            part for part in (f"row {self.row_number}" if self.row_number else "", f"column {self.column}") if part
        )
        return f"{place}: {self.message}" if self.column or self.row_number else self.message


class CellError(ValueError):
    """A cell that cannot be read as its column's type: a code of `MESSAGES` (or the caller's) and its details."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class TableError(ValueError):
    """A file that cannot be read as a table at all, or cannot be stored: its code and details.

    `errors` names each place at fault when there are several (the missing
    columns, or the rows of a refused file), at most `max_errors` of them, and
    `error_count` counts them all.
    """

    def __init__(
        self,
        code: str,
        *,
        source: str = "",
        errors: Sequence[RowError] = (),
        error_count: int | None = None,
        messages: Mapping[str, str] = MESSAGES,
        **details: object,
    ) -> None:
        self.code = code
        self.source = source
        self.details = {name: detail_text(detail) for name, detail in details.items()}
        self.errors = list(errors)
        self.error_count = len(self.errors) if error_count is None else error_count
        self.message = fill(messages.get(code, code), self.details)
        super().__init__(self._text())

    def _text(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        lines = [f"{prefix}{error}" for error in self.errors]
        if self.error_count > len(self.errors):
            lines.append(f"{prefix}… and {self.error_count - len(self.errors)} more problems")
        lines.append(self.message if lines else f"{prefix}{self.message}")
        return "\n".join(lines)


ColumnType = type | Callable[[CellValue], Any] | None


@dataclass(frozen=True)
class Column:
    """One column of a file kind.

    Attributes
    ----------
    name : str
        The name the code uses; accepted as a heading too.
    headings : tuple of str
        Headings the column goes by in a file (Chinese first, as templates write it).
    type : type, callable or None
        `str`, `float`, `int`, `datetime.date`, `bool`, a parser of the raw
        cell raising `CellError`, or None for the raw cell.
    required : bool
        Whether every data row must fill the cell.
    column_required : bool
        Whether the header must name the column.
    max_length : int
        For text: most characters allowed (0 for no limit).
    """

    name: str
    headings: tuple[str, ...] = ()
    type: ColumnType = str
    required: bool = True
    column_required: bool = True
    max_length: int = 0

    @property
    def label(self) -> str:
        """The headings a file may use, as "表号 / meter_serial"."""
        return " / ".join(dict.fromkeys((*self.headings, self.name)))


@dataclass(frozen=True)
class TableSchema:
    """The columns of a file kind; of each group in `one_of`, the header must name at least one column."""

    columns: tuple[Column, ...]
    one_of: tuple[tuple[str, ...], ...] = ()

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


class Row(NamedTuple):
    """A data row whose every cell parsed: its number in the sheet and its values by column name."""

    number: int
    values: dict[str, Any]


@dataclass
class TableResult:
    """The rows of a file that parsed, and the errors of those that did not (at most `Limits.max_errors`)."""

    rows: list[Row]
    errors: list[RowError]
    error_count: int
    headings: dict[str, str]
    """Each column found, by name: the heading the file gives it and its letter, as "通用值 (F)"."""
    kind: str
    """"csv" or "xlsx"."""

    @property
    def is_clean(self) -> bool:
        return self.error_count == 0


@dataclass
class ErrorLog:
    """Row errors kept in row order up to a bound, and a count of all of them."""

    limit: int = DEFAULT_LIMITS.max_errors
    count: int = 0
    _kept: list[tuple[tuple[int, int], int, RowError]] = field(default_factory=list)
    _column_order: dict[str, int] = field(default_factory=dict)

    def add(self, error: RowError) -> None:
        """Keep `error` if it is among the first `limit` by row (and by column, in the order columns were met)."""
        self.count += 1
        order = self._column_order.setdefault(error.column, len(self._column_order))
        entry = ((-(error.row_number or 0), -order), -self.count, error)
        if len(self._kept) < self.limit:
            heapq.heappush(self._kept, entry)
        elif self.limit and entry > self._kept[0]:
            heapq.heapreplace(self._kept, entry)

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.add(error)

    def order_columns(self, columns: Iterable[str]) -> None:
        """Sort errors of one row by these columns (the file's order) rather than by first appearance."""
        for column in columns:
            self._column_order.setdefault(column, len(self._column_order))

    @property
    def errors(self) -> list[RowError]:
        return [error for _key, _seen, error in sorted(self._kept, reverse=True)]


# --- reading ------------------------------------------------------------------------------------------------


def read_table(
    source: Source, schema: TableSchema, limits: Limits = DEFAULT_LIMITS, formats: tuple[str, ...] = ("csv", "xlsx")
) -> TableResult:
    """Read a CSV or XLSX file against `schema`: the rows whose cells parsed, and the errors of the others.

    Parameters
    ----------
    source : bytes, path or binary file object
    schema : TableSchema
    limits : Limits
    formats : tuple of "csv" and "xlsx"
        The formats accepted; given only "xlsx", any other file is ``not_a_workbook``.

    Returns
    -------
    TableResult

    Raises
    ------
    TableError
        When the file is not a table (``not_a_table``, ``not_a_workbook``, ``unsafe_workbook``),
        is beyond `limits` (``too_large``, ``too_many_rows``,
        ``too_many_columns``) or its header lacks a required column
        (``missing_columns``, with one ``missing_column`` error per column).
    """
    log = ErrorLog(limits.max_errors)
    log.order_columns(column.name for column in schema.columns)
    rows: list[Row] = []
    with opened(source) as handle:
        kind, table = _table_rows(handle, limits)
        if kind not in formats:
            raise TableError("not_a_workbook" if formats == ("xlsx",) else "not_a_table")
        try:
            positions, headings = _header(table, schema)
            placed = [(schema.column(name), position) for name, position in positions.items()]
            for number, cells in table:
                values = _row_values(number, cells, placed, kind == "xlsx", log)
                if values is not None:
                    rows.append(Row(number, values))
        except TableError as error:
            if error.code == "not_a_table" and formats == ("xlsx",):
                raise TableError("not_a_workbook") from error
            raise
    return TableResult(rows, log.errors, log.count, headings, kind)


def table_kind(source: Source) -> str:
    """ "xlsx" for a ZIP file (a workbook), else "csv"."""
    with opened(source) as handle:
        return "xlsx" if handle.read(len(ZIP_SIGNATURE)) == ZIP_SIGNATURE else "csv"


class _Opened:
    """A binary file object for a source, rewound; closed on exit only if opened here."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.handle: IO[bytes]
        self.owned = False

    def __enter__(self) -> IO[bytes]:
        if isinstance(self.source, bytes):
            self.handle = io.BytesIO(self.source)
        elif isinstance(self.source, str | os.PathLike):
            self.handle = Path(self.source).open("rb")
            self.owned = True
        else:
            self.handle = self.source
            self.handle.seek(0)
        return self.handle

    def __exit__(self, *exception: object) -> None:
        if self.owned:
            self.handle.close()


def opened(source: Source) -> _Opened:
    return _Opened(source)


def _table_rows(handle: IO[bytes], limits: Limits) -> tuple[str, Iterator[tuple[int, Sequence[CellValue]]]]:
    """The file's kind and its rows, numbered from 1, read lazily after the size check."""
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    if size > limits.max_bytes:
        raise TableError("too_large", size_mb=megabytes(size), limit_mb=megabytes(limits.max_bytes))
    if handle.read(len(ZIP_SIGNATURE)) == ZIP_SIGNATURE:
        handle.seek(0)
        return "xlsx", _bounded(_xlsx_rows(handle, limits), limits)
    handle.seek(0)
    return "csv", _bounded(_csv_rows(handle, limits), limits)


def megabytes(size: int) -> str:
    """A size in bytes as MB for a message: 1 decimal, none when whole ("20", "99.9")."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _bounded(rows: Iterator[Sequence[CellValue]], limits: Limits) -> Iterator[tuple[int, Sequence[CellValue]]]:
    """Rows numbered from 1; a filled row past the row limit, or a filled cell past the column limit, is refused."""
    for number, cells in enumerate(rows, start=1):
        if not cells and number > HEADER_ROW:
            continue  # a gap in a sheet's rows: a workbook may declare a million of them
        if len(cells) > limits.max_columns and any(is_filled(cell) for cell in cells[limits.max_columns :]):
            raise TableError("too_many_columns", row=number, limit=f"{limits.max_columns:,}")
        if number > limits.max_rows + HEADER_ROW and any(is_filled(cell) for cell in cells):
            raise TableError("too_many_rows", limit=f"{limits.max_rows:,}")
        yield number, cells


# --- CSV ------------------------------------------------------------------------------------------------------


DECIMAL_COMMA = re.compile(r"^([+-]?\d+),(\d+)$")
"""A number written with a decimal comma, as files separated by semicolons write them (50,25 for 50.25)."""


def _csv_rows(handle: IO[bytes], limits: Limits) -> Iterator[Sequence[CellValue]]:
    encoding = csv_encoding(handle)
    handle.seek(0)
    text = io.TextIOWrapper(io.BufferedReader(_Unclosed(handle)), encoding=encoding, newline="")
    try:
        lines = _bounded_lines(text, limits)
        header = next(lines, "")
        if ";" in header and "," not in header:  # Excel in a European locale, and BattLeDIM's own files
            for cells in csv.reader(itertools.chain([header], lines), delimiter=";"):
                yield [DECIMAL_COMMA.sub(r"\1.\2", cell) for cell in cells]
        else:
            yield from csv.reader(itertools.chain([header], lines))
    except (csv.Error, UnicodeDecodeError) as error:
        raise TableError("not_a_table") from error
    finally:
        text.detach()


def _bounded_lines(text: IO[str], limits: Limits) -> Iterator[str]:
    while line := text.readline(limits.max_line_chars + 1):
        if len(line) > limits.max_line_chars:
            raise TableError("too_many_columns", row="—", limit=f"{limits.max_columns:,}")
        yield line


class _Unclosed(io.RawIOBase):
    """A binary stream a TextIOWrapper may wrap without taking it over."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- XLSX -----------------------------------------------------------------------------------------------------


def _xlsx_rows(handle: IO[bytes], limits: Limits) -> Iterator[Sequence[CellValue]]:
    """The first sheet's rows as values, streamed; its declared size is ignored, so gaps stay gaps."""
    _check_workbook_parts(handle, limits)
    handle.seek(0)
    from openpyxl import load_workbook  # imported here: CSV-only callers do not pay for it

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook; all mean the same here
        raise _workbook_error(error) from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # what a workbook declares of its size is not trusted
        for values in sheet.iter_rows(values_only=True):  # a row as wide as its last cell (at most 18,278)
            yield tuple(_xlsx_cell(value) for value in values) if values else ()
    except TableError:
        raise
    except Exception as error:
        raise _workbook_error(error) from error
    finally:
        workbook.close()


def _workbook_error(error: Exception) -> TableError:
    parse_errors = (SyntaxError,)  # xml.etree's ParseError; defusedxml's refusals are ValueErrors named below
    if isinstance(error, parse_errors) or type(error).__module__.startswith("defusedxml"):
        return TableError("unsafe_workbook")
    return TableError("not_a_table")


def _check_workbook_parts(handle: IO[bytes], limits: Limits) -> None:
    """Refuse a workbook that unzips beyond the limit or whose XML declares a document type or entities."""
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > limits.max_unzipped_bytes:
                raise TableError(
                    "too_large",
                    size_mb=megabytes(sum(member.file_size for member in members)),
                    limit_mb=megabytes(limits.max_unzipped_bytes),
                )
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as part:
                        if _declares_document_type(part.read(XML_PROLOGUE_BYTES)):
                            raise TableError("unsafe_workbook")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise TableError("not_a_table") from error


def _declares_document_type(prologue: bytes) -> bool:
    """Whether an XML part's start declares a DTD or entities (which come before the root element)."""
    text = prologue.decode("utf-8", errors="ignore") if not prologue.startswith(codecs.BOM_UTF16_LE) else ""
    if prologue.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = prologue.decode("utf-16", errors="ignore")
    return "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper()


def _xlsx_cell(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | datetime.date):
        return value
    return str(value)


# --- the header and the cells ---------------------------------------------------------------------------------


def normalise_heading(heading: CellValue) -> str:
    """A heading as compared: no spaces, lower case, without a unit in brackets ("表底数（m³）" → "表底数")."""
    text = re.sub(r"\s+", "", str(heading if heading is not None else "")).lstrip("\ufeff").lower()
    return re.sub(r"[(（][^()（）]*[)）]$", "", text)


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 → A, 26 → AA."""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _header(
    table: Iterator[tuple[int, Sequence[CellValue]]], schema: TableSchema
) -> tuple[dict[str, int], dict[str, str]]:
    """Where each column of the schema sits, and the heading the file gives it; missing columns refused."""
    first = next(table, None)
    header: Sequence[CellValue] = first[1] if first is not None else ()
    by_heading = {
        normalise_heading(name): column.name for column in schema.columns for name in (column.name, *column.headings)
    }
    positions: dict[str, int] = {}
    for position, heading in enumerate(header):
        name = by_heading.get(normalise_heading(heading))
        if name is not None:
            positions.setdefault(name, position)
    missing = [column for column in schema.columns if column.column_required and column.name not in positions]
    for group in schema.one_of:
        if not any(name in positions for name in group):
            missing += [schema.column(name) for name in group]
    if missing:
        found = ", ".join(str(heading).strip() for heading in header if is_filled(heading)) or "—"
        errors = [
            RowError(HEADER_ROW, column.name, "", "missing_column", MESSAGES["missing_column"], {})
            for column in missing
        ]
        raise TableError(
            "missing_columns", errors=errors, missing=", ".join(column.label for column in missing), found=found
        )
    headings = {
        name: f"{str(header[position]).strip()} ({column_letter(position)})" for name, position in positions.items()
    }
    return positions, headings


def _row_values(
    number: int, cells: Sequence[CellValue], placed: Sequence[tuple[Column, int]], serial_dates: bool, log: ErrorLog
) -> dict[str, Any] | None:
    """The parsed values of a data row, or None when it is blank or a cell is in error (logged)."""
    width = len(cells)
    raw = [(column, cells[position] if position < width else None) for column, position in placed]
    if not any(is_filled(value) for _column, value in raw):
        return None
    values: dict[str, Any] = {}
    clean = True
    for column, value in raw:
        try:
            values[column.name] = parse_cell(column, value, serial_dates)
        except CellError as error:
            clean = False
            log.add(row_error(number, column.name, value, error.code, **error.details))
    return values if clean else None


def parse_cell(column: Column, value: CellValue, serial_dates: bool = False) -> Any:
    """A cell as its column's type; raises CellError."""
    if column.type is None:
        return value
    if not is_filled(value):
        if column.required:
            raise CellError("blank_cell")
        return None
    if column.type is str:
        return parse_text(value, column.max_length)
    if column.type is float:
        return _number_or_error(value)
    if column.type is int:
        return parse_whole_number(value)
    if column.type is datetime.date:
        return _date_or_error(value, serial_dates)
    if column.type is bool:
        return parse_yes_no(value)
    return column.type(value)


def parse_text(value: CellValue, max_length: int = 0) -> str:
    """A cell as trimmed text (see `cell_text`); raises CellError ``too_long`` beyond `max_length` characters."""
    text = cell_text(value)
    if max_length and len(text) > max_length:
        raise CellError("too_long", limit=max_length)
    return text


def parse_number(value: CellValue) -> float | None:
    """A finite number from a cell; text may carry thousands separators ("12,500"). None if not a number."""
    if isinstance(value, bool | datetime.date):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(cell_text(value).replace(",", ""))
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _number_or_error(value: CellValue) -> float:
    number = parse_number(value)
    if number is None:
        raise CellError("not_a_number")
    return number


def parse_whole_number(value: CellValue) -> int:
    """A whole number from a cell (12, 12.0, "1,200"); raises CellError."""
    number = _number_or_error(value)
    if not number.is_integer():
        raise CellError("not_a_whole_number")
    return int(number)


def parse_date(value: CellValue, serial_dates: bool = False) -> datetime.date | None:
    """A date from a cell: a date cell, text in `DATE_FORMATS`, or (`serial_dates`) an Excel day number; else None.

    A date typed into a workbook cell not formatted as a date shows as Excel's
    day number (1900 date system); in a CSV file a number is never a date.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return excel_serial_date(value) if serial_dates else None
    text = cell_text(value)
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups() if part is not None)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def excel_serial_date(serial: float) -> datetime.date | None:
    """The date of an Excel day number (1900 date system), or None outside Excel's calendar."""
    if not 1 <= serial < EXCEL_LAST_SERIAL_DAY or not math.isfinite(serial):
        return None
    from openpyxl.utils.datetime import from_excel

    return from_excel(serial).date()


def _date_or_error(value: CellValue, serial_dates: bool) -> datetime.date:
    parsed = parse_date(value, serial_dates)
    if parsed is None:
        raise CellError("bad_date")
    return parsed


def parse_yes_no(value: CellValue) -> bool:
    """是/否, yes/no, y/n, true/false, 1/0 or √, in any case; raises CellError ``not_yes_no``."""
    if isinstance(value, bool):
        return value
    word = cell_text(value).lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise CellError("not_yes_no")


def cell_text(value: CellValue) -> str:
    """A cell as text; a whole number typed into a spreadsheet shows without its ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def is_filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


# --- errors ---------------------------------------------------------------------------------------------------


def row_error(
    row_number: int | None,
    column: str,
    value: CellValue,
    code: str,
    messages: Mapping[str, str] = MESSAGES,
    /,
    **details: object,
) -> RowError:
    """A row error whose English message is the code's in `messages`, filled with the value and `details`."""
    value_text = cell_text(value)
    if len(value_text) > ERROR_VALUE_CHARS:
        value_text = value_text[:ERROR_VALUE_CHARS] + "…"
    texts = {"value": value_text, **{name: detail_text(detail) for name, detail in details.items()}}
    return RowError(row_number, column, value_text, code, fill(messages.get(code, code), texts), texts)


def fill(template: str, details: Mapping[str, str]) -> str:
    """A message template filled with details; a placeholder without a detail is left as written."""
    try:
        return template.format_map(details)
    except (KeyError, IndexError, ValueError):
        return template


def detail_text(detail: object) -> str:
    """A detail as a message shows it: decimals with thousands separators and at most 3 places, dates ISO."""
    if isinstance(detail, float):
        return f"{detail:,.3f}".rstrip("0").rstrip(".")
    if isinstance(detail, datetime.date):
        return detail.isoformat()
    return str(detail)

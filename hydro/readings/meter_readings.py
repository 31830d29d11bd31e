"""Meter readings of planned water use: checking a file of readings and turning indexes into volumes.

A water bureau collects readings as rows of (meter serial, reading date, index
or volume). The index (表底数) is the cumulative register of the meter; the
volume (用水量) is the water passed since the meter's previous reading. Every
reading is stored with its volume, so an index is turned into a volume against
the meter's previous index.

The checks here find every row of a file that cannot be stored, with a stable
reason code, so that a file with any bad row can be refused whole with a report
naming each row and why. Nothing here reads files or databases: the caller
hands in the rows as read and the facts it knows about each meter.

Volumes and indexes are in m³, flowrates in m³/h, durations in hours.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from hydro import intake
from hydro.intake import CellValue, RowError, cell_text, parse_number

__all__ = ["CellValue", "RowError", "cell_text", "parse_number"]  # re-exported: the readings' API since before

METER_SERIAL = "meter_serial"
READING_DATE = "reading_date"
INDEX = "index_m3"
VOLUME = "volume_m3"
REMARK = "remark"
COLUMNS = (METER_SERIAL, READING_DATE, INDEX, VOLUME, REMARK)

ROLLOVER_WORDS = ("rollover", "翻转")
HOURS_PER_DAY = 24
DAYS_ASSUMED_WITHOUT_PREVIOUS_READING = 31
VOLUME_DECIMALS = 3  # one litre: finer digits are floating-point noise from subtracting indexes

PERMANENT_FLOWRATE_M3_PER_H = {
    15: 2.5,
    20: 4.0,
    25: 6.3,
    32: 10.0,
    40: 16.0,
    50: 25.0,
    65: 40.0,
    80: 63.0,
    100: 100.0,
    125: 160.0,
    150: 250.0,
    200: 400.0,
    250: 630.0,
    300: 1000.0,
}
"""Permanent flowrate Q3 by nominal size DN [mm → m³/h], ISO 4064-1:2014 / GB/T 778.1-2018 usual ratings."""

REASONS = {
    **intake.MESSAGES,
    "unknown_meter": "No meter with serial {serial} is registered.",
    "future_date": "The reading date {date} is after today, {today}.",
    "meter_not_installed": "Meter {serial} was installed on {installed_on}, after this reading.",
    "meter_removed": "Meter {serial} was removed on {removed_on}, before this reading.",
    "meter_replaced": "Meter {serial} was replaced by meter {replaced_by} on {removed_on}, before this reading.",
    "missing_value": "Give either the index or the volume; both are empty.",
    "both_values": "Give either the index or the volume, not both.",
    "negative_volume": "The volume {value} m³ is negative.",
    "negative_index": "The index {value} m³ is negative.",
    "index_beyond_capacity": "The index {value} m³ is beyond the meter's register of {capacity} m³.",
    "duplicate_in_file": "Meter {serial} has another reading on {date} in row {first_row}.",
    "already_stored": "A reading of meter {serial} on {date} is already stored.",
    "before_stored": "A later reading of meter {serial}, on {stored_date}, is already stored; readings are added in "
    "date order.",
    "index_backwards": "The index went back from {previous_index} m³ to {index} m³. If the register rolled over, "
    "write “rollover” in the remark; if the meter was replaced, register the new meter first.",
    "implausible_jump": "{volume} m³ since the previous reading is more than a DN{size_mm} meter can pass in "
    "{hours} h at its permanent flowrate ({limit} m³).",
}
"""The English message of each reason code (the intake's and the readings' own); details fill the placeholders."""


class RawReading(NamedTuple):
    """One data row of a readings file, cells as read.

    `row_number` counts the rows of the file as a spreadsheet shows them: the
    header is row 1, the first data row is row 2.
    """

    row_number: int
    meter_serial: CellValue
    reading_date: CellValue
    index_m3: CellValue = None
    volume_m3: CellValue = None
    remark: CellValue = None


class StoredReading(NamedTuple):
    """A meter's latest reading already stored: its date and the index [m³] the meter showed then.

    When that reading only gave a volume, the index is the one implied by the
    meter's earlier readings.
    """

    reading_date: datetime.date
    index_m3: float


class MeterFacts(NamedTuple):
    """What the checks need to know about one registered meter.

    Attributes
    ----------
    serial : str
    installed_on, removed_on : datetime.date, datetime.date or None
        Readings are accepted from the installation date to the removal date, inclusive.
    size_mm : int
        Nominal size DN [mm]; sets the largest plausible volume.
    initial_index_m3 : float
        Index at installation [m³]: a meter's first reading counts from it.
    index_capacity_m3 : float
        The register rolls over to zero on reaching this value [m³].
    latest_reading : StoredReading or None
        The latest reading already stored, if any.
    replaces_serial : str or None
        Serial of the meter this one replaced.
    """

    serial: str
    installed_on: datetime.date
    removed_on: datetime.date | None
    size_mm: int
    initial_index_m3: float = 0.0
    index_capacity_m3: float = 1_000_000.0
    latest_reading: StoredReading | None = None
    replaces_serial: str | None = None


class AcceptedReading(NamedTuple):
    """A reading that passed every check, with its volume since the meter's previous reading [m³]."""

    row_number: int
    meter_serial: str
    reading_date: datetime.date
    index_m3: float | None
    volume_m3: float


class ReadingsCheck(NamedTuple):
    """The outcome of checking a file: the readings to store, and the rows that cannot be stored.

    `errors` holds the first `max_errors` errors by row; `error_count` counts them all.
    """

    readings: list[AcceptedReading]
    errors: list[RowError]
    error_count: int = 0

    @property
    def is_clean(self) -> bool:
        return not self.errors and not self.error_count


class _ParsedRow(NamedTuple):
    """A row whose cells each parsed, before the checks that need the meter's other readings."""

    row_number: int
    meter: MeterFacts
    reading_date: datetime.date
    index_m3: float | None
    volume_m3: float | None
    declares_rollover: bool


class _MeterPosition(NamedTuple):
    """Where a meter stands before a reading: the previous reading's date (if any) and index."""

    reading_date: datetime.date | None
    index_m3: float


def permanent_flowrate_m3_per_h(size_mm: int) -> float:
    """Permanent flowrate Q3 of a water meter of nominal size DN `size_mm`.

    Parameters
    ----------
    size_mm : int
        Nominal size DN [mm].

    Returns
    -------
    float
        Q3 [m³/h]: the listed rating of the size, or of the next larger listed
        size; above DN300, DN300's rating scaled by the bore area.

    Notes
    -----
    Above the table, Q3 = Q3(DN300) · (DN / 300)², since meters of one design
    are rated for about the same velocity through the bore.

    References
    ----------
    ISO 4064-1:2014 / GB/T 778.1-2018, Water meters for cold potable water and
    hot water, Part 1: metrological and technical requirements (Q3 series).
    """
    for listed_size, flowrate in PERMANENT_FLOWRATE_M3_PER_H.items():
        if size_mm <= listed_size:
            return flowrate
    largest = max(PERMANENT_FLOWRATE_M3_PER_H)
    return PERMANENT_FLOWRATE_M3_PER_H[largest] * (size_mm / largest) ** 2


def maximum_plausible_volume_m3(size_mm: int, hours: float) -> float:
    """The most water a meter can pass in `hours`: its permanent flowrate running all that time.

    Parameters
    ----------
    size_mm : int
        Nominal size DN [mm].
    hours : float
        Time since the previous reading [h].

    Returns
    -------
    float
        V_max [m³].

    Notes
    -----
    V_max = Q3 · t. A meter runs above Q3 (up to its overload flowrate Q4 =
    1.25 Q3) only for short spells, so a larger volume is a misread index, a
    wrong meter or a missed rollover.

    References
    ----------
    ISO 4064-1:2014 / GB/T 778.1-2018.
    """
    return permanent_flowrate_m3_per_h(size_mm) * hours


def volume_since_previous_m3(
    previous_index_m3: float,
    index_m3: float,
    index_capacity_m3: float,
    declares_rollover: bool,
    plausible_limit_m3: float,
) -> float | None:
    """Volume between two indexes of one meter, allowing for the register rolling over.

    Parameters
    ----------
    previous_index_m3, index_m3 : float
        The previous and the new index [m³].
    index_capacity_m3 : float
        Register capacity: the index rolls over to zero on reaching it [m³].
    declares_rollover : bool
        Whether the reader declared that the register rolled over.
    plausible_limit_m3 : float
        The most the meter can have passed since the previous reading [m³].

    Returns
    -------
    float or None
        The volume [m³], or None when the index went backwards without a rollover.

    Notes
    -----
    Without a rollover V = I − I_prev. When I < I_prev the register rolled over
    if the reader says so, or if the volume it implies,
    V = I + C − I_prev, is plausible (at most `plausible_limit_m3`).
    """
    if index_m3 >= previous_index_m3:
        return round(index_m3 - previous_index_m3, VOLUME_DECIMALS)
    rolled_over_volume = round(index_m3 + index_capacity_m3 - previous_index_m3, VOLUME_DECIMALS)
    if declares_rollover or rolled_over_volume <= plausible_limit_m3:
        return rolled_over_volume
    return None


def index_after_readings(
    readings: Iterable[tuple[float | None, float]], initial_index_m3: float, index_capacity_m3: float
) -> float:
    """The index a meter shows after its readings, when some of them gave only a volume.

    Parameters
    ----------
    readings : iterable of (index or None, volume)
        The meter's readings in date order: the index read [m³] (None when
        only the volume was given) and the volume since the previous reading [m³].
    initial_index_m3 : float
        Index at installation [m³].
    index_capacity_m3 : float
        Register capacity [m³].

    Returns
    -------
    float
        The index after the last reading [m³].

    Notes
    -----
    I_k = I_k as read, or (I_{k−1} + V_k) mod C when only V_k was given; I_0 is
    the index at installation.
    """
    index_m3 = initial_index_m3
    for read_index_m3, volume_m3 in readings:
        index_m3 = read_index_m3 if read_index_m3 is not None else (index_m3 + volume_m3) % index_capacity_m3
    return round(index_m3, VOLUME_DECIMALS)


def check_readings(
    rows: Iterable[RawReading],
    meters: Mapping[str, MeterFacts],
    today: datetime.date,
    max_errors: int = intake.DEFAULT_LIMITS.max_errors,
) -> ReadingsCheck:
    """Check the rows of a readings file and work out the volume of each reading.

    Parameters
    ----------
    rows : iterable of RawReading
        The data rows of the file, cells as read.
    meters : mapping of str to MeterFacts
        The registered meters by serial.
    today : datetime.date
        Readings dated after it are refused.
    max_errors : int
        Row errors kept (the first by row); the others are only counted.

    Returns
    -------
    ReadingsCheck
        The accepted readings, by meter and date, and the row errors, by row.

    Notes
    -----
    Each cell is checked on its own first (known meter, date within the
    meter's service and not in the future, numbers, either an index or a
    volume). Then the rows of each meter are taken in date order from the
    meter's latest stored reading (or its index at installation): a reading
    already stored or dated before the stored one is refused, an index is
    turned into a volume (see `volume_since_previous_m3`), and a volume above
    `maximum_plausible_volume_m3` over the hours since the previous reading
    (31 days when there is none) is refused as an implausible jump. A refused
    row does not move the meter on, so one misread index is reported once
    instead of spoiling the rows after it.
    """
    errors = intake.ErrorLog(max_errors)
    errors.order_columns(COLUMNS)
    parsed_rows: list[_ParsedRow] = []
    for raw in rows:
        parsed, row_errors = _parse_row(raw, meters, today)
        errors.extend(row_errors)
        if parsed is not None:
            parsed_rows.append(parsed)
    unique_rows = _drop_duplicates(parsed_rows, errors)
    readings: list[AcceptedReading] = []
    for meter_rows in _rows_by_meter(unique_rows):
        meter_readings, sequence_errors = _check_meter_sequence(meter_rows)
        readings.extend(meter_readings)
        errors.extend(sequence_errors)
    return ReadingsCheck(readings=readings, errors=errors.errors, error_count=errors.count)


def row_error(row_number: int, column: str, value: CellValue, code: str, **details: object) -> RowError:
    """A row error whose English message is the reason's, filled with `details`."""
    return intake.row_error(row_number, column, value, code, REASONS, **details)


def parse_date(value: CellValue) -> datetime.date | None:
    """A reading date from a cell: a date (XLSX) or text YYYY-MM-DD (also YYYY/MM/DD); None if neither."""
    return intake.parse_date(value)


def declares_rollover(remark: CellValue) -> bool:
    """Whether a remark says the register rolled over ("rollover" or 翻转, in any case)."""
    text = cell_text(remark).lower()
    return any(word in text for word in ROLLOVER_WORDS)


def _parse_row(
    raw: RawReading, meters: Mapping[str, MeterFacts], today: datetime.date
) -> tuple[_ParsedRow | None, list[RowError]]:
    """The row's cells parsed, or None and every error found in them."""
    errors: list[RowError] = []
    meter = _parse_meter(raw, meters, errors)
    reading_date = _parse_reading_date(raw, today, errors)
    if meter is not None and reading_date is not None:
        _check_in_service(raw, meter, reading_date, meters, errors)
    index_m3, volume_m3 = _parse_values(raw, meter, errors)
    if errors or meter is None or reading_date is None:
        return None, errors
    parsed = _ParsedRow(raw.row_number, meter, reading_date, index_m3, volume_m3, declares_rollover(raw.remark))
    return parsed, errors


def _parse_meter(raw: RawReading, meters: Mapping[str, MeterFacts], errors: list[RowError]) -> MeterFacts | None:
    serial = cell_text(raw.meter_serial)
    if not serial:
        errors.append(row_error(raw.row_number, METER_SERIAL, raw.meter_serial, "blank_cell"))
        return None
    meter = meters.get(serial)
    if meter is None:
        errors.append(row_error(raw.row_number, METER_SERIAL, raw.meter_serial, "unknown_meter", serial=serial))
    return meter


def _parse_reading_date(raw: RawReading, today: datetime.date, errors: list[RowError]) -> datetime.date | None:
    if not cell_text(raw.reading_date):
        errors.append(row_error(raw.row_number, READING_DATE, raw.reading_date, "blank_cell"))
        return None
    reading_date = parse_date(raw.reading_date)
    if reading_date is None:
        errors.append(row_error(raw.row_number, READING_DATE, raw.reading_date, "bad_date"))
    elif reading_date > today:
        errors.append(
            row_error(raw.row_number, READING_DATE, raw.reading_date, "future_date", date=reading_date, today=today)
        )
        return None
    return reading_date


def _check_in_service(
    raw: RawReading,
    meter: MeterFacts,
    reading_date: datetime.date,
    meters: Mapping[str, MeterFacts],
    errors: list[RowError],
) -> None:
    cell = (raw.row_number, READING_DATE, raw.reading_date)
    if reading_date < meter.installed_on:
        errors.append(row_error(*cell, "meter_not_installed", serial=meter.serial, installed_on=meter.installed_on))
    elif meter.removed_on is not None and reading_date > meter.removed_on:
        replaced_by = _replacement_serial(meter.serial, meters)
        if replaced_by is None:
            errors.append(row_error(*cell, "meter_removed", serial=meter.serial, removed_on=meter.removed_on))
        else:
            errors.append(
                row_error(
                    *cell, "meter_replaced", serial=meter.serial, removed_on=meter.removed_on, replaced_by=replaced_by
                )
            )


def _replacement_serial(serial: str, meters: Mapping[str, MeterFacts]) -> str | None:
    """The serial of the registered meter that replaced `serial`, if any."""
    for other in meters.values():
        if other.replaces_serial == serial:
            return other.serial
    return None


def _parse_values(
    raw: RawReading, meter: MeterFacts | None, errors: list[RowError]
) -> tuple[float | None, float | None]:
    """The index and the volume of a row; exactly one of them must be given."""
    index_m3 = _parse_number_cell(raw.row_number, INDEX, raw.index_m3, errors)
    volume_m3 = _parse_number_cell(raw.row_number, VOLUME, raw.volume_m3, errors)
    index_given, volume_given = bool(cell_text(raw.index_m3)), bool(cell_text(raw.volume_m3))
    if not index_given and not volume_given:
        errors.append(row_error(raw.row_number, INDEX, raw.index_m3, "missing_value"))
    elif index_given and volume_given:
        errors.append(row_error(raw.row_number, INDEX, raw.index_m3, "both_values"))
    if volume_m3 is not None and volume_m3 < 0:
        errors.append(row_error(raw.row_number, VOLUME, raw.volume_m3, "negative_volume"))
    if index_m3 is not None:
        _check_index_range(raw, index_m3, meter, errors)
    return index_m3, volume_m3


def _check_index_range(raw: RawReading, index_m3: float, meter: MeterFacts | None, errors: list[RowError]) -> None:
    if index_m3 < 0:
        errors.append(row_error(raw.row_number, INDEX, raw.index_m3, "negative_index"))
    elif meter is not None and index_m3 >= meter.index_capacity_m3:
        errors.append(
            row_error(raw.row_number, INDEX, raw.index_m3, "index_beyond_capacity", capacity=meter.index_capacity_m3)
        )


def _parse_number_cell(row_number: int, column: str, value: CellValue, errors: list[RowError]) -> float | None:
    if not cell_text(value):
        return None
    number = parse_number(value)
    if number is None:
        errors.append(row_error(row_number, column, value, "not_a_number"))
    return number


def _drop_duplicates(rows: list[_ParsedRow], errors: intake.ErrorLog) -> list[_ParsedRow]:
    """Keep the first row of each meter and date; every later one is an error naming the first."""
    first_rows: dict[tuple[str, datetime.date], _ParsedRow] = {}
    for row in rows:
        key = (row.meter.serial, row.reading_date)
        first = first_rows.setdefault(key, row)
        if first is not row:
            details = {"serial": row.meter.serial, "date": row.reading_date, "first_row": first.row_number}
            errors.add(row_error(row.row_number, READING_DATE, row.reading_date, "duplicate_in_file", **details))
    return list(first_rows.values())


def _rows_by_meter(rows: list[_ParsedRow]) -> list[list[_ParsedRow]]:
    """Rows grouped by meter (in serial order), each group in date order."""
    groups: dict[str, list[_ParsedRow]] = defaultdict(list)
    for row in rows:
        groups[row.meter.serial].append(row)
    return [sorted(groups[serial], key=lambda row: row.reading_date) for serial in sorted(groups)]


def _check_meter_sequence(rows: list[_ParsedRow]) -> tuple[list[AcceptedReading], list[RowError]]:
    """Take one meter's rows in date order, turning indexes into volumes and refusing impossible ones."""
    meter = rows[0].meter
    stored = meter.latest_reading
    position = (
        _MeterPosition(stored.reading_date, stored.index_m3) if stored else _MeterPosition(None, meter.initial_index_m3)
    )
    readings: list[AcceptedReading] = []
    errors: list[RowError] = []
    for row in rows:
        error = _check_against_stored(row, stored)
        reading = None
        if error is None:
            reading, error = _next_reading(row, position)
        if reading is not None:
            readings.append(reading)
            position = _position_after(reading, position, meter.index_capacity_m3)
        if error is not None:
            errors.append(error)
    return readings, errors


def _check_against_stored(row: _ParsedRow, stored: StoredReading | None) -> RowError | None:
    if stored is None or row.reading_date > stored.reading_date:
        return None
    serial = row.meter.serial
    if row.reading_date == stored.reading_date:
        return row_error(
            row.row_number, READING_DATE, row.reading_date, "already_stored", serial=serial, date=row.reading_date
        )
    return row_error(
        row.row_number, READING_DATE, row.reading_date, "before_stored", serial=serial, stored_date=stored.reading_date
    )


def _next_reading(row: _ParsedRow, position: _MeterPosition) -> tuple[AcceptedReading | None, RowError | None]:
    """The row as a reading after `position`, or the reason it cannot follow it."""
    meter = row.meter
    days = (
        (row.reading_date - position.reading_date).days
        if position.reading_date
        else DAYS_ASSUMED_WITHOUT_PREVIOUS_READING
    )
    hours = days * HOURS_PER_DAY
    limit_m3 = maximum_plausible_volume_m3(meter.size_mm, hours)
    volume_m3 = row.volume_m3
    if row.index_m3 is not None:
        volume_m3 = volume_since_previous_m3(
            position.index_m3, row.index_m3, meter.index_capacity_m3, row.declares_rollover, limit_m3
        )
        if volume_m3 is None:
            details = {"previous_index": position.index_m3, "index": row.index_m3}
            return None, row_error(row.row_number, INDEX, row.index_m3, "index_backwards", **details)
    assert volume_m3 is not None  # a parsed row has an index or a volume
    if volume_m3 > limit_m3:
        column, value = (INDEX, row.index_m3) if row.index_m3 is not None else (VOLUME, row.volume_m3)
        details = {"volume": volume_m3, "size_mm": meter.size_mm, "hours": hours, "limit": limit_m3}
        return None, row_error(row.row_number, column, value, "implausible_jump", **details)
    reading = AcceptedReading(row.row_number, meter.serial, row.reading_date, row.index_m3, volume_m3)
    return reading, None


def _position_after(reading: AcceptedReading, position: _MeterPosition, index_capacity_m3: float) -> _MeterPosition:
    """The meter's position after a reading; a reading of volume only moves the index on by that volume."""
    if reading.index_m3 is not None:
        return _MeterPosition(reading.reading_date, reading.index_m3)
    return _MeterPosition(reading.reading_date, (position.index_m3 + reading.volume_m3) % index_capacity_m3)

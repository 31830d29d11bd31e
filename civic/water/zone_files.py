"""Zone files uploaded on the web: which meters are each DMA's inflow, outflow and customers.

The command line reads the same file with `hydro.readings.periods.read_zones`;
the web also takes an Excel sheet, GBK text and Chinese headings and roles, and
names every bad row in the reader's language. Nothing of a bad file is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import pandas as pd
from django.utils.translation import gettext_lazy as _

from civic.core import intake as civic_intake
from hydro import intake
from hydro.readings.engine import connect, readings_table
from hydro.readings.periods import ROLE_NAMES, ZONE_COLUMNS, ZONE_HEADINGS, Period, in_period
from hydro.readings.store import stored_files

MAX_ZONE_FILE_BYTES = 20 * 1024 * 1024
ZONE_LIMITS = intake.Limits(max_bytes=MAX_ZONE_FILE_BYTES, max_rows=500_000, max_columns=20, max_errors=50)
ZONE_SCHEMA = intake.TableSchema(
    columns=(
        intake.Column("meter_id", headings=ZONE_HEADINGS["meter_id"], type=str, max_length=64),
        intake.Column("dma_id", headings=ZONE_HEADINGS["dma_id"], type=str, max_length=64),
        intake.Column("role", headings=ZONE_HEADINGS["role"], type=str, max_length=20),
    )
)

MESSAGES = civic_intake.catalogue(
    {
        "unknown_role": _("%(value)s is not a role; write inflow (进水), outflow (出水) or customer (用户)."),
        "listed_twice": _("Meter %(value)s is listed twice in this DMA."),
        "no_readings": _("Meter %(value)s is this DMA's %(role)s meter but has no readings in the period."),
    }
)


class ZoneFileError(civic_intake.RefusedFileError):
    """A zone file refused, with one line per reason, each naming the file and, where it can, the row."""


def read_zone_file(upload: IO[bytes], name: str) -> pd.DataFrame:
    """The zone rows ``row, meter_id, dma_id, role`` (``row`` the file's) of an uploaded CSV or Excel file, or ZoneFileError naming each
    bad row: a blank cell, an unknown role, a meter listed twice in one DMA (it may be one DMA's inflow and its
    neighbour's outflow, so once per DMA)."""
    try:
        table = intake.read_table(upload, ZONE_SCHEMA, ZONE_LIMITS)
    except intake.TableError as error:
        raise ZoneFileError(_report(name, list(error.errors), error)) from error
    errors = list(table.errors)
    rows: list[tuple[int, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for row in table.rows:
        meter, dma, written_role = (str(row.values[column]) for column in ZONE_COLUMNS)
        role = ROLE_NAMES.get(written_role.strip().lower())
        if role is None:
            errors.append(intake.row_error(row.number, "role", written_role, "unknown_role"))
        elif (meter, dma) in seen:
            errors.append(intake.row_error(row.number, "meter_id", meter, "listed_twice"))
        else:
            seen.add((meter, dma))
            rows.append((row.number, meter, dma, role))
    if errors:
        errors.sort(key=lambda error: error.row_number or 0)
        raise ZoneFileError(_report(name, errors[: ZONE_LIMITS.max_errors], more=table.error_count - len(table.errors)))
    if not rows:
        raise ZoneFileError([f"{name}: {civic_intake.describe({'code': 'no_rows'}, MESSAGES)}"])
    return pd.DataFrame(rows, columns=["row", *ZONE_COLUMNS])


def zones_of_rows(rows: list[list[str]]) -> pd.DataFrame:
    """Stored zone rows ``[meter_id, dma_id, role]`` (a run's) as `read_zone_file` gives them, numbered from 2."""
    zones = pd.DataFrame(rows, columns=list(ZONE_COLUMNS))
    return zones.assign(row=range(2, len(zones) + 2))[["row", *ZONE_COLUMNS]]


def holds_readings(store: Path | str, period: Period) -> bool:
    """Whether the store holds readings of any month the period touches."""
    return bool(stored_files(store, period.months()))


def checked_against_store(zones: pd.DataFrame, store: Path | str, period: Period, name: str) -> list[str]:
    """Refuse zones naming an inflow or outflow meter without readings in the period (its DMA would have no
    balance), each by row; return the customer meters without readings, which the analysis reports as gaps
    over the whole period. The store must hold readings of the period (`holds_readings`)."""
    connection = connect()
    readings = in_period(readings_table(connection, store, period.months()), period)
    known = set(connection.execute(readings.select("meter_id").distinct())["meter_id"])
    connection.disconnect()
    boundary = zones.role != "customer"
    errors = [
        intake.row_error(int(row), "meter_id", meter, "no_readings", role=role)
        for row, meter, role, is_boundary in zip(zones.row, zones.meter_id, zones.role, boundary, strict=True)
        if is_boundary and meter not in known
    ]
    if errors:
        raise ZoneFileError(_report(name, errors[: ZONE_LIMITS.max_errors], more=len(errors) - ZONE_LIMITS.max_errors))
    return sorted(set(zones.meter_id[~boundary]) - known)


def _report(
    name: str, errors: list[intake.RowError], error: intake.TableError | None = None, more: int = 0
) -> list[str]:
    """Each error as "zones.csv, row 4, 分区 / dma_id: why", in the reader's language."""
    label = lambda column: ZONE_SCHEMA.column(column).label  # noqa: E731
    return civic_intake.file_report(name, errors, MESSAGES, label, error, more)

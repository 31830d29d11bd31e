"""The period and the zones every analysis of smart-meter readings starts from.

A period is a span of wall-clock time written ``2024-03``, ``2024-03-01..2024-03-31``
or ``2024-03..2024-04``; the zone file says which meters are a district metered
area's (DMA's) inflow, outflow and customer meters. The readings
(``meter_id, timestamp, duration_s, volume_m3``; see `hydro.readings.store`)
are Ibis tables, so the helpers here run unchanged on DuckDB or Spark
(`hydro.readings.engine`).

Units: volumes m³, flows m³/h, durations s (stored) and h (reported).
Times are wall-clock times in the county's time zone; an interval belongs to
the hour, day or month in which it starts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from hydro.text_encoding import csv_encoding

ROLES = ("inflow", "outflow", "customer")
ZONE_COLUMNS = ("meter_id", "dma_id", "role")
ZONE_HEADINGS = {"meter_id": ("表号", "水表编号"), "dma_id": ("分区", "分区编号"), "role": ("角色",)}
"""The Chinese headings a zone file may give its columns."""
ROLE_NAMES = {"进水": "inflow", "出水": "outflow", "用户": "customer", **{role: role for role in ROLES}}
"""A role as a file may write it, Chinese or English, to the role the analysis reads."""
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Period:
    """A span of wall-clock time [start, end)."""

    start: datetime.datetime
    end: datetime.datetime

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2024-03`` (a month), ``2024-03-01..2024-03-31`` (days, both included) or ``2024-03..2024-04`` (months)."""
        first, _separator, last = text.partition("..")
        start, _ = _period_bounds(first)
        _, end = _period_bounds(last or first)
        if end <= start:
            raise ValueError(f"{text!r}: the period ends before it starts.")
        return cls(start, end)

    def months(self) -> list[str]:
        """The ``YYYY-MM`` months the period touches."""
        months = pd.period_range(self.start, self.end - datetime.timedelta(microseconds=1), freq="M")
        return [str(month) for month in months]


def _period_bounds(text: str) -> tuple[datetime.datetime, datetime.datetime]:
    text = text.strip()
    try:
        if len(text) == 7:
            start = datetime.datetime.strptime(text, "%Y-%m")
            return start, (pd.Timestamp(start) + pd.offsets.MonthBegin(1)).to_pydatetime()
        day = datetime.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"{text!r} is not a period; write YYYY-MM, YYYY-MM-DD or START..END.") from None
    return day, day + datetime.timedelta(days=1)


def read_zones(path: Path | str) -> pd.DataFrame:
    """Zone membership from a CSV ``meter_id,dma_id,role`` (or 表号,分区,角色 with roles 进水, 出水, 用户; UTF-8 or
    GBK); a bad row is an error naming the file and row.

    A meter may be the inflow of one DMA and the outflow of its neighbour, so
    it may appear in several rows, but only once per DMA.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with path.open("rb") as handle:
        encoding = csv_encoding(handle)
    zones = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    names = {heading: name for name, headings in ZONE_HEADINGS.items() for heading in headings}
    zones = zones.rename(columns=lambda heading: names.get(str(heading).strip(), str(heading).strip()))
    missing = [column for column in ZONE_COLUMNS if column not in zones.columns]
    if missing:
        raise ValueError(f"{path}: column {', '.join(missing)} is missing; the columns are meter_id,dma_id,role.")
    zones = zones[list(ZONE_COLUMNS)].apply(lambda column: column.str.strip())
    zones["role"] = zones.role.map(lambda role: ROLE_NAMES.get(role.lower(), role))
    for position, (meter_id, dma_id, role) in enumerate(zones.itertuples(index=False)):
        row = position + 2
        if not meter_id or not dma_id:
            raise ValueError(f"{path}: row {row}: meter_id and dma_id must not be blank.")
        if role not in ROLES:
            raise ValueError(f"{path}: row {row}, column role: {role!r} is not one of {', '.join(ROLES)}.")
    duplicated = zones.duplicated(["meter_id", "dma_id"])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0]) + 2
        raise ValueError(f"{path}: row {row}: meter {zones.meter_id.iloc[row - 2]} is listed twice in one DMA.")
    return zones


def check_zone_meters(path: Path | str, zones: pd.DataFrame, known_meters: set[str]) -> list[str]:
    """Refuse a zone file naming an inflow or outflow meter that has no readings in the store (its DMA has no
    balance); return the customer meters without readings, which the analysis reports as silent all period.
    """
    boundary = zones.role != "customer"
    unknown = [
        position
        for position, (meter_id, is_boundary) in enumerate(zip(zones.meter_id, boundary, strict=True))
        if is_boundary and meter_id not in known_meters
    ]
    if unknown:
        first = unknown[0]
        more = f" (and {len(unknown) - 1} more rows)" if len(unknown) > 1 else ""
        raise ValueError(
            f"{path}: row {first + 2}, column meter_id: {zones.role.iloc[first]} meter {zones.meter_id.iloc[first]} "
            f"has no readings in the store{more}."
        )
    return sorted(set(zones.meter_id[~boundary]) - known_meters)


def silent_meters_warning(zones_path: Path | str, silent: list[str]) -> str:
    """The warning naming the customer meters of a zone file without readings (the first ten), each a gap."""
    named = ", ".join(silent[:10]) + (f" and {len(silent) - 10:,} more" if len(silent) > 10 else "")
    return (
        f"{zones_path}: {len(silent):,} customer meters have no readings in the period ({named}); "
        "each is reported as a gap over the whole period."
    )


def in_period(readings: ibis.Table, period: Period) -> ibis.Table:
    """The readings whose intervals start within the period."""
    return readings.filter((readings.timestamp >= period.start) & (readings.timestamp < period.end))


def with_flow(readings: ibis.Table) -> ibis.Table:
    """Readings with ``hours`` (interval length [h]) and ``flow_m3_per_h`` = volume / hours."""
    hours = readings.duration_s.cast("float64") / SECONDS_PER_HOUR
    return readings.mutate(hours=hours, flow_m3_per_h=readings.volume_m3 / hours)

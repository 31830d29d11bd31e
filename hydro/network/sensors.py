"""Sensors of a network and their data in the BattLeDIM 2020 layout.

A `sensors.yaml` names the model elements that carry a sensor::

    pressures: [n1, n4, n31]   # node ids; pressure [m]
    flows: [p227, p235]        # link ids; flow [m³/h], positive in the link's direction
    levels: [T1]               # tank ids; water level above the tank bottom [m]
    demands: [n2, n3]          # optional smart meters at nodes; consumption [L/h]

A data folder holds one CSV per kind — `pressures.csv`, `flows.csv`,
`levels.csv`, optional `demands.csv` — each with a `Timestamp` column (or 时间,
采集时间: `TIMESTAMP_HEADINGS`) and one column per sensor id, in 5-minute steps,
in UTF-8 or GBK; and optionally `leaks.csv` with
`pipe_id,start_time,end_time` for a training period. BattLeDIM's own files
(semicolon-separated, decimal commas) are read as well.

Loggers and SCADA exports are seldom that tidy, so each table is put on the
5-minute grid the analysis works on (`on_five_minute_grid`): a row missing
from the grid becomes a row of empty cells (a drop-out, as an empty cell
is); a row repeated with the same values is read once; readings every 1 or
2.5 minutes are averaged over each 5 minutes; readings every 10, 15, 20, 30
or 60 minutes are interpolated linearly between two readings in a row of a
sensor, never across a missing one. Timestamps with an offset are read as
the county's wall clock (`wall_clock_times`). A pressure of exactly 0 m or
below vacuum is a logger's fill for no reading (0, −9999) and is read as a
drop-out too (`pressures_not_read`). What was done is kept as a `GridNote`
for the user to see. A row out of time order, off the file's own grid, or
repeated with other values is refused, named by its line.

Reference: [BATTLEDIM-2020] (Vrachimis et al. 2022, "BattLeDIM: Battle of the
Leakage Detection and Isolation Methods", J. Water Resour. Plann. Manage.
148(12), 04022068), the data layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import wntr
import yaml

from hydro.intake import DECIMAL_COMMA
from hydro.network.inp_check import NetworkFileError
from hydro.readings.readings_file import AWARE_PATTERN, COUNTY_TIME_ZONE
from hydro.text_encoding import csv_encoding, decoded_text

SENSOR_KINDS = ("pressures", "flows", "levels", "demands")
STEP_SECONDS = 300
# Steps a file may have [s]: the ones that divide 5 minutes are averaged, the longer ones (dividing an hour) interpolated.
FINER_STEPS_S = (60, 150)
COARSER_STEPS_S = (600, 900, 1200, 1800, 3600)
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M"
# A pressure below zero for longer than this is taken as a unit or sign error, not a transient.
LONGEST_NEGATIVE_PRESSURE_STEPS = 12
READINGS_PER_DAY = 288
COARSEST_PRESSURE_STEP_M = 0.5
"""A logger reading in steps coarser than this is named (`coarse_loggers`): on tuning months read in steps of
0.01 MPa (1.02 m) the analysis found 2 of 20 leaks in time against 16 (BENCHMARKS.md); in steps of 0.001 MPa, 15."""
VACUUM_HEAD_M = -10.33
"""Vacuum in metres of water (−101.325 kPa / 9.81 kPa per m): no logger reads a pressure below it."""
# In metres, the sensors' median pressure over the static head of the model's sources lies within (`check_pressure_units`).
PRESSURE_RATIO_LIMITS = (0.2, 4.0)


class SensorDataError(ValueError):
    """Sensor lists or sensor data that cannot be right; the message names file, line or column."""


@dataclass(frozen=True)
class GridNote:
    """How one file was put on the 5-minute grid: its own step, rows missing from its grid and rows read twice."""

    file: str
    step_seconds: int
    missing_rows: int
    repeated_rows: int
    not_read: int = 0  # pressure readings that were a logger's fill for no reading (`pressures_not_read`)
    coarse: tuple[tuple[str, float], ...] = ()  # loggers reading in steps over `COARSEST_PRESSURE_STEP_M` [m]

    @property
    def changed(self) -> bool:
        return (
            self.step_seconds != STEP_SECONDS
            or self.missing_rows > 0
            or self.repeated_rows > 0
            or self.not_read > 0
            or bool(self.coarse)
        )

    def describe(self) -> str:
        parts = []
        if self.step_seconds < STEP_SECONDS:
            parts.append(f"readings every {self.step_seconds / 60:g} minutes averaged over each 5 minutes")
        elif self.step_seconds > STEP_SECONDS:
            parts.append(f"readings every {self.step_seconds // 60} minutes interpolated to 5-minute steps")
        if self.missing_rows:
            parts.append(
                f"{self.missing_rows} rows missing from its {self.step_seconds / 60:g}-minute steps, read as drop-outs"
            )
        if self.repeated_rows:
            parts.append(f"{self.repeated_rows} repeated rows read once")
        if self.not_read:
            parts.append(f"{self.not_read} readings of exactly 0 m or below vacuum read as drop-outs")
        if self.coarse:
            loggers = ", ".join(f"{sensor} ({step:.2f} m)" for sensor, step in self.coarse)
            parts.append(f"loggers reading in coarse steps, {loggers}: leaks need 0.1 m (0.001 MPa) or finer")
        return f"{self.file}: " + "; ".join(parts)


@dataclass(frozen=True)
class SensorLayout:
    """Model element ids that carry each kind of sensor."""

    pressures: list[str] = field(default_factory=list)
    flows: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    demands: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[str]:
        return list(getattr(self, kind))


def read_sensor_layout(path: Path) -> SensorLayout:
    """Read a `sensors.yaml`; unknown keys or non-list values name the file and key."""
    if not path.is_file():
        raise SensorDataError(f"{path}: no such sensors file")
    try:
        content = yaml.safe_load(decoded_text(path.read_bytes())) or {}
    except yaml.YAMLError as error:
        raise SensorDataError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(content, dict):
        raise SensorDataError(f"{path}: expected keys {', '.join(SENSOR_KINDS)}")
    unknown = sorted(set(content) - set(SENSOR_KINDS))
    if unknown:
        raise SensorDataError(f"{path}: unknown key {unknown[0]!r} (expected {', '.join(SENSOR_KINDS)})")
    lists: dict[str, list[str]] = {}
    for kind in SENSOR_KINDS:
        values = content.get(kind) or []
        if not isinstance(values, list):
            raise SensorDataError(f"{path}: {kind} must be a list of element ids")
        lists[kind] = [str(value) for value in values]
    return SensorLayout(**lists)


def write_sensor_layout(layout: SensorLayout, path: Path) -> None:
    content = {kind: layout.of_kind(kind) for kind in SENSOR_KINDS if layout.of_kind(kind)}
    path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")


def check_layout_against_network(layout: SensorLayout, network: wntr.network.WaterNetworkModel, source: str) -> None:
    """Every sensor must name an element of the right kind in the model."""
    nodes, links, tanks = set(network.node_name_list), set(network.link_name_list), set(network.tank_name_list)
    allowed = {"pressures": nodes, "flows": links, "levels": tanks, "demands": nodes}
    what = {"pressures": "node", "flows": "link", "levels": "tank", "demands": "node"}
    for kind in SENSOR_KINDS:
        for sensor in layout.of_kind(kind):
            if sensor not in allowed[kind]:
                raise SensorDataError(f"{source}: {kind} sensor {sensor!r} names no {what[kind]} of the model")


TIMESTAMP_HEADINGS = ("Timestamp", "timestamp", "时间", "采集时间", "日期时间", "数据时间")
"""The time column's headings, BattLeDIM's and those Chinese SCADA exports write; each is read as `Timestamp`."""


def write_sensor_table(table: pd.DataFrame, path: Path) -> None:
    """Write a table indexed by timestamp as a BattLeDIM-layout CSV."""
    output = table.copy()
    output.index = output.index.strftime(TIMESTAMP_FORMAT)
    output.index.name = "Timestamp"
    output.to_csv(path, float_format="%.4f")


def _read_csv(path: Path) -> pd.DataFrame:
    """The file's cells as text, in UTF-8 or GB18030 (SCADA and Excel in China write GBK), its time column
    named `Timestamp` whichever of `TIMESTAMP_HEADINGS` it has."""
    with path.open("rb") as handle:
        encoding = csv_encoding(handle)
    with path.open(encoding=encoding) as text:
        first_line = text.readline()
    if ";" in first_line:  # BattLeDIM's own files: decimal commas, which pandas leaves in cells read as text
        raw = pd.read_csv(path, sep=";", dtype=str, encoding=encoding)
        numbers = [column for column in raw.columns if column not in TIMESTAMP_HEADINGS]
        raw[numbers] = raw[numbers].apply(lambda column: column.str.replace(DECIMAL_COMMA, r"\1.\2", regex=True))
    else:
        raw = pd.read_csv(path, dtype=str, encoding=encoding)
    return raw.rename(columns=lambda heading: "Timestamp" if str(heading).strip() in TIMESTAMP_HEADINGS else heading)


def read_sensor_table(path: Path) -> pd.DataFrame:
    """Read one sensor CSV, indexed by timestamp on the 5-minute grid, checking times, numbers and units."""
    return read_sensor_table_on_grid(path)[0]


def pressures_not_read(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Pressures with a logger's fill for no reading as missing, and how many there were.

    A logger that lost power or signal often writes 0 or a large negative
    number (−9999) rather than an empty cell. A pressure head of exactly 0 m
    at a logger of a supplied network, or one below vacuum (`VACUUM_HEAD_M`),
    is no reading: read as one, it is a drop of tens of metres, which the
    analysis takes for a leak or a logger re-mounted. Only loggers whose
    median pressure is above zero are read so: a column mostly below zero is
    a sign or datum error, refused with its name (`check_pressures_plausible`),
    as are long runs of small negative pressures; short ones are kept (a
    transient).
    """
    working = table.median() > 0
    blank = ((table == 0.0) | (table < VACUUM_HEAD_M)) & working
    return table.mask(blank), int(blank.to_numpy().sum())


def coarse_loggers(pressures: pd.DataFrame) -> tuple[tuple[str, float], ...]:
    """The loggers whose readings step by more than `COARSEST_PRESSURE_STEP_M`, with their step [m].

    A logger's step is the 10th percentile of the gaps between its distinct
    readings in order: the register's resolution when it is coarse (every gap
    a whole number of steps), far under a centimetre when it is fine. A
    logger with under a day of readings is not judged.
    """
    coarse = []
    for sensor in pressures.columns:
        readings = pressures[sensor].dropna().to_numpy()
        if readings.size < READINGS_PER_DAY:
            continue
        values = np.unique(readings)
        gaps = np.diff(values)
        gaps = gaps[gaps > 1e-6]
        if gaps.size and (step := float(np.percentile(gaps, 10))) > COARSEST_PRESSURE_STEP_M:
            coarse.append((str(sensor), round(step, 3)))
    return tuple(coarse)


def read_sensor_table_on_grid(path: Path, pressures: bool = False) -> tuple[pd.DataFrame, GridNote]:
    """Read one sensor CSV and put it on the 5-minute grid (`on_five_minute_grid`), with what that took; of a
    pressure file, the logger's fills for no reading first read as missing (`pressures_not_read`)."""
    if not path.is_file():
        raise SensorDataError(f"{path}: no such sensor file")
    try:
        raw = _read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise SensorDataError(f"{path}: not a readable CSV ({error})") from error
    if "Timestamp" not in raw.columns:
        raise SensorDataError(f"{path}: no Timestamp column (columns: {', '.join(raw.columns[:5])})")
    times = wall_clock_times(path, raw["Timestamp"])
    bad_times = times.isna().to_numpy().nonzero()[0]
    if len(bad_times):
        row = int(bad_times[0])
        raise SensorDataError(f"{path}:{row + 2}: timestamp {raw['Timestamp'].iloc[row]!r} is not a date and time")
    table = _numeric(path, raw.drop(columns="Timestamp").set_index(pd.DatetimeIndex(times, name="Timestamp")))
    table, not_read = pressures_not_read(table) if pressures else (table, 0)
    coarse = coarse_loggers(table) if pressures else ()
    table, note = on_five_minute_grid(path, table)
    return table, replace(note, not_read=not_read, coarse=coarse)


def wall_clock_times(path: Path, texts: pd.Series) -> pd.Series:
    """Timestamps as the county's wall clock (`COUNTY_TIME_ZONE`, as the readings store keeps them): those with
    an offset (2019-01-01T00:00:00+08:00, …Z) converted to it; a file mixing the two is refused by line."""
    aware = texts.fillna("").str.strip().str.contains(AWARE_PATTERN, regex=True).to_numpy()
    if aware.any() and not aware.all():
        naive, with_offset = int(np.argmin(aware)) + 2, int(np.argmax(aware)) + 2
        raise SensorDataError(
            f"{path}:{naive}: timestamp {texts.iloc[naive - 2]!r} has no time-zone offset while line {with_offset} "
            "has one: give every timestamp its offset, or none"
        )
    if not aware.any():
        return pd.to_datetime(texts, errors="coerce", format="mixed")
    times = pd.to_datetime(texts, errors="coerce", format="mixed", utc=True)
    return times.dt.tz_convert(COUNTY_TIME_ZONE).dt.tz_localize(None)


def on_five_minute_grid(path: Path, table: pd.DataFrame) -> tuple[pd.DataFrame, GridNote]:
    """`table` (rows in file order, indexed by timestamp) on the 5-minute grid from its first to its last time.

    The file's step is its most common one. A row repeating the one before it
    (same time, same values) is read once; a row out of time order, repeated
    with other values, or off the grid of the file's step from its first row,
    is refused with its line (the header is line 1). See the module's notes for
    how other steps are put on the grid.
    """
    if len(table) < 2:
        raise SensorDataError(f"{path}: fewer than two rows of data")
    table, repeated = _without_repeated_rows(path, table)
    index = table.index
    step = int(pd.Series(np.diff(_seconds(index))).mode().iloc[0]) if len(index) > 1 else STEP_SECONDS
    if step != STEP_SECONDS and step not in FINER_STEPS_S + COARSER_STEPS_S:
        raise SensorDataError(
            f"{path}: readings every {step} s; Civic reads 5-minute steps, 1- or 2.5-minute steps (averaged), "
            "or 10-, 15-, 20-, 30- or 60-minute steps (interpolated)"
        )
    _check_on_own_grid(path, index, step)
    missing = len(pd.date_range(index[0], index[-1], freq=f"{step}s")) - len(index)
    if step in FINER_STEPS_S:
        table = table.groupby(index.floor(f"{STEP_SECONDS}s")).mean()
    elif step in COARSER_STEPS_S:
        if index[0] != index[0].floor(f"{STEP_SECONDS}s"):
            raise SensorDataError(f"{path}:2: timestamp {index[0]} is not on a 5-minute boundary")
        table = _interpolated(table, step)
    grid = pd.date_range(table.index[0], table.index[-1], freq=f"{STEP_SECONDS}s", name="Timestamp")
    return table.reindex(grid), GridNote(path.name, step, missing, repeated)


def _without_repeated_rows(path: Path, table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows in time order, each time once; a row repeated with other values, or out of order, is refused."""
    seconds = np.diff(_seconds(table.index))
    backwards = (seconds < 0).nonzero()[0]
    if len(backwards):
        row = int(backwards[0]) + 1
        raise SensorDataError(
            f"{path}:{row + 2}: timestamp {table.index[row]} follows {table.index[row - 1]}: rows must be in time order"
        )
    repeated = (seconds == 0).nonzero()[0] + 1
    values = table.to_numpy(dtype=float)
    for row in repeated:
        same = (values[row] == values[row - 1]) | (np.isnan(values[row]) & np.isnan(values[row - 1]))
        if not same.all():
            raise SensorDataError(
                f"{path}:{int(row) + 2}: timestamp {table.index[row]} is given twice with other values"
            )
    keep = np.ones(len(table), dtype=bool)
    keep[repeated] = False
    return table[keep], len(repeated)


def _seconds(index: pd.DatetimeIndex) -> np.ndarray:
    """Each time as whole seconds since the epoch, whatever the index's unit."""
    return index.as_unit("ns").asi8 // 10**9


def _check_on_own_grid(path: Path, index: pd.DatetimeIndex, step: int) -> None:
    offsets = (_seconds(index) - _seconds(index)[0]) % step
    wrong = offsets.nonzero()[0]
    if len(wrong):
        row = int(wrong[0])
        raise SensorDataError(
            f"{path}:{row + 2}: timestamp {index[row]} is off the file's grid of {step / 60:g}-minute steps "
            f"from {index[0]}"
        )


def _interpolated(table: pd.DataFrame, step: int) -> pd.DataFrame:
    """Readings every `step` seconds interpolated linearly onto 5-minute steps, each sensor only between two of its
    readings `step` apart (never across a missing or empty one)."""
    grid = pd.date_range(table.index[0], table.index[-1], freq=f"{STEP_SECONDS}s")
    full = table.reindex(grid)
    filled = full.interpolate(method="time", limit_area="inside")
    times = pd.Series(_seconds(grid), index=grid)
    for column in table.columns:
        read = full[column].notna()
        before = times.where(read).ffill()
        after = times.where(read).bfill()
        bridged = (after - before) <= step
        filled.loc[~(read | bridged), column] = np.nan
    return filled


def _numeric(path: Path, table: pd.DataFrame) -> pd.DataFrame:
    numbers = table.apply(pd.to_numeric, errors="coerce")
    for column in table.columns:
        bad = (numbers[column].isna() & table[column].notna()).to_numpy().nonzero()[0]
        if len(bad):
            row = int(bad[0])
            raise SensorDataError(
                f"{path}:{row + 2}: column {column!r} value {table[column].iloc[row]!r} is not a number"
            )
    return numbers.astype(float)


def check_pressures_plausible(path: Path, pressures: pd.DataFrame) -> None:
    """Negative pressures over a long span mean a unit, sign or datum error, not a network state."""
    for column in pressures.columns:
        negative = (pressures[column] < 0).astype(int)
        run_lengths = negative.groupby((negative != negative.shift()).cumsum()).cumsum()
        if int(run_lengths.max()) > LONGEST_NEGATIVE_PRESSURE_STEPS:
            first = pressures.index[int((run_lengths > LONGEST_NEGATIVE_PRESSURE_STEPS).to_numpy().argmax())]
            raise SensorDataError(
                f"{path}: column {column!r} is below zero for over {LONGEST_NEGATIVE_PRESSURE_STEPS * 5} minutes "
                f"(around {first}): pressures must be in metres of head above the node"
            )


def check_pressure_units(path: Path, pressures: pd.DataFrame, network: wntr.network.WaterNetworkModel) -> None:
    """Pressures in MPa, bar or kPa (as Chinese loggers and SCADA often give them) instead of metres of head.

    Each sensor's median pressure p̃ is compared with the static head over its node, H_s − z: the highest
    head of the model's sources (reservoir heads, tanks full) less the node's elevation [m]. Head losses keep
    pressures under it, pumps push some above it; in metres the median ratio over the sensors lies between
    `PRESSURE_RATIO_LIMITS` (L-TOWN, Net1, Net3: 0.4–1). A file in MPa gives about 0.01 of it, in bar 0.1,
    in kPa 10 (1 bar = 0.1 MPa = 100 kPa ≈ 10.2 m of water).
    """
    sources = [network.get_node(name).base_head for name in network.reservoir_name_list]
    sources += [network.get_node(name).elevation + network.get_node(name).max_level for name in network.tank_name_list]
    if not sources:
        return
    ratios = []
    for column in pressures.columns:
        static = max(sources) - network.get_node(column).elevation
        median = pressures[column].median()
        if static > 1.0 and pd.notna(median):
            ratios.append(float(median) / static)
    if not ratios:
        return
    ratio = float(np.median(ratios))
    low, high = PRESSURE_RATIO_LIMITS
    if not low <= ratio <= high:
        raise SensorDataError(
            f"{path}: the pressures are {ratio:.3g} times the model's static head over their nodes (the median of "
            f"{len(ratios)} sensors; in metres it is {low:g}–{high:g}): are they in MPa, bar or kPa? Civic reads "
            "metres of head (0.1 MPa = 1 bar = 100 kPa ≈ 10.2 m)"
        )


@dataclass(frozen=True)
class SensorData:
    """One period of sensor data, each table indexed by the same timestamps."""

    pressures: pd.DataFrame
    flows: pd.DataFrame
    levels: pd.DataFrame
    demands: pd.DataFrame | None = None
    leaks: pd.DataFrame | None = None
    grid_notes: tuple[GridNote, ...] = ()  # of the files that were not on the 5-minute grid as given


def read_sensor_folder(folder: Path, network: wntr.network.WaterNetworkModel) -> SensorData:
    """Read a data folder; columns must name model elements and all tables share timestamps."""
    if not folder.is_dir():
        raise SensorDataError(f"{folder}: no such data folder")
    tables: dict[str, pd.DataFrame] = {}
    notes: list[GridNote] = []
    for kind in SENSOR_KINDS:
        path = folder / f"{kind}.csv"
        if kind == "demands" and not path.exists():
            continue
        tables[kind], note = read_sensor_table_on_grid(path, pressures=kind == "pressures")
        notes += [note] if note.changed else []
        layout = SensorLayout(**{kind: list(tables[kind].columns)})
        check_layout_against_network(layout, network, str(path))
    check_pressures_plausible(folder / "pressures.csv", tables["pressures"])
    check_pressure_units(folder / "pressures.csv", tables["pressures"], network)
    reference = tables["pressures"].index
    for kind, table in tables.items():
        if not table.index.equals(reference):
            raise SensorDataError(
                f"{folder / (kind + '.csv')}: runs from {table.index[0]} to {table.index[-1]} in 5-minute steps, "
                f"pressures.csv from {reference[0]} to {reference[-1]}: the files must cover the same times"
            )
    leaks_path = folder / "leaks.csv"
    leaks = read_leak_list(leaks_path) if leaks_path.exists() else None
    return SensorData(
        tables["pressures"], tables["flows"], tables["levels"], tables.get("demands"), leaks, tuple(notes)
    )


def read_leak_list(path: Path) -> pd.DataFrame:
    """Read `pipe_id,start_time[,end_time,...]` rows; times parsed, a bad row named by line."""
    try:
        with path.open("rb") as handle:
            encoding = csv_encoding(handle)
        leaks = pd.read_csv(path, dtype=str, encoding=encoding)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise SensorDataError(f"{path}: not a readable CSV ({error})") from error
    for column in ("pipe_id", "start_time"):
        if column not in leaks.columns:
            raise SensorDataError(f"{path}: no {column} column")
    for column in ("start_time", "end_time", "peak_time"):
        if column in leaks.columns:
            parsed = pd.to_datetime(leaks[column], errors="coerce", format="mixed")
            bad = (parsed.isna() & leaks[column].notna() & (leaks[column].str.strip() != "")).to_numpy().nonzero()[0]
            if len(bad):
                row = int(bad[0])
                raise SensorDataError(f"{path}:{row + 2}: {column} {leaks[column].iloc[row]!r} is not a date and time")
            leaks[column] = parsed
    return leaks


def network_error_types() -> tuple[type[Exception], ...]:
    """Errors a command reports as one line instead of a traceback."""
    return (SensorDataError, NetworkFileError)

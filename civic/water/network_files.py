"""The files of a network analysis, read and checked before anything is stored.

- The network model: an EPANET `.inp` file, checked line by line
  (`hydro.network.inp_check`), then loaded by `wntr`.
- The sensor list: the `sensors.yaml` of `hydro.network.sensors`, or a table
  (CSV or XLSX) with the columns `kind` (pressures, flows, levels, demands)
  and `element_id`.
- The sensor data: one table per kind in the BattLeDIM layout — a `Timestamp`
  column and one column per sensor of the list, in 5-minute steps — read
  through the one upload path (`hydro.intake`: bounded size, rows and
  columns; each bad cell named by row and column), then checked as a whole by
  `hydro.network.sensors` (steps, shared timestamps, elements of the model,
  plausible pressures, flows in m³/h against the model's demand). Files in other steps, or with rows missing or
  repeated, are put on the 5-minute grid there; `grid_note_message` says how.

Every reader raises `NetworkUploadError` with the lines of its report; nothing
is written by this module.
"""

from __future__ import annotations

import datetime
import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd
import wntr
import yaml
from django.utils.translation import gettext_lazy as _

from civic.core import intake as civic_intake
from hydro import intake
from hydro.network.detection import check_flow_units
from hydro.network.inp_check import NetworkFileError, check_inp_file, decoded_inp
from hydro.network.model import summarise_network
from hydro.network.sensors import (
    SENSOR_KINDS,
    STEP_SECONDS,
    TIMESTAMP_FORMAT,
    GridNote,
    SensorData,
    SensorDataError,
    SensorLayout,
    check_layout_against_network,
    read_sensor_folder,
    read_sensor_layout,
)
from hydro.readings.readings_file import COUNTY_TIME_ZONE

MAX_INP_BYTES = 20 * 1024 * 1024
MAX_SENSOR_LIST_BYTES = 1024 * 1024
YEAR_OF_STEPS = 366 * 24 * 3600 // STEP_SECONDS
"""Five-minute rows of a leap year: 105,408."""
DATA_LIMITS = intake.Limits(max_bytes=64 * 1024 * 1024, max_rows=YEAR_OF_STEPS, max_columns=500, max_errors=50)
"""A data file holds at most a year of five-minute rows, of up to 499 sensors in 64 MB: BattLeDIM's yearly
files (105,120 rows; L-TOWN's 33 pressures in 23 MB) are read as they come, in about 10 s."""
SENSOR_LIST_LIMITS = intake.Limits(max_bytes=MAX_SENSOR_LIST_BYTES, max_rows=5_000, max_columns=10, max_errors=50)
DATA_KINDS = ("pressures", "flows", "levels", "demands")
REQUIRED_DATA_KINDS = ("pressures", "flows", "levels")

MESSAGES = civic_intake.catalogue(
    {
        "bad_timestamp": _("%(value)s is not a date and time; write it as YYYY-MM-DD HH:MM."),
        "unknown_kind": _("%(value)s is not a kind of sensor; write pressures, flows, levels or demands."),
    }
)
"""The intake's messages and those of the checks of this module."""


class NetworkUploadError(ValueError):
    """An uploaded file that cannot be used: the lines of its report, each naming the file and the row."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class CheckedModel:
    """An `.inp` file that passed the checks, with its figures."""

    text: str
    network: wntr.network.WaterNetworkModel
    junctions: int
    pipes: int
    total_length_m: float


@dataclass(frozen=True)
class CheckedData:
    """Sensor data that passed every check: the tables as BattLeDIM-layout CSV text, and their period."""

    tables: dict[str, str]
    start: datetime.datetime
    end: datetime.datetime
    data: SensorData


def _read_bounded(upload: IO[bytes], limit: int, name: str) -> bytes:
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        size = {"size_mb": intake.megabytes(limit + 1), "limit_mb": intake.megabytes(limit)}
        raise NetworkUploadError([f"{name}: {civic_intake.describe({'code': 'too_large', 'details': size})}"])
    return bytes(content)


def _without_folder(message: str, folder: Path) -> str:
    """A hydro message with the temporary folder left out, so it names the file as uploaded."""
    return message.replace(f"{folder}/", "").replace(str(folder), "")


def load_model_text(text: str) -> wntr.network.WaterNetworkModel:
    """A stored model's `.inp` text loaded by `wntr` (the file was checked when it was uploaded)."""
    with tempfile.TemporaryDirectory(prefix="civic-network-") as folder:
        path = Path(folder) / "network.inp"
        path.write_text(text, encoding="utf-8")
        return wntr.network.WaterNetworkModel(str(path))


def read_network_model(upload: IO[bytes], name: str) -> CheckedModel:
    """Check an uploaded `.inp` file line by line, then load it; the first fault names the line."""
    content = _read_bounded(upload, MAX_INP_BYTES, name)
    text = decoded_inp(content)
    with tempfile.TemporaryDirectory(prefix="civic-network-") as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        try:
            check_inp_file(path)
            network = wntr.network.WaterNetworkModel(str(path))
        except NetworkFileError as error:
            raise NetworkUploadError([_without_folder(str(error), Path(folder))]) from error
        except Exception as error:  # wntr's reader raises what its parser met; the file is refused, with why
            reason = _("EPANET cannot read this file: %(error)s") % {"error": error}
            raise NetworkUploadError([f"{name}: {reason}"]) from error
    summary = summarise_network(network)
    return CheckedModel(text, network, summary.junctions, summary.pipes, summary.total_pipe_length_m)


SENSOR_LIST_SCHEMA = intake.TableSchema(
    columns=(
        intake.Column("kind", headings=("类别",), type=str, max_length=20),
        intake.Column("element_id", headings=("元件编号", "id"), type=str, max_length=64),
    )
)


def read_sensor_list(upload: IO[bytes], name: str, network: wntr.network.WaterNetworkModel) -> SensorLayout:
    """A `sensors.yaml`, or a table of `kind, element_id` rows; each sensor must name an element of the model."""
    content = _read_bounded(upload, MAX_SENSOR_LIST_BYTES, name)
    layout = _yaml_layout(content, name) if name.lower().endswith((".yaml", ".yml")) else _table_layout(content, name)
    if not layout.pressures:
        raise NetworkUploadError([f"{name}: {_('The list names no pressure sensor.')}"])
    try:
        check_layout_against_network(layout, network, name)
    except SensorDataError as error:
        raise NetworkUploadError([str(error)]) from error
    return layout


def _yaml_layout(content: bytes, name: str) -> SensorLayout:
    with tempfile.TemporaryDirectory(prefix="civic-network-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            return read_sensor_layout(path)
        except (SensorDataError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise NetworkUploadError([_without_folder(str(error), Path(folder))]) from error


def _table_layout(content: bytes, name: str) -> SensorLayout:
    try:
        table = intake.read_table(content, SENSOR_LIST_SCHEMA, SENSOR_LIST_LIMITS)
    except intake.TableError as error:
        raise NetworkUploadError(_report(name, error.errors or [], error)) from error
    lists: dict[str, list[str]] = {kind: [] for kind in SENSOR_KINDS}
    errors = list(table.errors)
    for row in table.rows:
        kind = str(row.values["kind"]).strip().lower()
        if kind not in lists:
            errors.append(intake.row_error(row.number, "kind", row.values["kind"], "unknown_kind"))
            continue
        lists[kind].append(str(row.values["element_id"]))
    if errors:
        raise NetworkUploadError(_report(name, errors))
    return SensorLayout(**lists)


def _timestamp(value: intake.CellValue) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    text = intake.cell_text(value).strip()
    try:
        parsed = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise intake.CellError("bad_timestamp") from None
    if pd.isna(parsed):
        raise intake.CellError("bad_timestamp")
    if parsed.tzinfo is not None:  # the county's wall clock, as `hydro.network.sensors.wall_clock_times` reads it
        parsed = parsed.tz_convert(COUNTY_TIME_ZONE).tz_localize(None)
    return datetime.datetime.fromisoformat(parsed.isoformat())


def data_schema(sensors: list[str]) -> intake.TableSchema:
    """A `Timestamp` column, then one number column per sensor of the list."""
    return intake.TableSchema(
        columns=(
            intake.Column("Timestamp", headings=("时间",), type=_timestamp),
            *(intake.Column(sensor, type=float, required=False) for sensor in sensors),
        )
    )


def _report(name: str, errors: list[intake.RowError], error: intake.TableError | None = None) -> list[str]:
    lines = [str(line) for line in civic_intake.report_lines(errors, MESSAGES)]
    if error is not None:
        lines.insert(0, civic_intake.describe({"code": error.code, "details": error.details}, MESSAGES))
    return [f"{name}: {line}" for line in lines]


def read_sensor_table(upload: IO[bytes], name: str, sensors: list[str]) -> pd.DataFrame:
    """One data file against the sensors of its kind: a table indexed by time, one float column per sensor."""
    try:
        table = intake.read_table(upload, data_schema(sensors), DATA_LIMITS, formats=("csv",))
    except intake.TableError as error:
        raise NetworkUploadError(_report(name, list(error.errors), error)) from error
    if not table.is_clean:
        errors = list(table.errors)
        if table.error_count > len(errors):
            count = f"{table.error_count - len(errors):,}"
            errors.append(intake.RowError(None, "", "", "more_errors", "", {"count": count}))
        raise NetworkUploadError(_report(name, errors))
    if not table.rows:
        raise NetworkUploadError([f"{name}: {civic_intake.describe({'code': 'no_rows'}, MESSAGES)}"])
    index = pd.DatetimeIndex([row.values["Timestamp"] for row in table.rows], name="Timestamp")
    return pd.DataFrame({sensor: [row.values[sensor] for row in table.rows] for sensor in sensors}, index=index)


def read_sensor_data(
    uploads: Mapping[str, tuple[IO[bytes], str] | None],
    layout: SensorLayout,
    network: wntr.network.WaterNetworkModel,
) -> CheckedData:
    """The data files of each kind (`uploads[kind]` = (file, name), demands optional), checked as a whole.

    A kind whose list is empty may be left out, and is then an empty table. The
    tables are written as BattLeDIM-layout CSV and read back by
    `hydro.network.sensors.read_sensor_folder`, whose checks (5-minute steps,
    the same timestamps in every file, plausible pressures) name the file and line.
    """
    tables: dict[str, pd.DataFrame] = {}
    for kind in DATA_KINDS:
        sensors = layout.of_kind(kind)
        upload = uploads.get(kind)
        if upload is None:
            if sensors and kind in REQUIRED_DATA_KINDS:
                message = _("The sensor list names %(kind)s sensors; upload their data.") % {"kind": kind}
                raise NetworkUploadError([f"{kind}.csv: {message}"])
            if kind in REQUIRED_DATA_KINDS:
                tables[kind] = pd.DataFrame()
            continue
        file, name = upload
        tables[kind] = read_sensor_table(file, name, sensors)
    return checked_tables(tables, network)


def checked_tables(tables: Mapping[str, pd.DataFrame], network: wntr.network.WaterNetworkModel) -> CheckedData:
    """Tables by kind (pressures, flows, levels, optional demands) as CSV text, checked by `hydro.network.sensors`."""
    index = tables["pressures"].index
    texts = {
        kind: _csv_text(table if len(table.columns) else pd.DataFrame(index=index)) for kind, table in tables.items()
    }
    with tempfile.TemporaryDirectory(prefix="civic-network-") as folder:
        for kind, text in texts.items():
            (Path(folder) / f"{kind}.csv").write_text(text, encoding="utf-8")
        try:
            data = read_sensor_folder(Path(folder), network)
            check_flow_units(network, data)
        except SensorDataError as error:
            raise NetworkUploadError([_without_folder(str(error), Path(folder))]) from error
    return CheckedData(texts, index[0].to_pydatetime(), index[-1].to_pydatetime(), data)


def grid_note_message(note: GridNote) -> str:
    """What putting one data file on the 5-minute grid did (`hydro.network.sensors.on_five_minute_grid`), in words."""
    minutes = f"{note.step_seconds / 60:g}"
    parts = []
    if note.step_seconds < STEP_SECONDS:
        parts.append(_("readings every %(minutes)s minutes were averaged over each 5 minutes") % {"minutes": minutes})
    elif note.step_seconds > STEP_SECONDS:
        parts.append(_("readings every %(minutes)s minutes were interpolated to 5-minute steps") % {"minutes": minutes})
    if note.missing_rows:
        parts.append(_("%(count)d missing rows were read as drop-outs") % {"count": note.missing_rows})
    if note.repeated_rows:
        parts.append(_("%(count)d repeated rows were read once") % {"count": note.repeated_rows})
    if note.not_read:
        parts.append(
            _(
                "%(count)d readings of exactly 0 m or below vacuum (a logger's fill for no reading) were read as drop-outs"
            )
            % {"count": note.not_read}
        )
    if note.coarse:
        loggers = ", ".join(f"{sensor} ({step:.2f} m)" for sensor, step in note.coarse)
        parts.append(
            _("these loggers read in coarse steps: %(loggers)s; leaks need 0.1 m (0.001 MPa) or finer")
            % {"loggers": loggers}
        )
    return f"{note.file}: " + "; ".join(str(part) for part in parts)


def _csv_text(table: pd.DataFrame) -> str:
    """A table as `hydro.network.sensors.write_sensor_table` writes it."""
    output = table.copy()
    output.index = output.index.strftime(TIMESTAMP_FORMAT)
    output.index.name = "Timestamp"
    buffer = io.StringIO()
    output.to_csv(buffer, float_format="%.4f")
    return buffer.getvalue()


def stored_sensor_data(tables: Mapping[str, str], network: wntr.network.WaterNetworkModel) -> SensorData:
    """The stored CSV texts of an analysis read back as `SensorData` (they were checked on upload)."""
    with tempfile.TemporaryDirectory(prefix="civic-network-") as folder:
        for kind, text in tables.items():
            if text:
                (Path(folder) / f"{kind}.csv").write_text(text, encoding="utf-8")
        try:
            return read_sensor_folder(Path(folder), network)
        except SensorDataError as error:
            raise SensorDataError(_without_folder(str(error), Path(folder))) from error

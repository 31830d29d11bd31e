"""Smart-meter readings files: a CSV or Parquet file read into checked columns, one reading per meter and time,
and the indexes of 0 written for reads that failed left out.

What a file may hold is said in `hydro.readings.store`, which stores what these
functions return. A file is read whole or refused whole: `read_readings_file`
names each bad row and column (rows counted as a spreadsheet shows, header row
1) in a `hydro.intake.TableError`.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from hydro import intake
from hydro.readings.meter_readings import declares_rollover
from hydro.text_encoding import csv_encoding

COUNTY_TIME_ZONE = "Asia/Shanghai"
METER_ID = "meter_id"
TIMESTAMP = "timestamp"
VOLUME = "volume_m3"
INDEX = "index_m3"
REMARK = "remark"
REPLACEMENT_WORDS = ("replaced", "换表")
MAXIMUM_REPORTED_PROBLEMS = 20
CONFLICT_RULES = ("keep-larger", "refuse")
"""What an import does with a meter read twice at one time with two values: keep the larger, or refuse the file."""
AWARE_PATTERN = r"(?:Z|[+-]\d{2}:?\d{2})$"
"""The end of a timestamp that carries its offset from UTC."""
CSV_SUFFIXES = (".csv", ".csv.gz")
"""A CSV file as written, or gzipped (a tenth or less of its size: how a month of a large county travels)."""
HEADINGS = {
    METER_ID: ("表号", "水表编号", "水表号", "表计编号"),
    TIMESTAMP: ("时间", "抄表时间", "采集时间", "读数时间", "冻结时间"),
    VOLUME: ("用水量", "水量", "用量"),
    INDEX: ("读数", "表读数", "累计读数", "表底数", "累计流量", "正向累计流量"),
    REMARK: ("备注",),
}
"""The Chinese headings head ends and Excel sheets write for each column, read as its English name."""
UNIT_PATTERN = r"\s*[（(]\s*(?:m3|m³|立方米|吨|t)\s*[)）]\s*$"
"""A heading's unit in brackets (用水量（m³）, 读数(吨)): cubic metres, the unit of every volume and index read."""


def reading_problem(row: int | None, column: str | None, code: str, reason: str, **details: object) -> intake.RowError:
    """One reason a file cannot be stored; `row` counts as a spreadsheet shows (header row 1), None for the file.

    `reason` is the English text; `details` fill the code's message in a reader's language (civic's catalogue).
    """
    texts = {name: detail if isinstance(detail, str) else f"{detail:g}" if isinstance(detail, float) else str(detail)
             for name, detail in details.items()}  # fmt: skip
    return intake.RowError(row, column or "", texts.get("value", ""), code, reason, texts)


def file_refusal(path: Path | str, problems: list[intake.RowError]) -> intake.TableError:
    """The error refusing a file: its problems (the first few of them) and their count."""
    shown = problems[:MAXIMUM_REPORTED_PROBLEMS]
    return intake.TableError("file_refused", source=str(path), errors=shown, error_count=len(problems))


def read_readings_file(
    path: Path | str, time_zone: str = COUNTY_TIME_ZONE, conflicts: str = "keep-larger"
) -> tuple[pd.DataFrame, str]:
    """Read a CSV or Parquet readings file into checked columns, before conversion to intervals.

    Parameters
    ----------
    path : path of a ``.csv`` or ``.parquet`` file
    time_zone : str
        IANA zone of naive timestamps; aware timestamps are converted to it.
    conflicts : one of `CONFLICT_RULES`
        ``"refuse"`` refuses a meter read twice at one time with two values;
        ``"keep-larger"`` leaves them for `one_reading_each`.

    Returns
    -------
    (DataFrame, kind)
        Columns ``row`` (file row number), ``meter_id``, ``timestamp`` (naive
        wall-clock in `time_zone`) and ``volume_m3`` or ``index_m3`` (and
        ``remark``); kind is ``"interval"`` or ``"index"``.

    Raises
    ------
    hydro.intake.TableError
        Naming each bad row and column, or the file when it cannot be read.
    """
    path = Path(path)
    table = _read_table(path)
    table = table.rename_columns(_standard_names(path, table.column_names))
    kind = _check_columns(path, table.column_names)
    problems: list[intake.RowError] = []
    frame = pd.DataFrame({"row": np.arange(2, table.num_rows + 2)})
    frame[METER_ID] = _meter_ids(table.column(METER_ID), problems)
    frame[TIMESTAMP] = _timestamps(table.column(TIMESTAMP), time_zone, problems)
    value_column = VOLUME if kind == "interval" else INDEX
    frame[value_column] = _numbers(table.column(value_column), value_column, problems)
    if kind == "index":
        frame[REMARK] = _remarks(table)
        _refuse_negative_indexes(frame, problems)
    if not problems and conflicts == "refuse":
        _refuse_duplicates(frame, value_column, problems)
    if problems:
        raise file_refusal(path, sorted(problems, key=lambda problem: (problem.row_number or 0, problem.column)))
    return frame, kind


def _read_table(path: Path) -> pa.Table:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    name = path.name.lower()
    try:
        if name.endswith(CSV_SUFFIXES):
            return _read_csv(path)
        if name.endswith(".parquet"):
            return pq.read_table(path)
    except (pa.ArrowInvalid, OSError, EOFError, zlib.error) as error:
        raise file_refusal(
            path, [reading_problem(None, None, "not_a_table", f"the file cannot be read ({error}).")]
        ) from error
    raise file_refusal(
        path, [reading_problem(None, None, "not_a_table", "only .csv, .csv.gz and .parquet files are read.")]
    )


def _read_csv(path: Path) -> pa.Table:
    """A CSV file (gzipped when it ends .gz) in UTF-8 or, failing that, GB18030 (Excel in China saves CSV as
    GBK), its meter column as text: meter 000123 is not meter 123, and numbers with leading zeros are common."""
    opened = gzip.open if path.name.lower().endswith(".gz") else open
    with opened(path, "rb") as handle:
        encoding = "gb18030" if csv_encoding(handle) == "gb18030" else "utf-8-sig"
    with opened(path, "rt", encoding=encoding, newline="") as text:
        headings = next(csv.reader([text.readline()]), [])
    meter_columns = {heading: pa.string() for heading in headings if _standard_name(heading) == METER_ID}
    options = pa_csv.ConvertOptions(strings_can_be_null=False, column_types=meter_columns)
    read_options = pa_csv.ReadOptions(encoding="gb18030" if encoding == "gb18030" else "utf8")
    return pa_csv.read_csv(path, read_options=read_options, convert_options=options)  # a .gz is inflated as read


def _standard_name(heading: str) -> str:
    """A heading as its column's English name (`HEADINGS`, a unit in brackets dropped), else as written."""
    written = re.sub(UNIT_PATTERN, "", heading.strip()).lower()
    return next((name for name, headings in HEADINGS.items() if written in (name, *headings)), heading)


def _standard_names(path: Path, names: list[str]) -> list[str]:
    """The file's headings as the columns' English names (`HEADINGS`, a unit in brackets dropped); a column
    given twice, under two headings, refuses the file."""
    standard = [_standard_name(name) for name in names]
    problems = [
        reading_problem(
            None,
            name,
            "column_twice",
            f"the column {name} is given twice ({', '.join(headings)}); keep one.",
            headings=", ".join(headings),
        )
        for name in dict.fromkeys(standard)
        if len(headings := [heading for heading, given in zip(names, standard, strict=True) if given == name]) > 1
    ]
    if problems:
        raise file_refusal(path, problems)
    return standard


def _check_columns(path: Path, columns: list[str]) -> str:
    """The kind of file its columns say, or an error naming what is missing."""
    problems = [
        reading_problem(None, name, "missing_column", "this column is missing.")
        for name in (METER_ID, TIMESTAMP)
        if name not in columns
    ]
    has_volume, has_index = VOLUME in columns, INDEX in columns
    if has_volume == has_index:
        reason = "give either a volume_m3 or an index_m3 column" + (", not both." if has_volume else ".")
        problems.append(
            reading_problem(
                None,
                None,
                "value_columns",
                f"{reason} Columns found: {', '.join(columns)}.",
                columns=", ".join(columns),
            )
        )
    if problems:
        raise file_refusal(path, problems)
    return "interval" if has_volume else "index"


def _meter_ids(column: pa.ChunkedArray, problems: list[intake.RowError]) -> pd.Series:
    meter_ids = pc.utf8_trim_whitespace(column.cast(pa.string()).fill_null("")).to_pandas()
    for position in np.flatnonzero((meter_ids == "").to_numpy()):
        problems.append(reading_problem(int(position) + 2, METER_ID, "blank_cell", "the meter is blank."))
    return meter_ids


def _timestamps(column: pa.ChunkedArray, time_zone: str, problems: list[intake.RowError]) -> pd.Series:
    """Naive wall-clock timestamps in `time_zone`; aware ones converted, a mix of both refused."""
    if pa.types.is_timestamp(column.type):
        values = column.to_pandas()
        if column.type.tz is not None:
            return values.dt.tz_convert(time_zone).dt.tz_localize(None).astype("datetime64[us]")
        return values.astype("datetime64[us]")
    texts = column.cast(pa.string()).to_pandas().fillna("").str.strip()
    aware = texts.str.contains(AWARE_PATTERN, regex=True).to_numpy()
    if aware.any() and not aware.all():
        naive_row, aware_row = int(np.argmin(aware)) + 2, int(np.argmax(aware)) + 2
        reason = (
            f"timestamps mix a time zone and none (row {aware_row} has one, row {naive_row} has not); "
            "give every timestamp its offset, or none."
        )
        problems.append(
            reading_problem(naive_row, TIMESTAMP, "mixed_time_zones", reason, aware_row=aware_row, naive_row=naive_row)
        )
        return pd.Series(pd.NaT, index=texts.index, dtype="datetime64[us]")
    parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce", utc=bool(aware.all()) and len(texts) > 0)
    for position in np.flatnonzero(parsed.isna().to_numpy()):
        reason = f"{texts.iloc[position]!r} is not a timestamp; write it as YYYY-MM-DD HH:MM[:SS][+08:00]."
        problems.append(
            reading_problem(int(position) + 2, TIMESTAMP, "bad_timestamp", reason, value=texts.iloc[position])
        )
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert(time_zone).dt.tz_localize(None)
    return parsed.astype("datetime64[us]")


def _numbers(column: pa.ChunkedArray, name: str, problems: list[intake.RowError]) -> pd.Series:
    numeric = pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
    texts = None if numeric else column.cast(pa.string()).to_pandas().fillna("").str.strip()
    values = column.to_pandas().astype("float64") if texts is None else pd.to_numeric(texts, errors="coerce")
    for position in np.flatnonzero(~np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))):
        shown = str(values.iloc[position]) if texts is None else texts.iloc[position]
        problems.append(
            reading_problem(int(position) + 2, name, "not_a_number", f"{shown!r} is not a number.", value=shown)
        )
    return values


def _remarks(table: pa.Table) -> pd.Series:
    if REMARK not in table.column_names:
        return pd.Series("", index=range(table.num_rows))
    return table.column(REMARK).cast(pa.string()).to_pandas().fillna("")


def _refuse_negative_indexes(frame: pd.DataFrame, problems: list[intake.RowError]) -> None:
    for row, index_m3 in frame.loc[frame[INDEX] < 0, ["row", INDEX]].itertuples(index=False):
        reason = f"the index {index_m3:g} m³ is negative."
        problems.append(reading_problem(int(row), INDEX, "negative_index", reason, index=float(index_m3)))


def _refuse_duplicates(frame: pd.DataFrame, value_column: str, problems: list[intake.RowError]) -> None:
    """Refuse a meter read twice at a timestamp with two values; a row repeating another whole is left for
    `one_reading_each`."""
    first = frame.groupby([METER_ID, TIMESTAMP])[["row", value_column]].transform("first")
    for position in np.flatnonzero(_conflicting(frame, value_column).to_numpy()):
        meter_id, timestamp = frame[METER_ID].iloc[position], frame[TIMESTAMP].iloc[position]
        reason = (
            f"meter {meter_id} has another reading at {timestamp} in row {first['row'].iloc[position]}, "
            f"of {first[value_column].iloc[position]:g} m³ against {frame[value_column].iloc[position]:g} m³ here."
        )
        details = {
            "meter": meter_id,
            "timestamp": timestamp,
            "first_row": first["row"].iloc[position],
            "first_value": float(first[value_column].iloc[position]),
            "value": float(frame[value_column].iloc[position]),
        }
        problems.append(
            reading_problem(int(frame["row"].iloc[position]), TIMESTAMP, "duplicate_in_file", reason, **details)
        )


def _conflicting(frame: pd.DataFrame, value_column: str) -> pd.Series:
    """Rows whose meter and timestamp an earlier row of the file has, with another value."""
    duplicated = frame.duplicated([METER_ID, TIMESTAMP], keep="first")
    first = frame.groupby([METER_ID, TIMESTAMP])[value_column].transform("first")
    return duplicated & (frame[value_column] != first)


def one_reading_each(frame: pd.DataFrame) -> tuple[pd.DataFrame, int, list[list[Any]]]:
    """One reading per meter and timestamp: the file's readings less its repeats and the smaller of two values.

    Returns the readings kept (in file order), the rows left out as
    repeating an earlier row whole, and the rows left out for a larger value
    of the same meter and time, each as [row, meter_id, timestamp ISO, value
    left out, value kept, row kept]. A clock put right stamps two hours
    alike; of two interval volumes the larger is the fuller hour, and of two
    indexes the larger is the later reading, so the meter's volume over the
    file is kept either way (an index) or short by at most the smaller
    hour's (a volume).
    """
    value_column = VOLUME if VOLUME in frame.columns else INDEX
    if not frame.duplicated([METER_ID, TIMESTAMP]).any():
        return frame, 0, []
    unique = frame[~frame.duplicated([METER_ID, TIMESTAMP, value_column], keep="first")]
    order = unique.sort_values([METER_ID, TIMESTAMP, value_column], ascending=[True, True, False], kind="stable")
    smaller = order.duplicated([METER_ID, TIMESTAMP], keep="first")
    kept = order[~smaller].set_index([METER_ID, TIMESTAMP])
    conflicts = [
        [int(row.row), row.meter_id, row.timestamp.isoformat(), float(getattr(row, value_column)), *_kept(kept, row)]
        for row in order[smaller].sort_values("row").itertuples(index=False)
    ]
    return unique[~smaller.reindex(unique.index).to_numpy()], len(frame) - len(unique), conflicts


def without_failed_reads(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[list[Any]]]:
    """An index file's readings less the indexes of 0 written for reads that failed, and those left out, each as
    [row, meter_id, timestamp ISO].

    A meter's register does not go to 0 and back: an index of exactly 0 (or a
    run of them) between two readings of the same meter, the later at least
    the earlier, is a read that failed and is left out; the interval then runs
    from the reading before to the one after. A 0 after which the register
    counts on from a lower value is a replaced meter or a rollover and goes by
    the remark as before (`intervals_from_indexes`), as does a 0 that is a
    meter's last reading in the file.
    """
    ordered = frame.sort_values([METER_ID, TIMESTAMP], kind="stable")
    zero = ordered[INDEX].eq(0.0)
    if not zero.any():
        return frame, []
    counting = ordered[INDEX].where(~zero)
    meters = ordered[METER_ID]
    before, after = counting.groupby(meters).ffill(), counting.groupby(meters).bfill()
    replaced = (
        ordered[REMARK]
        .astype(str)
        .str.lower()
        .apply(lambda remark: any(word in remark for word in REPLACEMENT_WORDS) or declares_rollover(remark))
        if REMARK in ordered.columns
        else pd.Series(False, index=ordered.index)
    )
    failed = zero & before.gt(0.0) & after.ge(before) & ~replaced
    unread = [
        [int(row.row), row.meter_id, row.timestamp.isoformat()]
        for row in ordered[failed].sort_values("row").itertuples(index=False)
    ]
    return frame.drop(index=ordered.index[failed.to_numpy()]), unread


def _kept(kept: pd.DataFrame, row: Any) -> list[Any]:
    """[value kept, row kept] for the meter and time of a row left out."""
    chosen = kept.loc[(row.meter_id, row.timestamp)]
    value_column = VOLUME if VOLUME in kept.columns else INDEX
    return [float(chosen[value_column]), int(chosen["row"])]

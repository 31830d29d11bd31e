"""The readings store: smart-meter readings as an append-only Parquet dataset partitioned by month.

Two kinds of file come in, as CSV (or gzipped CSV, ``.csv.gz``) or Parquet:

* interval readings ``meter_id,timestamp,volume_m3``: the volume [m³] that
  passed in the interval starting at ``timestamp``; the interval is the file's
  reading interval (the most common step between a meter's readings), and a
  negative volume is kept (a meter running backwards is an anomaly to report,
  not a bad row);
* cumulative index readings ``meter_id,timestamp,index_m3`` (optional
  ``remark``): each pair of consecutive indexes of a meter becomes one interval
  from the first timestamp to the second, with the register rolling over
  (``hydro.readings.meter_readings.volume_since_previous_m3``) and a replaced meter
  (remark “replaced” or 换表) counting again from zero. An index of 0 between
  readings that count on is a read that failed and is left out
  (`hydro.readings.readings_file.without_failed_reads`, counted in ``unread_rows``).

Head ends and Excel write those columns' Chinese headings as often (表号,
抄表时间, 用水量 or 读数, 备注: `hydro.readings.readings_file.HEADINGS`), and
save CSV in UTF-8 or GBK; both are read, and a meter number is kept as text.

Every stored row is ``meter_id, timestamp, duration_s, volume_m3``:
``timestamp`` is the start of the interval as wall-clock time in the county's
time zone (Asia/Shanghai unless told otherwise; China keeps no daylight
saving, so wall-clock times are unambiguous) and ``duration_s`` its length [s].

Layout of a store directory::

    month=2024-03/batch-<checksum>.parquet   one file per batch and month
    _batches/<checksum>.json                 the record of a batch
    _incoming/                               temporary files of an import under way
    _import.lock                             held by the one import under way (`import_lock`)

A reading given twice is stored once. A row repeating an earlier row of its
file (same meter, timestamp and value), and an interval the store already
holds with the same volume (a monthly export that repeats the last day of
the one before), are left out and counted in the batch record
(``repeated_rows``). The same meter and timestamp with two values in one
file, which a meter's clock put right during the file gives (the hour
before the correction and the hour after it stamped alike), keeps the
larger value, as the analysis does (`hydro.readings.meter_series`); the
rows left out are counted (``conflicting_rows``) and the first of them
named in the record (``conflicts``). An import may refuse such a file
instead (``conflicts="refuse"``), naming each row.

A batch is visible only once its record exists, and the record is written
last, by renaming a complete temporary file into place: an import killed
half-way leaves data files nobody reads, which the next import of that file
overwrites. The checksum (SHA-256 of the file's bytes) names the batch, so a
file imported again is recognised and changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hydro.readings.meter_readings import declares_rollover, maximum_plausible_volume_m3, volume_since_previous_m3
from hydro.readings.readings_file import (
    CONFLICT_RULES,
    COUNTY_TIME_ZONE,
    INDEX,
    MAXIMUM_REPORTED_PROBLEMS,
    METER_ID,
    REMARK,
    REPLACEMENT_WORDS,
    TIMESTAMP,
    VOLUME,
    file_refusal,
    one_reading_each,
    read_readings_file,
    reading_problem,
    without_failed_reads,
)

DURATION = "duration_s"
DEFAULT_INTERVAL_S = 3600
INDEX_CAPACITY_M3 = 1_000_000.0
"""Register capacity assumed for a rollover [m³]: a six-digit register, as in `hydro.readings.meter_readings.MeterFacts`."""
LARGEST_SIZE_MM = 300
"""Smart-meter files do not give sizes: an unannounced rollover is accepted if a DN300 meter could pass the volume."""
REVERSE_SIZE_MM = 15
"""An index going back by no more than a DN15 household meter passes at its permanent flowrate (over at most
`REVERSE_HOURS`) is water flowing back through the meter, whose register runs backwards, stored as a negative
volume."""
REVERSE_HOURS = 24.0
IMPORT_LOCK_NAME = "_import.lock"
STAMPS = ("start", "end")
"""Which end of its interval a volume file's timestamp gives: its start (stored as is) or its end (many smart
meters stamp an hour's use at the end of the hour; stored from its start, the timestamp less the interval)."""

STORED_SCHEMA = pa.schema(
    [
        pa.field(METER_ID, pa.string(), nullable=False),
        pa.field(TIMESTAMP, pa.timestamp("us"), nullable=False),
        pa.field(DURATION, pa.int32(), nullable=False),
        pa.field(VOLUME, pa.float64(), nullable=False),
    ]
)


@dataclass(frozen=True)
class BatchRecord:
    """The record of one imported batch: what a reader trusts, written last."""

    checksum: str
    source_name: str
    kind: str
    row_count: int
    first_timestamp: str | None
    last_timestamp: str | None
    files: list[str]
    imported_at: str
    last_indexes: dict[str, list[Any]] = field(default_factory=dict)
    """For index files, each meter's last reading as [timestamp ISO, index m³], the next file's starting point."""
    repeated_rows: int = 0
    """Readings of the file left out as repeats: of an earlier row of the file, or of an interval already stored."""
    conflicting_rows: int = 0
    """Rows of the file left out for a larger value of the same meter and time in another row."""
    conflicts: list[list[Any]] = field(default_factory=list)
    """The first of them, each as [row, meter_id, timestamp ISO, value left out, value kept, row kept]."""
    stamped: str = "start"
    """Which end of its interval the file's timestamps gave (`STAMPS`); stored rows always start theirs."""
    unread_rows: int = 0
    """Indexes of 0 between readings that go on counting, left out as reads that failed (`without_failed_reads`)."""
    unread: list[list[Any]] = field(default_factory=list)
    """The first of them, each as [row, meter_id, timestamp ISO]."""


@dataclass(frozen=True)
class ImportOutcome:
    """What importing one file did: the batch record, and whether the file was already stored."""

    record: BatchRecord
    already_imported: bool


# --- turning readings into intervals --------------------------------------------------------------------------


def reading_interval_s(frame: pd.DataFrame) -> int:
    """The file's reading interval [s]: the most common step between consecutive readings of a meter.

    A file with no meter read twice is taken as hourly (3,600 s).
    """
    return _most_common_step(frame.sort_values([METER_ID, TIMESTAMP]))


def _most_common_step(ordered: pd.DataFrame) -> int:
    """`reading_interval_s` of readings already in meter and time order."""
    steps = ordered[TIMESTAMP].diff()[ordered[METER_ID].eq(ordered[METER_ID].shift())]
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        return DEFAULT_INTERVAL_S
    return int(steps.mode().iloc[0].total_seconds())


def intervals_from_volumes(frame: pd.DataFrame, interval_s: int | None = None) -> pd.DataFrame:
    """Interval readings as stored rows: each volume passed in `interval_s` from its timestamp."""
    ordered = frame.sort_values([METER_ID, TIMESTAMP], ignore_index=True)
    duration = interval_s if interval_s is not None else _most_common_step(ordered)
    stored = ordered[[METER_ID, TIMESTAMP, VOLUME]].copy()
    stored[DURATION] = np.int32(duration)
    return stored[[METER_ID, TIMESTAMP, DURATION, VOLUME]]


def intervals_from_indexes(
    path: Path | str, frame: pd.DataFrame, previous: dict[str, tuple[pd.Timestamp, float]] | None = None
) -> pd.DataFrame:
    """Cumulative indexes as stored intervals, one between each pair of a meter's consecutive readings.

    Parameters
    ----------
    path : the file's path, to name it in errors
    frame : readings as `read_readings_file` returns them for an index file
    previous : each meter's last stored reading (timestamp, index m³), from earlier batches

    Returns
    -------
    DataFrame of stored rows: ``meter_id, timestamp`` (start of the interval),
    ``duration_s`` and ``volume_m3`` = I_k − I_{k−1}.

    Notes
    -----
    When the index goes back it is a replacement if the remark says so
    (the new meter counts from zero: V = I_k), else a rollover if the remark
    says so or the volume it implies, I_k + C − I_{k−1} with C = 10⁶ m³, is
    one a DN300 meter could pass (`hydro.readings.meter_readings.volume_since_previous_m3`),
    else water flowing back (V = I_k − I_{k−1} < 0, a register running
    backwards) if a DN15 household meter could pass it at its permanent
    flowrate Q3 within the interval (at most a day: |V| ≤ Q3 · min(t, 24 h));
    otherwise the row is refused.
    """
    ordered = _with_previous_readings(path, frame, previous or {})
    same_meter = ordered[METER_ID].eq(ordered[METER_ID].shift()).to_numpy()
    start = ordered[TIMESTAMP].shift()
    volume = ordered[INDEX].diff().to_numpy(dtype="float64", copy=True)
    backwards = np.flatnonzero(same_meter & (volume < 0))
    volume[backwards] = [_backward_volume(path, ordered, int(position), start) for position in backwards]
    duration = (ordered[TIMESTAMP] - start).dt.total_seconds()
    stored = pd.DataFrame(
        {METER_ID: ordered[METER_ID], TIMESTAMP: start, DURATION: duration, VOLUME: np.round(volume, 3)}
    )[same_meter]
    return stored.astype({DURATION: "int32", TIMESTAMP: "datetime64[us]"}).reset_index(drop=True)


def _with_previous_readings(
    path: Path | str, frame: pd.DataFrame, previous: dict[str, tuple[pd.Timestamp, float]]
) -> pd.DataFrame:
    """The file's readings in meter and time order, each meter preceded by its last stored reading."""
    ordered = frame.sort_values([METER_ID, TIMESTAMP])
    firsts = ordered.groupby(METER_ID, sort=False).head(1)
    repeating = _repeating_last_reading(ordered, previous)
    problems = [
        reading_problem(
            int(row),
            TIMESTAMP,
            "already_stored",
            f"meter {meter_id} already has a stored index at {previous[meter_id][0]}; a file may repeat that "
            f"reading ({previous[meter_id][1]:g} m³) and those before it, not begin before it without it.",
            meter=meter_id,
            timestamp=previous[meter_id][0],
            index=float(previous[meter_id][1]),
        )
        for row, meter_id, timestamp in firsts[["row", METER_ID, TIMESTAMP]].itertuples(index=False)
        if meter_id in previous and timestamp <= previous[meter_id][0] and meter_id not in repeating
    ]
    if problems:
        raise file_refusal(path, problems)
    earlier = pd.DataFrame(
        [(0, meter_id, timestamp, index_m3, "") for meter_id, (timestamp, index_m3) in previous.items()],
        columns=["row", METER_ID, TIMESTAMP, INDEX, REMARK],
    )
    chained = firsts[METER_ID][~firsts[METER_ID].isin(repeating)]
    earlier = earlier[earlier[METER_ID].isin(chained)].astype({TIMESTAMP: "datetime64[us]"})
    combined = pd.concat([earlier, ordered], ignore_index=True) if len(earlier) else ordered
    return combined.sort_values([METER_ID, TIMESTAMP], kind="stable").reset_index(drop=True)


def _repeating_last_reading(ordered: pd.DataFrame, previous: dict[str, tuple[pd.Timestamp, float]]) -> set[str]:
    """Meters whose rows in the file include their last stored reading, same time and index: the file's own rows
    then chain from it, and its intervals before it must repeat stored ones (`_without_stored`)."""
    if not previous:
        return set()
    last = pd.DataFrame(
        [(meter_id, timestamp, index_m3) for meter_id, (timestamp, index_m3) in previous.items()],
        columns=[METER_ID, TIMESTAMP, "stored_index_m3"],
    ).astype({TIMESTAMP: "datetime64[us]"})
    matched = ordered.astype({TIMESTAMP: "datetime64[us]"}).merge(last, on=[METER_ID, TIMESTAMP])
    same = (matched[INDEX] - matched["stored_index_m3"]).abs() < SAME_VOLUME_M3
    return set(matched.loc[same, METER_ID])


def _backward_volume(path: Path | str, ordered: pd.DataFrame, position: int, start: pd.Series) -> float:
    row = ordered.iloc[position]
    remark = str(row[REMARK]).lower()
    if any(word in remark for word in REPLACEMENT_WORDS):
        return float(row[INDEX])
    hours = (row[TIMESTAMP] - start.iloc[position]).total_seconds() / 3600
    previous_index = float(ordered[INDEX].iloc[position - 1])
    limit = maximum_plausible_volume_m3(LARGEST_SIZE_MM, hours)
    volume = volume_since_previous_m3(
        previous_index, float(row[INDEX]), INDEX_CAPACITY_M3, declares_rollover(row[REMARK]), limit
    )
    if volume is None and previous_index - float(row[INDEX]) <= maximum_plausible_volume_m3(
        REVERSE_SIZE_MM, min(hours, REVERSE_HOURS)
    ):
        return float(row[INDEX]) - previous_index
    if volume is None:
        reason = (
            f"the index went back from {previous_index:g} to {row[INDEX]:g} m³; if the register rolled over write "
            "“rollover” in the remark, if the meter was replaced write “replaced”."
        )
        details = {"previous": previous_index, "index": float(row[INDEX])}
        raise file_refusal(path, [reading_problem(int(row["row"]), INDEX, "index_backwards", reason, **details)])
    return volume


# --- the store ------------------------------------------------------------------------------------------------


def file_checksum(path: Path | str) -> str:
    """SHA-256 of the file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def batch_records(store: Path | str) -> list[BatchRecord]:
    """Every batch recorded in the store, oldest first."""
    directory = Path(store) / "_batches"
    if not directory.is_dir():
        return []
    records = [BatchRecord(**json.loads(path.read_text())) for path in directory.glob("*.json")]
    return sorted(records, key=lambda record: (record.imported_at, record.checksum))


def stored_files(store: Path | str, months: Iterable[str] | None = None) -> list[Path]:
    """The data files of recorded batches (only those), optionally only of the given months (``YYYY-MM``)."""
    wanted = set(months) if months is not None else None
    files = [Path(store) / name for record in batch_records(store) for name in record.files]
    return [path for path in files if wanted is None or path.parent.name.removeprefix("month=") in wanted]


def import_file(
    store: Path | str,
    path: Path | str,
    time_zone: str = COUNTY_TIME_ZONE,
    conflicts: str = "keep-larger",
    stamped: str = "start",
) -> ImportOutcome:
    """Import one readings file into the store as one batch, all of it or nothing.

    A file whose checksum is already recorded changes nothing. Rows that
    repeat an earlier row of the file, and intervals the store holds already
    with the same volume, are left out and counted (``repeated_rows``); an
    interval the store holds with another volume is refused. Of a meter read
    twice at one time with two values the larger is kept and the other named
    in the record (`one_reading_each`), or, with ``conflicts="refuse"``, the
    file is refused. A volume file ``stamped="end"`` gives each interval by
    its end (`STAMPS`); an index file's readings are instants, and refuse it.
    """
    if conflicts not in CONFLICT_RULES:
        raise ValueError(f"conflicts must be one of {', '.join(CONFLICT_RULES)}, not {conflicts!r}")
    if stamped not in STAMPS:
        raise ValueError(f"stamped must be one of {', '.join(STAMPS)}, not {stamped!r}")
    store, path = Path(store), Path(path)
    checksum = file_checksum(path)
    with import_lock(store):
        return _import_locked(store, path, checksum, time_zone, conflicts, stamped)


@contextlib.contextmanager
def import_lock(store: Path) -> Iterator[None]:
    """Hold the store's import lock: one import at a time checks the file against the stored batches and writes
    its own, so two imports of overlapping files (a web upload and a pushed batch) cannot both store a reading.
    Readers take no lock: a batch is visible only once its record is renamed into place."""
    store.mkdir(parents=True, exist_ok=True)
    with (store / IMPORT_LOCK_NAME).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _import_locked(
    store: Path, path: Path, checksum: str, time_zone: str, conflicts: str, stamped: str
) -> ImportOutcome:
    existing = {record.checksum: record for record in batch_records(store)}
    if checksum in existing:
        return ImportOutcome(existing[checksum], already_imported=True)
    read, kind = read_readings_file(path, time_zone, conflicts)
    frame, repeated_in_file, conflicting = one_reading_each(read)
    frame, unread = without_failed_reads(frame) if kind == "index" else (frame, [])
    previous = _last_indexes(existing.values()) if kind == "index" else {}
    stored = intervals_from_indexes(path, frame, previous) if kind == "index" else intervals_from_volumes(frame)
    if stamped == "end":
        if kind == "index":
            raise ValueError(f"{path}: an index is read at an instant; only volume files are stamped at their end")
        stored[TIMESTAMP] = stored[TIMESTAMP] - pd.to_timedelta(stored[DURATION].astype(np.int64), unit="s")
    new = _without_stored(store, path, stored)
    _refuse_unmatched_repeats(path, new, previous)
    left_out = Omitted(repeated_in_file + len(stored) - len(new), len(conflicting), conflicting, unread)
    record = _write_batch(store, path.name, checksum, kind, new, _file_last_indexes(frame, kind), left_out, stamped)
    return ImportOutcome(record, already_imported=False)


@dataclass(frozen=True)
class Omitted:
    """The rows of a file an import left out: repeats, the smaller of two values (the first named), failed reads."""

    repeated_rows: int = 0
    conflicting_rows: int = 0
    conflicts: list[list[Any]] = field(default_factory=list)
    unread: list[list[Any]] = field(default_factory=list)


def _last_indexes(records: Iterable[BatchRecord]) -> dict[str, tuple[pd.Timestamp, float]]:
    latest: dict[str, tuple[pd.Timestamp, float]] = {}
    for record in records:
        for meter_id, (timestamp_text, index_m3) in record.last_indexes.items():
            timestamp = pd.Timestamp(timestamp_text)
            if meter_id not in latest or timestamp > latest[meter_id][0]:
                latest[meter_id] = (timestamp, float(index_m3))
    return latest


def _file_last_indexes(frame: pd.DataFrame, kind: str) -> dict[str, list[Any]]:
    if kind != "index":
        return {}
    lasts = frame.sort_values(TIMESTAMP).groupby(METER_ID).tail(1)
    return {
        str(meter_id): [timestamp.isoformat(), float(index_m3)]
        for meter_id, timestamp, index_m3 in lasts[[METER_ID, TIMESTAMP, INDEX]].itertuples(index=False)
    }


def _refuse_unmatched_repeats(path: Path, new: pd.DataFrame, previous: dict[str, tuple[pd.Timestamp, float]]) -> None:
    """An index file's interval before its meter's last stored reading must have repeated a stored one: one
    that did not (read at other times than the earlier import) would count its water twice."""
    if not previous or new.empty:
        return
    last_stored = new[METER_ID].map({meter_id: timestamp for meter_id, (timestamp, _) in previous.items()})
    earlier = new[pd.to_datetime(last_stored).notna() & (new[TIMESTAMP] < pd.to_datetime(last_stored))]
    problems = [
        reading_problem(
            None,
            TIMESTAMP,
            "overlap",
            f"meter {meter_id} already has stored readings to {previous[meter_id][0]}; the file's interval from "
            f"{timestamp} is not one of them.",
            meter=meter_id,
            stored_to=previous[meter_id][0],
            timestamp=timestamp,
        )
        for meter_id, timestamp in earlier[[METER_ID, TIMESTAMP]].itertuples(index=False)
    ]
    if problems:
        raise file_refusal(path, problems)


SAME_VOLUME_M3 = 0.0005
"""Two volumes of one interval are the same reading when they differ by less than this (stored volumes of index
files are rounded to the litre) [m³]."""


def _without_stored(store: Path, path: Path, stored: pd.DataFrame) -> pd.DataFrame:
    """The intervals less those another batch stored already with the same length and volume; one stored with
    another length or volume refuses the file (the earlier import and this file disagree)."""
    months = {_month_name(key) for key in _month_keys(stored).unique()}
    files = stored_files(store, months)
    if not files or stored.empty:
        return stored
    import duckdb

    from hydro.readings.engine import duckdb_config

    connection = duckdb.connect(config=duckdb_config())
    connection.register("incoming", stored[[METER_ID, TIMESTAMP, DURATION, VOLUME]].reset_index(names="position"))
    file_list = ", ".join("'" + str(file).replace("'", "''") + "'" for file in files)
    clashes = connection.execute(
        f"select i.position, i.meter_id, i.timestamp, i.duration_s = s.duration_s "
        f"and abs(i.volume_m3 - s.volume_m3) < {SAME_VOLUME_M3} as same, i.volume_m3, s.volume_m3 "
        f"from incoming i join read_parquet([{file_list}]) s using (meter_id, timestamp) order by i.position"
    ).fetchall()
    differing = [clash for clash in clashes if not clash[3]]
    if differing:
        problems = [
            reading_problem(
                None,
                TIMESTAMP,
                "overlap",
                f"meter {meter_id} already has a stored reading at {timestamp} of {stored_m3:g} m³, "
                f"against {incoming_m3:g} m³ here; the file disagrees with an earlier import.",
                meter=meter_id,
                timestamp=timestamp,
                stored=float(stored_m3),
                value=float(incoming_m3),
            )
            for _, meter_id, timestamp, _, incoming_m3, stored_m3 in differing
        ]
        raise file_refusal(path, problems)
    return stored.drop(index=[clash[0] for clash in clashes])


def _write_batch(
    store: Path,
    source_name: str,
    checksum: str,
    kind: str,
    stored: pd.DataFrame,
    last_indexes: dict[str, list[Any]],
    omitted: Omitted | None = None,
    stamped: str = "start",
) -> BatchRecord:
    """Write the batch's monthly files through a temporary directory, then its record, each by rename."""
    omitted = omitted or Omitted()
    incoming = store / "_incoming" / f"{checksum}-{uuid.uuid4().hex[:8]}"
    incoming.mkdir(parents=True)
    try:
        names = _write_monthly_files(store, incoming, checksum, stored)
        record = BatchRecord(
            checksum=checksum,
            source_name=source_name,
            kind=kind,
            row_count=len(stored),
            first_timestamp=stored[TIMESTAMP].min().isoformat() if len(stored) else None,
            last_timestamp=stored[TIMESTAMP].max().isoformat() if len(stored) else None,
            files=names,
            imported_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds"),
            last_indexes=last_indexes,
            repeated_rows=omitted.repeated_rows,
            conflicting_rows=omitted.conflicting_rows,
            conflicts=omitted.conflicts[:MAXIMUM_REPORTED_PROBLEMS],
            stamped=stamped,
            unread_rows=len(omitted.unread),
            unread=omitted.unread[:MAXIMUM_REPORTED_PROBLEMS],
        )
        temporary_record = incoming / "record.json"
        temporary_record.write_text(json.dumps(record.__dict__, ensure_ascii=False, indent=1))
        (store / "_batches").mkdir(exist_ok=True)
        _fsync(temporary_record)
        os.replace(temporary_record, store / "_batches" / f"{checksum}.json")
        return record
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


def _write_monthly_files(store: Path, incoming: Path, checksum: str, stored: pd.DataFrame) -> list[str]:
    """Write each month's rows (in meter and time order) to a temporary file, then rename it into place."""
    names = []
    for key, rows in stored.groupby(_month_keys(stored), sort=True):
        month = _month_name(int(key))
        name = f"month={month}/batch-{checksum[:16]}.parquet"
        temporary = incoming / f"{month}.parquet"
        table = pa.Table.from_pandas(rows, schema=STORED_SCHEMA, preserve_index=False)
        pq.write_table(table, temporary, compression="zstd")
        _fsync(temporary)
        (store / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, store / name)
        names.append(name)
    return names


def _month_keys(stored: pd.DataFrame) -> pd.Series:
    """Each row's month as the number YYYYMM (much faster than formatting text)."""
    return stored[TIMESTAMP].dt.year * 100 + stored[TIMESTAMP].dt.month


def _month_name(key: int) -> str:
    return f"{key // 100:04d}-{key % 100:02d}"


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def month_of(text: str) -> str:
    """A ``YYYY-MM`` month, checked."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise ValueError(f"{text!r} is not a month; write it as YYYY-MM.")
    return text

"""The monthly readings analysis (DMA balance, night flow, customer anomalies) at county scale.

Civic's analysis is a set of Ibis expressions run by DuckDB over the Parquet
store. Two baselines do the same work on the same month of the same store:

* a straightforward pandas implementation of the same outputs (read the
  month's Parquet files into one DataFrame, merge, group, and walk each
  customer meter's series for anomalies);
* hand-written DuckDB SQL for the DMA balance and for the night flow, one
  statement each.

The data is `hydro.readings.synthetic.generate_county`'s: hourly customer
meters in DMAs with an inflow meter each, one month. ``BENCH_READINGS_METERS``
sets the number of customer meters (default 2,000, about 1.5 million rows;
13,400 make the issue's 10 million).
"""

from __future__ import annotations

import datetime
import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.runner import Benchmark
from hydro.readings.alarm_confidence import calibrated
from hydro.readings.analysis import (
    AnalysisResults,
    AnomalySettings,
    analyse,
    anomalies_frame,
    merge_episodes,
    unusual_bursts,
)
from hydro.readings.balance import dma_balance
from hydro.readings.customer_leaks import as_anomalies, leak_episodes, refine_starts
from hydro.readings.engine import connect, memory_table, readings_table
from hydro.readings.night_flow import NightFlowSettings
from hydro.readings.night_flow import night_flow as night_flow_expression
from hydro.readings.periods import Period
from hydro.readings.store import import_file, stored_files
from hydro.readings.synthetic import generate_county

MONTH = Period.parse("2024-03")
CUSTOMERS_PER_DMA = 500
DEFAULT_METERS = 2000


@functools.cache
def dataset() -> tuple[Path, pd.DataFrame, int]:
    """A store holding one month of the synthetic county (made once per run), its zones and its row count."""
    meters = int(os.environ.get("BENCH_READINGS_METERS", DEFAULT_METERS))
    county = generate_county(
        dma_count=max(1, meters // CUSTOMERS_PER_DMA), customers_per_dma=min(meters, CUSTOMERS_PER_DMA), days=31
    )
    directory = Path(tempfile.mkdtemp(prefix="civic-bench-readings-"))
    source = directory / "readings.parquet"
    readings = county.readings.drop(columns="duration_s")
    pq.write_table(pa.Table.from_pandas(readings, preserve_index=False), source)
    import_file(directory / "store", source)
    return directory / "store", county.zones, len(readings)


# --- Civic: Ibis on DuckDB ------------------------------------------------------------------------------------


def civic_analysis() -> AnalysisResults:
    store, zones, _rows = dataset()
    connection = connect("duckdb")
    return analyse(connection, readings_table(connection, store, MONTH.months()), zones, MONTH, granularity="period")


# --- baseline: straightforward pandas -------------------------------------------------------------------------


def pandas_analysis() -> AnalysisResults:
    store, zones, _rows = dataset()
    readings = pd.concat([pd.read_parquet(path) for path in stored_files(store, MONTH.months())], ignore_index=True)
    readings = readings[(readings.timestamp >= MONTH.start) & (readings.timestamp < MONTH.end)]
    nights = _pandas_night_flow(readings, zones, NightFlowSettings())
    customers = set(zones.loc[zones.role == "customer", "meter_id"])
    return AnalysisResults(
        balance=_pandas_balance(readings, zones),
        nights=nights,
        alarms=pd.DataFrame(),
        anomalies=_pandas_anomalies(readings[readings.meter_id.isin(customers)], AnomalySettings()),
    )


def _pandas_balance(readings: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    joined = readings.merge(zones, on="meter_id")
    totals = joined.pivot_table(index="dma_id", columns="role", values="volume_m3", aggfunc="sum", fill_value=0.0)
    totals = totals.reindex(columns=["inflow", "outflow", "customer"], fill_value=0.0)
    net = totals.inflow - totals.outflow
    nrw = net - totals.customer
    frame = pd.DataFrame(
        {
            "inflow_m3": totals.inflow,
            "outflow_m3": totals.outflow,
            "consumption_m3": totals.customer,
            "nrw_m3": nrw,
            "nrw_pct": np.where(net > 0, 100 * nrw / net.where(net > 0, 1.0), np.nan),
        }
    )
    return frame.reset_index().sort_values("dma_id").reset_index(drop=True)


def _pandas_night_flow(readings: pd.DataFrame, zones: pd.DataFrame, settings: NightFlowSettings) -> pd.DataFrame:
    joined = readings.merge(zones, on="meter_id")
    flow = joined.volume_m3 / (joined.duration_s / 3600.0)
    hours = joined.timestamp.dt.hour
    night = joined.assign(flow=flow)[(hours >= settings.window_start_hour) & (hours < settings.window_end_hour)]
    boundary = night[night.role != "customer"]
    boundary = boundary.assign(signed=np.where(boundary.role == "inflow", boundary.flow, -boundary.flow))
    net = boundary.groupby(["dma_id", "timestamp"]).signed.sum().rename("net")
    hourly = night[(night.role == "customer") & (night.duration_s <= 3600)]
    metered = hourly.groupby(["dma_id", "timestamp"]).agg(metered=("flow", "sum"), meters=("meter_id", "nunique"))
    table = net.to_frame().join(metered, how="left").fillna({"metered": 0.0, "meters": 0}).reset_index()
    read_hourly = table.groupby("dma_id").meters.transform("max")
    imputed = np.where(table.meters > 0, table.metered * read_hourly / table.meters.where(table.meters > 0, 1), 0.0)
    table = table.assign(balance=table.net - imputed, night=table.timestamp.dt.date, meters=read_hourly)
    nights = table.groupby(["dma_id", "night"], as_index=False).agg(
        mnf=("net", "min"), unmetered=("balance", "min"), meters=("meters", "max")
    )
    connections = nights.dma_id.map(zones[zones.role == "customer"].groupby("dma_id").size()).fillna(0)
    unmetered_use = np.maximum(connections - nights.meters, 0) * settings.night_use_l_per_h_per_connection / 1000
    leakage = np.maximum(nights.unmetered - unmetered_use, 0.0)
    return pd.DataFrame(
        {
            "dma_id": nights.dma_id,
            "night": nights.night,
            "mnf_m3_per_h": nights.mnf,
            "legitimate_m3_per_h": nights.mnf - leakage,
            "leakage_m3_per_h": leakage,
            "unmetered_m3_per_h": nights.unmetered,
        }
    ).reset_index(drop=True)


def _pandas_anomalies(readings: pd.DataFrame, settings: AnomalySettings) -> pd.DataFrame:
    readings = readings.groupby(["meter_id", "timestamp"], as_index=False).agg(
        duration_s=("duration_s", "max"), volume_m3=("volume_m3", "max")
    )
    events: list[tuple] = []
    floors: list[tuple] = []
    for meter_id, series in readings.sort_values("timestamp").groupby("meter_id", sort=True):
        events.extend(_meter_events(str(meter_id), series, settings))
        floors.extend(_meter_floors(str(meter_id), series))
    columns = ["meter_id", "kind", "start_s", "end_s", "volume_m3", "confidence"]
    frame = pd.DataFrame(events, columns=columns)
    bursting = readings[readings.meter_id.isin(set(frame.meter_id[frame.kind == "burst"]))]
    intervals = bursting.assign(start_s=bursting.timestamp.astype("datetime64[s]").astype(np.int64))
    frame = unusual_bursts(frame, intervals, settings)
    leak_settings = settings.leak_settings()
    floor_frame = pd.DataFrame(floors, columns=["meter_id", "day", "floor_m3_per_h", "windows"])
    episodes = leak_episodes(floor_frame, leak_settings)
    if not episodes.empty:
        leaking = readings[readings.meter_id.isin(set(episodes.meter_id))]
        episodes = refine_starts(episodes, _hourly_flows(leaking))
    merged = merge_episodes(pd.concat([frame, as_anomalies(episodes, leak_settings)], ignore_index=True), settings)
    merged["open"] = merged["open"].fillna(False).astype(bool) | (merged.end_s >= MONTH.end.timestamp())
    return calibrated(anomalies_frame(merged))


def _hourly_flows(readings: pd.DataFrame) -> pd.DataFrame:
    """Each interval's end (epoch s) and flow: the one-hour windows of intervals an hour long or longer."""
    end_s = readings.timestamp.astype("int64") // 10**6 + readings.duration_s
    return pd.DataFrame(
        {
            "meter_id": readings.meter_id,
            "end_s": end_s,
            "window_m3_per_h": readings.volume_m3 / (readings.duration_s / 3600),
        }
    )[readings.duration_s >= 3600]


def _meter_floors(meter_id: str, series: pd.DataFrame) -> list[tuple]:
    """The meter's least hourly flow of each day and the hours read that day (the leak floor, W = 1 h)."""
    flows = _hourly_flows(series)
    days = (flows.end_s - 1) // 86_400
    grouped = flows.window_m3_per_h.groupby(days)
    return [
        (meter_id, int(day), floor, int(count))
        for (day, floor), count in zip(grouped.min().items(), grouped.count(), strict=True)
    ]


def _meter_events(meter_id: str, series: pd.DataFrame, settings: AnomalySettings) -> list[tuple]:
    hours = series.duration_s.to_numpy() / 3600.0
    volume = series.volume_m3.to_numpy()
    start = series.timestamp.to_numpy()
    end = start + series.duration_s.to_numpy().astype("timedelta64[s]")
    mean = volume.sum() / hours.sum()
    state = np.where(volume >= settings.resolution_m3, 1, np.where(volume <= -settings.resolution_m3, -1, 0))
    high = volume / hours >= max(settings.burst_factor * mean, settings.burst_minimum_m3_per_h)
    contiguous = np.concatenate([[False], end[:-1] == start[1:]])
    events = []
    for flags, kind in ((state == 0, "zero"), (state == -1, "negative"), (high, "high")):
        for first, last in _runs(flags, contiguous):
            run_hours = hours[first : last + 1].sum()
            run_volume = volume[first : last + 1]
            still = end[last] == end[-1]
            event = _run_event(
                kind, run_hours, run_volume, hours[first : last + 1], mean, volume, hours, still, settings
            )
            if event is not None:
                events.append((meter_id, event[0], start[first], end[last], *event[1:]))
    events.extend(_gap_events(meter_id, start, end, mean, settings))
    return [(m, k, _epoch_s(s), _epoch_s(e), round(v, 3), round(c, 2)) for m, k, s, e, v, c in events]


def _epoch_s(moment: np.datetime64) -> int:
    return int(pd.Timestamp(moment).timestamp())


def _runs(flags: np.ndarray, contiguous: np.ndarray) -> list[tuple[int, int]]:
    runs, first = [], None
    for position, flag in enumerate(flags):
        if flag and (first is None or not contiguous[position]):
            if first is not None:
                runs.append((first, position - 1))
            first = position
        elif not flag and first is not None:
            runs.append((first, position - 1))
            first = None
    if first is not None:
        runs.append((first, len(flags) - 1))
    return runs


def _run_event(kind, run_hours, run_volume, run_interval_hours, mean, volume, hours, still, settings):
    if kind == "high" and run_hours >= settings.shortest_burst_hours():
        excess = (run_volume - mean * run_interval_hours).sum()
        return "burst", excess, min(1.0, run_hours / (2 * settings.burst_hours))
    if kind == "zero" and run_hours >= settings.stuck_hours and (still or run_hours >= settings.stuck_long_hours):
        outside_hours = hours.sum() - run_hours
        outside = volume.sum() / outside_hours if outside_hours > 0 else 0.0
        if outside >= settings.stuck_expected_m3_per_h:
            return "stuck", outside * run_hours, min(1.0, run_hours / (2 * settings.stuck_hours))
    if kind == "negative":
        return "reverse", -run_volume.sum(), min(1.0, run_hours / settings.reverse_full_confidence_hours)
    return None


def _gap_events(meter_id: str, start: np.ndarray, end: np.ndarray, mean: float, settings: AnomalySettings) -> list:
    bounds = [(np.datetime64(MONTH.start), start[0])] if start[0] > np.datetime64(MONTH.start) else []
    bounds += [
        (end[position - 1], start[position]) for position in range(1, len(start)) if end[position - 1] < start[position]
    ]
    if end[-1] < np.datetime64(MONTH.end):
        bounds.append((end[-1], np.datetime64(MONTH.end)))
    gap = np.timedelta64(int(settings.gap_hours * 3600), "s")
    return [
        (meter_id, "gap", first, last, max(mean, 0.0) * ((last - first) / np.timedelta64(1, "h")), 1.0)
        for first, last in bounds
        if last - first >= gap
    ]


def analyses_agree(baseline: object, candidate: object) -> bool:
    assert isinstance(baseline, AnalysisResults) and isinstance(candidate, AnalysisResults)
    balance = candidate.balance.drop(columns="period")
    return (
        _frames_agree(baseline.balance, balance)
        and _frames_agree(baseline.nights, candidate.nights)
        and _frames_agree(baseline.anomalies, candidate.anomalies)
    )


def _frames_agree(first: pd.DataFrame, second: pd.DataFrame) -> bool:
    if list(first.columns) != list(second.columns) or len(first) != len(second):
        return False
    for column in first.columns:
        left, right = first[column].reset_index(drop=True), second[column].reset_index(drop=True)
        if pd.api.types.is_float_dtype(left):
            if not np.allclose(left.to_numpy(float), right.to_numpy(float), rtol=1e-9, atol=1.001e-3, equal_nan=True):
                return False
        elif not (left.astype(str) == right.astype(str)).all():
            return False
    return True


# --- baseline: hand-written DuckDB SQL ------------------------------------------------------------------------

BALANCE_SQL = """
select z.dma_id,
       coalesce(sum(r.volume_m3) filter (where z.role = 'inflow'), 0) as inflow_m3,
       coalesce(sum(r.volume_m3) filter (where z.role = 'outflow'), 0) as outflow_m3,
       coalesce(sum(r.volume_m3) filter (where z.role = 'customer'), 0) as consumption_m3
from read_parquet($files) r join zones z using (meter_id)
where r.timestamp >= $start and r.timestamp < $end
group by z.dma_id order by z.dma_id
"""

NIGHT_SQL = """
with night as (
  select z.dma_id, z.role, r.meter_id, r.timestamp, r.duration_s, r.volume_m3 / (r.duration_s / 3600.0) as flow
  from read_parquet($files) r join zones z using (meter_id)
  where r.timestamp >= $start and r.timestamp < $end and hour(r.timestamp) >= 2 and hour(r.timestamp) < 4
), net as (
  select dma_id, timestamp, sum(case when role = 'inflow' then flow else -flow end) as net_m3_per_h
  from night where role <> 'customer' group by all
), metered as (
  select dma_id, timestamp, sum(flow) as metered_m3_per_h, count(*) as meters
  from night where role = 'customer' and duration_s <= 3600 group by all
), imputed as (
  select dma_id, timestamp, net_m3_per_h,
         coalesce(metered_m3_per_h * max(meters) over (partition by dma_id) / meters, 0) as metered_m3_per_h
  from net left join metered using (dma_id, timestamp)
)
select dma_id, cast(timestamp as date) as night, min(net_m3_per_h) as mnf_m3_per_h,
       min(net_m3_per_h - metered_m3_per_h) as unmetered_m3_per_h
from imputed group by all order by dma_id, night
"""


def _sql(statement: str) -> pd.DataFrame:
    store, zones, _rows = dataset()
    connection = duckdb.connect()
    connection.register("zones", zones)
    files = [str(path) for path in stored_files(store, MONTH.months())]
    return connection.execute(statement, {"files": files, "start": MONTH.start, "end": MONTH.end}).df()


def _ibis(kind: str) -> pd.DataFrame:
    store, zones, _rows = dataset()
    connection = connect("duckdb")
    readings = readings_table(connection, store, MONTH.months())
    zone_table = memory_table(connection, zones, "zones")
    if kind == "balance":
        return connection.execute(dma_balance(readings, zone_table, MONTH, "period"))
    return connection.execute(night_flow_expression(readings, zone_table, MONTH))


def _columns_agree(columns: list[str]) -> Callable[[object, object], bool]:
    def agree(baseline: object, candidate: object) -> bool:
        assert isinstance(baseline, pd.DataFrame) and isinstance(candidate, pd.DataFrame)
        return len(baseline) == len(candidate) and all(
            np.allclose(baseline[column].to_numpy(float), candidate[column].to_numpy(float), rtol=1e-9)
            for column in columns
        )

    return agree


def benchmark() -> Benchmark:
    _store, _zones, rows = dataset()
    return Benchmark(
        name="readings analysis vs pandas",
        description=f"a month's DMA balance, night flow and customer anomalies of {rows:,} hourly readings: "
        "Ibis on DuckDB over the Parquet store vs a straightforward pandas implementation (÷ 20 is the goal)",
        baseline=pandas_analysis,
        candidate=civic_analysis,
        agree=analyses_agree,
    )


def balance_benchmark() -> Benchmark:
    _store, _zones, rows = dataset()
    return Benchmark(
        name="DMA balance vs SQL",
        description=f"a month's DMA balance of {rows:,} readings: the Ibis expression vs hand-written DuckDB SQL "
        "(≤ 1.5× is the goal)",
        baseline=lambda: _sql(BALANCE_SQL),
        candidate=lambda: _ibis("balance"),
        agree=_columns_agree(["inflow_m3", "outflow_m3", "consumption_m3"]),
    )


def night_flow_benchmark() -> Benchmark:
    _store, _zones, rows = dataset()
    return Benchmark(
        name="night flow vs SQL",
        description=f"a month's minimum night flow of each DMA, and its flow no meter accounts for, from {rows:,} "
        "readings: the Ibis expression vs hand-written DuckDB SQL (≤ 1.5× is the goal)",
        baseline=lambda: _sql(NIGHT_SQL),
        candidate=lambda: _ibis("night"),
        agree=_columns_agree(["mnf_m3_per_h", "unmetered_m3_per_h"]),
    )


def import_rate_rows_per_s(repeat: int = 3) -> float:
    """Rows per second of `import_file` on the month's Parquet file into a fresh store (best of `repeat`)."""
    store, _zones, rows = dataset()
    source = store.parent / "readings.parquet"
    best = float("inf")
    for attempt in range(repeat):
        started = datetime.datetime.now()
        import_file(store.parent / f"import-{attempt}", source)
        best = min(best, (datetime.datetime.now() - started).total_seconds())
    return rows / best

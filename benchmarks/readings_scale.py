"""The readings store and analyses at county scale: a year of hourly readings of N meters, end to end.

``python -m benchmarks.readings_scale --meters 100000 --year 2024 --work DIR``
(the issue's 876 million rows; ``--meters 1000`` for a dry run, ``--months 1-3``
for part of the year) does three timed stages in one process:

1. generate: `hydro.readings.synthetic.generate_county` (its diurnal pattern,
   idle hours, noise, DMA inflows with background leakage and a few injected
   leaks and anomalies) for each block of ``--block-meters`` customer meters
   (DMAs of 500) and each month, written as one Parquet file
   ``meter_id,timestamp,volume_m3`` per block and month, so that generation
   never holds more than one block-month in memory;
2. import: every file through `hydro.readings.store.import_file`, the function
   behind ``hydro readings import`` (checks, overlap check, monthly files,
   batch record);
3. analyse: for each month, over the whole county's zones, the DMA balance,
   the minimum night flow and its alarms, and the customer anomalies: the
   Ibis expressions of `hydro.readings.analysis`, `hydro.readings.anomaly_rules` and `hydro.readings.night_flow`
   on DuckDB, as `hydro.readings.analysis.analyse` runs them (the balance by
   day once, summed to the month; anomalies 2,000 meters at a time,
   `hydro.readings.analysis.customer_findings_by_group`, the runs of zeros that ended
   judged on the daily balance of their DMA).

A thread samples the process's resident memory every 0.2 s, giving each
stage's peak; ``ru_maxrss`` gives the whole run's. DuckDB runs in this process,
so its memory is counted. ``--memory-limit`` sets ``HYDRO_DUCKDB_MEMORY_LIMIT``
(`hydro.readings.engine`), DuckDB's cap. Results are printed and written to
``DIR/results.json`` after each stage.
"""

from __future__ import annotations

import argparse
import calendar
import datetime
import json
import os
import resource
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hydro.readings.analysis import (
    ANOMALY_GROUP_METERS,
    anomalies_frame,
    customer_findings_by_group,
)
from hydro.readings.anomaly_rules import customer_anomalies
from hydro.readings.balance import dma_balance, rolled_up_balance
from hydro.readings.engine import DUCKDB_MEMORY_SETTING, connect, execute, memory_table, readings_table
from hydro.readings.night_flow import night_flow, night_flow_alarms
from hydro.readings.periods import Period
from hydro.readings.store import import_file
from hydro.readings.synthetic import generate_county

CUSTOMERS_PER_DMA = 500
SOURCE_SCHEMA = pa.schema([("meter_id", pa.string()), ("timestamp", pa.timestamp("us")), ("volume_m3", pa.float64())])
GIB = 1024**3


class MemoryWatch:
    """Peak resident memory of this process, overall and since the last `reset`, sampled by a thread."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._page_size = os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def current_bytes(self) -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * self._page_size

    def reset(self) -> None:
        self.peak_bytes = self.current_bytes()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak_bytes = max(self.peak_bytes, self.current_bytes())

    def stop(self) -> None:
        self._stop.set()


class Run:
    """The measurements of one run, written to ``results.json`` as they come."""

    def __init__(self, work: Path, settings: dict[str, Any]) -> None:
        self.path = work / "results.json"
        self.results: dict[str, Any] = {"settings": settings, "stages": {}}
        self.watch = MemoryWatch()

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        facts: dict[str, Any] = {}
        self.watch.reset()
        started = time.perf_counter()
        yield facts
        facts["seconds"] = round(time.perf_counter() - started, 1)
        facts["peak_rss_gib"] = round(max(self.watch.peak_bytes, self.watch.current_bytes()) / GIB, 2)
        self.results["stages"][name] = facts
        self.save()
        print(f"{name}: {json.dumps(facts)}", flush=True)

    def save(self) -> None:
        self.results["process_peak_rss_gib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB, 2)
        self.path.write_text(json.dumps(self.results, indent=1))


def month_numbers(text: str) -> list[int]:
    """``1-12``, ``3`` or ``1,4,7`` as month numbers."""
    first, _separator, last = text.partition("-")
    if last:
        return list(range(int(first), int(last) + 1))
    return [int(part) for part in text.split(",")]


def blocks(meters: int, block_meters: int) -> list[int]:
    """The customer meters of each block, whole DMAs of 500 (one smaller DMA when `meters` is below 500)."""
    sizes = [block_meters] * (meters // block_meters)
    if meters % block_meters:
        sizes.append(meters % block_meters)
    return sizes


def generate(work: Path, meters: int, year: int, months: list[int], block_meters: int) -> tuple[list[Path], int]:
    """Write each block's readings for each month as a Parquet file, and the zones; the files and their rows."""
    source = work / "source"
    source.mkdir(parents=True, exist_ok=True)
    files, rows, zones = [], 0, []
    for month in months:
        for block, size in enumerate(blocks(meters, block_meters)):
            per_dma = min(size, CUSTOMERS_PER_DMA)
            dma_ids = [f"B{block:03d}-D{number:02d}" for number in range(1, size // per_dma + 1)]
            county = generate_county(
                customers_per_dma=per_dma,
                start=datetime.date(year, month, 1),
                days=calendar.monthrange(year, month)[1],
                seed=year * 100_000 + block * 100 + month,
                dma_ids=dma_ids,
            )
            if month == months[0]:
                zones.append(county.zones)
            path = source / f"{year}-{month:02d}-block{block:03d}.parquet"
            table = pa.Table.from_pandas(county.readings.drop(columns="duration_s"), preserve_index=False)
            pq.write_table(table.cast(SOURCE_SCHEMA), path, compression="zstd")
            files.append(path)
            rows += table.num_rows
            del county, table
    pd.concat(zones, ignore_index=True).to_csv(work / "zones.csv", index=False)
    return files, rows


def import_all(store: Path, files: list[Path]) -> int:
    """Import every file as `hydro readings import` does; the intervals stored."""
    stored = 0
    for number, path in enumerate(files, start=1):
        started = time.perf_counter()
        outcome = import_file(store, path)
        stored += outcome.record.row_count
        rate = outcome.record.row_count / (time.perf_counter() - started)
        print(f"  imported {number}/{len(files)} {path.name}: {outcome.record.row_count:,} rows, {rate:,.0f} rows/s")
    return stored


def analyse_month(store: Path, zones: Any, year: int, month: int, anomaly_group_meters: int = 0) -> dict[str, Any]:
    """Balance, night flow (and alarms) and anomalies of one month over every zone, each timed."""
    period = Period.parse(f"{year}-{month:02d}")
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    connection = connect("duckdb")
    readings = readings_table(connection, store, period.months())
    zone_table = memory_table(connection, zones, "zones")
    customers = zone_table.filter(zone_table.role == "customer").select("meter_id").distinct()
    timings["open_s"] = time.perf_counter() - started
    started = time.perf_counter()
    daily = execute(connection, dma_balance(readings, zone_table, period, "day"))
    balance = rolled_up_balance(daily, period, "month")
    timings["balance_s"] = time.perf_counter() - started
    started = time.perf_counter()
    nights = execute(connection, night_flow(readings, zone_table, period))
    alarms = night_flow_alarms(nights)
    timings["night_flow_s"] = time.perf_counter() - started
    started = time.perf_counter()
    if anomaly_group_meters > 0:
        anomalies = customer_findings_by_group(
            connection, readings, period, None, customers, anomaly_group_meters, zone_table, daily
        ).anomalies
    else:
        anomalies = anomalies_frame(connection.execute(customer_anomalies(readings, period, None, customers)))
    timings["anomalies_s"] = time.perf_counter() - started
    connection.disconnect()
    counts = {"dmas": len(balance), "nights": len(nights), "alarms": len(alarms), "anomalies": len(anomalies)}
    return {key: round(value, 1) for key, value in timings.items()} | counts


def directory_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readings_scale", description=__doc__.split("\n")[0])
    parser.add_argument("--meters", type=int, default=1000, help="customer meters (default 1,000; the issue: 100,000)")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--months", default="1-12", help="months of the year, e.g. 1-12 (default), 1-3 or 3")
    parser.add_argument("--work", type=Path, required=True, help="directory for the source files and the store")
    parser.add_argument("--block-meters", type=int, default=10_000, help="meters per source file (default 10,000)")
    parser.add_argument(
        "--anomaly-group-meters",
        type=int,
        default=ANOMALY_GROUP_METERS,
        help=f"work out the anomalies of this many meters at a time (default {ANOMALY_GROUP_METERS:,}; "
        "0 for the Ibis expression of the rules on all at once: every run of high flow and of zeros, without the "
        "usual-peak test or the DMA balance, so its counts are not the alarms)",
    )
    parser.add_argument("--analyse-only", action="store_true", help="analyse the store of an earlier run in DIR")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's memory limit (default 4GB; '' for none)")
    arguments = parser.parse_args(argv)
    if arguments.block_meters % CUSTOMERS_PER_DMA and arguments.meters > CUSTOMERS_PER_DMA:
        parser.error(f"--block-meters must be a multiple of {CUSTOMERS_PER_DMA}")
    if arguments.memory_limit:
        os.environ[DUCKDB_MEMORY_SETTING] = arguments.memory_limit
    months = month_numbers(arguments.months)
    work: Path = arguments.work
    work.mkdir(parents=True, exist_ok=True)
    settings = vars(arguments) | {"work": str(work), "months": months, "cpus": os.cpu_count()}
    earlier = json.loads((work / "results.json").read_text()) if arguments.analyse_only else None
    run = Run(work, settings)
    store = work / "store"
    if earlier is not None:
        run.results["earlier_run"] = earlier
    else:
        with run.stage("generate") as facts:
            files, rows = generate(work, arguments.meters, arguments.year, months, arguments.block_meters)
            facts |= {"files": len(files), "rows": rows, "source_gib": round(directory_bytes(work / "source") / GIB, 2)}
        with run.stage("import") as facts:
            stored = import_all(store, files)
        facts |= {"rows": stored, "rows_per_s": round(stored / facts["seconds"]), "store_gib": 0.0}
        facts["store_gib"] = round(directory_bytes(store) / GIB, 2)
        run.save()
    zones = pd.read_csv(work / "zones.csv", dtype=str)
    with run.stage("analyse") as facts:
        facts["months"] = {}
        for month in months:
            facts["months"][f"{arguments.year}-{month:02d}"] = analyse_month(
                store, zones, arguments.year, month, arguments.anomaly_group_meters
            )
            print(f"  analysed {arguments.year}-{month:02d}: {facts['months'][f'{arguments.year}-{month:02d}']}")
            run.save()
    run.watch.stop()
    run.save()
    print(json.dumps(run.results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`hydro readings`: import smart-meter readings and analyse them from the command line.

Commands (each with ``--help``; the analyses print tables, or with
``--json`` one JSON object; exit code 2 and a message naming the file, row
and column when an input is refused)::

    hydro readings import FILE... --store DIR [--on-conflict keep-larger|refuse] [--stamped start|end] [--json]
    hydro readings balance --store DIR --zones ZONES.csv --period 2024-03 [--json]
        → dma_id, inflow_m3, outflow_m3, consumption_m3, nrw_m3, nrw_pct
    hydro readings night-flow --store DIR --zones ZONES.csv --period START..END [--json]
        → nights: dma_id, night, mnf_m3_per_h, leakage_m3_per_h; alarms: dma_id, start, excess_m3_per_h
    hydro readings anomalies --store DIR --period START..END [--zones ZONES.csv] [--json]
        → meter_id, kind, start, end, volume_m3, confidence

With ``--zones`` naming each DMA's inflow meter, a run of zeros that ended
is judged on its DMA's daily balance: a stuck meter freed again, or a
household away (`hydro.readings.stuck_balance`); without, it is a household
away. Customer meters read less often than every 2 h are named on stderr:
their leaks are not looked for (`hydro.readings.analysis.leak_unchecked_meters`).

The engine is DuckDB unless ``--engine pyspark`` or ``HYDRO_ENGINE=pyspark`` says otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from hydro.readings.analysis import (
    AnomalySettings,
    customer_findings_by_group,
    leak_unchecked_warning,
)
from hydro.readings.balance import dma_balance
from hydro.readings.engine import ENGINES, connect, execute, memory_table, readings_table
from hydro.readings.night_flow import LARGEST_ALLOWANCE_SIGMA, NightFlowSettings, night_flow, night_flow_alarms
from hydro.readings.periods import Period, check_zone_meters, read_zones, silent_meters_warning
from hydro.readings.readings_file import CONFLICT_RULES, COUNTY_TIME_ZONE
from hydro.readings.store import STAMPS, import_file

BALANCE_OUTPUT = ["dma_id", "inflow_m3", "outflow_m3", "consumption_m3", "nrw_m3", "nrw_pct"]
NIGHT_OUTPUT = ["dma_id", "night", "mnf_m3_per_h", "leakage_m3_per_h"]
ALARM_OUTPUT = ["dma_id", "start", "excess_m3_per_h"]
ANOMALY_OUTPUT = ["meter_id", "kind", "start", "end", "volume_m3", "confidence", "rate_m3_per_h", "open"]


def register(subparsers: Any) -> None:
    """Add the `readings` command group to the `hydro` parser."""
    readings = subparsers.add_parser(
        "readings", help="smart-meter readings: import, DMA balance, night flow, anomalies"
    )
    commands = readings.add_subparsers(dest="readings_command", required=True, metavar="COMMAND")
    _register_import(commands)
    _register_balance(commands)
    _register_night_flow(commands)
    _register_anomalies(commands)


def _register_import(commands: Any) -> None:
    parser = commands.add_parser(
        "import",
        help="add readings files to a store",
        description="Import CSV (.csv or gzipped .csv.gz) or Parquet readings files (meter_id,timestamp,volume_m3 or "
        "meter_id,timestamp,index_m3[,remark]; or headed 表号,抄表时间,用水量 or 表号,抄表时间,读数[,备注]; CSV in UTF-8 or GBK) "
        "into a store, one batch per file, each all or nothing. "
        "A file already imported changes nothing. A reading given twice (in the file, or already stored) is "
        "stored once and counted. The same meter and time with two values in one file (a clock put right) keeps "
        "the larger, naming the rows left out, unless --on-conflict refuse; an interval the store holds with "
        "another value refuses the file.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", type=Path, help="CSV (.csv, .csv.gz) or Parquet readings files"
    )
    parser.add_argument("--store", required=True, type=Path, metavar="DIR", help="the store directory")
    parser.add_argument(
        "--time-zone",
        default=COUNTY_TIME_ZONE,
        help=f"zone of timestamps without an offset (default {COUNTY_TIME_ZONE})",
    )
    parser.add_argument(
        "--on-conflict",
        choices=CONFLICT_RULES,
        default=CONFLICT_RULES[0],
        help="a meter read twice at one time with two values: keep the larger (default) or refuse the file",
    )
    parser.add_argument(
        "--stamped",
        choices=STAMPS,
        default=STAMPS[0],
        help="a volume file's timestamps give the start of each interval (default) or its end, as many smart "
        "meters stamp an hour's use at the end of the hour",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per file")
    parser.set_defaults(handler=run_import)


def _add_analysis_arguments(parser: argparse.ArgumentParser, zones_required: bool) -> None:
    parser.add_argument("--store", required=True, type=Path, metavar="DIR", help="the store directory")
    zones_help = (
        "zone membership CSV: meter_id,dma_id,role (inflow, outflow or customer), or 表号,分区,角色 (进水, 出水, 用户)"
    )
    if not zones_required:
        zones_help += "; when given, only customer meters are analysed"
    parser.add_argument("--zones", required=zones_required, type=Path, metavar="ZONES.csv", help=zones_help)
    parser.add_argument(
        "--period", required=True, help="YYYY-MM, YYYY-MM-DD, or START..END of either (both ends included)"
    )
    parser.add_argument("--engine", choices=ENGINES, help="analysis engine (default: HYDRO_ENGINE, else duckdb)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")


def _register_balance(commands: Any) -> None:
    parser = commands.add_parser(
        "balance",
        help="water balance of each DMA (non-revenue water)",
        description="Inflow, outflow, customer consumption and non-revenue water of each DMA over the period.",
    )
    _add_analysis_arguments(parser, zones_required=True)
    parser.add_argument(
        "--by", choices=("day", "month"), help="one row per DMA and day or month (adds a period column)"
    )
    parser.set_defaults(handler=run_balance)


def _register_night_flow(commands: Any) -> None:
    defaults = NightFlowSettings()
    parser = commands.add_parser(
        "night-flow",
        help="minimum night flow, leakage and alarms of each DMA",
        description="Minimum night flow and leakage of each DMA for each night, and alarms when night flow rises "
        "above its baseline (CUSUM), with the night the rise began.",
    )
    _add_analysis_arguments(parser, zones_required=True)
    parser.add_argument("--window", default="02:00-04:00", help="night window HH:MM-HH:MM (default 02:00-04:00)")
    parser.add_argument(
        "--statistic", choices=("minimum", "mean"), default=defaults.statistic, help="of the window's flow"
    )
    parser.add_argument(
        "--night-use",
        type=float,
        default=defaults.night_use_l_per_h_per_connection,
        metavar="L_PER_H",
        help=f"legitimate night use per connection [L/h] (default {defaults.night_use_l_per_h_per_connection})",
    )
    parser.add_argument(
        "--metered-night-use",
        action=argparse.BooleanOptionalAction,
        default=defaults.metered_night_use,
        help="measure the night use of customers read hourly or more often instead of giving them the allowance "
        "(default: on)",
    )
    parser.add_argument(
        "--baseline-nights",
        type=int,
        default=defaults.baseline_nights,
        help=f"nights that set the baseline (default {defaults.baseline_nights})",
    )
    parser.add_argument(
        "--allowance-sigma",
        type=float,
        default=defaults.cusum_allowance_sigma,
        metavar="K",
        help="standard deviations a night must rise by to count towards an alarm, the CUSUM's k "
        f"(default {defaults.cusum_allowance_sigma})",
    )
    parser.add_argument(
        "--threshold-sigma",
        type=float,
        default=defaults.cusum_threshold_sigma,
        metavar="H",
        help="standard deviations the nights' sum must pass to raise an alarm, the CUSUM's h "
        f"(default {defaults.cusum_threshold_sigma})",
    )
    parser.set_defaults(handler=run_night_flow)


def _register_anomalies(commands: Any) -> None:
    defaults = AnomalySettings()
    parser = commands.add_parser(
        "anomalies",
        help="customer-side anomalies: continuous flow, burst, stuck, reverse, gap",
        description="Anomalies in each meter's interval readings, one row per episode, with estimated lost volume "
        "and confidence. A leak behind the meter (continuous_flow) is a rise of the meter's least hourly flow "
        "against its own usual floor that lasts --continuous-hours; its row gives the estimated flow "
        "(rate_m3_per_h) and the hour it began; open is true while an episode lasts to the end of the data.",
    )
    _add_analysis_arguments(parser, zones_required=False)
    parser.add_argument(
        "--continuous-hours",
        type=float,
        default=defaults.continuous_flow_hours,
        help=f"hours a meter's floor must stay raised to make a leak (default {defaults.continuous_flow_hours:g})",
    )
    parser.add_argument(
        "--stuck-hours",
        type=float,
        default=defaults.stuck_hours,
        help=f"hours of zeros that make a stuck meter (default {defaults.stuck_hours:g})",
    )
    parser.add_argument(
        "--stuck-balance-share",
        type=float,
        default=defaults.stuck_balance_share,
        help="with --zones: a run of zeros that ended is a stuck meter when its DMA's daily balance rises, at both "
        f"ends, by this share of the meter's usual use (default {defaults.stuck_balance_share:g})",
    )
    parser.add_argument(
        "--stuck-balance-sigmas",
        type=float,
        default=defaults.stuck_balance_sigmas,
        help=f"...and by this many standard errors (default {defaults.stuck_balance_sigmas:g})",
    )
    parser.add_argument(
        "--stuck-balance-days",
        type=int,
        default=defaults.stuck_balance_days,
        help=f"whole days before and after the run it is compared with (default {defaults.stuck_balance_days})",
    )
    parser.add_argument(
        "--burst-hours",
        type=float,
        default=defaults.burst_hours,
        help="hours of high flow that make a burst; a shorter run is one only as a short burst "
        f"(--burst-short-hours) (default {defaults.burst_hours:g})",
    )
    parser.add_argument(
        "--burst-usual-peak-factor",
        type=float,
        default=defaults.burst_usual_peak_factor,
        help="...and times its meter's usual peak (the median over the other days, or over those with use when "
        "there are seven, of each day's highest mean flow over the burst hours) a burst must flow "
        f"(default {defaults.burst_usual_peak_factor:g})",
    )
    parser.add_argument(
        "--burst-short-hours",
        type=float,
        default=defaults.burst_short_hours,
        help="hours of high flow, fewer than --burst-hours, that make a burst when it flows "
        "--burst-short-usual-peak-factor times its meter's usual peak over as many hours; from --burst-hours, none "
        f"(default {defaults.burst_short_hours:g})",
    )
    parser.add_argument(
        "--burst-short-usual-peak-factor",
        type=float,
        default=defaults.burst_short_usual_peak_factor,
        help="...and times its meter's usual peak over as many hours a short burst must flow "
        f"(default {defaults.burst_short_usual_peak_factor:g})",
    )
    parser.add_argument(
        "--burst-habit-share",
        type=float,
        default=defaults.burst_habit_share,
        help="a burst's meter that flows this share of the burst's flow over as many hours on --burst-habit-days "
        f"other days does so by habit (a roof tank refilling), not a burst (default {defaults.burst_habit_share:g})",
    )
    parser.add_argument(
        "--burst-habit-days",
        type=int,
        default=defaults.burst_habit_days,
        help=f"...on this many other days of the period (default {defaults.burst_habit_days})",
    )
    parser.add_argument(
        "--gap-hours",
        type=float,
        default=defaults.gap_hours,
        help=f"hours without readings that make a gap (default {defaults.gap_hours:g})",
    )
    parser.add_argument(
        "--gap-lost-readings",
        type=int,
        default=defaults.gap_lost_readings,
        help="...and readings of the meter's usual interval it must lose: 1 counts a daily meter's one lost "
        f"reading as a gap (default {defaults.gap_lost_readings})",
    )
    parser.add_argument(
        "--shared-gap-meters",
        type=int,
        default=defaults.shared_gap_meters,
        help="gaps of this many meters or more that begin and end in the same hours are a concentrator's outage, "
        f"not the meters' (default {defaults.shared_gap_meters})",
    )
    parser.set_defaults(handler=run_anomalies)


# --- commands -------------------------------------------------------------------------------------------------


def run_import(arguments: argparse.Namespace) -> int:
    for path in tqdm(arguments.files, desc="importing", unit="file", disable=len(arguments.files) < 2):
        outcome = import_file(arguments.store, path, arguments.time_zone, arguments.on_conflict, arguments.stamped)
        record = outcome.record
        if arguments.json:
            print(json.dumps({"file": str(path), "already_imported": outcome.already_imported, **_record(record)}))
        elif outcome.already_imported:
            print(f"{path}: already imported as batch {record.checksum[:16]}; nothing changed")
        else:
            span = f"{record.first_timestamp} to {record.last_timestamp}" if record.row_count else "no intervals"
            repeats = f", {record.repeated_rows:,} repeated readings left out" if record.repeated_rows else ""
            print(
                f"{path}: {record.row_count:,} intervals ({record.kind}), {span}{repeats}, batch {record.checksum[:16]}"
            )
            _print_conflicts(path, record)
            _print_unread(path, record)
    return 0


def _print_conflicts(path: Path, record: Any) -> None:
    """Name the rows left out for a larger value of the same meter and time (the first of them)."""
    if not record.conflicting_rows:
        return
    print(f"{path}: {record.conflicting_rows:,} readings left out for a larger value at the same meter and time:")
    for row, meter_id, timestamp, value, kept, kept_row in record.conflicts:
        print(f"  row {row}: meter {meter_id} at {timestamp}, {value:g} (kept {kept:g} of row {kept_row})")
    if record.conflicting_rows > len(record.conflicts):
        print(f"  … and {record.conflicting_rows - len(record.conflicts):,} more")


def _print_unread(path: Path, record: Any) -> None:
    """Name the indexes of 0 left out as reads that failed (the first of them)."""
    if not record.unread_rows:
        return
    print(f"{path}: {record.unread_rows:,} indexes of 0 between readings that count on left out as failed reads:")
    for row, meter_id, timestamp in record.unread:
        print(f"  row {row}: meter {meter_id} at {timestamp}")
    if record.unread_rows > len(record.unread):
        print(f"  … and {record.unread_rows - len(record.unread):,} more")


def _record(record: Any) -> dict[str, Any]:
    return {
        "checksum": record.checksum,
        "kind": record.kind,
        "row_count": record.row_count,
        "first_timestamp": record.first_timestamp,
        "last_timestamp": record.last_timestamp,
        "repeated_rows": record.repeated_rows,
        "stamped": record.stamped,
        "conflicting_rows": record.conflicting_rows,
        "conflicts": [
            dict(zip(("row", "meter_id", "timestamp", "value", "kept_value", "kept_row"), conflict, strict=True))
            for conflict in record.conflicts
        ],
        "unread_rows": record.unread_rows,
        "unread": [dict(zip(("row", "meter_id", "timestamp"), read, strict=True)) for read in record.unread],
    }


def run_balance(arguments: argparse.Namespace) -> int:
    period = Period.parse(arguments.period)
    with tqdm(total=3, desc="balance", unit="step", leave=False) as progress:
        connection, readings, zones = _open(arguments, period, progress)
        granularity = arguments.by or "period"
        balance = execute(connection, dma_balance(readings, zones, period, granularity))
        progress.update()
    columns = ["dma_id", "period", *BALANCE_OUTPUT[1:]] if arguments.by else BALANCE_OUTPUT
    _print_tables(arguments.json, {"balance": balance[columns]}, single="balance")
    return 0


def run_night_flow(arguments: argparse.Namespace) -> int:
    period = Period.parse(arguments.period)
    start_hour, end_hour = _window_hours(arguments.window)
    _check_cusum(arguments.allowance_sigma, arguments.threshold_sigma)
    settings = NightFlowSettings(
        window_start_hour=start_hour,
        window_end_hour=end_hour,
        statistic=arguments.statistic,
        night_use_l_per_h_per_connection=arguments.night_use,
        metered_night_use=arguments.metered_night_use,
        baseline_nights=arguments.baseline_nights,
        cusum_allowance_sigma=arguments.allowance_sigma,
        cusum_threshold_sigma=arguments.threshold_sigma,
    )
    with tqdm(total=4, desc="night flow", unit="step", leave=False) as progress:
        connection, readings, zones = _open(arguments, period, progress)
        nights = execute(connection, night_flow(readings, zones, period, settings))
        progress.update()
        alarms = night_flow_alarms(nights, settings)
        progress.update()
    _print_tables(arguments.json, {"nights": nights[NIGHT_OUTPUT], "alarms": alarms[ALARM_OUTPUT]})
    return 0


def run_anomalies(arguments: argparse.Namespace) -> int:
    period = Period.parse(arguments.period)
    _check_burst(arguments.burst_hours, arguments.burst_usual_peak_factor)
    _check_burst(arguments.burst_short_hours, arguments.burst_short_usual_peak_factor, "--burst-short")
    _check_counts(arguments)
    settings = AnomalySettings(
        continuous_flow_hours=arguments.continuous_hours,
        stuck_hours=arguments.stuck_hours,
        stuck_balance_share=arguments.stuck_balance_share,
        stuck_balance_sigmas=arguments.stuck_balance_sigmas,
        stuck_balance_days=arguments.stuck_balance_days,
        burst_hours=arguments.burst_hours,
        burst_usual_peak_factor=arguments.burst_usual_peak_factor,
        burst_short_hours=arguments.burst_short_hours,
        burst_short_usual_peak_factor=arguments.burst_short_usual_peak_factor,
        burst_habit_share=arguments.burst_habit_share,
        burst_habit_days=arguments.burst_habit_days,
        gap_hours=arguments.gap_hours,
        gap_lost_readings=arguments.gap_lost_readings,
        shared_gap_meters=arguments.shared_gap_meters,
    )
    with tqdm(total=3, desc="anomalies", unit="step", leave=False) as progress:
        connection, readings, zones = _open(arguments, period, progress)
        customers = zones.filter(zones.role == "customer").select("meter_id").distinct() if zones is not None else None
        findings = customer_findings_by_group(connection, readings, period, settings, customers, zones=zones)
        progress.update()
    if len(findings.leak_unchecked):
        print(leak_unchecked_warning(findings.leak_unchecked, settings), file=sys.stderr)
    _print_tables(arguments.json, {"anomalies": findings.anomalies[ANOMALY_OUTPUT]}, single="anomalies")
    return 0


def _open(arguments: argparse.Namespace, period: Period, progress: tqdm) -> tuple[Any, Any, Any]:
    """Connect, open the period's readings and the zone file (checked against the stored meters)."""
    connection = connect(arguments.engine)
    readings = readings_table(connection, arguments.store, period.months())
    progress.update()
    zones = None
    if arguments.zones is not None:
        zone_frame = read_zones(arguments.zones)
        known = set(connection.execute(readings.select("meter_id").distinct())["meter_id"])
        silent = check_zone_meters(arguments.zones, zone_frame, known)
        if silent:
            print(silent_meters_warning(arguments.zones, silent), file=sys.stderr)
        zones = memory_table(connection, zone_frame, "zones")
    progress.update()
    return connection, readings, zones


def _check_burst(hours: float, usual_peak_factor: float, option: str = "--burst") -> None:
    if not hours >= 1:
        raise ValueError(f"{option}-hours {hours:g}: a number of hours from 1.")
    if not usual_peak_factor >= 0:
        raise ValueError(f"{option}-usual-peak-factor {usual_peak_factor:g}: a number from 0.")


def _check_counts(arguments: argparse.Namespace) -> None:
    if not arguments.burst_habit_share > 0:
        raise ValueError(f"--burst-habit-share {arguments.burst_habit_share:g}: a share above 0.")
    if not arguments.burst_habit_days >= 1:
        raise ValueError(f"--burst-habit-days {arguments.burst_habit_days}: a number of days from 1.")
    if not arguments.gap_lost_readings >= 1:
        raise ValueError(f"--gap-lost-readings {arguments.gap_lost_readings}: a number of readings from 1.")
    if not arguments.shared_gap_meters >= 2:
        raise ValueError(f"--shared-gap-meters {arguments.shared_gap_meters}: a number of meters from 2.")


def _check_cusum(allowance_sigma: float, threshold_sigma: float) -> None:
    clip = NightFlowSettings().cusum_clip_sigma
    if not 0 <= allowance_sigma <= LARGEST_ALLOWANCE_SIGMA:
        raise ValueError(
            f"--allowance-sigma {allowance_sigma:g}: from 0 to {LARGEST_ALLOWANCE_SIGMA:g} (a night counts for at "
            f"most {clip:g}, so a larger k leaves a rise almost nothing to add)."
        )
    if not threshold_sigma > 0:
        raise ValueError(f"--threshold-sigma {threshold_sigma:g}: a number above 0.")


def _window_hours(text: str) -> tuple[int, int]:
    try:
        start, end = (datetime.datetime.strptime(part.strip(), "%H:%M") for part in text.split("-"))
    except ValueError:
        raise ValueError(f"--window {text!r}: write it as HH:MM-HH:MM on whole hours, e.g. 02:00-04:00.") from None
    if start.minute or end.minute or end <= start:
        raise ValueError(f"--window {text!r}: whole hours, the end after the start.")
    return start.hour, end.hour


# --- output ---------------------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | datetime.datetime):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as ISO text, missing numbers as null."""
    return [
        {column: _json_value(value) for column, value in zip(frame.columns, row, strict=True)}
        for row in frame.itertuples(index=False)
    ]


def _print_tables(as_json: bool, tables: dict[str, pd.DataFrame], single: str | None = None) -> None:
    if as_json:
        payload: Any = frame_records(tables[single]) if single else {n: frame_records(t) for n, t in tables.items()}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for name, table in tables.items():
        if single is None:
            print(f"{name}:")
        print(table.to_string(index=False, float_format=lambda value: f"{value:.3f}") if len(table) else "(none)")

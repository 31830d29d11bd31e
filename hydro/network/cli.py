"""`hydro network …`: summary, simulate and locate on EPANET networks.

NET.inp is a path to an EPANET file, or the name of a packaged network:
`L-TOWN` (BattLeDIM 2020, from the installed `epyt`), `Net1`, `Net3`, `ky10`,
`Net6` (from the installed `wntr`).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from hydro.network.locate import TRAINING_DAYS_WITHOUT_TRAIN_FOLDER, locate_leaks, result_details, submission_csv
from hydro.network.model import load_network, resolve_network_path, summarise_network
from hydro.network.sensors import (
    SensorDataError,
    check_layout_against_network,
    read_sensor_folder,
    read_sensor_layout,
    write_sensor_table,
)
from hydro.network.simulation import PressureDrivenDemand, read_leak_specs, simulate, write_leak_specs
from hydro.readings.engine import ENGINE_SETTING, spark_session

PACKAGED_SENSORS = Path(__file__).parent / "data"

SPIKE_WORDS = {
    "pressures": "lone spikes",
    "flows": "fills (faster than the pipe carries, or zeros through a main)",
    "levels": "fills (outside the tank)",
}
"""What `hydro.network.locate.despiked` reads as drop-outs, by kind of data."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("network", help="supply-network model, leak simulation and leak localisation")
    commands = parser.add_subparsers(dest="network_command", required=True, metavar="SUBCOMMAND")
    _register_summary(commands)
    _register_simulate(commands)
    _register_locate(commands)


def _register_summary(commands: argparse._SubParsersAction) -> None:
    summary = commands.add_parser(
        "summary",
        help="count nodes, pipes, tanks, pumps and valves; total pipe length; zones split by valves and pumps",
    )
    summary.add_argument("network", metavar="NET.inp", help="EPANET file, or L-TOWN, Net1, Net3, ky10, Net6")
    summary.add_argument("--json", action="store_true", help="print the summary as JSON")
    summary.set_defaults(handler=run_summary)


def _register_simulate(commands: argparse._SubParsersAction) -> None:
    simulate_parser = commands.add_parser(
        "simulate",
        help="simulate sensor data with leaks at pipes (BattLeDIM layout: pressures.csv, flows.csv, levels.csv)",
        description=(
            "Run an extended-period simulation in 5-minute steps with leaks at pipes (an emitter at the pipe's "
            "midpoint) and write the readings of the sensors named in a sensors.yaml. Without --sensors, "
            "sensors.yaml beside NET.inp is used; for the packaged L-TOWN and Net3, Civic's own sensor lists are."
        ),
    )
    simulate_parser.add_argument("network", metavar="NET.inp", help="EPANET file, or L-TOWN, Net3 …")
    simulate_parser.add_argument(
        "--leaks", type=Path, help="CSV: pipe_id,start_time[,end_time][,diameter_m][,peak_time] (none: no leaks)"
    )
    simulate_parser.add_argument("--days", type=int, required=True, help="days to simulate")
    simulate_parser.add_argument("--out", type=Path, required=True, help="folder to write the CSV files into")
    simulate_parser.add_argument("--sensors", type=Path, help="sensors.yaml (default: beside NET.inp)")
    simulate_parser.add_argument("--start", default="2019-01-01 00:00", help="timestamp of the first row")
    simulate_parser.add_argument("--demand-noise", type=float, default=0.05, help="σ of per-step demand noise")
    simulate_parser.add_argument("--sensor-noise", action="store_true", help="add measurement noise to the readings")
    simulate_parser.add_argument("--seed", type=int, default=0, help="random seed for the noise")
    simulate_parser.add_argument(
        "--demand-model",
        choices=("DDA", "PDD"),
        help="demand-driven (DDA) or pressure-driven (PDD) junction demands (default: as the .inp says)",
    )
    simulate_parser.add_argument(
        "--required-pressure", type=float, default=20.0, help="PDD: pressure [m] at which the full demand flows"
    )
    simulate_parser.add_argument(
        "--minimum-pressure", type=float, default=0.0, help="PDD: pressure [m] at or below which nothing flows"
    )
    simulate_parser.set_defaults(handler=run_simulate)


def _register_locate(commands: argparse._SubParsersAction) -> None:
    locate = commands.add_parser(
        "locate",
        help="detect leaks in sensor data and localise each to a pipe (BattLeDIM submission: pipe_id,start_time)",
        description=(
            "Calibrate on --train (or, without it, on the first --training-days days of --data, taken as "
            "leak-free): a model of "
            "the pressures per four-hour window of the day, and one sweep of a leak over every pipe (in-process "
            "through the EPANET toolkit, over all cores). Then watch the windows with a likelihood-ratio test for "
            "a new leak and report the pipe of most likelihood within 300 m. Where the network's controls make "
            "the window models unfit (checked on the model), watch the night consumption (CUSUM) and match the "
            "change in night pressures instead."
        ),
    )
    locate.add_argument("--network", required=True, metavar="NET.inp", help="EPANET file, or L-TOWN, Net3 …")
    locate.add_argument("--data", type=Path, required=True, help="folder of pressures.csv, flows.csv, levels.csv")
    locate.add_argument("--train", type=Path, help="leak-free (or leaks.csv-annotated) training folder")
    locate.add_argument(
        "--training-days",
        type=int,
        default=TRAINING_DAYS_WITHOUT_TRAIN_FOLDER,
        help=f"without --train, the first days of --data that train (default {TRAINING_DAYS_WITHOUT_TRAIN_FOLDER}; "
        "more days fit the models better and leave fewer to watch)",
    )
    locate.add_argument(
        "--out", type=Path, help="CSV to write pipe_id,start_time,estimated_start_time rows to (default: print them)"
    )
    locate.add_argument(
        "--details",
        type=Path,
        help="JSON with ranked candidates and residuals per leak, and the pressure loggers left out",
    )
    locate.add_argument("--workers", type=int, help="processes for the sweep (default: one per core)")
    locate.add_argument(
        "--engine",
        choices=SWEEP_ENGINES,
        help="where the sweep runs: worker processes on this machine (local, the default) or Spark "
        "(pyspark; also when HYDRO_ENGINE=pyspark)",
    )
    locate.set_defaults(handler=run_locate)


SWEEP_ENGINES = ("local", "pyspark")


def sweep_session(engine: str | None, workers: int | None) -> Any | None:
    """A Spark session when the sweep is to run on Spark (`--engine pyspark` or HYDRO_ENGINE=pyspark), else None."""
    chosen = engine or ("pyspark" if os.environ.get(ENGINE_SETTING, "").lower() == "pyspark" else "local")
    if chosen != "pyspark":
        return None
    return spark_session(cores=workers or os.cpu_count() or 1)


def run_locate(arguments: argparse.Namespace) -> int:
    if arguments.train and arguments.training_days != TRAINING_DAYS_WITHOUT_TRAIN_FOLDER:
        raise SensorDataError("--training-days: the days come from --data without --train; give one or the other")
    network = load_network(arguments.network)
    data = read_sensor_folder(arguments.data, network)
    data = replace(data, leaks=None)  # the test period's own leak list is never looked at
    training = read_sensor_folder(arguments.train, network) if arguments.train else None
    for folder, read in ((arguments.data, data), (arguments.train, training)):
        for note in read.grid_notes if read is not None else ():
            print(f"{folder}/{note.describe()}", file=sys.stderr)
    spark = sweep_session(arguments.engine, arguments.workers)
    with tqdm(total=network.num_pipes, desc="candidate pipes", unit="pipe", disable=None) as bar:
        result = locate_leaks(
            network,
            data,
            training,
            workers=arguments.workers,
            progress=bar.update,
            spark=spark,
            training_days=arguments.training_days,
        )
    for kind, counts in result.spikes.items():
        spikes = ", ".join(f"{sensor}: {count}" for sensor, count in counts.items())
        print(f"{kind}: {SPIKE_WORDS.get(kind, 'lone spikes')} read as drop-outs ({spikes})", file=sys.stderr)
    rows = submission_csv(result.leaks)
    if arguments.out:
        arguments.out.write_text(rows, encoding="utf-8")
        print(f"{len(result.leaks)} leaks written to {arguments.out}")
    else:
        print(rows, end="")
    if arguments.details:
        arguments.details.write_text(json.dumps(result_details(result), indent=1), encoding="utf-8")
    return 0


def run_summary(arguments: argparse.Namespace) -> int:
    path = resolve_network_path(arguments.network)
    summary = summarise_network(load_network(path), name=path.stem)
    if arguments.json:
        print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
        return 0
    print(
        f"{summary.name}: {summary.nodes} nodes ({summary.junctions} junctions, {summary.tanks} tanks, "
        f"{summary.reservoirs} reservoirs)"
    )
    print(
        f"{summary.links} links: {summary.pipes} pipes ({summary.total_pipe_length_m / 1000:.1f} km), "
        f"{summary.pumps} pumps, {summary.valves} valves ({summary.prvs} PRVs)"
    )
    print(f"{len(summary.zones)} zones split by valves, pumps and closed pipes:")
    for zone in summary.zones:
        feeds = ", ".join(zone.sources + zone.inlets) or "-"
        print(
            f"  {zone.name}: {zone.junctions} junctions, {zone.pipes} pipes, "
            f"{zone.pipe_length_m / 1000:.2f} km; fed by {feeds}"
        )
    return 0  # fmt: skip


def default_sensors_path(network_argument: str) -> Path:
    """sensors.yaml beside the .inp; for a packaged network, Civic's sensor list for it."""
    path = resolve_network_path(network_argument)
    beside = path.with_name("sensors.yaml")
    packaged = PACKAGED_SENSORS / f"{path.stem}.sensors.yaml"
    if beside.is_file():
        return beside
    if packaged.is_file():
        return packaged
    raise SensorDataError(f"{path}: no sensors.yaml beside it; name one with --sensors")


def run_simulate(arguments: argparse.Namespace) -> int:
    network = load_network(arguments.network)
    sensors_path = arguments.sensors or default_sensors_path(arguments.network)
    layout = read_sensor_layout(sensors_path)
    check_layout_against_network(layout, network, str(sensors_path))
    leaks = read_leak_specs(arguments.leaks) if arguments.leaks else []
    for row, leak in enumerate(leaks, start=2):
        if leak.pipe_id not in network.pipe_name_list:
            raise SensorDataError(f"{arguments.leaks}:{row}: pipe_id {leak.pipe_id!r} is not a pipe of the model")
    try:
        start = pd.Timestamp(arguments.start)
    except ValueError as error:
        raise ValueError(f"--start {arguments.start!r} is not a date and time") from error
    pressure_driven = None
    if arguments.demand_model == "PDD":
        pressure_driven = PressureDrivenDemand(arguments.minimum_pressure, arguments.required_pressure)
    elif arguments.demand_model == "DDA":
        network.options.hydraulic.demand_model = "DDA"
    with tqdm(total=arguments.days * 288, desc="5-minute steps", unit="step", disable=None) as bar:
        result = simulate(
            copy.deepcopy(network), layout, leaks, arguments.days, start, seed=arguments.seed,
            demand_noise=arguments.demand_noise, sensor_noise=arguments.sensor_noise, progress=bar.update,
            pressure_driven=pressure_driven,
        )  # fmt: skip
    arguments.out.mkdir(parents=True, exist_ok=True)
    write_sensor_table(result.pressures, arguments.out / "pressures.csv")
    write_sensor_table(result.flows, arguments.out / "flows.csv")
    write_sensor_table(result.levels, arguments.out / "levels.csv")
    if layout.demands:
        write_sensor_table(result.demands, arguments.out / "demands.csv")
    write_sensor_table(result.leak_flows, arguments.out / "leak_flows.csv")
    write_leak_specs(leaks, arguments.out / "leaks.csv")
    print(f"wrote {len(result.pressures)} rows of {arguments.days} days to {arguments.out}")
    return 0

"""Leak localisation on L-TOWN: the candidate sweep's speed, and detection scores on scenarios.

Speed (registered with the runner): Civic's sweep — one EPANET project opened
in-process per worker, emitter coefficients changed in memory, one
steady-state solve per candidate pipe, spread over the cores — against the
naive loop a `wntr` user writes first: for each candidate set the emitters on
the model, run `wntr.sim.EpanetSimulator` (which writes an `.inp`, runs EPANET
and reads its binary output back) and take the pressures. Both do the same
candidates, at the same night snapshot, with the same reference leak, and must
give the same pressure changes.

`python -m benchmarks.network` also times the sweep over every pipe of L-TOWN
(905) against the naive loop timed on a sample and scaled to 905 candidates, and
scores detection and localisation on generated month-long L-TOWN scenarios
(BattLeDIM rules): the figures recorded in BENCHMARKS.md's network section.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import wntr

from benchmarks.runner import Benchmark
from hydro.network.detection import calibrate
from hydro.network.localisation import (
    SensitivityMatrix,
    candidate_end_junctions,
    sensitivity_matrices,
    sensitivity_matrix,
)
from hydro.network.locate import bridged, locate_leaks, without_leak_periods
from hydro.network.model import load_network
from hydro.network.residuals import snapshot_time_s, window_starts
from hydro.network.scenarios import HELD_OUT_SEEDS, TUNING_SEEDS, make_scenario, realistic_scenario
from hydro.network.scoring import score_reports
from hydro.network.sensors import STEP_SECONDS, SensorData, on_five_minute_grid, read_sensor_layout

SENSORS = Path(__file__).resolve().parent.parent / "hydro" / "network" / "data" / "L-TOWN.sensors.yaml"
SNAPSHOT_S = 3 * 3600
SAMPLE_PIPES = 40
AGREEMENT_M = 5e-3  # both converge to EPANET's accuracy; they differ by under 2 mm of head


def sample_pipes(network: wntr.network.WaterNetworkModel, count: int = SAMPLE_PIPES) -> list[str]:
    """Every n-th pipe of the model, `count` in all (a fixed, spread-out sample)."""
    pipes = network.pipe_name_list
    return pipes[:: max(1, len(pipes) // count)][:count]


def civic_sweep(
    network: wntr.network.WaterNetworkModel, sensors: list[str], pipes: list[str] | None
) -> SensitivityMatrix:
    return sensitivity_matrix(network, sensors, SNAPSHOT_S, pipes=pipes)


def naive_sweep(
    network: wntr.network.WaterNetworkModel, sensors: list[str], pipes: list[str], coefficient_lps: float
) -> np.ndarray:
    """One EpanetSimulator run per candidate, emitters set on the wntr model [m of pressure change]."""
    model = copy.deepcopy(network)
    model.options.time.duration = 0
    model.options.time.pattern_start = SNAPSHOT_S
    with tempfile.TemporaryDirectory(prefix="naive-sweep-") as folder:
        prefix = str(Path(folder) / "run")
        base = wntr.sim.EpanetSimulator(model).run_sim(prefix).node["pressure"].loc[:, sensors].to_numpy()[0]
        rows = []
        for _, junctions in candidate_end_junctions(model, pipes):
            for junction in junctions:
                model.get_node(junction).emitter_coefficient = coefficient_lps / 1000 / len(junctions)
            pressures = wntr.sim.EpanetSimulator(model).run_sim(prefix).node["pressure"].loc[:, sensors]
            rows.append(pressures.to_numpy()[0] - base)
            for junction in junctions:
                model.get_node(junction).emitter_coefficient = 0.0
    return np.array(rows)


def benchmark() -> Benchmark:
    network = load_network("L-TOWN")
    sensors = read_sensor_layout(SENSORS).pressures
    pipes = sample_pipes(network)
    coefficient = civic_sweep(network, sensors, pipes[:1]).emitter_coefficient_lps

    def agree(naive: object, civic: object) -> bool:
        assert isinstance(naive, np.ndarray) and isinstance(civic, SensitivityMatrix)
        return bool(np.abs(naive - civic.pressure_change_m).max() <= AGREEMENT_M)

    return Benchmark(
        name="leak sweep",
        description=f"pressure change at 33 sensors for a leak on each of {len(pipes)} L-TOWN pipes, "
        "in-process toolkit sweep over all cores vs a loop of wntr EpanetSimulator runs",
        baseline=lambda: naive_sweep(network, sensors, pipes, coefficient),
        candidate=lambda: civic_sweep(network, sensors, pipes),
        agree=agree,
    )


def full_sweep_figures(sample: int) -> dict[str, float]:
    """Sweep over all of L-TOWN's pipes, and the naive loop timed on `sample` of them, scaled up."""
    network = load_network("L-TOWN")
    sensors = read_sensor_layout(SENSORS).pressures
    started = time.perf_counter()
    matrix = civic_sweep(network, sensors, None)
    sweep_s = time.perf_counter() - started
    pipes = sample_pipes(network, sample)
    started = time.perf_counter()
    naive = naive_sweep(network, sensors, pipes, matrix.emitter_coefficient_lps)
    naive_sample_s = time.perf_counter() - started
    rows = [matrix.pipes.index(pipe) for pipe in pipes]
    difference = float(np.abs(naive - matrix.pressure_change_m[rows]).max())
    candidates = len(matrix.pipes)
    naive_full_s = naive_sample_s / len(pipes) * candidates
    return {
        "candidates": candidates,
        "sweep_s": sweep_s,
        "naive_sample": len(pipes),
        "naive_sample_s": naive_sample_s,
        "naive_extrapolated_s": naive_full_s,
        "speedup": naive_full_s / sweep_s,
        "max_difference_m": difference,
    }


def sampled_every(table: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """A 5-minute table as a logger reading every `minutes` would give it, put back on the 5-minute grid as the
    reader does (`hydro.network.sensors.on_five_minute_grid`)."""
    if minutes == STEP_SECONDS // 60:
        return table
    coarse = table.iloc[:: minutes * 60 // STEP_SECONDS]
    return on_five_minute_grid(Path(f"every-{minutes}-minutes.csv"), coarse)[0].reindex(table.index)


def scenario_scores(
    seeds: list[int],
    days: int,
    leaks: int,
    realistic: bool = False,
    workers: int | None = None,
    every_minutes: int = STEP_SECONDS // 60,
) -> list[dict[str, object]]:
    """Detection and localisation scored by BattLeDIM rules on generated L-TOWN months.

    `realistic` months (`hydro.network.scenarios.realistic_scenario`) have district demand
    patterns, sensor offsets and drop-outs and leaks of several shapes; the others are the
    earlier generator's (`make_scenario`). With `every_minutes` the sensors read less often
    (`sampled_every`).
    """
    network = load_network("L-TOWN")
    layout = read_sensor_layout(SENSORS)
    rows = []
    sweeps: dict[tuple[int, ...], list[SensitivityMatrix]] = {}  # months of the same windows share one sweep
    for seed in seeds:
        if realistic:
            scenario = realistic_scenario(network, layout, days, leaks, seed)
        else:
            scenario = make_scenario(network, layout, days, leaks, seed)
        test, training = (
            SensorData(*(sampled_every(table, every_minutes) for table in (part.pressures, part.flows, part.levels)))
            for part in (scenario.test, scenario.training)
        )
        steps = tuple(window_starts(calibrate(network, bridged(without_leak_periods(training))).window_start))
        if steps not in sweeps:
            snapshots = [snapshot_time_s(step) for step in steps]
            sweeps[steps] = sensitivity_matrices(network, layout.pressures, snapshots, workers=workers)
        result = locate_leaks(network, test, training, workers=workers, matrices=sweeps[steps])
        score = score_reports(
            network, scenario.true_leaks(), [(leak.pipe_id, leak.start_time) for leak in result.leaks]
        )
        detected_at = {leak.start_time: leak.detected_at for leak in result.leaks}
        starts = {leak.pipe_id: leak.start for leak in scenario.leaks}
        alarm_delays = [
            (detected_at[report.time] - starts[report.matched_pipe]).total_seconds() / 3600
            for report in score.reports
            if report.true_positive and report.matched_pipe is not None
        ]
        within_two_days = sum(1 for report in score.reports if report.true_positive and (report.delay_hours or 0) <= 48)
        rows.append(
            {
                "seed": seed,
                "true_positives": score.true_positives,
                "within_2_days_and_300_m": within_two_days,
                "false_positives": score.false_positives,
                "missed": score.missed,
                "mean_report_delay_h": score.mean_delay_hours,
                "mean_alarm_delay_h": round(sum(alarm_delays) / len(alarm_delays), 1) if alarm_delays else None,
                "saved_m3": score.saved_m3,
                "economic_score_eur": score.economic_score_eur,
                "goal_met": within_two_days >= 4 and score.false_positives <= 2,
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.network", description=__doc__)
    parser.add_argument("--sample", type=int, default=60, help="candidates the naive loop is timed on")
    parser.add_argument("--seeds", type=int, nargs="*", help="L-TOWN scenarios to score (default: 1 2 3)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--realistic", action="store_true", help="score realistic months (district patterns, sensor faults, drop-outs)"
    )
    parser.add_argument(
        "--held-out", action="store_true", help="score the realistic held-out months (seeds 401–410), run once"
    )
    parser.add_argument(
        "--tuning", action="store_true", help="score the realistic tuning months (seeds 201–230 and 301–310)"
    )
    parser.add_argument("--workers", type=int, help="processes for each month's sweep (default: one per core)")
    parser.add_argument(
        "--every-minutes",
        type=int,
        default=STEP_SECONDS // 60,
        choices=(5, 10, 15, 20, 30, 60),
        help="sensors read every so many minutes, interpolated back to 5-minute steps (default 5)",
    )
    parser.add_argument("--no-speed", action="store_true", help="skip the timing of the sweep against the naive loop")
    arguments = parser.parse_args()
    realistic = arguments.realistic or arguments.held_out or arguments.tuning
    seeds = arguments.seeds or (
        list(HELD_OUT_SEEDS) if arguments.held_out else list(TUNING_SEEDS) if arguments.tuning else [1, 2, 3]
    )
    if not arguments.no_speed:
        figures = full_sweep_figures(arguments.sample)
        print(
            f"sweep over all {figures['candidates']} L-TOWN pipes: {figures['sweep_s']:.1f} s; naive loop "
            f"{figures['naive_sample_s']:.1f} s for {figures['naive_sample']} pipes → "
            f"{figures['naive_extrapolated_s']:.0f} s extrapolated to {figures['candidates']}; "
            f"speed-up {figures['speedup']:.0f}×; largest difference {figures['max_difference_m'] * 1000:.2f} mm"
        )
    print(
        "| seed | TP | within 2 days & 300 m | FP | missed | report delay [h] | alarm delay [h] | saved [m³] | score [€] | goal |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for row in scenario_scores(seeds, arguments.days, 5, realistic, arguments.workers, arguments.every_minutes):
        print(
            f"| {row['seed']} | {row['true_positives']} | {row['within_2_days_and_300_m']} | {row['false_positives']} "
            f"| {row['missed']} | {row['mean_report_delay_h']} | {row['mean_alarm_delay_h']} | {row['saved_m3']} "
            f"| {row['economic_score_eur']} | {'met' if row['goal_met'] else 'not met'} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

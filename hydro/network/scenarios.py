"""Leak scenarios for the evaluation: an uncertain model, noisy demands and sensors, random leaks.

The "true" network of a scenario is the model with every pipe's roughness and
every junction's base demands scaled by factors drawn uniformly from
[0.9, 1.1]; the localisation is given the unscaled model, as a utility's model
is never exact. Leaks have equivalent hole diameters of 8–14 mm by default (about
4–13 m³/h at 50 m of pressure: L-TOWN's size; a network that carries a
hundred times more water, as Net3 does, needs larger ones to be seen at all), start at random times after the first two days,
run to the end, and are abrupt or incipient (growing linearly for one to three
days). Leak pipes lie at least 600 m apart so that each report can match one
leak only.

`realistic_scenario` (the months BENCHMARKS.md reports) varies what real
networks vary, each month with its own `ScenarioSettings` drawn from its seed
(`realistic_settings`):

- **demand patterns per district:** the junctions are split into districts
  around randomly chosen centres, and each district draws on its own copy of
  the residential and commercial patterns, shifted in time by up to an hour
  either way and with its daily swing scaled, each copy with its own noise —
  where the model (and the localisation) knows one pattern for all;
- **model error:** roughness and base demands off by up to 10–20 %;
- **sensors:** noise, a constant offset on every pressure sensor, on some
  months one or two sensors whose offset jumps during the test period
  (a sensor re-mounted or re-calibrated), and drop-outs — runs of missing
  readings (left empty in the CSV files) on every kind of sensor; the inflow
  meters and tank levels, read over SCADA, drop out a fifth as often as the
  pressure loggers;
- **leaks:** hole diameters from a per-month range (6–16 mm), abrupt or
  incipient, growing linearly over one to five days.

Tuning looks only at `TUNING_SEEDS`; `HELD_OUT_SEEDS` are run once for the
report.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import wntr

from hydro.network.model import network_graph, pipe_distances
from hydro.network.scoring import TrueLeak
from hydro.network.sensors import SensorLayout, write_sensor_table
from hydro.network.simulation import LeakSpec, SimulationResult, simulate, write_leak_specs

MODEL_SPREAD = 0.10
TRAINING_START = pd.Timestamp("2018-12-18 00:00")
TEST_START = pd.Timestamp("2019-01-01 00:00")


def perturb_model(
    network: wntr.network.WaterNetworkModel, rng: np.random.Generator, spread: float = MODEL_SPREAD
) -> None:
    """Scale each pipe's roughness and each junction's base demands by U(1 − spread, 1 + spread)."""
    for _, pipe in network.pipes():
        pipe.roughness *= rng.uniform(1 - spread, 1 + spread)
    for _, junction in network.junctions():
        factor = rng.uniform(1 - spread, 1 + spread)
        for demand in junction.demand_timeseries_list:
            demand.base_value *= factor


def random_leaks(
    network: wntr.network.WaterNetworkModel,
    rng: np.random.Generator,
    count: int,
    start: pd.Timestamp,
    days: int,
    diameters_m: tuple[float, float] = (0.008, 0.014),
    incipient_share: float = 0.4,
    incipient_hours: tuple[int, int] = (24, 72),
) -> list[LeakSpec]:
    """Random leaks for an evaluation run.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    rng : numpy.random.Generator
    count : int
        How many leaks (fewer when the network has too few pipes far enough apart).
    start : pandas.Timestamp
        Start of the test period.
    days : int
        Length of the test period [days].
    diameters_m : (float, float)
        Range of the holes' equivalent diameters [m], drawn uniformly.
    incipient_share : float
        Share of the leaks that grow linearly to full size [-].
    incipient_hours : (int, int)
        Range of the growth time of those leaks [h].

    Returns
    -------
    list of LeakSpec
        On pipes between junctions (whose start is not a dead end), at least 600 m of pipe
        distance apart, each starting between 48 h into the period and 3 days
        before its end; a share `incipient_share` incipient, growing to full size over `incipient_hours`.
        Sorted by start.
    """
    junctions = set(network.junction_name_list)
    graph = network_graph(network)
    pool = [
        name
        for name, pipe in network.pipes()
        if pipe.start_node_name in junctions
        and pipe.end_node_name in junctions
        and graph.degree(pipe.start_node_name) > 1
    ]
    chosen: list[str] = []
    for pipe in rng.permutation(pool):
        if not chosen or min(pipe_distances(network, str(pipe), chosen).values()) > 600:
            chosen.append(str(pipe))
        if len(chosen) == count:
            break
    leaks = []
    latest_hours = max(49, (days - 3) * 24)
    for pipe in chosen:
        begin = start + pd.Timedelta(minutes=5 * int(rng.integers(48 * 12, latest_hours * 12)))
        incipient = bool(rng.random() < incipient_share)
        peak = begin + pd.Timedelta(hours=int(rng.integers(*incipient_hours))) if incipient else None
        leaks.append(LeakSpec(pipe, begin, None, round(float(rng.uniform(*diameters_m)), 4), peak))
    return sorted(leaks, key=lambda leak: leak.start)


@dataclass(frozen=True)
class Scenario:
    truth_network: wntr.network.WaterNetworkModel
    leaks: list[LeakSpec]
    training: SimulationResult
    test: SimulationResult

    def true_leaks(self) -> list[TrueLeak]:
        return [TrueLeak(leak.pipe_id, leak.start, leak.end, self.test.leak_flows[leak.pipe_id]) for leak in self.leaks]


def make_scenario(
    network: wntr.network.WaterNetworkModel,
    layout: SensorLayout,
    days: int,
    leak_count: int,
    seed: int,
    training_days: int = 14,
    demand_noise: float = 0.05,
    diameters_m: tuple[float, float] = (0.008, 0.014),
) -> Scenario:
    """An evaluation scenario: leak-free training and a test period with leaks, from a perturbed "true" network.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
        The model the localisation will use; the truth is a copy with each
        pipe's roughness and junction's demand scaled by U(0.9, 1.1)
        (`perturb_model`).
    layout : SensorLayout
    days : int
        Length of the test period [days].
    leak_count : int
    seed : int
        Seeds the perturbation, the leaks and the noise.
    training_days : int
        Length of the training period [days].
    demand_noise : float
        σ_step of the demand noise [-] (`simulation.make_demands_noisy`).
    diameters_m : (float, float)
        Range of the holes' diameters [m].

    Returns
    -------
    Scenario
    """
    rng = np.random.default_rng(seed)
    truth = copy.deepcopy(network)
    perturb_model(truth, rng)
    leaks = random_leaks(network, rng, leak_count, TEST_START, days, diameters_m)
    training = simulate(copy.deepcopy(truth), layout, [], training_days, TRAINING_START, seed + 1, demand_noise, True)
    test = simulate(copy.deepcopy(truth), layout, leaks, days, TEST_START, seed + 2, demand_noise, True)
    return Scenario(truth, leaks, training, test)


def write_scenario(scenario: Scenario, folder: Path) -> None:
    """Write training/ and data/ folders in the BattLeDIM layout, with leaks.csv (the truth) in each."""
    for name, result, leaks in (("train", scenario.training, []), ("data", scenario.test, scenario.leaks)):
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        write_sensor_table(result.pressures, target / "pressures.csv")
        write_sensor_table(result.flows, target / "flows.csv")
        write_sensor_table(result.levels, target / "levels.csv")
        write_leak_specs(leaks, target / "leaks.csv")


@dataclass(frozen=True)
class ScenarioSettings:
    """What a realistic month varies (module notes); the defaults are the mildest month."""

    model_spread: float = 0.10  # roughness and base demands off by up to this share
    demand_noise: float = 0.05  # σ of the per-step demand noise (σ per day: half)
    districts: int = 1  # demand districts, each with its own copy of the patterns
    pattern_shift_hours: float = 0.0  # a district's patterns shifted by up to this, either way
    pattern_swing_spread: float = 0.0  # a district's daily swing scaled by U(1 − s, 1 + s)
    pressure_noise_m: float = 0.05
    flow_noise_share: float = 0.005
    level_noise_m: float = 0.01
    pressure_offset_m: float = 0.0  # σ of each pressure sensor's constant offset
    offset_jumps: int = 0  # pressure sensors whose offset jumps once in the test period
    offset_jump_m: tuple[float, float] = (0.1, 0.3)
    dropouts_per_sensor_day: float = 0.0  # runs of missing readings per sensor and day
    dropout_hours: tuple[float, float] = (0.5, 12.0)
    scada_dropout_share: float = 0.2  # flows and tank levels (SCADA) drop out this share as often
    diameters_m: tuple[float, float] = (0.008, 0.014)
    incipient_share: float = 0.4
    incipient_hours: tuple[int, int] = (24, 72)


TUNING_SEEDS = (*range(201, 231), *range(301, 311))
"""Months whose results the detection and localisation may be tuned on (301–310 were held out once, then looked at)."""
HELD_OUT_SEEDS = (401, 402, 403, 404, 405, 406, 407, 408, 409, 410)
"""Months kept out of tuning: run once, for the report."""


def realistic_settings(seed: int) -> ScenarioSettings:
    """The month's own settings, drawn from its seed (a generator apart from the month's data)."""
    rng = np.random.default_rng(seed * 7919)
    smallest = float(rng.uniform(0.006, 0.009))
    return ScenarioSettings(
        model_spread=float(rng.uniform(0.10, 0.20)),
        demand_noise=float(rng.uniform(0.03, 0.08)),
        districts=int(rng.integers(4, 13)),
        pattern_shift_hours=float(rng.uniform(0.25, 1.0)),
        pattern_swing_spread=float(rng.uniform(0.05, 0.25)),
        pressure_noise_m=float(rng.uniform(0.02, 0.10)),
        flow_noise_share=float(rng.uniform(0.003, 0.01)),
        level_noise_m=float(rng.uniform(0.005, 0.02)),
        pressure_offset_m=float(rng.uniform(0.1, 1.0)),
        offset_jumps=int(rng.integers(0, 3)),
        offset_jump_m=(0.1, 0.3),
        dropouts_per_sensor_day=float(rng.uniform(0.02, 0.10)),
        dropout_hours=(0.5, float(rng.uniform(6.0, 24.0))),
        diameters_m=(round(smallest, 4), round(float(rng.uniform(0.012, 0.016)), 4)),
        incipient_share=float(rng.uniform(0.3, 0.6)),
        incipient_hours=(24, int(rng.integers(72, 121))),
    )


def diversify_patterns(
    network: wntr.network.WaterNetworkModel, rng: np.random.Generator, settings: ScenarioSettings
) -> dict[str, int]:
    """Give each demand district its own shifted, rescaled copy of every pattern; returns junction → district.

    Districts are the junctions nearest to each of `settings.districts` randomly chosen centres.
    """
    junctions = network.junction_name_list
    if settings.districts <= 1:
        return dict.fromkeys(junctions, 0)
    coordinates = np.array([network.get_node(name).coordinates for name in junctions], dtype=float)
    centres = coordinates[rng.choice(len(junctions), settings.districts, replace=False)]
    nearest = np.argmin(((coordinates[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
    step_s = int(network.options.time.pattern_timestep)
    copies: dict[tuple[str, int], str] = {}
    for name in list(network.pattern_name_list):
        multipliers = np.asarray(network.get_pattern(name).multipliers, dtype=float)
        if len(multipliers) < 2:
            continue
        for district in range(settings.districts):
            shift = round(float(rng.uniform(-1, 1)) * settings.pattern_shift_hours * 3600 / step_s)
            swing = rng.uniform(1 - settings.pattern_swing_spread, 1 + settings.pattern_swing_spread)
            mean = multipliers.mean()
            varied = np.clip(mean + swing * (np.roll(multipliers, shift) - mean), 0, None)
            copy_name = f"{name}-D{district}"
            network.add_pattern(copy_name, varied.tolist())
            copies[(name, district)] = copy_name
    for name, district in zip(junctions, nearest, strict=True):
        for demand in network.get_node(name).demand_timeseries_list:
            if (demand.pattern_name, int(district)) in copies:
                demand.pattern_name = copies[(demand.pattern_name, int(district))]
    return {name: int(district) for name, district in zip(junctions, nearest, strict=True)}


def sensor_faults(
    result: SimulationResult,
    rng: np.random.Generator,
    settings: ScenarioSettings,
    offsets_m: pd.Series,
    jumps: list[tuple[str, pd.Timestamp, float]],
) -> SimulationResult:
    """The readings with noise, pressure offsets (and their jumps) and drop-outs (NaN) added."""
    pressures = result.pressures + rng.normal(0, settings.pressure_noise_m, result.pressures.shape)
    pressures = pressures + offsets_m[pressures.columns].to_numpy()
    for sensor, when, jump_m in jumps:
        pressures.loc[pressures.index >= when, sensor] += jump_m
    flows = result.flows * (1 + rng.normal(0, settings.flow_noise_share, result.flows.shape))
    levels = result.levels + rng.normal(0, settings.level_noise_m, result.levels.shape)
    return replace(
        result,
        pressures=_with_dropouts(pressures, rng, settings),
        flows=_with_dropouts(flows, rng, settings, settings.scada_dropout_share),
        levels=_with_dropouts(levels, rng, settings, settings.scada_dropout_share),
    )


def _with_dropouts(
    table: pd.DataFrame, rng: np.random.Generator, settings: ScenarioSettings, share: float = 1.0
) -> pd.DataFrame:
    values = table.to_numpy(copy=True)
    steps_per_hour = 3600 // 300
    days = len(table) / (24 * steps_per_hour)
    for column in range(values.shape[1]):
        for _ in range(int(rng.poisson(settings.dropouts_per_sensor_day * share * days))):
            length = int(rng.uniform(*settings.dropout_hours) * steps_per_hour)
            first = int(rng.integers(0, len(values)))
            values[first : first + length, column] = np.nan
    return pd.DataFrame(values, index=table.index, columns=table.columns)


def realistic_scenario(
    network: wntr.network.WaterNetworkModel,
    layout: SensorLayout,
    days: int,
    leak_count: int,
    seed: int,
    settings: ScenarioSettings | None = None,
    training_days: int = 14,
) -> Scenario:
    """A month that varies what real networks vary (module notes), with the settings of `seed` by default."""
    settings = settings or realistic_settings(seed)
    rng = np.random.default_rng(seed)
    truth = copy.deepcopy(network)
    perturb_model(truth, rng, settings.model_spread)
    diversify_patterns(truth, rng, settings)
    leaks = random_leaks(
        network, rng, leak_count, TEST_START, days, settings.diameters_m, settings.incipient_share,
        settings.incipient_hours,
    )  # fmt: skip
    offsets = pd.Series(rng.normal(0, settings.pressure_offset_m, len(layout.pressures)), index=layout.pressures)
    jumping: list[str] = (
        [str(name) for name in rng.choice(layout.pressures, settings.offset_jumps, replace=False)]
        if settings.offset_jumps
        else []
    )
    jumps = [
        (
            str(sensor),
            TEST_START + pd.Timedelta(minutes=5 * int(rng.integers(2 * 288, days * 288))),
            float(rng.choice([-1, 1]) * rng.uniform(*settings.offset_jump_m)),
        )
        for sensor in jumping
    ]
    noise = settings.demand_noise
    training = simulate(copy.deepcopy(truth), layout, [], training_days, TRAINING_START, seed + 1, noise)
    test = simulate(copy.deepcopy(truth), layout, leaks, days, TEST_START, seed + 2, noise)
    return Scenario(
        truth,
        leaks,
        sensor_faults(training, rng, settings, offsets, []),
        sensor_faults(test, rng, settings, offsets, jumps),
    )

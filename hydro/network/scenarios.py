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
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
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

    Returns
    -------
    list of LeakSpec
        On pipes between junctions (whose start is not a dead end), at least 600 m of pipe
        distance apart, each starting between 48 h into the period and 3 days
        before its end; 40 % incipient, growing to full size over 24–72 h.
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
        incipient = bool(rng.random() < 0.4)
        peak = begin + pd.Timedelta(hours=int(rng.integers(24, 72))) if incipient else None
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

"""Extended-period simulation with leaks at pipes and noisy demands.

A leak at a pipe is an emitter at a junction added at the pipe's midpoint
(the pipe is split in two): q = C·p^0.5 with the orifice coefficient

    C = Cd · (π d² / 4) · √(2 g)        [m³/s per m^0.5]

for a leak of equivalent diameter d [m] and discharge coefficient Cd = 0.75
(an emitter of [EPANET-2.2] §3.1).
A 10 mm hole at 50 m of pressure loses about 6.6 m³/h. Emitters change value
during the run (an abrupt leak switches on at its start; an incipient one grows
linearly until its peak time), which the in-process toolkit allows between time
steps.

Demands are made noisy on their patterns: each pattern value is multiplied by
(1 + ε_day)(1 + ε_step), ε_day ~ N(0, σ_day) once per day and pattern,
ε_step ~ N(0, σ_step) at each pattern step.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import wntr

from hydro.network.sensors import STEP_SECONDS, SensorLayout, read_leak_list
from hydro.network.toolkit import ToolkitSession, write_working_copy

GRAVITY_M_S2 = 9.81
DISCHARGE_COEFFICIENT = 0.75
DEFAULT_LEAK_DIAMETER_M = 0.01
LEAK_NODE_SUFFIX = "_leak"


@dataclass(frozen=True)
class LeakSpec:
    """A leak on a pipe: when it starts, grows to its peak, ends, and its hole size."""

    pipe_id: str
    start: pd.Timestamp
    end: pd.Timestamp | None = None
    diameter_m: float = DEFAULT_LEAK_DIAMETER_M
    peak: pd.Timestamp | None = None  # incipient leaks grow linearly from start to peak

    @property
    def is_incipient(self) -> bool:
        return self.peak is not None and self.peak > self.start

    def fraction_open(self, time: pd.Timestamp) -> float:
        """Share of the full hole open at `time` (0 before start and after end)."""
        if time < self.start or (self.end is not None and time >= self.end):
            return 0.0
        if self.peak is None or not self.is_incipient or time >= self.peak:
            return 1.0
        return float((time - self.start) / (self.peak - self.start))


def emitter_coefficient_lps(diameter_m: float, discharge_coefficient: float = DISCHARGE_COEFFICIENT) -> float:
    """Orifice emitter coefficient of a hole: the C of EPANET's emitter q = C·p^0.5 [L/s per m^0.5].

    Parameters
    ----------
    diameter_m : float
        Equivalent diameter d of the hole [m].
    discharge_coefficient : float
        Cd of the orifice [-]; 0.75 by default.

    Returns
    -------
    float
        C = Cd · (π d² / 4) · √(2 g) · 1000 [L/s per m^0.5], g = 9.81 m/s².

    Notes
    -----
    Torricelli's orifice law q = Cd · A · √(2 g h) with the pressure head h [m]
    written as EPANET's emitter with exponent 0.5 ([EPANET-2.2] §3.1, emitters).

    Examples
    --------
    >>> round(emitter_coefficient_lps(0.01), 4)
    0.2609
    """
    area_m2 = math.pi * diameter_m**2 / 4
    return discharge_coefficient * area_m2 * math.sqrt(2 * GRAVITY_M_S2) * 1000


def read_leak_specs(path: Path) -> list[LeakSpec]:
    """Leaks from a CSV: `pipe_id,start_time[,end_time][,diameter_m][,peak_time]`."""
    table = read_leak_list(path)
    specs = []
    for _, row in table.iterrows():
        end = row.get("end_time")
        peak = row.get("peak_time")
        diameter = row.get("diameter_m")
        specs.append(
            LeakSpec(
                pipe_id=str(row["pipe_id"]).strip(),
                start=pd.Timestamp(row["start_time"]),
                end=None if end is None or pd.isna(end) else pd.Timestamp(end),
                diameter_m=DEFAULT_LEAK_DIAMETER_M if diameter is None or pd.isna(diameter) else float(diameter),
                peak=None if peak is None or pd.isna(peak) else pd.Timestamp(peak),
            )
        )
    return specs


def write_leak_specs(leaks: list[LeakSpec], path: Path) -> None:
    rows = [
        {
            "pipe_id": leak.pipe_id,
            "start_time": leak.start.strftime("%Y-%m-%d %H:%M"),
            "end_time": "" if leak.end is None else leak.end.strftime("%Y-%m-%d %H:%M"),
            "diameter_m": leak.diameter_m,
            "peak_time": "" if leak.peak is None else leak.peak.strftime("%Y-%m-%d %H:%M"),
        }
        for leak in leaks
    ]
    pd.DataFrame(rows, columns=["pipe_id", "start_time", "end_time", "diameter_m", "peak_time"]).to_csv(
        path, index=False
    )


def add_leak_junctions(network: wntr.network.WaterNetworkModel, pipes: list[str]) -> dict[str, str]:
    """Split each leaking pipe at its midpoint, where its leak's emitter goes.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
        Changed in place: each pipe becomes ``<pipe>`` and ``<pipe>_B``.
    pipes : list of str
        Ids of the leaking pipes (a pipe named twice is split once).

    Returns
    -------
    dict of str to str
        Pipe id → id of the new junction ``<pipe>_leak``.

    Raises
    ------
    ValueError
        If an id is not a pipe of the model.
    """
    junctions: dict[str, str] = {}
    for pipe in dict.fromkeys(pipes):
        if pipe not in network.pipe_name_list:
            raise ValueError(f"leak pipe {pipe!r} is not a pipe of the model")
        junction = f"{pipe}{LEAK_NODE_SUFFIX}"
        wntr.morph.split_pipe(network, pipe, f"{pipe}_B", junction, split_at_point=0.5, return_copy=False)
        junctions[pipe] = junction
    return junctions


def make_demands_noisy(
    network: wntr.network.WaterNetworkModel, days: int, rng: np.random.Generator, step_sigma: float, day_sigma: float
) -> None:
    """Replace every demand pattern with a noisy copy long enough for `days` days.

    Each multiplier m becomes max(0, m · (1 + ε_day) · (1 + ε_step)), with
    ε_day ~ N(0, `day_sigma`) drawn once per day and pattern and
    ε_step ~ N(0, `step_sigma`) at each pattern step.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
        Changed in place.
    days : int
        Length of the run [days].
    rng : numpy.random.Generator
        Source of the noise (seeded by the caller, so runs repeat).
    step_sigma, day_sigma : float
        Standard deviations of the relative noise per step and per day [-].
    """
    step = int(network.options.time.pattern_timestep)
    steps_per_day = 86400 // step
    count = days * steps_per_day
    for name in list(network.pattern_name_list):
        pattern = network.get_pattern(name)
        base = np.resize(np.asarray(pattern.multipliers, dtype=float), count)
        day_factor = np.repeat(1 + rng.normal(0, day_sigma, days), steps_per_day)
        step_factor = 1 + rng.normal(0, step_sigma, count)
        pattern.multipliers = np.clip(base * day_factor * step_factor, 0, None)


@dataclass(frozen=True)
class SimulationResult:
    """Sensor tables indexed by timestamp, plus the true leak outflows [m³/h]."""

    pressures: pd.DataFrame
    flows: pd.DataFrame
    levels: pd.DataFrame
    demands: pd.DataFrame
    leak_flows: pd.DataFrame


@dataclass(frozen=True)
class PressureDrivenDemand:
    """EPANET 2.2's pressure-driven demand ([WAGNER-1988]; [EPANET-2.2] §3.1).

    A junction of demand D at pressure p delivers

        d = 0                                   for p ≤ p_min
        d = D·((p − p_min)/(p_req − p_min))^e   for p_min < p < p_req
        d = D                                   for p ≥ p_req

    where demand-driven analysis would always deliver D, even at negative pressure.
    """

    minimum_pressure_m: float = 0.0
    required_pressure_m: float = 20.0
    exponent: float = 0.5

    def __post_init__(self) -> None:
        if self.required_pressure_m - self.minimum_pressure_m < 0.1:
            raise ValueError(
                f"--required-pressure ({self.required_pressure_m} m) must exceed --minimum-pressure "
                f"({self.minimum_pressure_m} m) by at least 0.1 m, EPANET's limit"
            )


def use_pressure_driven_demand(network: wntr.network.WaterNetworkModel, demand: PressureDrivenDemand) -> None:
    """Set the model's hydraulics to pressure-driven demand; the working copy EPANET reads carries it."""
    options = network.options.hydraulic
    options.demand_model = "PDD"
    options.minimum_pressure = demand.minimum_pressure_m
    options.required_pressure = demand.required_pressure_m
    options.pressure_exponent = demand.exponent


def simulate(
    network: wntr.network.WaterNetworkModel,
    layout: SensorLayout,
    leaks: list[LeakSpec],
    days: int,
    start: pd.Timestamp,
    seed: int = 0,
    demand_noise: float = 0.0,
    sensor_noise: bool = False,
    progress: Callable[[int], object] | None = None,
    pressure_driven: PressureDrivenDemand | None = None,
) -> SimulationResult:
    """Run `days` days in 5-minute steps with `leaks` and read the sensors of `layout`.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
        Changed in place (leaking pipes split, patterns made noisy): pass a
        copy to keep the original.
    layout : SensorLayout
        The elements whose pressure [m], flow [m³/h], level [m] and demand
        [m³/h] are read.
    leaks : list of LeakSpec
        Each an emitter at its pipe's midpoint, C from
        `emitter_coefficient_lps`, opened as `LeakSpec.fraction_open` says.
    days : int
        Length of the run [days], at least 1.
    start : pandas.Timestamp
        Time of the first row; the demand patterns start at its time of day.
    seed : int
        Seed of the demand and sensor noise.
    demand_noise : float
        σ_step of `make_demands_noisy` [-]; σ_day is half of it.
    sensor_noise : bool
        Add Gaussian noise to the readings: pressure σ = 0.05 m, flow
        σ = 0.5 %, level σ = 0.01 m.
    progress : callable, optional
        Called with the number of 5-minute rows done since its last call.
    pressure_driven : PressureDrivenDemand, optional
        Junctions deliver their demand as pressure allows ([WAGNER-1988]);
        without it the model's own demand model (demand-driven unless its
        `.inp` says PDD) holds.

    Returns
    -------
    SimulationResult
        The sensor tables indexed by timestamp and each leak's outflow [m³/h].

    References
    ----------
    [EPANET-2.2] emitters and extended-period hydraulics, through the toolkit.
    """
    if days < 1:
        raise ValueError("--days must be at least 1")
    rng = np.random.default_rng(seed)
    leak_junctions = add_leak_junctions(network, [leak.pipe_id for leak in leaks])
    if pressure_driven is not None:
        use_pressure_driven_demand(network, pressure_driven)
    if demand_noise > 0:
        make_demands_noisy(network, days, rng, demand_noise, demand_noise / 2)
    with tempfile.TemporaryDirectory(prefix="hydro-simulate-") as folder:
        session = ToolkitSession(write_working_copy(network, Path(folder)), Path(folder))
        try:
            rows = _run(session, layout, leaks, leak_junctions, days * 86400, start, progress)
        finally:
            session.close()
    result = _tables(rows, layout, leaks, start)
    return _with_sensor_noise(result, rng) if sensor_noise else result


def _run(
    session: ToolkitSession,
    layout: SensorLayout,
    leaks: list[LeakSpec],
    leak_junctions: dict[str, str],
    duration_s: int,
    start: pd.Timestamp,
    progress: Callable[[int], object] | None = None,
) -> list[np.ndarray]:
    session.set_times(duration_s, 0, STEP_SECONDS)
    coefficients = {leak.pipe_id: emitter_coefficient_lps(leak.diameter_m) for leak in leaks}
    leak_nodes = [leak_junctions[leak.pipe_id] for leak in leaks]
    session.open_extended_run()
    rows: list[np.ndarray] = []
    time_s, step_s = 0, 1
    while step_s > 0:
        now = start + pd.Timedelta(seconds=time_s)
        for leak in leaks:
            session.set_emitter(leak_junctions[leak.pipe_id], coefficients[leak.pipe_id] * leak.fraction_open(now))
        time_s, step_s = session.run_step()
        if time_s % STEP_SECONDS == 0 and time_s < duration_s:
            if progress and len(rows) % 288 == 0:
                progress(288)
            rows.append(
                np.concatenate(
                    [
                        session.pressures(layout.pressures),
                        session.flows_lps(layout.flows) * 3.6,
                        session.pressures(layout.levels),  # at a tank EPANET's pressure is its level
                        session.demands_lps(layout.demands) * 3600,
                        session.demands_lps(leak_nodes) * 3.6,
                    ]
                )
            )
        time_s += step_s
    session.close_extended_run()
    return rows


def _tables(
    rows: list[np.ndarray], layout: SensorLayout, leaks: list[LeakSpec], start: pd.Timestamp
) -> SimulationResult:
    index = pd.date_range(start, periods=len(rows), freq=f"{STEP_SECONDS}s", name="Timestamp")
    values = np.vstack(rows)
    widths = [len(layout.pressures), len(layout.flows), len(layout.levels), len(layout.demands), len(leaks)]
    edges = np.cumsum([0, *widths])
    names = [layout.pressures, layout.flows, layout.levels, layout.demands, [leak.pipe_id for leak in leaks]]
    tables = [
        pd.DataFrame(values[:, edges[i] : edges[i + 1]], index=index, columns=names[i]) for i in range(len(widths))
    ]
    return SimulationResult(*tables)


def _with_sensor_noise(result: SimulationResult, rng: np.random.Generator) -> SimulationResult:
    return SimulationResult(
        pressures=result.pressures + rng.normal(0, 0.05, result.pressures.shape),
        flows=result.flows * (1 + rng.normal(0, 0.005, result.flows.shape)),
        levels=result.levels + rng.normal(0, 0.01, result.levels.shape),
        demands=result.demands * (1 + rng.normal(0, 0.01, result.demands.shape)),
        leak_flows=result.leak_flows,
    )

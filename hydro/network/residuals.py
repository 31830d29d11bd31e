"""Pressure residuals per window of the day: what the sensors read less what demand, tanks and pumps explain.

The day is cut into windows of four hours, the first starting at the quietest
three hours of the training period. For each window w and each pressure
sensor s a linear model is fitted on the training period's 5-minute steps:

    p_s(t) − b_s·Q(t) = β_s0 + Σ_k β_sk·L_k(t) + Σ_j β_sj·F_j(t) + e_s(t)

Q is the system consumption [m³/h] (`detection.system_consumption`, smoothed
over 15 minutes), b_s = ∂p_s/∂Q the network's response to a uniform rise of
all demands from the hydraulic model [m per m³/h], L_k the metered tank
levels [m] and F_j the metered pump flows [m³/h]: tanks and pumps set the
pressure of whole zones, and their state differs from one night to the next.
Where smart meters report (`demands.csv`), their total is one more regressor.
Taking b from the model rather than fitting it keeps a leak's effect on the
regression the one the sweep predicts: a leak of outflow q moves the residual
by Δp_c − b·q, the candidate's signature (`SensitivityMatrix.signatures`).

The residual e averaged over each window is one vector per window [m]. Its
spread σ_s over the training windows whitens it (with a floor of 4 mm, for
noise-free data), and its leading direction of variation over the training
windows — the demand's day-to-day change of shape between residential,
commercial and industrial use — is projected out of residuals and signatures
alike ([PEREZ-2011] do the same with the demand direction).

A linear model holds only where the network's controls do not answer a leak:
where a pump or valve switches on a tank level the leak moves, the residual
change no longer points along the signature. `window_agreement` checks each
window on the model itself: two days of extended-period simulation with and
without a leak on each of three pipes, their residual difference compared with
the pipes' signatures. Where every window reaches a cosine of 0.9 (L-TOWN:
0.99 and more) the windows are watched; otherwise (Net3, whose pumps and a
bypass pipe follow tank levels: 0.4–0.8) `locate` falls back on the night
watch (`hydro.network.night_watch`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
import wntr

from hydro.network.detection import system_consumption
from hydro.network.localisation import SensitivityMatrix
from hydro.network.sensors import STEP_SECONDS, SensorData, SensorDataError, SensorLayout
from hydro.network.simulation import LeakSpec, SimulationResult, emitter_coefficient_lps, simulate

WINDOW_HOURS = 4
WINDOW_STEPS = WINDOW_HOURS * 3600 // STEP_SECONDS
STEPS_PER_DAY = 86400 // STEP_SECONDS
MINIMUM_SPREAD_M = 0.004
# A sensor's window mean needs readings in this share of the window's steps; else it is missing.
MINIMUM_COVERAGE = 0.5
NOISE_DIRECTIONS = 1
CONSUMPTION_SMOOTHING_STEPS = 3
AGREEMENT_PIPES = 3
AGREEMENT_DAYS = 2
MINIMUM_AGREEMENT = 0.9
# The checking leak: 2 % of the mean consumption, at least the 5 m³/h of the reference leak.
AGREEMENT_LEAK_SHARE = 0.02


def window_starts(first_step: int) -> list[int]:
    """Start steps [0, 288) of the day's windows, the first at `first_step`."""
    return [(first_step + index * WINDOW_STEPS) % STEPS_PER_DAY for index in range(STEPS_PER_DAY // WINDOW_STEPS)]


def snapshot_time_s(start_step: int) -> int:
    """Middle of the window starting at `start_step` [s into the day]: when its sweep is solved."""
    return ((start_step * STEP_SECONDS) + WINDOW_HOURS * 1800) % 86400


def regressors(network: wntr.network.WaterNetworkModel, data: SensorData) -> np.ndarray:
    """Columns: 1, each metered tank level [m], each metered pump flow [m³/h], and the smart meters' total [m³/h].

    The smart meters (`demands.csv`, L/h) tell how much of the consumption is drawn where they
    are: its share moves pressures in their part of the network beyond what b·Q describes.
    """
    pumps = set(network.pump_name_list)
    columns = [np.ones(len(data.pressures))]
    columns += [data.levels[tank].to_numpy() for tank in data.levels.columns]
    columns += [data.flows[link].to_numpy() for link in data.flows.columns if link in pumps]
    if data.demands is not None and not data.demands.empty:
        columns.append(data.demands.sum(axis=1).to_numpy() / 1000.0)
    return np.column_stack(columns)


def smoothed_consumption(network: wntr.network.WaterNetworkModel, data: SensorData) -> np.ndarray:
    consumption = system_consumption(network, data)
    return consumption.rolling(CONSUMPTION_SMOOTHING_STEPS, center=True, min_periods=1).mean().to_numpy()


def in_window(index: pd.DatetimeIndex, start_step: int, steps: int = WINDOW_STEPS) -> np.ndarray:
    """Which times fall in the daily window of `steps` 5-minute steps from step `start_step` of the day."""
    slots = (index.hour * 3600 + index.minute * 60) // STEP_SECONDS
    return np.asarray(((slots - start_step) % STEPS_PER_DAY) < steps)


def window_means(table: pd.DataFrame, start_step: int, steps: int, name: str) -> pd.DataFrame:
    """Means of `table` over each whole daily window (all `steps` rows present), labelled by the window's start.

    A column with readings (not NaN) in fewer than `MINIMUM_COVERAGE` of the window's steps
    — a sensor that dropped out — has no mean for that window (NaN).
    """
    inside = table[in_window(pd.DatetimeIndex(table.index), start_step, steps)]
    offset = pd.Timedelta(seconds=start_step * STEP_SECONDS)
    labels = (pd.DatetimeIndex(inside.index) - offset).normalize() + offset
    groups = inside.groupby(labels)
    whole = groups.size() == steps
    means = groups.mean()[whole].where(groups.count()[whole] >= MINIMUM_COVERAGE * steps)
    means.index.name = name
    return means


@dataclass(frozen=True)
class WindowModel:
    """The fitted model of one window of the day, and how it whitens residuals and signatures."""

    start_step: int
    sensors: list[str]
    demand_response_m_per_m3h: np.ndarray  # b per sensor
    coefficients: np.ndarray  # regressors × sensors
    spread_m: np.ndarray  # σ per sensor
    projection: np.ndarray  # sensors × sensors: removes the leading noise direction(s)

    def residuals(self, network: wntr.network.WaterNetworkModel, data: SensorData) -> pd.DataFrame:
        """Mean residual of each whole window in `data` [m]: windows (labelled by their start) × sensors."""
        pressures = data.pressures[self.sensors].to_numpy()
        explained = np.outer(smoothed_consumption(network, data), self.demand_response_m_per_m3h)
        explained += regressors(network, data) @ self.coefficients
        table = pd.DataFrame(pressures - explained, index=data.pressures.index, columns=self.sensors)
        return window_means(table, self.start_step, WINDOW_STEPS, "window")

    def whiten(self, residuals: np.ndarray) -> np.ndarray:
        """(r / σ)·P, a missing (NaN) sensor taken as 0: pair it with `whitened_signatures(…, present)`."""
        return np.asarray(np.nan_to_num(residuals / self.spread_m) @ self.projection)

    def whitened_signatures(self, matrix: SensitivityMatrix, present: np.ndarray | None = None) -> np.ndarray:
        """Whitened signatures; with `present` (a mask of sensors), those of the missing sensors set to 0 first."""
        signatures = matrix.signatures()
        return self.whiten(signatures if present is None else signatures * present)


def fit_window_model(
    network: wntr.network.WaterNetworkModel,
    training: SensorData,
    start_step: int,
    matrix: SensitivityMatrix,
) -> WindowModel:
    """Fit one window's model of the pressures by least squares on the training steps.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    training : SensorData
        Leak-free pressures [m], flows [m³/h] and levels [m].
    start_step : int
        The window's first 5-minute step of the day [0, 288).
    matrix : SensitivityMatrix
        Gives the sensors and b_s = ∂p_s/∂Q [m per m³/h].

    Returns
    -------
    WindowModel
        Coefficients β, the residual spread σ_s [m, at least 4 mm] and the
        projection off the leading direction of the training residuals.

    Notes
    -----
    p_s(t) − b_s·Q(t) = β_s0 + Σ_k β_sk·L_k(t) + Σ_j β_sj·F_j(t) + e_s(t),
    with Q the smoothed system consumption, L_k tank levels and F_j pump
    flows (the module notes explain the terms).
    """
    sensors = matrix.sensors
    mask = in_window(pd.DatetimeIndex(training.pressures.index), start_step)
    response = matrix.demand_response_m_per_m3h
    adjusted = training.pressures[sensors].to_numpy() - np.outer(smoothed_consumption(network, training), response)
    design = regressors(network, training)
    rows = mask & np.isfinite(design).all(axis=1)
    coefficients = np.zeros((design.shape[1], len(sensors)))
    for column in range(len(sensors)):
        usable = rows & np.isfinite(adjusted[:, column])  # a sensor's drop-outs leave out its rows only
        if usable.sum() <= design.shape[1]:
            raise SensorDataError(f"training pressures.csv: sensor {sensors[column]!r} has too few readings")
        coefficients[:, column] = np.linalg.lstsq(design[usable], adjusted[usable, column], rcond=None)[0]
    identity = np.eye(len(sensors))
    unit = WindowModel(start_step, sensors, response, coefficients, np.ones(len(sensors)), identity)
    residuals = unit.residuals(network, training).to_numpy()
    if len(residuals) < 2:
        raise SensorDataError("training data: fewer than two whole days, so no residual spread can be set")
    spread = np.maximum(np.nanstd(residuals, axis=0, ddof=1), MINIMUM_SPREAD_M)
    scaled = residuals / spread
    centred = np.nan_to_num(scaled - np.nanmean(scaled, axis=0))
    directions = np.linalg.svd(centred, full_matrices=False)[2][:NOISE_DIRECTIONS]
    projection = np.eye(len(sensors)) - directions.T @ directions
    return WindowModel(start_step, sensors, response, coefficients, spread, projection)


@dataclass(frozen=True)
class CheckingRuns:
    """Simulated sensor data of the model without a leak and with a checking leak on each of a few pipes."""

    baseline: SensorData
    leaks: list[tuple[LeakSpec, SensorData]]


def checking_runs(network: wntr.network.WaterNetworkModel, training: SensorData, pipes: list[str]) -> CheckingRuns:
    """Two days of the model from the training start, without a leak and with one on each of three of `pipes`."""
    meters = [] if training.demands is None else list(training.demands.columns)
    layout = SensorLayout(
        list(training.pressures.columns), list(training.flows.columns), list(training.levels.columns), meters
    )
    start = pd.Timestamp(training.pressures.index[0]).normalize()
    chosen = [pipes[int(i)] for i in np.linspace(0, len(pipes) - 1, AGREEMENT_PIPES + 2)[1:-1]]
    diameter_m = _checking_leak_diameter(network, training)
    leaks = [LeakSpec(pipe, start + pd.Timedelta(hours=12), None, diameter_m) for pipe in chosen]
    return CheckingRuns(
        _simulated(network, layout, [], start), [(leak, _simulated(network, layout, [leak], start)) for leak in leaks]
    )


def window_agreement(
    network: wntr.network.WaterNetworkModel, runs: CheckingRuns, model: WindowModel, matrix: SensitivityMatrix
) -> float:
    """How well a window's linear model carries a leak: mean cosine of residual change and signature.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
    runs : CheckingRuns
        Simulated days without a leak and with a checking leak on a few pipes.
    model : WindowModel
    matrix : SensitivityMatrix

    Returns
    -------
    float
        Mean over the checking leaks and windows after each leak's start of
        cos(v, s_c), v the whitened change of the window residual the leak
        causes and s_c the leak pipe's whitened signature; 1 when the model
        predicts the leak's effect exactly. Below `MINIMUM_AGREEMENT` (0.9)
        `locate` watches the nights instead.
    """
    cosines = []
    baseline = model.residuals(network, runs.baseline)
    for leak, data in runs.leaks:
        change = model.residuals(network, data) - baseline
        change = change[change.index >= leak.start]
        signature = model.whiten(matrix.signatures()[matrix.pipes.index(leak.pipe_id)][None, :])[0]
        for vector in model.whiten(change.to_numpy()):
            norms = float(np.linalg.norm(vector) * np.linalg.norm(signature))
            if norms > 0:
                cosines.append(float(vector @ signature) / norms)
    return float(np.mean(cosines)) if cosines else 0.0


def _simulated(
    network: wntr.network.WaterNetworkModel, layout: SensorLayout, leaks: list[LeakSpec], start: pd.Timestamp
) -> SensorData:
    result: SimulationResult = simulate(copy.deepcopy(network), layout, leaks, AGREEMENT_DAYS, start)
    return SensorData(result.pressures, result.flows, result.levels, result.demands if layout.demands else None)


def _checking_leak_diameter(network: wntr.network.WaterNetworkModel, training: SensorData) -> float:
    """Hole diameter [m] whose outflow at 50 m of pressure is the checking leak's share of consumption."""
    consumption = float(system_consumption(network, training).mean())
    target_m3h = max(5.0, AGREEMENT_LEAK_SHARE * consumption)
    reference_m3h = emitter_coefficient_lps(0.01) * np.sqrt(50.0) * 3.6
    return float(0.01 * np.sqrt(target_m3h / reference_m3h))

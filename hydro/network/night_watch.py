"""The night watch: leak detection for networks whose controls answer a leak.

Where a pump or valve switches on a tank level that a leak moves, the linear
window models of `hydro.network.residuals` do not carry the leak into its
signature (`residuals.window_agreement` finds out on the model itself), and
`locate` watches the nights instead:

- Each night, in the three quietest hours, the mean consumption Q_n and the
  mean pressures P_n are taken. A one-sided CUSUM ([PAGE-1954]) on Q_n less
  the training night reference
  of the same weekday, with reference k = ½σ and threshold h = 3.5σ (σ the
  day-to-day spread of that residual in training), raises an alarm when
  consumption has risen; the reference level then moves to the new level and
  follows a leak still growing for two more nights, and a CUSUM downwards
  follows repairs without alarm.
- The pressure change r = mean night pressures after the change less those
  before (up to three nights each side, at most two nights past the alarm) is
  compared with each candidate's change Δp_c by cosine similarity, after both
  are projected off the two leading directions of night-to-night variation in
  training ([PEREZ-2011]). Alarms whose best pipe's similarity is under
  0.5 are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import wntr

from hydro.network.detection import NIGHT_HOURS, Calibration, NightMeans, change_point, night_means
from hydro.network.localisation import LocatedLeak, RankedCandidate, SensitivityMatrix
from hydro.network.model import pipe_distances
from hydro.network.residuals import window_means
from hydro.network.sensors import STEP_SECONDS, SensorData

CUSUM_REFERENCE_SIGMAS = 0.5
CUSUM_THRESHOLD_SIGMAS = 3.5
NOISE_DIRECTIONS = 2
SETTLE_NIGHTS = 2
MINIMUM_SIMILARITY = 0.5
LOCALISATION_NIGHTS = 3
NIGHTS_AFTER_ALARM = 2
SAME_LEAK_DISTANCE_M = 300.0


@dataclass(frozen=True)
class NightPressures:
    """Night mean pressures [m], their training references per weekday and the noise directions."""

    references: pd.DataFrame  # 7 rows (Monday first) × sensors
    noise_directions: np.ndarray  # rows: unit vectors over the sensors

    def residuals(self, pressures: pd.DataFrame) -> pd.DataFrame:
        """Night pressures less the training reference of the same day of the week [m]."""
        return pressures - self.references.loc[pressures.index.day_of_week, pressures.columns].to_numpy()


def night_pressures(data: SensorData, window_start: int) -> pd.DataFrame:
    """Mean pressure at each sensor over each whole night window [m], labelled by the window's start."""
    return window_means(data.pressures, window_start, NIGHT_HOURS * 3600 // STEP_SECONDS, "night")


def calibrate_night_pressures(training: SensorData, window_start: int) -> NightPressures:
    pressures = night_pressures(training, window_start)
    if len(pressures) >= 14:
        references = pressures.groupby(pressures.index.day_of_week).mean().reindex(range(7)).fillna(pressures.mean())
    else:
        references = pd.DataFrame([pressures.mean()] * 7, index=range(7))
    noise = pressures - references.loc[pressures.index.day_of_week].to_numpy()
    centred = noise.to_numpy() - noise.to_numpy().mean(axis=0)
    directions = np.linalg.svd(centred, full_matrices=False)[2][:NOISE_DIRECTIONS]
    return NightPressures(references, directions)


@dataclass(frozen=True)
class Alarm:
    """A detected rise of night consumption and the nights around it."""

    raised_at: pd.Timestamp  # end of the night window that crossed the threshold
    estimated_start: pd.Timestamp
    quiet_nights: list[pd.Timestamp]  # nights before the change (the reference)
    raised_nights: list[pd.Timestamp]  # nights since the change, up to the alarm
    consumption_rise_m3h: float


def detect(nights: NightMeans, calibration: Calibration, consumption: pd.Series) -> list[Alarm]:
    """Run the two CUSUMs over the nights' consumption residuals; one alarm per upward change.

    Parameters
    ----------
    nights : NightMeans
        Mean consumption of each night window of the test period [m³/h].
    calibration : Calibration
        The training's night references per weekday and spread σ [m³/h].
    consumption : pandas.Series
        The 5-minute system consumption [m³/h], for the change point.

    Returns
    -------
    list of Alarm

    Notes
    -----
    With r_n the night's consumption less its weekday reference and L the
    level already alarmed, the CUSUMs ([PAGE-1954]) are

        S⁺_n = max(0, S⁺_{n−1} + r_n − L − k),   S⁻_n = max(0, S⁻_{n−1} + L − r_n − k),

    k = ½σ, alarm when S⁺_n > h = 3.5σ; S⁻ crossing h is a repair, followed
    without an alarm.
    """
    k = CUSUM_REFERENCE_SIGMAS * calibration.spread_m3h
    h = CUSUM_THRESHOLD_SIGMAS * calibration.spread_m3h
    residuals = nights.consumption.to_numpy() - calibration.night_reference(nights.consumption.index)
    level = 0.0  # the leak outflow already known (alarmed), above the training reference
    up = down = 0.0
    run_start = 0
    quiet: list[int] = []
    settle_until = -1
    alarms: list[Alarm] = []
    for day, residual in enumerate(residuals):
        if day <= settle_until:  # after an alarm the level follows a leak that is still growing
            level = max(level, float(residuals[run_start : day + 1].mean()))
            continue
        if up == 0:
            run_start = day
        up = max(0.0, up + residual - level - k)
        down = max(0.0, down + level - residual - k)
        if up > h:
            quiet_days = [d for d in quiet if d < run_start][-5:]
            alarms.append(_alarm(nights, calibration, consumption, run_start, day, quiet_days, level))
            level = float(residuals[run_start : day + 1].mean())
            up = down = 0.0
            settle_until = day + SETTLE_NIGHTS
            quiet = []
        elif down > h:  # a repair: follow the lower level without an alarm
            level = float(residuals[max(run_start, day - 1) : day + 1].mean())
            up = down = 0.0
        elif up == 0:
            quiet.append(day)
    return alarms


def _alarm(
    nights: NightMeans,
    calibration: Calibration,
    consumption: pd.Series,
    run_start: int,
    day: int,
    quiet_days: list[int],
    level: float,
) -> Alarm:
    labels = nights.consumption.index
    window = pd.Timedelta(hours=NIGHT_HOURS)
    previous_night = labels[run_start - 1] + window if run_start > 0 else consumption.index[0]
    estimated = change_point(consumption, calibration, previous_night, labels[day] + window)
    raised = [labels[d] for d in range(run_start, day + 1) if labels[d] + window > estimated] or [labels[day]]
    residuals = pd.Series(nights.consumption.to_numpy() - calibration.night_reference(labels), index=labels)
    rise = float(residuals.loc[raised].mean() - level)
    return Alarm(labels[day] + window, estimated, [labels[d] for d in quiet_days], raised, rise)


def rank_candidates(
    matrix: SensitivityMatrix, pressure_change_m: np.ndarray, noise_directions: np.ndarray, keep: int = 10
) -> list[RankedCandidate]:
    """Candidates ordered by how well their pressure change matches the measured one.

    Parameters
    ----------
    matrix : SensitivityMatrix
        Each candidate's change of pressure at the sensors, Δp_c [m].
    pressure_change_m : numpy.ndarray
        The measured change of night pressures r [m], one per sensor.
    noise_directions : numpy.ndarray
        Unit vectors (rows) of night-to-night variation in training.
    keep : int
        How many candidates to return.

    Returns
    -------
    list of RankedCandidate
        Best first, with the cosine similarity cos(P r, P Δp_c), P the
        projection off the noise directions ([PEREZ-2011]).
    """
    projection = np.eye(len(matrix.sensors)) - noise_directions.T @ noise_directions
    measured = projection @ pressure_change_m
    signatures = matrix.pressure_change_m @ projection.T
    norms = np.linalg.norm(signatures, axis=1) * max(float(np.linalg.norm(measured)), 1e-12)
    similarity = signatures @ measured / np.where(norms > 0, norms, np.inf)
    order = np.argsort(-similarity)[:keep]
    return [RankedCandidate(matrix.pipes[i], round(float(similarity[i]), 4)) for i in order]


@dataclass(frozen=True)
class NightWatchResult:
    leaks: list[LocatedLeak]
    alarms: int
    night_pressure_residuals: pd.DataFrame


def watch_nights(
    network: wntr.network.WaterNetworkModel,
    data: SensorData,
    training: SensorData,
    calibration: Calibration,
    consumption: pd.Series,
    matrix: SensitivityMatrix,
) -> NightWatchResult:
    """Detect on night consumption, localise on night pressures (see the module notes)."""
    nights = night_means(network, data, calibration.window_start)
    pressures = calibrate_night_pressures(training, calibration.window_start)
    residuals = pressures.residuals(night_pressures(data, calibration.window_start).reindex(nights.consumption.index))
    alarms = detect(nights, calibration, consumption)
    leaks: list[LocatedLeak] = []
    for index, alarm in enumerate(alarms):
        before, after = comparison_nights(pd.DatetimeIndex(nights.consumption.index), alarms, index)
        raised = residuals.loc[after].mean()
        quiet = residuals.loc[before].mean() if before else raised * 0.0
        change = (raised - quiet).reindex(matrix.sensors).fillna(0.0)
        candidates = rank_candidates(matrix, change.to_numpy(), pressures.noise_directions)
        if candidates[0].similarity < MINIMUM_SIMILARITY or _is_known(network, candidates[0].pipe_id, leaks):
            continue
        leaks.append(
            LocatedLeak(
                pipe_id=candidates[0].pipe_id,
                start_time=alarm.raised_at,
                detected_at=alarm.raised_at,
                estimated_start=alarm.estimated_start,
                consumption_rise_m3h=round(alarm.consumption_rise_m3h, 3),
                candidates=candidates,
                pressure_residual_m={sensor: round(float(value), 4) for sensor, value in change.items()},
            )
        )
    return NightWatchResult(leaks, len(alarms), residuals)


def comparison_nights(
    nights: pd.DatetimeIndex, alarms: list[Alarm], index: int
) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    """Nights to compare for alarm `index`: up to 3 before its change (after the previous alarm's
    nights) and up to 3 from its change on (before the next change)."""
    alarm = alarms[index]
    first_raised = alarm.raised_nights[0]
    floor = alarms[index - 1].raised_nights[-1] if index > 0 else nights[0] - pd.Timedelta(days=1)
    ceiling = alarms[index + 1].raised_nights[0] if index + 1 < len(alarms) else nights[-1] + pd.Timedelta(days=1)
    before = [night for night in nights if floor < night < first_raised][-LOCALISATION_NIGHTS:]
    if not before:
        before = [night for night in nights if night < first_raised][-1:]
    last = alarm.raised_nights[-1] + pd.Timedelta(days=NIGHTS_AFTER_ALARM)
    after = [night for night in nights if first_raised <= night < ceiling and night <= last][:LOCALISATION_NIGHTS]
    return before, after


def _is_known(network: wntr.network.WaterNetworkModel, pipe: str, known: list[LocatedLeak]) -> bool:
    if not known:
        return False
    return min(pipe_distances(network, pipe, [leak.pipe_id for leak in known]).values()) <= SAME_LEAK_DISTANCE_M

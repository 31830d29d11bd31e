"""From sensor data to a list of leaks: calibrate, detect, sweep, rank.

`locate_leaks` is what `hydro network locate` runs: the training period sets
the night window and the alarm threshold (nights when a leak listed in the
training `leaks.csv` was running are left out), the test period is watched
night by night, and each alarm is localised against one sensitivity sweep over
every pipe. An alarm whose best pipe lies within 300 m of a leak already
reported is taken for the same leak growing and not reported again.

The reported `start_time` is when the alarm was raised (the end of the night
window whose CUSUM crossed the threshold): by then the leak is surely running,
whereas the estimated change point — kept as `estimated_start` in the details —
can fall a few hours before the leak began, and a report of a leak that is not
yet running is scored as a false positive. On five generated L-TOWN months
(alarm at 4σ) this choice found 16 leaks with 8 false positives against 14 with
10 (BENCHMARKS.md). Alarms whose best candidate explains the pressure change
poorly (cosine similarity under 0.5) are not reported as leaks: they are kept
as unlocalised alarms, since on those months they were nearly all far from any
leak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import wntr

from hydro.network.detection import (
    NIGHT_HOURS,
    Alarm,
    Calibration,
    NightMeans,
    calibrate,
    detect,
    night_means,
    system_consumption,
)
from hydro.network.localisation import RankedCandidate, SensitivityMatrix, rank_candidates, sensitivity_matrix
from hydro.network.model import pipe_distances
from hydro.network.sensors import STEP_SECONDS, SensorData, SensorDataError

MINIMUM_SIMILARITY = 0.5
SAME_LEAK_DISTANCE_M = 300.0
TRAINING_DAYS_WITHOUT_TRAIN_FOLDER = 7
# Nights averaged on each side of a change to localise it (the data are processed after the fact).
LOCALISATION_NIGHTS = 3
NIGHTS_AFTER_ALARM = 2


@dataclass(frozen=True)
class LocatedLeak:
    """One detected leak: the best pipe, times, and the ranked candidates."""

    pipe_id: str
    start_time: pd.Timestamp
    detected_at: pd.Timestamp
    estimated_start: pd.Timestamp
    consumption_rise_m3h: float
    candidates: list[RankedCandidate] = field(default_factory=list)
    pressure_residual_m: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class LocateResult:
    leaks: list[LocatedLeak]
    calibration: Calibration
    nights_consumption: pd.Series
    merged_alarms: int
    night_pressure_residuals: pd.DataFrame | None = None  # nights × sensors [m]
    unlocalised: list[LocatedLeak] = field(default_factory=list)  # alarms no pipe explains well


def without_leak_periods(data: SensorData) -> SensorData:
    """Training data with the rows when a listed leak was running removed (set to NaN)."""
    if data.leaks is None or data.leaks.empty:
        return data
    mask = pd.Series(False, index=data.pressures.index)
    for _, leak in data.leaks.iterrows():
        end = leak.get("end_time")
        end = data.pressures.index[-1] if end is None or pd.isna(end) else end
        mask |= (mask.index >= leak["start_time"]) & (mask.index <= end)
    keep = ~mask.to_numpy()
    if keep.sum() < 2 * 86400 // STEP_SECONDS:
        raise SensorDataError("training data: fewer than two days without a listed leak")
    return replace(
        data,
        pressures=data.pressures[keep],
        flows=data.flows[keep],
        levels=data.levels[keep],
    )


def split_training(data: SensorData) -> tuple[SensorData, SensorData]:
    """Without a training folder, the first week of the data trains (taken as leak-free)."""
    boundary = data.pressures.index[0] + pd.Timedelta(days=TRAINING_DAYS_WITHOUT_TRAIN_FOLDER)
    if data.pressures.index[-1] <= boundary + pd.Timedelta(days=1):
        raise SensorDataError("data: without --train the first 7 days train, and fewer than 8 days were given")
    first = data.pressures.index < boundary

    def part(mask: np.ndarray) -> SensorData:
        return SensorData(data.pressures[mask], data.flows[mask], data.levels[mask])

    return part(first), part(~first)


def locate_leaks(
    network: wntr.network.WaterNetworkModel,
    data: SensorData,
    training: SensorData | None = None,
    workers: int | None = None,
    progress: Callable[[int], object] | None = None,
    matrix: SensitivityMatrix | None = None,
) -> LocateResult:
    """Detect and localise leaks in `data`; see the module notes."""
    if training is None:
        training, data = split_training(data)
    calibration = calibrate(network, without_leak_periods(training))
    consumption = system_consumption(network, data)
    nights = night_means(network, data, calibration.window_start)
    alarms = detect(nights, calibration, consumption)
    residuals = calibration.pressure_residuals(nights.pressures)
    if not alarms:
        return LocateResult([], calibration, nights.consumption, 0, residuals)
    if matrix is None:
        snapshot_s = (calibration.window_start * STEP_SECONDS + NIGHT_HOURS * 3600 // 2) % 86400
        matrix = sensitivity_matrix(
            network, list(data.pressures.columns), snapshot_s, workers=workers, progress=progress
        )
    leaks: list[LocatedLeak] = []
    unlocalised: list[LocatedLeak] = []
    for index, alarm in enumerate(alarms):
        before, after = comparison_nights(nights.consumption.index, alarms, index)
        leak = _localise(alarm, nights, calibration, matrix, before, after)
        if leak.candidates[0].similarity < MINIMUM_SIMILARITY:
            unlocalised.append(leak)
        elif not _is_known(network, leak, leaks):
            leaks.append(leak)
    merged = len(alarms) - len(leaks) - len(unlocalised)
    return LocateResult(leaks, calibration, nights.consumption, merged, residuals, unlocalised)


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


def _localise(
    alarm: Alarm,
    nights: NightMeans,
    calibration: Calibration,
    matrix: SensitivityMatrix,
    before: list[pd.Timestamp],
    after: list[pd.Timestamp],
) -> LocatedLeak:
    residuals = calibration.pressure_residuals(nights.pressures)
    raised = residuals.loc[after].mean()
    quiet = residuals.loc[before].mean() if before else raised * 0.0
    pressure_change = (raised - quiet).reindex(matrix.sensors).fillna(0.0)
    candidates = rank_candidates(matrix, pressure_change.to_numpy(), calibration.pressure_noise_directions)
    return LocatedLeak(
        pipe_id=candidates[0].pipe_id,
        start_time=alarm.raised_at,
        detected_at=alarm.raised_at,
        estimated_start=alarm.estimated_start,
        consumption_rise_m3h=round(alarm.consumption_rise_m3h, 3),
        candidates=candidates,
        pressure_residual_m={sensor: round(float(value), 4) for sensor, value in pressure_change.items()},
    )


def _is_known(network: wntr.network.WaterNetworkModel, leak: LocatedLeak, known: list[LocatedLeak]) -> bool:
    if not known:
        return False
    distances = pipe_distances(network, leak.pipe_id, [other.pipe_id for other in known])
    return min(distances.values()) <= SAME_LEAK_DISTANCE_M


def result_details(result: LocateResult) -> dict[str, object]:
    """Everything a page needs to show the alarms: nights, candidates, residuals."""
    calibration = result.calibration
    nights = result.nights_consumption
    references = calibration.night_reference(pd.DatetimeIndex(nights.index))
    residual_nights = [] if result.night_pressure_residuals is None else result.night_pressure_residuals.index
    return {
        "night_window_start_minutes": calibration.window_start * 5,
        "spread_m3h": round(calibration.spread_m3h, 3),
        "nights": [
            {"night": f"{night:%Y-%m-%d %H:%M}", "consumption_m3h": round(float(value), 3),
             "reference_m3h": round(float(reference), 3)}
            for night, value, reference in zip(nights.index, nights.to_numpy(), references, strict=True)
        ],
        "merged_alarms": result.merged_alarms,
        "unlocalised_alarms": [
            {"detected_at": f"{alarm.detected_at:%Y-%m-%d %H:%M}", "consumption_rise_m3h": alarm.consumption_rise_m3h}
            for alarm in result.unlocalised
        ],
        "residual_nights": [f"{night:%Y-%m-%d}" for night in residual_nights],
        "night_pressure_residuals_m": {
            str(sensor): [round(float(value), 4) for value in values]
            for sensor, values in (
                pd.DataFrame() if result.night_pressure_residuals is None else result.night_pressure_residuals
            ).items()
        },
        "leaks": [
            {
                "pipe_id": leak.pipe_id,
                "start_time": f"{leak.start_time:%Y-%m-%d %H:%M}",
                "detected_at": f"{leak.detected_at:%Y-%m-%d %H:%M}",
                "estimated_start": f"{leak.estimated_start:%Y-%m-%d %H:%M}",
                "consumption_rise_m3h": leak.consumption_rise_m3h,
                "candidates": [{"pipe_id": c.pipe_id, "similarity": c.similarity} for c in leak.candidates],
                "pressure_residual_m": leak.pressure_residual_m,
            }
            for leak in result.leaks
        ],
    }  # fmt: skip

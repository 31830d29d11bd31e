"""From sensor data to a list of leaks: calibrate, sweep, fit the window models, watch, localise.

`locate_leaks` is what `hydro network locate` runs. The training period (less
any nights when a leak listed in its `leaks.csv` was running) fixes the night
window and the consumption reference (`detection.calibrate`) and the model of
each four-hour window of the day (`residuals.fit_window_model`); one sweep
over every pipe, solved at the middle of each window, gives the candidates'
signatures. The test period's windows are then watched in time order
(`detection.watch_outcome`), and each alarm is localised to the pipe with the most
likelihood within 300 m (`localisation.most_probable_pipe`), using the alarm's
run of windows and the six after it. An alarm whose pipe lies within 300 m of a
leak already found is taken for the same leak (still growing, or placed a
little off) and not reported again.

The reported `start_time` is when the alarm was raised (the end of the window
that crossed the threshold): by then the leak is surely running, whereas the
estimated change point — written beside it as `estimated_start_time`, and kept
as `estimated_start` in the details — can fall before the leak began, and a report of a leak that is not yet running is
scored as a false positive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import wntr

from hydro.network.detection import (
    NIGHT_HOURS,
    Calibration,
    Detection,
    WatchOutcome,
    WindowSequence,
    calibrate,
    change_point,
    check_flow_units,
    night_means,
    system_consumption,
    training_threshold,
    watch_outcome,
)
from hydro.network.localisation import (
    LocatedLeak,
    SensitivityMatrix,
    most_probable_pipe,
    ranked_candidates,
    sensitivity_matrices,
    sensitivity_matrix,
)
from hydro.network.model import pipe_distance_matrix
from hydro.network.night_watch import watch_nights
from hydro.network.residuals import (
    MINIMUM_AGREEMENT,
    WINDOW_HOURS,
    WindowModel,
    checking_runs,
    fit_window_model,
    snapshot_time_s,
    window_agreement,
    window_starts,
)
from hydro.network.sensors import STEP_SECONDS, SensorData, SensorDataError

SAME_LEAK_DISTANCE_M = 300.0
MINIMUM_PRESENT_SHARE = 0.5
BRIDGED_GAP_STEPS = 6  # 30 minutes
# The alarm's run alone must give the reported zone at least this share of its largest statistic.
RUN_SUPPORT_SHARE = 0.5
TRAINING_DAYS_WITHOUT_TRAIN_FOLDER = 7
# A pressure logger reading in under this share of the training steps is left out of the analysis (`silent_loggers`).
MINIMUM_TRAINING_SHARE = 0.25
SPIKE_WINDOW_STEPS = 7  # 35 minutes, centred on the reading
# A pressure reading further than this many σ of its logger's own wobble, and `SPIKE_LEAST_M`, from the median of
# the readings around it is a lone spike (`despiked`).
SPIKE_SIGMAS = 5.0
SPIKE_LEAST_M = 3.0
LARGEST_SPEED_M_S = 5.0  # no flow in a distribution network runs faster through its pipe (`impossible_readings`)
LEVEL_MARGIN_M = 1.0  # a tank level further below its floor or above its top is no level
# A run of exact zeros in a pipe's flow between readings of one direction of at least this share of the pipe's
# median flow is a fill for readings not taken (`zero_fills`) ...
ZERO_FILL_LEAST_SHARE = 0.1
# ... unless the pipe reads zero this often: a pipe closed now and then (a bypass, a standby main).
ZERO_FILL_MOST_SHARE = 0.05
# A lone excursion seen at this many loggers at once is the network's (a pump or a control switching), not a glitch.
SPIKE_SHARED_LOGGERS = 2
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class WatchedWindow:
    """A window of the day, how well its model carries a simulated leak, and whether it was watched."""

    start: str  # HH:MM
    agreement: float
    watched: bool


@dataclass(frozen=True)
class LoggerLeftOut:
    """A pressure logger left out: its offset jumped (the watch took it out), or it read too seldom in the training
    days to be modelled (`silent_loggers`, left out from the start). Check or re-calibrate it in the field."""

    sensor: str
    since: pd.Timestamp  # the start of the first window it was left out of


@dataclass(frozen=True)
class LocateResult:
    leaks: list[LocatedLeak]
    calibration: Calibration
    nights_consumption: pd.Series
    merged_alarms: int
    night_pressure_residuals: pd.DataFrame | None = None  # nights × sensors [m], the night window's residuals
    windows: list[WatchedWindow] = field(default_factory=list)
    alarm_threshold: float | None = None  # of the window watch (`detection.training_threshold`)
    loggers_left_out: list[LoggerLeftOut] = field(default_factory=list)
    spikes: dict[str, dict[str, int]] = field(default_factory=dict)  # lone spikes read as drop-outs, by kind and sensor


def silent_loggers(training: SensorData) -> list[str]:
    """Pressure loggers that read in under `MINIMUM_TRAINING_SHARE` of the training steps: no model can be fitted
    to them, so they are left out of the whole analysis (and named) rather than refusing it. All of them silent
    is refused."""
    shares = training.pressures.notna().mean()
    silent = [str(sensor) for sensor in shares.index[shares < MINIMUM_TRAINING_SHARE]]
    if len(silent) == len(shares):
        raise SensorDataError(
            f"training pressures.csv: every logger read in under {MINIMUM_TRAINING_SHARE:.0%} of the training steps"
        )
    return silent


def despiked(data: SensorData, network: wntr.network.WaterNetworkModel) -> tuple[SensorData, dict[str, dict[str, int]]]:
    """Pressures with lone spikes, and flows and tank levels no pipe or tank can give, read as drop-outs; with how
    many each sensor had, by kind.

    A logger sampling the instantaneous pressure every 5 minutes catches a
    surge now and then (a pump starting, a valve shut, a hydrant opened), and
    loggers glitch: one reading far from those around it. Read as pressures,
    a dip of 10–40 m once a day at each logger makes window means drop like a
    leak's. A pressure is a spike when it lies more than L from the median of
    the `SPIKE_WINDOW_STEPS` readings centred on it (a Hampel filter,
    [PEARSON-2002]) and more than L from the readings before and after it, both on the
    same side, at fewer than `SPIKE_SHARED_LOGGERS` loggers at once;
    L = max(`SPIKE_SIGMAS` σ, `SPIKE_LEAST_M`), σ = 1.4826 · the logger's
    median distance from that running median. A leak, a burst or a logger
    re-mounted is a step that lasts, and a control switching for one step
    moves several loggers together (Net3's tank controls at 06:00 move
    loggers 15, 123 and 145 by 3.4–3.7 m for one reading, and with 15 silent
    the other two still move together): both stay.

    Flows and levels are not judged against their neighbours: a pump's flow
    may be on for one reading and off the next (Net3's pump 10 is, 119 times
    in 19 days). SCADA writes a fill such as −9999 for a reading it lacks;
    read as an inflow once a day it leaves no window the models fit. A flow
    faster than `LARGEST_SPEED_M_S` through its pipe (a pump's or a valve's:
    the widest pipe at its ends), or a tank level below
    −`LEVEL_MARGIN_M` or over the tank's top by more than `LEVEL_MARGIN_M`,
    is such a fill (`impossible_readings`). SCADA also writes 0 for a flow it
    lacks: a run of exact zeros through a pipe (not a pump or valve) between
    readings of one direction is such a fill (`zero_fills`).

    Reference: [PEARSON-2002] Pearson, R. K. (2002). Outliers in process
    modeling and identification. *IEEE Transactions on Control Systems
    Technology* 10(1), 55–63.
    """
    flows, levels = impossible_readings(data, network)
    flows |= zero_fills(data.flows, network)
    found = {"pressures": lone_spikes(data.pressures, SPIKE_LEAST_M), "flows": flows, "levels": levels}
    cleaned: dict[str, pd.DataFrame] = {}
    counts: dict[str, dict[str, int]] = {}
    for kind, mask in found.items():
        by_sensor = {str(sensor): int(count) for sensor, count in mask.sum().items() if count}
        if by_sensor:
            cleaned[kind], counts[kind] = getattr(data, kind).mask(mask), by_sensor
    return (replace(data, **cleaned), counts) if counts else (data, {})


def impossible_readings(data: SensorData, network: wntr.network.WaterNetworkModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flows faster than `LARGEST_SPEED_M_S` through the sensor's pipe, and tank levels outside
    [−`LEVEL_MARGIN_M`, top + `LEVEL_MARGIN_M`]: no reading of the network (`despiked`)."""
    largest = pd.Series({sensor: _largest_flow_m3h(network, str(sensor)) for sensor in data.flows.columns}, dtype=float)
    top = pd.Series({tank: network.get_node(str(tank)).max_level for tank in data.levels.columns}, dtype=float)
    flows = data.flows.abs().gt(largest, axis=1) if len(largest) else data.flows.notna() & False
    levels = (
        (data.levels.lt(-LEVEL_MARGIN_M) | data.levels.gt(top + LEVEL_MARGIN_M, axis=1))
        if len(top)
        else (data.levels.notna() & False)
    )
    return flows, levels


def zero_fills(flows: pd.DataFrame, network: wntr.network.WaterNetworkModel) -> pd.DataFrame:
    """Which flows are zeros written for readings not taken, at sensors on pipes (`despiked`).

    Water in a main does not stop for a reading and start again in the same
    direction: a run of readings of exactly 0 whose readings before and after
    it (whichever there are) flow one way at no less than
    `ZERO_FILL_LEAST_SHARE` of the pipe's median |flow| is a fill. A pump or a
    valve stops the flow, so their zeros stay, and so do a pipe's that reads 0
    in more than `ZERO_FILL_MOST_SHARE` of its readings (closed now and then).
    """
    pipes = [sensor for sensor in flows.columns if str(sensor) in network.pipe_name_list]
    found = pd.DataFrame(False, index=flows.index, columns=flows.columns)
    for sensor in pipes:
        flow = flows[sensor]
        zero = flow.eq(0.0)
        if not zero.any() or zero.mean() > ZERO_FILL_MOST_SHARE:
            continue
        least = ZERO_FILL_LEAST_SHARE * flow[~zero].abs().median()
        flowing = flow.where(~zero & flow.notna())
        before, after = flowing.ffill(), flowing.bfill()
        one_way = (before * after > 0) | before.isna() | after.isna()
        strong = (before.abs().ge(least) | before.isna()) & (after.abs().ge(least) | after.isna())
        found[sensor] = zero & one_way & strong & (before.notna() | after.notna())
    return found


def _largest_flow_m3h(network: wntr.network.WaterNetworkModel, link_name: str) -> float:
    """The flow at `LARGEST_SPEED_M_S` through a link's pipe, or the widest pipe at a pump's or valve's ends [m³/h]."""
    link = network.get_link(link_name)
    diameters = [getattr(link, "diameter", 0.0) or 0.0]
    for node in (link.start_node_name, link.end_node_name):
        diameters += [
            network.get_link(name).diameter
            for name in network.get_links_for_node(node)
            if name in network.pipe_name_list
        ]
    return float(np.pi * max(diameters) ** 2 / 4.0 * LARGEST_SPEED_M_S * 3600.0) if max(diameters) > 0 else np.inf


def lone_spikes(table: pd.DataFrame, least: float | pd.Series) -> pd.DataFrame:
    """Which readings of `table` are lone spikes (`despiked`), for a least step of `least` (per column or one)."""
    if table.empty or len(table.columns) == 0:
        return pd.DataFrame(False, index=table.index, columns=table.columns)
    centre = table.rolling(SPIKE_WINDOW_STEPS, center=True, min_periods=SPIKE_WINDOW_STEPS // 2 + 1).median()
    off_centre = table - centre
    limit = np.maximum(SPIKE_SIGMAS * MAD_TO_SIGMA * off_centre.abs().median(), least)
    from_previous, from_next = table.diff(), table.diff(-1)
    alone = (from_previous * from_next > 0) & from_previous.abs().gt(limit, axis=1) & from_next.abs().gt(limit, axis=1)
    candidates = alone & off_centre.abs().gt(limit, axis=1)
    return candidates & (candidates.sum(axis=1) < SPIKE_SHARED_LOGGERS).to_numpy()[:, None]


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
        demands=None if data.demands is None else data.demands[keep],
    )


def split_training(data: SensorData, days: int = TRAINING_DAYS_WITHOUT_TRAIN_FOLDER) -> tuple[SensorData, SensorData]:
    """Without a training folder, the first `days` days of the data train (taken as leak-free); the rest is watched.
    The rest must hold at least a day."""
    if days < 1:
        raise SensorDataError(f"--training-days {days}: a whole number of days from 1")
    boundary = data.pressures.index[0] + pd.Timedelta(days=days)
    if data.pressures.index[-1] <= boundary + pd.Timedelta(days=1):
        raise SensorDataError(
            f"data: without --train the first {days} days train, and fewer than {days + 1} days were given"
        )
    first = data.pressures.index < boundary

    def part(mask: np.ndarray) -> SensorData:
        demands = None if data.demands is None else data.demands[mask]
        return SensorData(data.pressures[mask], data.flows[mask], data.levels[mask], demands)

    return part(first), part(~first)


def locate_leaks(
    network: wntr.network.WaterNetworkModel,
    data: SensorData,
    training: SensorData | None = None,
    workers: int | None = None,
    progress: Callable[[int], object] | None = None,
    matrices: list[SensitivityMatrix] | None = None,
    spark: Any | None = None,
    training_days: int = TRAINING_DAYS_WITHOUT_TRAIN_FOLDER,
) -> LocateResult:
    """Detect and localise leaks in `data`: what `hydro network locate` runs.

    Parameters
    ----------
    network : wntr.network.WaterNetworkModel
        The utility's model of the network.
    data : SensorData
        The period to search: pressures [m], flows [m³/h], tank levels [m].
    training : SensorData, optional
        A period to calibrate on; without it the first `training_days` days
        of `data`, taken as leak-free. Nights when a leak its `leaks.csv`
        lists was running are left out.
    workers : int, optional
        Processes for the sweep.
    progress : callable, optional
        Called with the work done since its last call.
    matrices : list of SensitivityMatrix, optional
        A sweep already made, one per window of the day.
    spark : pyspark.sql.SparkSession, optional
        Run the sweeps as Spark tasks.
    training_days : int
        Days of `data` that train when no `training` is given.

    Returns
    -------
    LocateResult
        The leaks found (pipe, alarm time, estimated start, ranked
        candidates) and what `result_details` shows of the calibration.

    Notes
    -----
    The window models are checked on the model itself
    (`residuals.window_agreement`); where they hold the windows are watched
    (`detection.watch_outcome`, [BASSEVILLE-1993]) and each alarm placed by
    `localisation.most_probable_pipe`, otherwise the nights are
    (`night_watch`, [PAGE-1954], [PEREZ-2011]).
    """
    check_flow_units(network, data)
    if training is None:
        training, data = split_training(data, training_days)
    training = without_leak_periods(training)
    (training, training_spikes), (data, data_spikes) = despiked(training, network), despiked(data, network)
    spikes = {
        kind: {
            sensor: training_spikes.get(kind, {}).get(sensor, 0) + data_spikes.get(kind, {}).get(sensor, 0)
            for sensor in sorted({*training_spikes.get(kind, {}), *data_spikes.get(kind, {})})
        }
        for kind in sorted({*training_spikes, *data_spikes})
    }
    sensors = list(data.pressures.columns)
    if list(training.pressures.columns) != sensors:
        raise SensorDataError("training pressures.csv: its sensors differ from those of the data's pressures.csv")
    if _meters(training) != _meters(data):
        raise SensorDataError("demands.csv: the training and the data folders must have the same smart meters")
    training = bridged(training)
    silent = silent_loggers(training)
    if silent:
        sensors = [sensor for sensor in sensors if sensor not in silent]
        training, data = (replace(part, pressures=part.pressures[sensors]) for part in (training, data))
    silent_left_out = [LoggerLeftOut(sensor, pd.Timestamp(data.pressures.index[0])) for sensor in silent]
    calibration = calibrate(network, training)
    starts = window_starts(calibration.window_start)
    if matrices is None:
        snapshots = [snapshot_time_s(start) for start in starts]
        matrices = sensitivity_matrices(network, sensors, snapshots, workers=workers, progress=progress, spark=spark)
    elif silent:
        matrices = [matrix.at_sensors(sensors) for matrix in matrices]
    runs = checking_runs(network, training, matrices[0].pipes)
    models = [
        fit_window_model(network, training, start, matrix) for start, matrix in zip(starts, matrices, strict=True)
    ]
    agreement = [window_agreement(network, runs, model, matrix) for model, matrix in zip(models, matrices, strict=True)]
    watched = min(agreement) >= MINIMUM_AGREEMENT
    windows = [
        WatchedWindow(_clock(start), round(value, 3), watched) for start, value in zip(starts, agreement, strict=True)
    ]
    consumption = system_consumption(network, data)
    nights = night_means(network, data, calibration.window_start)
    if not watched:
        # the night watch compares night means: its sweep is solved in the middle of the night window
        snapshot_s = (calibration.window_start * STEP_SECONDS + NIGHT_HOURS * 1800) % 86400
        matrix = sensitivity_matrix(network, sensors, snapshot_s, workers=workers, progress=progress, spark=spark)
        night = watch_nights(network, data, training, calibration, consumption, matrix)
        merged = night.alarms - len(night.leaks)
        return LocateResult(
            night.leaks,
            calibration,
            nights.consumption,
            merged,
            night.night_pressure_residuals,
            windows,
            loggers_left_out=silent_left_out,
            spikes=spikes,
        )
    sequence = window_sequence(network, data, models)
    threshold = training_threshold(
        window_sequence(network, training, models),
        [model.whitened_signatures(matrix) for model, matrix in zip(models, matrices, strict=True)],
        lambda model, present: models[model].whitened_signatures(matrices[model], present),
    )
    outcome = _watch_windows(network, sequence, models, matrices, threshold)
    detections = outcome.detections
    left_out = silent_left_out + [
        LoggerLeftOut(sensors[sensor], sequence.ends[window] - pd.Timedelta(hours=WINDOW_HOURS))
        for sensor, window in sorted(outcome.left_out.items(), key=lambda item: item[1])
    ]
    leaks = [
        _located_leak(detection, sequence, matrices[0], consumption, calibration)
        for detection in detections
        if not detection.merged
    ]
    night_residuals = models[0].residuals(network, data)
    return LocateResult(
        leaks, calibration, nights.consumption, len(detections) - len(leaks), night_residuals, windows, threshold,
        left_out, spikes,
    )  # fmt: skip


def _clock(start_step: int) -> str:
    minutes = start_step * STEP_SECONDS // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _watch_windows(
    network: wntr.network.WaterNetworkModel,
    sequence: WindowSequence,
    models: list[WindowModel],
    matrices: list[SensitivityMatrix],
    threshold: float,
) -> WatchOutcome:
    signatures = [model.whitened_signatures(matrix) for model, matrix in zip(models, matrices, strict=True)]
    distances = pipe_distance_matrix(network, matrices[0].pipes)

    def masked(model: int, present: np.ndarray) -> np.ndarray:
        return models[model].whitened_signatures(matrices[model], present)

    def localise(detection: Detection, known: list[int]) -> Detection:
        index = most_probable_pipe(detection.statistic, distances)
        merged = bool(known) and float(distances[index, known].min()) <= SAME_LEAK_DISTANCE_M
        run = detection.run_statistic
        near = distances[index] <= SAME_LEAK_DISTANCE_M
        unsupported = run is not None and float(run[near].max()) < max(
            detection.threshold, RUN_SUPPORT_SHARE * float(run.max())
        )
        return replace(detection, pipe_index=index, merged=merged or unsupported, unsupported=unsupported)

    def masked_residual(window: int, present: np.ndarray) -> np.ndarray:
        raw = np.where(present, sequence.raw[window], np.nan)
        return models[sequence.model_of[window]].whiten(raw[None, :])[0]

    def steps(model: int, present: np.ndarray) -> np.ndarray:
        return models[model].whiten(np.diag(present))

    return watch_outcome(sequence, signatures, localise, threshold, masked, masked_residual, steps)


def _meters(data: SensorData) -> list[str]:
    return [] if data.demands is None else list(data.demands.columns)


def window_sequence(
    network: wntr.network.WaterNetworkModel, data: SensorData, models: list[WindowModel]
) -> WindowSequence:
    """Every whole window of `data`, of every window model, in order of its end time.

    A window where fewer than `MINIMUM_PRESENT_SHARE` of the pressure sensors read (or
    the inflow meters did not) is left out.
    """
    rows: list[tuple[pd.Timestamp, int, np.ndarray, np.ndarray]] = []
    data = bridged(data)
    for index, model in enumerate(models):
        table = model.residuals(network, data)
        whitened = model.whiten(table.to_numpy())
        for label, raw, vector in zip(table.index, table.to_numpy(), whitened, strict=True):
            if np.isfinite(raw).mean() >= MINIMUM_PRESENT_SHARE:
                rows.append((pd.Timestamp(label) + pd.Timedelta(hours=WINDOW_HOURS), index, raw, vector))
    if not rows:
        raise SensorDataError(f"data: no whole {WINDOW_HOURS}-hour window to watch")
    rows.sort(key=lambda row: row[0])
    raw = np.array([row[2] for row in rows])
    present = np.isfinite(raw)
    return WindowSequence(
        [row[0] for row in rows], [row[1] for row in rows], np.array([row[3] for row in rows]), raw,
        None if present.all() else present,
    )  # fmt: skip


def bridged(data: SensorData) -> SensorData:
    """Flows and levels with gaps of up to `BRIDGED_GAP_STEPS` filled in linearly; pressures as read.

    Consumption (and so every pressure residual) needs the inflow meters and tank levels:
    a short drop-out is bridged, a longer one leaves its steps without residuals.
    """
    if not (data.flows.isna().any().any() or data.levels.isna().any().any()):
        return data

    def fill(table: pd.DataFrame) -> pd.DataFrame:
        return table.interpolate(limit=BRIDGED_GAP_STEPS, limit_area="inside")

    return replace(data, flows=fill(data.flows), levels=fill(data.levels))


def _located_leak(
    detection: Detection,
    sequence: WindowSequence,
    matrix: SensitivityMatrix,
    consumption: pd.Series,
    calibration: Calibration,
) -> LocatedLeak:
    index = detection.pipe_index
    raised_at = sequence.ends[detection.alarm_window]
    # the change may lie a window before the run's first: search from the end of the window before that
    begin_window = detection.first_window - 2
    begin = sequence.ends[begin_window] if begin_window >= 0 else consumption.index[0]
    windows = range(detection.first_window, detection.alarm_window + 1)
    raw = sequence.raw[list(windows)]
    read = np.isfinite(raw).sum(axis=0)
    pressure_change = np.nansum(raw, axis=0) / np.maximum(read, 1)
    return LocatedLeak(
        pipe_id=matrix.pipes[index],
        start_time=raised_at,
        detected_at=raised_at,
        estimated_start=change_point(consumption, calibration, begin, raised_at),
        consumption_rise_m3h=round(float(detection.size[index] * matrix.leak_flow_m3h[index]), 3),
        candidates=ranked_candidates(matrix.pipes, detection.statistic, detection.energy),
        pressure_residual_m={
            sensor: round(float(value), 4)
            for sensor, value, count in zip(matrix.sensors, pressure_change, read, strict=True)
            if count  # a sensor that read in none of the alarm's windows has no residual to show
        },
    )


SUBMISSION_COLUMNS = ("pipe_id", "start_time", "estimated_start_time")


def submission_csv(leaks: list[LocatedLeak]) -> str:
    """`hydro network locate`'s rows: pipe, when the leak was reported (the alarm), its estimated start.

    The first two columns are BattLeDIM's submission; `start_time` is the alarm so a
    report never precedes its leak. `estimated_start_time` is the change point of the
    consumption (`detection.change_point`), at or before the alarm.
    """
    rows = [
        f"{leak.pipe_id},{leak.start_time:%Y-%m-%d %H:%M},{min(leak.estimated_start, leak.start_time):%Y-%m-%d %H:%M}\n"
        for leak in leaks
    ]
    return ",".join(SUBMISSION_COLUMNS) + "\n" + "".join(rows)


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
        "alarm_threshold": None if result.alarm_threshold is None else round(result.alarm_threshold, 1),
        "windows": [
            {"start": window.start, "agreement": window.agreement, "watched": window.watched}
            for window in result.windows
        ],
        "loggers_left_out": [
            {"sensor": logger.sensor, "since": f"{logger.since:%Y-%m-%d %H:%M}"} for logger in result.loggers_left_out
        ],
        "spikes_read_as_dropouts": result.spikes,
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

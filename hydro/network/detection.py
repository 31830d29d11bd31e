"""Detect new leaks from the night consumption of the network (CUSUM), abrupt or incipient.

System consumption Q(t) [m³/h] is what enters from the reservoirs less what
goes into storage (a mass balance over the metered sources and tanks):

    Q(t) = Σ inflow(t) − Σ_tanks A_tank · dh/dt

Each night, in the three hours of least consumption in the training period,
the mean Q_n(d) and mean pressures P_n,s(d) are taken: at night a leak's
outflow is largest against legitimate use, and demand noise smallest. A
one-sided CUSUM (Page 1954, "Continuous inspection schemes", Biometrika 41)
on Q_n with reference k = ½σ and threshold h = 3.5σ (on Q_n less the training night
reference of the same day of the week), σ the day-to-day spread of that
residual over the training period, raises an alarm when Q_n has risen; the
reference level then moves to the new level (leaks stay until repaired), a
second CUSUM downwards follows repairs without alarm. An incipient leak is
caught once its outflow has built up to a few σ.

The start time of an alarm is the change point of the 5-minute consumption
residual (consumption less its training mean at that time of day and weekday)
between the last quiet night and the alarm: the split that maximises the
two-sample t statistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import wntr

from hydro.network.sensors import STEP_SECONDS, SensorData, SensorDataError

NIGHT_HOURS = 3
STEPS_PER_DAY = 86400 // STEP_SECONDS
CUSUM_REFERENCE_SIGMAS = 0.5
CUSUM_THRESHOLD_SIGMAS = 3.5
# The smallest day-to-day spread assumed [share of night consumption]: noise-free
# simulations would otherwise make any rounding an alarm.
MINIMUM_SPREAD_SHARE = 0.01
# Night pressure residuals move together with demand: the leading directions of their
# variation over training nights are noise, projected out before localisation.
NOISE_DIRECTIONS = 2
# Nights after an alarm during which the level follows a leak still growing (an incipient one).
SETTLE_NIGHTS = 2


def inflow_links(network: wntr.network.WaterNetworkModel, flow_sensors: list[str]) -> dict[str, float]:
    """Flow sensors on links leaving a reservoir, with the sign that makes inflow positive."""
    reservoirs = set(network.reservoir_name_list)
    signs: dict[str, float] = {}
    for link_name in flow_sensors:
        link = network.get_link(link_name)
        if link.start_node_name in reservoirs:
            signs[link_name] = 1.0
        elif link.end_node_name in reservoirs:
            signs[link_name] = -1.0
    return signs


def system_consumption(network: wntr.network.WaterNetworkModel, data: SensorData) -> pd.Series:
    """Q(t) [m³/h]: metered inflow from reservoirs less the rate of filling of metered tanks."""
    signs = inflow_links(network, list(data.flows.columns))
    if not signs:
        raise SensorDataError("flows.csv: no flow sensor on a link from a reservoir, so no system inflow is metered")
    inflow = sum(data.flows[link] * sign for link, sign in signs.items())
    storage = pd.Series(0.0, index=data.flows.index)
    for tank in data.levels.columns:
        area = math.pi * network.get_node(tank).diameter ** 2 / 4
        storage += area * data.levels[tank].diff().bfill() / STEP_SECONDS * 3600
    return pd.Series(inflow - storage, name="consumption")


def quietest_window_start(consumption: pd.Series) -> int:
    """Step of the day [0, 288) where the 3-hour mean consumption is least."""
    slots = consumption.groupby((consumption.index.hour * 3600 + consumption.index.minute * 60) // STEP_SECONDS).mean()
    profile = slots.reindex(range(STEPS_PER_DAY)).interpolate().bfill().ffill().to_numpy()
    width = NIGHT_HOURS * 3600 // STEP_SECONDS
    circular = np.concatenate([profile, profile[:width]])
    sums = np.convolve(circular, np.ones(width), mode="valid")[:STEPS_PER_DAY]
    return int(np.argmin(sums))


@dataclass(frozen=True)
class NightMeans:
    """Per night: mean consumption [m³/h] and mean pressure [m] at each sensor."""

    consumption: pd.Series
    pressures: pd.DataFrame


def night_means(network: wntr.network.WaterNetworkModel, data: SensorData, window_start: int) -> NightMeans:
    """Night-window means per day; the consumption mean uses the tanks' level change over the window."""
    consumption = system_consumption(network, data)
    width = NIGHT_HOURS * 3600 // STEP_SECONDS
    days = pd.DatetimeIndex(sorted(set(consumption.index.normalize())))
    rows_q, rows_p, labels = [], [], []
    for day in days:
        begin = day + pd.Timedelta(seconds=window_start * STEP_SECONDS)
        end = begin + pd.Timedelta(seconds=(width - 1) * STEP_SECONDS)
        if begin < consumption.index[0] or end > consumption.index[-1]:
            continue
        rows_q.append(float(consumption.loc[begin:end].mean()))
        rows_p.append(data.pressures.loc[begin:end].mean())
        labels.append(begin)
    index = pd.DatetimeIndex(labels, name="night")
    return NightMeans(pd.Series(rows_q, index=index), pd.DataFrame(rows_p, index=index))


@dataclass(frozen=True)
class Calibration:
    """What the training period fixes: the night window, reference levels and spread.

    With two weeks or more of training, night references and the 5-minute
    profile are kept per day of the week (demand patterns such as L-TOWN's are
    weekly); with less, one reference serves every day.
    """

    window_start: int
    reference_by_weekday_m3h: np.ndarray  # 7 values, Monday first
    spread_m3h: float
    profile_by_weekday_m3h: np.ndarray  # 7 × 288: mean consumption at each 5-minute step
    pressure_references: pd.DataFrame  # 7 rows (Monday first) × sensors: mean night pressure [m]
    pressure_noise_directions: np.ndarray  # leading principal directions of training night residuals

    def pressure_residuals(self, pressures: pd.DataFrame) -> pd.DataFrame:
        """Night pressures less the training reference of the same day of the week [m]."""
        references = self.pressure_references.loc[pressures.index.day_of_week, pressures.columns].to_numpy()
        return pressures - references

    @property
    def reference_m3h(self) -> float:
        return float(self.reference_by_weekday_m3h.mean())

    def night_reference(self, nights: pd.DatetimeIndex) -> np.ndarray:
        return self.reference_by_weekday_m3h[nights.day_of_week]

    def profile_at(self, times: pd.DatetimeIndex) -> np.ndarray:
        slots = (times.hour * 3600 + times.minute * 60) // STEP_SECONDS
        return self.profile_by_weekday_m3h[times.day_of_week, slots]


def calibrate(network: wntr.network.WaterNetworkModel, training: SensorData) -> Calibration:
    """Night window, night references and the day-to-day spread of night consumption in training."""
    consumption = system_consumption(network, training)
    window_start = quietest_window_start(consumption)
    nights = night_means(network, training, window_start)
    if len(nights.consumption) < 2:
        raise SensorDataError("training data: fewer than two whole nights, so no threshold can be set")
    weekly = len(nights.consumption) >= 14
    groups = nights.consumption.index.day_of_week if weekly else np.zeros(len(nights.consumption), dtype=int)
    by_group = nights.consumption.groupby(groups).mean()
    references = np.array([by_group.get(day if weekly else 0, np.nan) for day in range(7)])
    references = np.where(np.isnan(references), float(nights.consumption.mean()), references)
    residuals = nights.consumption.to_numpy() - references[nights.consumption.index.day_of_week]
    per_group = len(nights.consumption) / (7 if weekly else 1)
    spread = float(np.std(residuals, ddof=1)) / math.sqrt(max(1 - 1 / per_group, 1e-6))
    spread = max(spread, MINIMUM_SPREAD_SHARE * abs(float(references.mean())), 0.1)
    pressure_references = _pressure_references(nights.pressures, weekly)
    noise = nights.pressures - pressure_references.loc[nights.pressures.index.day_of_week].to_numpy()
    centred = noise.to_numpy() - noise.to_numpy().mean(axis=0)
    directions = np.linalg.svd(centred, full_matrices=False)[2][:NOISE_DIRECTIONS]
    return Calibration(
        window_start, references, spread, _profiles(consumption, weekly), pressure_references, directions
    )


def _pressure_references(pressures: pd.DataFrame, weekly: bool) -> pd.DataFrame:
    if not weekly:
        return pd.DataFrame([pressures.mean()] * 7, index=range(7))
    by_day = pressures.groupby(pressures.index.day_of_week).mean()
    return by_day.reindex(range(7)).fillna(pressures.mean())


def _profiles(consumption: pd.Series, weekly: bool) -> np.ndarray:
    slots = (consumption.index.hour * 3600 + consumption.index.minute * 60) // STEP_SECONDS
    days = consumption.index.day_of_week if weekly else np.zeros(len(consumption), dtype=int)
    table = consumption.groupby([days, slots]).mean().unstack().reindex(columns=range(STEPS_PER_DAY))
    table = table.T.interpolate().bfill().ffill().T
    if not weekly:
        return np.repeat(table.to_numpy()[:1], 7, axis=0)
    overall = table.mean().to_numpy()
    return np.vstack([table.loc[day].to_numpy() if day in table.index else overall for day in range(7)])


@dataclass(frozen=True)
class Alarm:
    """A detected rise of night consumption and the nights around it."""

    raised_at: pd.Timestamp  # end of the night window that crossed the threshold
    estimated_start: pd.Timestamp
    quiet_nights: list[pd.Timestamp]  # nights before the change (the reference)
    raised_nights: list[pd.Timestamp]  # nights since the change, up to the alarm
    consumption_rise_m3h: float


def detect(
    nights: NightMeans, calibration: Calibration, consumption: pd.Series, settle_nights: int | None = None
) -> list[Alarm]:
    """Run the two CUSUMs over the nights' residuals; one alarm per upward change."""
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
            settle_until = day + (SETTLE_NIGHTS if settle_nights is None else settle_nights)
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


def change_point(
    consumption: pd.Series, calibration: Calibration, begin: pd.Timestamp, end: pd.Timestamp
) -> pd.Timestamp:
    """Time in [begin, end] splitting the consumption residual into the most different means."""
    part = consumption.loc[begin:end]
    residual = part.to_numpy() - calibration.profile_at(pd.DatetimeIndex(part.index))
    count = len(residual)
    if count < 4:
        return pd.Timestamp(begin)
    cumulative = np.cumsum(residual)
    splits = np.arange(2, count - 1)
    before = cumulative[splits - 1] / splits
    after = (cumulative[-1] - cumulative[splits - 1]) / (count - splits)
    statistic = (after - before) * np.sqrt(splits * (count - splits) / count)
    return pd.Timestamp(part.index[int(splits[int(np.argmax(statistic))])])

"""Household meters as they really read, with labelled episodes: data to measure customer alarms on.

`hydro.readings.synthetic` makes a tidy county for the suite's worked cases.
This module makes what a county's head-end really delivers, so that a
detector tuned on one draw can be measured on others it has not seen:

- households differ: their daily use (lognormal), how often they use water at
  night (a flush or a drink: often but not always zero), regular night users
  (shift workers, whose day is shifted by 8–12 h), households where someone is
  home all day, vacancies of days to weeks, and houses empty the whole span;
- the calendar moves use: rest days start later, holidays keep people home
  (and send some away), and use drifts over the span (season);
- meters differ: 1 L or 10 L registers (the interval volume is the change of
  a whole-litre or ten-litre index), random missing readings (a missed
  reading merges two intervals, or leaves a hole), re-delivered readings
  (duplicates), and clocks that slip by an hour for a while;
- episodes are labelled: a leak behind the meter (a constant flow of
  10–100 L/h from an hour, repaired or not), a burst, a meter stuck at its
  index, reverse flow, and a gap (the meter silent for half a day or more);
- each DMA has an inflow meter, and it sees the water, not the customer
  meters: the households' true use (a stuck meter's household and a silent
  meter's household still draw water), the DMA's own losses (background
  leakage that follows the pressure, so more at night, with an exponent N1;
  now and then a new leak on a main, repaired or not; mains flushing and fire
  fighting that no meter records), read by a meter with its own bias, noise
  and register. The leaks on mains are labelled too (`RealisticCounty.mains_leaks`),
  for the DMAs' night-flow alarms to be scored against.

Everything follows from the seed and `RealisticSettings`. Volumes m³, flows
m³/h, hourly intervals, wall-clock times.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from hydro.readings.synthetic import HOURLY_WEIGHTS, WEEKEND_WEIGHTS

EPISODE_KINDS = ("continuous_flow", "burst", "stuck", "reverse", "gap")


@dataclass(frozen=True)
class RealisticSettings:
    """What varies between counties, households and meters; each range is drawn from per household or meter.

    Attributes
    ----------
    dma_count, customers_per_dma, days : int
        Size and span.
    start : datetime.date
        First day.
    holidays : tuple of datetime.date
        Days everyone rests (and some leave).
    night_use_probability : (float, float)
        Range of a household's chance of using water in a night hour [-].
    busy_night_probability : (float, float)
        Range of a household's chance that a night is busy: water used in every night hour [-].
    night_worker_share, home_all_day_share, vacancy_share, empty_share : float
        Shares of households that work at night, are home all day, leave for a while, or are empty throughout.
    vacancy_days : (int, int)
        Length of a vacancy [d].
    season_drift : (float, float)
        Range of the relative change of use from the first to the last day [-].
    coarse_meter_share : float
        Share of meters with a 10 L register (the others read to the litre).
    missing_rate : (float, float)
        Range of a meter's share of readings lost [-].
    duplicate_rate : float
        Share of readings delivered twice.
    clock_shift_share : float
        Share of meters whose clock slips by an hour for a stretch.
    episodes_per_kind : int
        Labelled episodes of each kind.
    leak_m3_per_h : (float, float)
        Range of leak flows (log-uniform) [m³/h].
    loss_share : (float, float)
        Range of a DMA's background leakage as a share of its households' mean use [-].
    leakage_exponent : (float, float)
        Range of the FAVAD exponent N1 of background leakage, L ∝ P^N1 (Thornton & Lambert 2005) [-].
    peak_head_loss_share : (float, float)
        Range of the DMA's pressure drop at peak demand, as a share of its night pressure [-].
    main_leak_probability : float
        Chance that a new leak on a main begins in a DMA within the span.
    main_leak_share : (float, float)
        Range of such a leak's flow as a share of the DMA's mean inflow [-].
    unmetered_events_per_month : float
        Mean count of mains flushings and fire fightings in a DMA per 30 days.
    unmetered_event_m3 : (float, float)
        Range of the volume of each (over 1–6 h) [m³].
    inflow_bias : (float, float)
        Range of the inflow meter's relative error [-] (a class 2 meter may read ±2 %, OIML R 49-1).
    inflow_noise : (float, float)
        Range of the relative standard deviation of its hourly readings [-].
    inflow_resolution_m3 : float
        Its register [m³].
    """

    dma_count: int = 3
    customers_per_dma: int = 150
    days: int = 61
    start: datetime.date = datetime.date(2024, 4, 1)
    holidays: tuple[datetime.date, ...] = tuple(datetime.date(2024, 5, day) for day in range(1, 6))
    night_use_probability: tuple[float, float] = (0.01, 0.25)
    busy_night_probability: tuple[float, float] = (0.0, 0.12)
    night_worker_share: float = 0.06
    home_all_day_share: float = 0.15
    vacancy_share: float = 0.12
    empty_share: float = 0.03
    vacancy_days: tuple[int, int] = (3, 20)
    season_drift: tuple[float, float] = (-0.15, 0.25)
    coarse_meter_share: float = 0.3
    missing_rate: tuple[float, float] = (0.0, 0.02)
    duplicate_rate: float = 0.003
    clock_shift_share: float = 0.03
    episodes_per_kind: int = 6
    leak_m3_per_h: tuple[float, float] = (0.010, 0.100)
    burst_m3_per_h: tuple[float, float] = (0.4, 2.0)
    burst_hours: tuple[int, int] = (3, 12)
    reverse_m3_per_h: tuple[float, float] = (0.01, 0.05)
    reverse_hours: tuple[int, int] = (2, 8)
    gap_hours: tuple[int, int] = (12, 96)
    kinds: tuple[str, ...] = field(default=EPISODE_KINDS)
    loss_share: tuple[float, float] = (0.05, 0.30)
    leakage_exponent: tuple[float, float] = (0.5, 1.5)
    peak_head_loss_share: tuple[float, float] = (0.1, 0.4)
    main_leak_probability: float = 0.5
    main_leak_share: tuple[float, float] = (0.01, 0.05)
    unmetered_events_per_month: float = 2.0
    unmetered_event_m3: tuple[float, float] = (2.0, 30.0)
    inflow_bias: tuple[float, float] = (-0.02, 0.02)
    inflow_noise: tuple[float, float] = (0.0, 0.02)
    inflow_resolution_m3: float = 0.01


TUNING_SEEDS = (11, 12, 13)
"""Draws a detector's thresholds may be tuned on."""
HELD_OUT_SEEDS = (107, 108, 109, 110, 111, 112)
"""Draws kept out of tuning; their settings vary too (`held_out_settings`)."""
EARLIER_HELD_OUT_SEEDS = (101, 102, 103, 104, 105, 106)
"""Draws held out before the DMAs had inflow meters; their figures were read while the detector was changed, so
they are reported for continuity only."""
NIGHT_FLOW_TUNING_SEEDS = (11, 12, 13, *range(21, 41))
"""Draws the DMAs' night-flow alarms may be tuned on (each with `held_out_settings`: its DMAs' losses and inflow
meters vary)."""
NIGHT_FLOW_HELD_OUT_SEEDS = tuple(range(131, 151))
"""Draws kept out of the night-flow alarms' tuning."""


def held_out_settings(seed: int) -> RealisticSettings:
    """Settings of a held-out draw: other shares, rates and holidays than the tuning draws use, and other DMA
    losses and inflow meters."""
    generator = np.random.default_rng(seed * 7919)
    start = datetime.date(2024, int(generator.integers(1, 11)), 1)
    holiday_start = start + datetime.timedelta(days=int(generator.integers(10, 40)))
    return replace(
        RealisticSettings(),
        start=start,
        holidays=tuple(holiday_start + datetime.timedelta(days=day) for day in range(int(generator.integers(3, 8)))),
        night_use_probability=(0.0, float(generator.uniform(0.2, 0.5))),
        busy_night_probability=(0.0, float(generator.uniform(0.05, 0.2))),
        night_worker_share=float(generator.uniform(0.03, 0.12)),
        home_all_day_share=float(generator.uniform(0.05, 0.30)),
        vacancy_share=float(generator.uniform(0.05, 0.20)),
        coarse_meter_share=float(generator.uniform(0.0, 0.6)),
        missing_rate=(0.0, float(generator.uniform(0.005, 0.04))),
        clock_shift_share=float(generator.uniform(0.0, 0.06)),
        # drawn last, so the households of a seed read as they did before the DMAs had inflow meters
        loss_share=(0.05, float(generator.uniform(0.15, 0.40))),
        main_leak_probability=float(generator.uniform(0.2, 0.8)),
        unmetered_events_per_month=float(generator.uniform(1.0, 4.0)),
        inflow_noise=(0.0, float(generator.uniform(0.005, 0.03))),
        inflow_bias=(-float(generator.uniform(0.01, 0.03)), float(generator.uniform(0.01, 0.03))),
    )


@dataclass(frozen=True)
class RealisticCounty:
    """Stored readings (meter_id, timestamp, duration_s, volume_m3) of the households and of each DMA's inflow
    meter (``DMA-01-IN``), zones (meter_id, dma_id, role), and the labelled episodes."""

    readings: pd.DataFrame
    zones: pd.DataFrame
    episodes: pd.DataFrame
    """meter_id, kind, start, end, rate_m3_per_h."""
    mains_leaks: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["dma_id", "start", "end", "rate_m3_per_h"])
    )
    """dma_id, start, end, rate_m3_per_h: the leaks on the DMAs' mains, which the night flow should find."""


def generate_realistic_county(settings: RealisticSettings | None = None, seed: int = 11) -> RealisticCounty:
    """A county of household meters read hourly, with the nuisances and episodes of `settings`."""
    settings = settings or RealisticSettings()
    generator = np.random.default_rng(seed)
    hours = pd.date_range(pd.Timestamp(settings.start), periods=settings.days * 24, freq="h")
    dma_ids = [f"DMA-{number:02d}" for number in range(1, settings.dma_count + 1)]
    meter_ids = [f"{dma}-H{number:04d}" for dma in dma_ids for number in range(1, settings.customers_per_dma + 1)]
    use = household_use(generator, len(meter_ids), hours, settings)
    use, episodes, silent, stuck = inject_episodes(generator, meter_ids, use, hours, settings)
    readings = meter_readings(generator, meter_ids, hours, np.where(stuck, 0.0, use), silent, settings)
    # the DMAs draw from a generator of their own, so the households read as they did before DMAs had inflow meters
    mains_leaks: list[tuple[int, int, int, float]] = []
    inflow = dma_inflows(np.random.default_rng([seed, 1]), use, hours, settings, mains_leaks)
    inflow_ids = [f"{dma}-IN" for dma in dma_ids]
    zones = pd.DataFrame(
        [(meter, dma, "inflow") for meter, dma in zip(inflow_ids, dma_ids, strict=True)]
        + [(meter, meter.rsplit("-H", 1)[0], "customer") for meter in meter_ids],
        columns=["meter_id", "dma_id", "role"],
    )
    inflow_rows = pd.DataFrame(
        {
            "meter_id": np.repeat(inflow_ids, hours.size),
            "timestamp": np.tile(hours.values.astype("datetime64[us]"), len(dma_ids)),
            "duration_s": np.int64(3600),
            "volume_m3": inflow.ravel().round(3),
        }
    )
    readings = pd.concat([inflow_rows, readings], ignore_index=True)
    readings = readings.sort_values(["meter_id", "timestamp"], kind="stable", ignore_index=True)
    leaks = pd.DataFrame(
        [
            (dma_ids[dma], hours[first], hours[last - 1] + pd.Timedelta(hours=1), rate)
            for dma, first, last, rate in mains_leaks
        ],
        columns=["dma_id", "start", "end", "rate_m3_per_h"],
    ).astype({"start": "datetime64[ns]", "end": "datetime64[ns]", "rate_m3_per_h": "float64"})
    return RealisticCounty(readings, zones, episodes, leaks)


def dma_inflows(
    generator: np.random.Generator,
    use: np.ndarray,
    hours: pd.DatetimeIndex,
    settings: RealisticSettings,
    mains_leaks: list[tuple[int, int, int, float]] | None = None,
) -> np.ndarray:
    """What each DMA's inflow meter registers per hour [m³], DMAs × hours.

    The water entering DMA k in hour t is the true use of its households,
    registered or not, plus its losses:

        Q_k(t) = Σ_i u_i(t) + L_k · (p_k(t) / p̄_k)^N1 + M_k(t) + F_k(t),
        p_k(t) = 1 − s_k · (D_k(t) / max D_k)²,

    with L_k the background leakage (a share of the mean use), p the pressure
    relative to the night's, falling with the square of the demand D_k = Σ u_i
    (head loss), N1 the FAVAD exponent (Thornton & Lambert 2005), M_k a leak
    on a main (a step, repaired or not) and F_k mains flushing and fire
    fighting. The meter reads Q_k (1 + b_k)(1 + e_k(t)), bias b_k and
    independent noise e_k(t), on a register of `inflow_resolution_m3`.
    Each leak on a main is appended to `mains_leaks` as (DMA, first hour,
    hour after the last, rate [m³/h]).
    """
    dma_count, hour_count = settings.dma_count, hours.size
    demand = use.reshape(dma_count, settings.customers_per_dma, hour_count).sum(axis=1)
    background = generator.uniform(*settings.loss_share, size=dma_count) * demand.mean(axis=1)
    exponent = generator.uniform(*settings.leakage_exponent, size=dma_count)
    head_loss = generator.uniform(*settings.peak_head_loss_share, size=dma_count)
    pressure = 1.0 - head_loss[:, None] * (demand / demand.max(axis=1, keepdims=True)) ** 2
    relative = pressure ** exponent[:, None]
    water = demand + background[:, None] * relative / relative.mean(axis=1, keepdims=True)
    for dma in range(dma_count):
        if generator.random() < settings.main_leak_probability:
            first = int(generator.integers(0, hour_count - 24))
            repaired = generator.random() < 0.5
            last = min(hour_count, first + int(generator.integers(3 * 24, 21 * 24))) if repaired else hour_count
            rate = generator.uniform(*settings.main_leak_share) * demand[dma].mean()
            water[dma, first:last] += rate
            if mains_leaks is not None:
                mains_leaks.append((dma, first, last, float(rate)))
        for _event in range(generator.poisson(settings.unmetered_events_per_month * hour_count / (30 * 24))):
            length = int(generator.integers(1, 7))
            first = int(generator.integers(0, hour_count - length))
            water[dma, first : first + length] += generator.uniform(*settings.unmetered_event_m3) / length
    bias = generator.uniform(*settings.inflow_bias, size=dma_count)[:, None]
    noise = generator.uniform(*settings.inflow_noise, size=dma_count)[:, None]
    read = water * (1.0 + bias) * (1.0 + noise * generator.standard_normal(water.shape))
    resolution = settings.inflow_resolution_m3
    registered = np.floor(np.round(np.cumsum(np.maximum(read, 0.0), axis=1) / resolution, 6)) * resolution
    return np.diff(registered, axis=1, prepend=0.0)


def household_use(
    generator: np.random.Generator, count: int, hours: pd.DatetimeIndex, settings: RealisticSettings
) -> np.ndarray:
    """True hourly use [m³], households × hours, before any meter reads it."""
    hour_count = hours.size
    rest = (hours.day_of_week >= 5) | pd.Index(hours.date).isin(settings.holidays)
    shape = np.where(rest, WEEKEND_WEIGHTS[hours.hour], HOURLY_WEIGHTS[hours.hour])[None, :].repeat(count, axis=0)
    night_workers = generator.random(count) < settings.night_worker_share
    for household in np.flatnonzero(night_workers):
        shape[household] = np.roll(shape[household], int(generator.integers(8, 13)))
    home_all_day = generator.random(count) < settings.home_all_day_share
    shape[home_all_day] = 0.5 * shape[home_all_day] + 0.5
    night = np.isin(hours.hour, [0, 1, 2, 3, 4])[None, :] & ~night_workers[:, None]
    night_probability = generator.uniform(*settings.night_use_probability, size=count)[:, None]
    day_probability = np.clip(shape / 2.0, 0.15, 0.95)
    day_probability[home_all_day] = np.clip(day_probability[home_all_day] + 0.25, 0.0, 0.97)
    probability = np.where(night, night_probability, day_probability)
    busy_chance = generator.uniform(*settings.busy_night_probability, size=count)[:, None]
    busy_night = np.repeat(generator.random((count, hour_count // 24)) < busy_chance, 24, axis=1)
    probability = np.where(night & busy_night, 1.0, probability)
    holiday_boost = np.where(pd.Index(hours.date).isin(settings.holidays), 1.3, 1.0)[None, :]
    drift = (
        1.0
        + np.linspace(0.0, 1.0, hour_count)[None, :] * generator.uniform(*settings.season_drift, size=count)[:, None]
    )
    daily_m3 = generator.lognormal(np.log(0.35), 0.6, size=count)[:, None]
    active = generator.random((count, hour_count)) < probability
    amount = daily_m3 / 24.0 * shape / np.maximum(probability, 0.05) * holiday_boost * drift
    use = np.where(active, amount * generator.lognormal(-0.18, 0.6, size=active.shape), 0.0)
    use[np.where(night & active)] = np.minimum(use[np.where(night & active)], 0.03)
    return vacate(generator, use, settings)


def vacate(generator: np.random.Generator, use: np.ndarray, settings: RealisticSettings) -> np.ndarray:
    """Empty houses use nothing; households on leave use nothing for a spell."""
    count, hour_count = use.shape
    draw = generator.random(count)
    use[draw < settings.empty_share] = 0.0
    leaving = np.flatnonzero((draw >= settings.empty_share) & (draw < settings.empty_share + settings.vacancy_share))
    for household in leaving:
        length = int(generator.integers(*settings.vacancy_days)) * 24
        first = int(generator.integers(0, max(1, hour_count - length)))
        use[household, first : first + length] = 0.0
    return use


def inject_episodes(
    generator: np.random.Generator,
    meter_ids: list[str],
    use: np.ndarray,
    hours: pd.DatetimeIndex,
    settings: RealisticSettings,
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray, np.ndarray]:
    """Give distinct occupied households one labelled episode each.

    Returns the true use (what flows through each service pipe), the truth,
    the hours a meter is silent and the hours its register is stuck.
    """
    use = use.copy()
    silent = np.zeros(use.shape, dtype=bool)
    stuck = np.zeros(use.shape, dtype=bool)
    occupied = np.flatnonzero(use.sum(axis=1) > 0)
    total = min(len(settings.kinds) * settings.episodes_per_kind, occupied.size)
    chosen = generator.choice(occupied, size=total, replace=False)
    rows = []
    for position, meter in enumerate(chosen):
        kind = settings.kinds[position % len(settings.kinds)]
        first, last, rate = EPISODE_MAKERS[kind](generator, use, silent, stuck, int(meter), hours.size, settings)
        rows.append((meter_ids[meter], kind, hours[first], hours[last - 1] + pd.Timedelta(hours=1), rate))
    episodes = pd.DataFrame(rows, columns=["meter_id", "kind", "start", "end", "rate_m3_per_h"])
    return use, episodes.sort_values(["meter_id", "start"], ignore_index=True), silent, stuck


def _leak(
    generator: np.random.Generator,
    use: np.ndarray,
    silent: np.ndarray,
    stuck: np.ndarray,
    meter: int,
    hour_count: int,
    settings: RealisticSettings,
) -> tuple[int, int, float]:
    low, high = np.log(settings.leak_m3_per_h[0]), np.log(settings.leak_m3_per_h[1])
    rate = float(np.exp(generator.uniform(low, high)))
    first = int(generator.integers(3 * 24, hour_count - 4 * 24))
    repaired = generator.random() < 0.5
    last = min(hour_count, first + int(generator.integers(4 * 24, 21 * 24))) if repaired else hour_count
    use[meter, first:last] += rate
    return first, last, rate


def _burst(
    generator: np.random.Generator,
    use: np.ndarray,
    silent: np.ndarray,
    stuck: np.ndarray,
    meter: int,
    hour_count: int,
    settings: RealisticSettings,
) -> tuple[int, int, float]:
    rate = float(generator.uniform(*settings.burst_m3_per_h))
    first = int(generator.integers(24, hour_count - 24))
    last = first + int(generator.integers(*settings.burst_hours))
    use[meter, first:last] += rate
    return first, last, rate


def _stuck(
    generator: np.random.Generator,
    use: np.ndarray,
    silent: np.ndarray,
    stuck: np.ndarray,
    meter: int,
    hour_count: int,
    settings: RealisticSettings,
) -> tuple[int, int, float]:
    first = int(generator.integers(5 * 24, hour_count - 5 * 24))
    fixed = generator.random() < 0.3
    last = min(hour_count, first + int(generator.integers(5 * 24, 15 * 24))) if fixed else hour_count
    rate = float(use[meter].mean())
    stuck[meter, first:last] = True  # the household still draws water; its register stands still
    return first, last, rate


def _reverse(
    generator: np.random.Generator,
    use: np.ndarray,
    silent: np.ndarray,
    stuck: np.ndarray,
    meter: int,
    hour_count: int,
    settings: RealisticSettings,
) -> tuple[int, int, float]:
    rate = float(generator.uniform(*settings.reverse_m3_per_h))
    first = int(generator.integers(24, hour_count - 24))
    last = first + int(generator.integers(*settings.reverse_hours))
    use[meter, first:last] = -rate
    return first, last, rate


def _gap(
    generator: np.random.Generator,
    use: np.ndarray,
    silent: np.ndarray,
    stuck: np.ndarray,
    meter: int,
    hour_count: int,
    settings: RealisticSettings,
) -> tuple[int, int, float]:
    first = int(generator.integers(24, hour_count - 5 * 24))
    last = first + int(generator.integers(*settings.gap_hours))
    silent[meter, first:last] = True
    return first, last, 0.0


EPISODE_MAKERS = {"continuous_flow": _leak, "burst": _burst, "stuck": _stuck, "reverse": _reverse, "gap": _gap}


def meter_readings(
    generator: np.random.Generator,
    meter_ids: list[str],
    hours: pd.DatetimeIndex,
    use: np.ndarray,
    silent: np.ndarray,
    settings: RealisticSettings,
) -> pd.DataFrame:
    """What the head-end delivers of the households' registers: registered volumes, lost and repeated readings,
    slipped clocks; `use` is what each register counts (zero while it is stuck)."""
    resolution = np.where(generator.random(len(meter_ids)) < settings.coarse_meter_share, 0.010, 0.001)
    index = np.cumsum(use, axis=1)
    registered = np.floor(np.round(index / resolution[:, None], 6)) * resolution[:, None]
    volumes = np.diff(registered, axis=1, prepend=0.0)
    lost = generator.random(use.shape) < generator.uniform(*settings.missing_rate, size=len(meter_ids))[:, None]
    frames = [
        _meter_rows(meter_ids[meter], hours, volumes[meter], silent[meter], lost[meter], generator, settings)
        for meter in range(len(meter_ids))
    ]
    readings = pd.concat(frames, ignore_index=True)
    readings["volume_m3"] = readings["volume_m3"].round(3)
    return readings.sort_values(["meter_id", "timestamp"], kind="stable", ignore_index=True)


def _meter_rows(
    meter_id: str,
    hours: pd.DatetimeIndex,
    volumes: np.ndarray,
    silent: np.ndarray,
    lost: np.ndarray,
    generator: np.random.Generator,
    settings: RealisticSettings,
) -> pd.DataFrame:
    """One meter's rows: a lost reading merges its volume into the next interval; silence drops the rows."""
    timestamps = hours.values.astype("datetime64[us]").copy()
    durations = np.full(hours.size, 3600, dtype=np.int64)
    values = volumes.copy()
    keep = ~silent & ~lost
    for position in np.flatnonzero(lost & ~silent)[::-1]:
        following = position + 1
        if following < hours.size and keep[following]:
            timestamps[following] = timestamps[position]
            durations[following] += 3600
            values[following] += values[position]
    if generator.random() < settings.clock_shift_share:
        first = int(generator.integers(0, hours.size - 48))
        last = first + int(generator.integers(24, 240))
        timestamps[first:last] += np.timedelta64(1, "h")
    frame = pd.DataFrame(
        {"meter_id": meter_id, "timestamp": timestamps[keep], "duration_s": durations[keep], "volume_m3": values[keep]}
    )
    twice = generator.random(len(frame)) < settings.duplicate_rate
    return pd.concat([frame, frame[twice]], ignore_index=True)


def score_alarms(alarms: pd.DataFrame, episodes: pd.DataFrame, kinds: tuple[str, ...] = EPISODE_KINDS) -> pd.DataFrame:
    """Precision, recall and alarms per true episode of each kind.

    An alarm matches an episode of the same meter and kind whose span it
    overlaps. Precision is the share of alarms matching an episode; recall
    the share of episodes matched by an alarm; ``alarms_per_episode`` the
    matching alarms per episode found (1 when each episode raises one alarm).
    """
    rows = []
    for kind in kinds:
        truth = episodes[episodes.kind == kind].reset_index(drop=True).rename_axis("episode").reset_index()
        found = alarms[alarms.kind == kind].reset_index(drop=True).rename_axis("alarm").reset_index()
        pairs = found.merge(truth, on=["meter_id", "kind"], suffixes=("", "_true"))
        pairs = pairs[(pairs.start < pairs.end_true) & (pairs.end > pairs.start_true)]
        matched_alarms, matched_episodes = pairs.alarm.nunique(), pairs.episode.nunique()
        rows.append(
            {
                "kind": kind,
                "episodes": len(truth),
                "alarms": len(found),
                "precision": matched_alarms / len(found) if len(found) else float("nan"),
                "recall": matched_episodes / len(truth) if len(truth) else float("nan"),
                "alarms_per_episode": matched_alarms / matched_episodes if matched_episodes else float("nan"),
            }
        )
    return pd.DataFrame(rows)

"""Leaks behind a customer's meter: a persistent rise of the meter's minimum flow, one alarm per episode.

A leak behind the meter (a running toilet, a dripping tap, a buried pipe)
adds a steady flow to every hour, so it lifts the **floor** of the meter's
flow: the least flow of any hour of the day. A household's own use does not
for long: however busy a night, most days hold an hour without use (at work,
asleep), and a day that does not is not followed by many more. The detector
therefore

1. works out each meter's daily floor f_d, the least mean flow over a window
   of W consecutive read hours ending that day (W = 1 h: a leak of 10 L/h
   moves even a 10 L register by a step every hour, while a wider window
   lets a household's scattered night use add up to a false floor);
2. takes the meter's own usual floor b, a low quantile of its daily floors
   over the span (so a leak covering up to four fifths of the span does not
   hide in it), and its spread s between that quantile and a lower one; a
   usual floor of 10 L/h or more is itself a leak (no household uses water in
   every hour of most days), and such a meter is measured from zero;
3. marks a day elevated when f_d − b ≥ max(q_min, k·s): at least half the
   smallest leak worth a call, and clear of the meter's own wobble;
4. keeps runs of elevated days that last at least the persistence T_p
   (72 h): one episode each, with its estimated flow (the median of f_d − b
   over the run), its start (the end of the last low hour before the run)
   and its end (the end of the run, or the end of the data while it lasts:
   the episode is then open). A day with too few read hours neither breaks
   nor extends a run.

Its confidence is calibrated, not assumed: a logistic function of the
episode's length beyond T_p and of its flow over q_min, fitted on labelled
draws of `hydro.readings.realistic` kept apart from those it is measured on
(BENCHMARKS.md).

The daily floors are defined by one Ibis expression (`daily_floors`), so
they run on DuckDB or Spark; the monthly analysis works the same floors out
in one ordered pass over each meter's readings (`hydro.readings.meter_series`,
held to the expression by the suite). The episodes are plain pandas on one
row per meter and day.

References
----------
.. [1] Britton, T. C., Stewart, R. A. & O'Halloran, K. R. (2013). Smart
   metering: enabler for rapid and effective post meter leakage
   identification and water loss management. *Journal of Cleaner
   Production* 54, 166–176 (leaks behind the meter as a continuous minimum
   flow in hourly smart-meter data).
.. [2] Page, E. S. (1954). Continuous inspection schemes. *Biometrika* 41,
   100–115 (run lengths as evidence of a persistent shift).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis import _

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600.0
FLOOR_COLUMNS = ["meter_id", "day", "floor_m3_per_h", "windows"]
JITTER_STEPS = 1.5
"""A lone negative interval of at most this many register steps, given back by its neighbour, is index jitter
(`without_index_jitter`): a direct-read register between two digits, or a pulse counted back and again."""
FINEST_STEP_DIGITS = 4
"""A register's step is taken as 10⁻ᵏ m³ for the least k up to this (0.1 L) that writes every volume of the meter
(`register_step`): a meter read in litres has step 1 L, one read in tens of litres 10 L."""
STEP_TOLERANCE = 1e-6
"""How far a volume, in steps, may be from a whole number of them (the float error of a difference of indexes)."""
EPISODE_COLUMNS = ["meter_id", "start_s", "end_s", "rate_m3_per_h", "baseline_m3_per_h", "days", "open"]


@dataclass(frozen=True)
class LeakSettings:
    """Thresholds of the leak detector; a county keeps its own as dated parameters.

    Attributes
    ----------
    window_hours : int
        W, consecutive hours over which the floor's mean flow is taken [h].
    minimum_m3_per_h : float
        q_min, the least rise of the floor counted [m³/h] (5 L/h: half the smallest leak worth a call).
    spread_factor : float
        k, how many spreads of the meter's own floor a rise must clear [-].
    baseline_quantile : float
        The quantile of the daily floors taken as the meter's usual floor [-].
    persistence_hours : float
        T_p, how long the floor must stay raised [h].
    standing_m3_per_h : float
        A usual floor this high is itself a leak (no household uses water every hour of most days):
        the meter is then measured from zero [m³/h].
    minimum_windows : int
        Complete windows a day needs for its floor to count.
    coarse_window_hours : int
        W of a meter whose register step is more than the smallest leak worth a call, 2·q_min, moves it in
        W hours (a register read in 100 L: a leak of 70 L/h leaves most hours at zero and the next at 100 L,
        so its floor over one hour is zero) [h]. Over four hours it moves by two steps or more, while a
        household's night rarely holds four hours without a step (`coarse_step_digits`).
    confidence_intercept, confidence_per_day, confidence_per_log_rate : float
        The calibrated logistic confidence, logit p = a + b·(days − T_p/24) + c·ln(rate / q_min).
    """

    window_hours: int = 1
    minimum_m3_per_h: float = 0.005
    spread_factor: float = 3.0
    baseline_quantile: float = 0.2
    persistence_hours: float = 72.0
    standing_m3_per_h: float = 0.01
    minimum_windows: int = 12
    coarse_window_hours: int = 4
    confidence_intercept: float = -0.77
    confidence_per_day: float = 3.18
    confidence_per_log_rate: float = 0.33


def coarse_step_digits(settings: LeakSettings) -> int:
    """k of the finest register step 10⁻ᵏ m³ that is coarse (`coarse_window_hours`): the largest k with 10⁻ᵏ m³ >
    2·q_min·W; −1 when no step of `register_step`'s is."""
    return int(np.ceil(-np.log10(2.0 * settings.minimum_m3_per_h * settings.window_hours) - 1e-9)) - 1


def longest_interval_s(settings: LeakSettings) -> float:
    """The longest usual reading interval a leak can be seen in [s]: 86,400 / `minimum_windows`.

    A day's floor counts when `minimum_windows` windows end in it, and a meter
    read every d seconds closes at most 86,400 / d windows a day (2 h for 12).
    """
    return SECONDS_PER_DAY / settings.minimum_windows


def deduplicated(readings: ibis.Table) -> ibis.Table:
    """One interval per meter and start: readings delivered twice, or met by a slipped clock, count once."""
    return readings.group_by(["meter_id", "timestamp"]).agg(duration_s=_.duration_s.max(), volume_m3=_.volume_m3.max())


def register_step(volume_m3: ibis.Value, meter: Any) -> ibis.Value:
    """Each meter's register step over the window `meter` [m³]: the coarsest 10⁻ᵏ m³, k = 0 … `FINEST_STEP_DIGITS`,
    of which every volume of the meter is a whole number."""
    digits = ibis.cases(
        *(
            (((volume_m3 * 10.0**k) - (volume_m3 * 10.0**k).round()).abs() < STEP_TOLERANCE, k)
            for k in range(FINEST_STEP_DIGITS)
        ),
        else_=FINEST_STEP_DIGITS,
    )
    finest = digits.max().over(meter)
    return ibis.cases(*((finest == k, 10.0**-k) for k in range(FINEST_STEP_DIGITS)), else_=10.0**-FINEST_STEP_DIGITS)


def without_index_jitter(readings: ibis.Table) -> ibis.Table:
    """The readings with each index jitter folded back into its neighbour, as an expression.

    A lone negative interval of at most `JITTER_STEPS` register steps
    (`register_step`) whose neighbour,
    next (else previous) and contiguous, holds at least as much is an index
    read one step off: its volume goes to that neighbour and it reads zero.
    A run of negative intervals, or one the neighbours do not give back, is
    water running backwards and stays. `hydro.readings.meter_series.without_index_jitter`
    is the same rule in one ordered pass.
    """
    start_s = readings.timestamp.epoch_seconds()
    meter = ibis.window(group_by=readings.meter_id)
    facts = readings.mutate(
        start_s=start_s, end_s=start_s + readings.duration_s, step_m3=register_step(readings.volume_m3, meter)
    )
    ordered = ibis.window(group_by=facts.meter_id, order_by=facts.start_s)
    volume = facts.volume_m3
    shifted = facts.mutate(
        previous_m3=volume.lag(1).over(ordered),
        before_previous_m3=volume.lag(2).over(ordered),
        next_m3=volume.lead(1).over(ordered),
        after_next_m3=volume.lead(2).over(ordered),
        joined_previous=(facts.end_s.lag(1).over(ordered) == facts.start_s).fill_null(False),
        previous_joined=(facts.end_s.lag(2).over(ordered) == facts.start_s.lag(1).over(ordered)).fill_null(False),
        joined_next=(facts.end_s == facts.start_s.lead(1).over(ordered)).fill_null(False),
        next_joined=(facts.end_s.lead(1).over(ordered) == facts.start_s.lead(2).over(ordered)).fill_null(False),
    )
    here, _ = _jitter(
        shifted.previous_m3,
        shifted.joined_previous,
        shifted.volume_m3,
        shifted.next_m3,
        shifted.joined_next,
        shifted.step_m3,
    )
    after, after_forward = _jitter(
        shifted.volume_m3,
        shifted.joined_next,
        shifted.next_m3,
        shifted.after_next_m3,
        shifted.next_joined,
        shifted.step_m3,
    )
    before, before_forward = _jitter(
        shifted.before_previous_m3,
        shifted.previous_joined,
        shifted.previous_m3,
        shifted.volume_m3,
        shifted.joined_previous,
        shifted.step_m3,
    )
    corrected = (
        ibis.ifelse(here, 0.0, shifted.volume_m3)
        + ibis.ifelse(after & ~after_forward, shifted.next_m3, 0.0)
        + ibis.ifelse(before & before_forward, shifted.previous_m3, 0.0)
    )
    return shifted.select("meter_id", "timestamp", "duration_s", volume_m3=corrected)


def _jitter(
    previous: ibis.Value,
    joined_previous: ibis.Value,
    volume: ibis.Value,
    following: ibis.Value,
    joined_next: ibis.Value,
    step: ibis.Value,
) -> tuple[ibis.Value, ibis.Value]:
    """Whether an interval of `volume` between `previous` and `following` is index jitter, and whether it folds
    into the following one (`without_index_jitter`)."""
    small = (volume < 0) & (-volume <= JITTER_STEPS * step)
    lone = ~(joined_next & (following < 0)).fill_null(False) & ~(joined_previous & (previous < 0)).fill_null(False)
    forward = (joined_next & (following >= -volume)).fill_null(False)
    backward = (joined_previous & (previous >= -volume)).fill_null(False)
    return (small & lone & (forward | backward)).fill_null(False), forward


def window_flows(readings: ibis.Table, settings: LeakSettings) -> ibis.Table:
    """Each interval's end with the mean flow over the W hours up to it, where those hours are all read; W is
    `coarse_window_hours` for a meter with a coarse register (`coarse_step_digits`).

    Returns ``meter_id, end_s, day, window_m3_per_h`` (``day`` counts days
    from 1970-01-01 of the window's end, wall-clock).
    """
    start_s = readings.timestamp.epoch_seconds()
    meter = ibis.window(group_by=readings.meter_id)
    coarse_digits = coarse_step_digits(settings)
    intervals = readings.mutate(
        end_s=start_s + readings.duration_s,
        hours=readings.duration_s / SECONDS_PER_HOUR,
        span_hours=ibis.ifelse(
            register_step(readings.volume_m3, meter) >= 10.0**-coarse_digits - STEP_TOLERANCE
            if coarse_digits >= 0
            else ibis.literal(False),
            settings.coarse_window_hours,
            settings.window_hours,
        ),
    )
    sums = {}
    for hours in sorted({settings.window_hours, settings.coarse_window_hours}):
        span_s = int(hours * SECONDS_PER_HOUR)
        window = ibis.window(group_by=intervals.meter_id, order_by=intervals.end_s, range=(-(span_s - 1), 0))
        sums[hours] = (intervals.volume_m3.sum().over(window), intervals.hours.sum().over(window))
    windows = intervals.mutate(
        window_m3=ibis.cases(*((intervals.span_hours == hours, volume) for hours, (volume, read) in sums.items())),
        window_hours=ibis.cases(*((intervals.span_hours == hours, read) for hours, (volume, read) in sums.items())),
    )
    complete = windows.filter(windows.window_hours >= windows.span_hours - 1e-6)
    return complete.select(
        "meter_id",
        "end_s",
        day=((complete.end_s - 1) // SECONDS_PER_DAY).cast("int64"),
        window_m3_per_h=complete.window_m3 / complete.window_hours,
    )


def daily_floors(readings: ibis.Table, settings: LeakSettings) -> ibis.Table:
    """Each meter's daily floor f_d: the least windowed mean flow of the day, with the windows counted."""
    flows = window_flows(without_index_jitter(deduplicated(readings)), settings)
    return flows.group_by(["meter_id", "day"]).agg(floor_m3_per_h=_.window_m3_per_h.min(), windows=_.end_s.count())


def meter_levels(floors: pd.DataFrame, settings: LeakSettings) -> pd.DataFrame:
    """Each meter's usual floor b and the rise a day must reach, max(q_min, k·s)."""
    grouped = floors.groupby("meter_id").floor_m3_per_h
    levels = pd.DataFrame(
        {
            "baseline_m3_per_h": grouped.quantile(settings.baseline_quantile),
            "lower_m3_per_h": grouped.quantile(settings.baseline_quantile / 4),
        }
    )
    spread = (levels.baseline_m3_per_h - levels.lower_m3_per_h).clip(lower=0.0)
    levels["rise_m3_per_h"] = np.maximum(settings.minimum_m3_per_h, settings.spread_factor * spread)
    standing = levels.baseline_m3_per_h >= settings.standing_m3_per_h
    levels.loc[standing, ["baseline_m3_per_h", "rise_m3_per_h"]] = (0.0, settings.minimum_m3_per_h)
    return levels[["baseline_m3_per_h", "rise_m3_per_h"]]


def elevated_runs(floors: pd.DataFrame, settings: LeakSettings) -> pd.DataFrame:
    """Runs of consecutive counted days whose floor is raised, one row per run, in meter and day order."""
    counted = floors[floors.windows >= settings.minimum_windows].sort_values(["meter_id", "day"], ignore_index=True)
    counted = counted.join(meter_levels(counted, settings), on="meter_id")
    counted["excess_m3_per_h"] = counted.floor_m3_per_h - counted.baseline_m3_per_h
    counted["elevated"] = counted.excess_m3_per_h >= counted.rise_m3_per_h
    new_meter = counted.meter_id.ne(counted.meter_id.shift())
    starts = counted.elevated & (new_meter | ~counted.elevated.shift(fill_value=False))
    counted["run"] = starts.cumsum()
    runs = (
        counted[counted.elevated]
        .groupby("run")
        .agg(
            meter_id=("meter_id", "first"),
            first_day=("day", "min"),
            last_day=("day", "max"),
            days=("day", "count"),
            rate_m3_per_h=("excess_m3_per_h", "median"),
            baseline_m3_per_h=("baseline_m3_per_h", "first"),
            rise_m3_per_h=("rise_m3_per_h", "first"),
        )
    )
    runs["meter_last_day"] = runs.meter_id.map(counted.groupby("meter_id").day.max())
    return runs.reset_index(drop=True)


def leak_episodes(floors: pd.DataFrame, settings: LeakSettings | None = None) -> pd.DataFrame:
    """The episodes of raised floor that last at least T_p, with start, end, flow and whether still open.

    Times are epoch seconds of wall-clock days here (a run's first day at
    00:00 to the day after its last); `refine_starts` moves each start to the
    end of the last low window before it.
    """
    settings = settings or LeakSettings()
    if floors.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    runs = elevated_runs(floors, settings)
    runs = runs[(runs.last_day - runs.first_day + 1) * 24 >= settings.persistence_hours]
    episodes = pd.DataFrame(
        {
            "meter_id": runs.meter_id,
            "start_s": runs.first_day.astype("int64") * SECONDS_PER_DAY,
            "end_s": (runs.last_day.astype("int64") + 1) * SECONDS_PER_DAY,
            "rate_m3_per_h": runs.rate_m3_per_h,
            "baseline_m3_per_h": runs.baseline_m3_per_h,
            "days": runs.last_day - runs.first_day + 1,
            "open": runs.last_day == runs.meter_last_day,
        }
    )
    return episodes.reset_index(drop=True)


def refine_starts(episodes: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    """Move each episode's start to the end of the last window below baseline + half the flow before the run.

    `flows` holds the windowed flows (``meter_id, end_s, window_m3_per_h``) of
    the episodes' meters on the day before each run; a run with no low window
    that day keeps its start at midnight.
    """
    if episodes.empty or flows.empty:
        return episodes
    refined = episodes.copy()
    for position, episode in refined.iterrows():
        before = flows[
            (flows.meter_id == episode.meter_id)
            & (flows.end_s <= episode.start_s)
            & (flows.end_s > episode.start_s - SECONDS_PER_DAY)
        ]
        low = before[before.window_m3_per_h < episode.baseline_m3_per_h + episode.rate_m3_per_h / 2]
        if not low.empty:
            refined.loc[position, "start_s"] = int(low.end_s.max())
    return refined


def confidence(episodes: pd.DataFrame, settings: LeakSettings) -> pd.Series:
    """The calibrated chance that an episode is a leak: a logistic function of its length and flow."""
    extra_days = episodes.days - settings.persistence_hours / 24.0
    log_rate = np.log(np.maximum(episodes.rate_m3_per_h, 1e-9) / settings.minimum_m3_per_h)
    logit = (
        settings.confidence_intercept
        + settings.confidence_per_day * extra_days
        + settings.confidence_per_log_rate * log_rate
    )
    return 1.0 / (1.0 + np.exp(-logit.astype(float)))


def lost_volume_m3(episodes: pd.DataFrame) -> pd.Series:
    """Water lost over each episode so far: its flow times its duration [m³]."""
    return episodes.rate_m3_per_h * (episodes.end_s - episodes.start_s) / SECONDS_PER_HOUR


def as_anomalies(episodes: pd.DataFrame, settings: LeakSettings) -> pd.DataFrame:
    """Leak episodes as rows of the customer anomalies (``kind`` continuous_flow, epoch-second times)."""
    if episodes.empty:
        return pd.DataFrame(
            columns=["meter_id", "kind", "start_s", "end_s", "volume_m3", "confidence", "rate_m3_per_h", "open"]
        )
    return pd.DataFrame(
        {
            "meter_id": episodes.meter_id,
            "kind": "continuous_flow",
            "start_s": episodes.start_s.astype("int64"),
            "end_s": episodes.end_s.astype("int64"),
            "volume_m3": lost_volume_m3(episodes).round(3),
            "confidence": confidence(episodes, settings).round(2),
            "rate_m3_per_h": episodes.rate_m3_per_h.round(4),
            "open": episodes.open.astype(bool),
        }
    )

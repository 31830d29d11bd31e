"""Each meter's readings as arrays in meter and time order: the customer anomalies in one ordered pass.

The customer anomalies (`hydro.readings.anomaly_rules.customer_anomalies`) and the
leak floors (`hydro.readings.customer_leaks.daily_floors`) are defined as
Ibis window expressions: lags, per-meter sums and running sums over each
meter's intervals in time order. An engine sorts the period's readings again
for every window, and those sorts were nine tenths of the month's analysis.
Here the engine only reads the readings; they are put in meter and time
order once (the store's files already are, so this is usually a check), and
every window becomes an array operation over that order: a lag is a shift, a
per-meter sum a sum over the meter's segment, a run a segment between
breaks. The rules, and so the events, are those of the expressions, which
the suite checks row for row.

Times are epoch seconds of the wall-clock times, volumes m³, flows m³/h.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from hydro.readings.customer_leaks import (
    FINEST_STEP_DIGITS,
    FLOOR_COLUMNS,
    JITTER_STEPS,
    SECONDS_PER_DAY,
    STEP_TOLERANCE,
    LeakSettings,
    coarse_step_digits,
)

if TYPE_CHECKING:
    from hydro.readings.analysis import AnomalySettings

SECONDS_PER_HOUR = 3600.0
EVENT_COLUMNS = ["meter_id", "kind", "start_s", "end_s", "volume_m3", "confidence"]
WINDOW_COLUMNS = ["meter_id", "end_s", "day", "window_m3_per_h"]
USE, ZERO, NEGATIVE = 1, 0, -1
"""States of an interval: water used, none, or flowing backwards."""
ZERO_RUN = "zero_run"
"""A run of zeros that ended (`hydro.readings.analysis.ZERO_RUN`)."""
LUMPED_FACTOR = 2
"""A reading covering at least this many times its meter's usual interval (`usual_intervals_s`; and `gap_hours`)
stands for readings lost: an index file's meter silent for a day and then read again gives one interval of a day,
not a hole."""


@dataclass(frozen=True)
class MeterSeries:
    """Intervals of many meters, in meter and start order, one per meter and start.

    Attributes
    ----------
    names : numpy array of str
        The meters' identifiers in sorted order; ``code`` indexes it.
    code, start_s, duration_s : numpy arrays of int64
        Each interval's meter, start [epoch s] and length [s].
    volume_m3 : numpy array of float64
        The volume of each interval [m³].
    """

    names: np.ndarray
    code: np.ndarray
    start_s: np.ndarray
    duration_s: np.ndarray
    volume_m3: np.ndarray

    @cached_property
    def end_s(self) -> np.ndarray:
        return self.start_s + self.duration_s

    @cached_property
    def hours(self) -> np.ndarray:
        return self.duration_s.astype(np.float64) / SECONDS_PER_HOUR

    def first_rows(self) -> np.ndarray:
        """Where each meter's intervals begin."""
        return np.flatnonzero(np.concatenate([[True], self.code[1:] != self.code[:-1]]))

    def meter_ids(self, codes: np.ndarray) -> np.ndarray:
        return self.names[codes]

    def of_codes(self, codes: np.ndarray) -> MeterSeries:
        """The intervals of the meters with these codes only."""
        rows = np.isin(self.code, codes)
        return MeterSeries(self.names, self.code[rows], self.start_s[rows], self.duration_s[rows], self.volume_m3[rows])


def unread_meters_by_hour(series: MeterSeries, period_start_s: int, period_end_s: int) -> np.ndarray:
    """For each hour of the period, how many of the series' meters have no interval in it [-]: an interval
    standing for readings lost (`LUMPED_FACTOR`, an index read again after a silence) reads only its last usual
    interval, so a concentrator's or network's outage shows in index files as in interval files."""
    hour_count = max(int(np.ceil((period_end_s - period_start_s) / SECONDS_PER_HOUR)), 0)
    firsts = series.first_rows()
    meter_count = int(firsts.size) if len(series.code) else 0
    hour = int(SECONDS_PER_HOUR)
    start_s = series.start_s
    if meter_count:
        usual = np.repeat(usual_intervals_s(series.duration_s, firsts), np.diff(np.append(firsts, len(series.code))))
        lumped = series.duration_s >= LUMPED_FACTOR * usual
        start_s = np.where(lumped, series.end_s - usual, start_s)
    first, into_hour = np.divmod(start_s - period_start_s, hour)
    if not into_hour.any() and (series.duration_s == hour).all():
        # hourly intervals on the hour, one per meter and start: count them
        inside = (first >= 0) & (first < hour_count)
        return meter_count - np.bincount(first[inside], minlength=hour_count)[:hour_count]
    last = (series.end_s - 1 - period_start_s) // hour
    if np.array_equal(first, last):
        # each interval within one hour: count each meter once in each hour it has one in (series are in order)
        new = np.ones(first.size, dtype=bool)
        new[1:] = (series.code[1:] != series.code[:-1]) | (first[1:] != first[:-1])
        inside = new & (first >= 0) & (first < hour_count)
        return meter_count - np.bincount(first[inside], minlength=hour_count)[:hour_count]
    first, last = np.clip(first, 0, hour_count - 1), np.clip(last, -1, hour_count - 1)
    spans = np.maximum(last - first + 1, 0)
    rows = np.repeat(np.arange(meter_count), np.diff(np.append(series.first_rows(), len(series.code))))
    read = np.zeros((meter_count, hour_count), dtype=bool)
    offsets = np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans, spans)
    read[np.repeat(rows, spans), np.repeat(first, spans) + offsets] = True
    return meter_count - read.sum(axis=0)


def intervals_of(series: MeterSeries, meter_ids: Iterable[str]) -> pd.DataFrame:
    """The intervals of these meters as a table ``meter_id, start_s, duration_s, volume_m3``, the meters as a
    categorical over the series' names (a month of a group's 2,000 meters is 1.5 M rows, which as strings cost
    the analysis a fifth of its time)."""
    wanted = set(meter_ids)
    chosen = np.fromiter((name in wanted for name in series.names), dtype=bool, count=len(series.names))
    rows = chosen[series.code] if len(series.code) else np.zeros(0, dtype=bool)
    return pd.DataFrame(
        {
            "meter_id": pd.Categorical.from_codes(series.code[rows], categories=pd.Index(series.names, dtype=object)),
            "start_s": series.start_s[rows],
            "duration_s": series.duration_s[rows],
            "volume_m3": series.volume_m3[rows],
        }
    )


def read_series(connection: BaseBackend, readings: ibis.Table, meter_ids: Sequence[str] | None = None) -> MeterSeries:
    """The readings' intervals (of these meters only) as a `MeterSeries`; readings given twice count once.

    Of a reading given twice, the longest interval and the largest volume
    count. The engine only scans; the order is checked here and made when the
    rows do not arrive in it (a month of several batches).
    """
    table = connection.to_pyarrow(readings.select("meter_id", "timestamp", "duration_s", "volume_m3"))
    names, code = _meter_codes(table.column("meter_id").combine_chunks())
    stamps = table.column("timestamp").combine_chunks()
    start_s = pc.cast(stamps, pa.int64()).to_numpy(zero_copy_only=False) // _ticks_per_second(stamps.type)
    duration_s = table.column("duration_s").to_numpy().astype(np.int64, copy=False)
    volume_m3 = table.column("volume_m3").to_numpy().astype(np.float64, copy=False)
    if meter_ids is not None:
        chosen = set(meter_ids)
        wanted = np.fromiter((name in chosen for name in names), dtype=bool, count=len(names))
        if not wanted.all():
            rows = wanted[code]
            code, start_s, duration_s, volume_m3 = code[rows], start_s[rows], duration_s[rows], volume_m3[rows]
    return without_index_jitter(_ordered_once(names, code, start_s, duration_s, volume_m3))


def without_index_jitter(series: MeterSeries) -> MeterSeries:
    """The series with each reading's index jitter folded back (`hydro.readings.customer_leaks.JITTER_STEPS`).

    A lone negative interval of at most `JITTER_STEPS` register steps whose neighbour, next (else previous) and
    contiguous, holds at least as much is an index read one step off: the next interval gives the step back (read
    low) or the previous one took it (read high). The negative volume goes to that neighbour and the interval reads
    zero, so the meter's volume is unchanged. The step is the meter's register step (`register_steps`).
    Only the negative intervals and their neighbours are looked at, so a month with none costs one comparison.
    """
    volume = series.volume_m3
    negative = np.flatnonzero(volume < 0)
    if negative.size == 0:
        return series
    rows, forward = _jitter(series, negative)
    if rows.size == 0:
        return series
    corrected = volume.copy()
    np.add.at(corrected, np.where(forward, rows + 1, rows - 1), volume[rows])
    corrected[rows] = 0.0
    return dataclasses.replace(series, volume_m3=corrected)


def register_steps(series: MeterSeries, codes: np.ndarray) -> np.ndarray:
    """The register step of the meters with these codes [m³], by code (infinite for the others): the coarsest
    10⁻ᵏ m³, k = 0 … `FINEST_STEP_DIGITS`, of which every volume of the meter is a whole number."""
    rows = np.isin(series.code, np.unique(codes))
    volume = series.volume_m3[rows]
    digits = np.full(volume.size, FINEST_STEP_DIGITS, dtype=np.int64)
    for k in reversed(range(FINEST_STEP_DIGITS)):
        scaled = volume * 10.0**k
        digits[np.abs(scaled - np.round(scaled)) < STEP_TOLERANCE] = k
    finest = np.full(len(series.names), -1, dtype=np.int64)
    np.maximum.at(finest, series.code[rows], digits)
    return np.where(finest >= 0, 10.0 ** -finest.astype(np.float64), np.inf)


def _jitter(series: MeterSeries, negative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of the negative intervals, those that are index jitter (`without_index_jitter`), and whether each folds into
    the next interval (else the previous one)."""
    volume, code, size = series.volume_m3, series.code, series.volume_m3.size
    step_by_code = register_steps(series, code[negative])
    after, before = np.minimum(negative + 1, size - 1), np.maximum(negative - 1, 0)
    joined_next = (
        (negative + 1 < size) & (code[after] == code[negative]) & (series.end_s[negative] == series.start_s[after])
    )
    joined_previous = (
        (negative > 0) & (code[before] == code[negative]) & (series.end_s[before] == series.start_s[negative])
    )
    given_back = -volume[negative]
    small = given_back <= JITTER_STEPS * step_by_code[code[negative]]
    lone = ~(joined_next & (volume[after] < 0)) & ~(joined_previous & (volume[before] < 0))
    forward = joined_next & (volume[after] >= given_back)
    backward = joined_previous & (volume[before] >= given_back)
    jitter = small & lone & (forward | backward)
    return negative[jitter], forward[jitter]


def _meter_codes(meters: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The meters' names in sorted order, and each row's index into them.

    Rows in meter order (the store's files are) are numbered where the name
    changes; otherwise the names are looked up.
    """
    if len(meters) == 0:
        return np.asarray([], dtype=object), np.zeros(0, dtype=np.int64)
    changed = pc.not_equal(meters.slice(1), meters.slice(0, len(meters) - 1)).to_numpy(zero_copy_only=False)
    heads = np.flatnonzero(np.concatenate([[True], changed]))
    names = np.asarray(meters.take(pa.array(heads)).to_pylist(), dtype=object)
    if all(first < second for first, second in pairwise(names)):
        return names, np.cumsum(np.concatenate([[0], changed])).astype(np.int64)
    encoded = pc.dictionary_encode(meters)
    assert isinstance(encoded, pa.DictionaryArray)
    names = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return names[order], rank[encoded.indices.to_numpy(zero_copy_only=False)]


def _ticks_per_second(stamp_type: pa.DataType) -> int:
    unit = getattr(stamp_type, "unit", "s")
    return {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]


def _ordered_once(
    names: np.ndarray, code: np.ndarray, start_s: np.ndarray, duration_s: np.ndarray, volume_m3: np.ndarray
) -> MeterSeries:
    if len(code) == 0:
        return MeterSeries(names, code, start_s, duration_s, volume_m3)
    key = code * (int(start_s.max() - start_s.min()) + 1) + (start_s - start_s.min())
    if np.any(key[1:] < key[:-1]):
        order = np.argsort(key, kind="stable")
        key, code, start_s, duration_s, volume_m3 = (
            column[order] for column in (key, code, start_s, duration_s, volume_m3)
        )
    repeated = key[1:] == key[:-1]
    if repeated.any():
        first = np.flatnonzero(np.concatenate([[True], ~repeated]))
        duration_s = np.maximum.reduceat(duration_s, first)
        volume_m3 = np.maximum.reduceat(volume_m3, first)
        code, start_s = code[first], start_s[first]
    return MeterSeries(names, code, start_s, duration_s, volume_m3)


# --- the interval anomalies: burst, stuck, reverse, gap ------------------------------------------------------


@dataclass(frozen=True)
class _Runs:
    """Runs of consecutive intervals in one state, one element per run, and the intervals of each."""

    code: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    rows: np.ndarray  # the runs' intervals, run after run
    offsets: np.ndarray  # where each run begins in `rows`
    hours: np.ndarray

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Σ of one value per interval in `rows` over each run, added in time order."""
        return np.add.reduceat(values, self.offsets) if len(self.offsets) else np.zeros(0)


def interval_events(
    series: MeterSeries, period_start_s: int, period_end_s: int, settings: AnomalySettings, zero_runs: bool = False
) -> pd.DataFrame:
    """Bursts, stuck meters, reverse flow and gaps of every meter, one row per run (the rules of
    `hydro.readings.anomaly_rules`); with `zero_runs`, also the runs of zeros that ended (kind ``zero_run``), as
    `anomaly_rules.customer_anomalies` gives them.

    Returns ``meter_id, kind, start_s, end_s, volume_m3, confidence``, the volume
    rounded to the litre and the confidence to 0.01 as the expression does.
    """
    if len(series.code) == 0:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    hours, volume, start, end = series.hours, series.volume_m3, series.start_s, series.end_s
    firsts = series.first_rows()
    counts = np.diff(np.append(firsts, len(series.code)))
    total_m3 = np.add.reduceat(volume, firsts)
    total_hours = np.add.reduceat(hours, firsts)
    with np.errstate(divide="ignore", invalid="ignore"):
        meter_mean = total_m3 / total_hours
        flow = volume / hours
    high_level = np.repeat(np.maximum(settings.burst_factor * meter_mean, settings.burst_minimum_m3_per_h), counts)
    resolution = settings.resolution_m3
    state = (volume >= resolution).view(np.int8) - (volume <= -resolution).view(np.int8)
    new_meter = np.zeros(len(start), dtype=bool)
    new_meter[firsts] = True
    previous_end = np.concatenate([[0], end[:-1]])
    contiguous = ~new_meter & (previous_end == start)
    is_high = flow >= high_level
    changed = state != np.concatenate([[ZERO], state[:-1]])
    state_break = ~contiguous | changed
    lost = ~new_meter & (previous_end < start) & (start - previous_end < settings.gap_hours * SECONDS_PER_HOUR)
    zero_break = ~(contiguous | lost) | changed
    high_break = ~contiguous | (is_high != np.concatenate([[False], is_high[:-1]]))
    mean_by_code = np.zeros(len(series.names))
    mean_by_code[series.code[firsts]] = meter_mean
    meter_totals = (series.code[firsts], total_m3, total_hours, np.maximum.reduceat(end, firsts))
    parts = [
        _bursts(_runs(series, is_high, high_break, settings.shortest_burst_hours()), series, mean_by_code, settings),
        _stuck(_runs(series, state == ZERO, zero_break, settings.stuck_hours), meter_totals, settings, zero_runs),
        _reverse(_runs(series, state == NEGATIVE, state_break, 0.0), series, settings),
        _gaps(series, firsts, meter_mean, new_meter, previous_end, period_start_s, period_end_s, settings),
    ]
    events = pd.concat([part for part in parts if len(part)], ignore_index=True) if any(map(len, parts)) else None
    if events is None:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    events["volume_m3"] = _round_half_away(events.volume_m3.to_numpy(np.float64), 3)
    events["confidence"] = _round_half_away(events.confidence.to_numpy(np.float64), 2)
    events.insert(0, "meter_id", series.meter_ids(events.pop("code").to_numpy()))
    return events[EVENT_COLUMNS]


def _runs(series: MeterSeries, chosen: np.ndarray, breaks: np.ndarray, minimum_hours: float) -> _Runs:
    """Runs of chosen intervals that may last `minimum_hours`: a run starts where a break (new state, hole, new
    meter) meets a chosen interval and ends before the next break.

    A run ends with its last interval; its hours are those of its intervals
    (a run of zeros bridges readings lost for less than `gap_hours`, which
    then do not count). Runs clearly shorter than `minimum_hours` by their
    span are dropped before their hours are summed interval by interval as
    the engines do.
    """
    heads = np.flatnonzero(chosen & breaks)
    tails = np.flatnonzero(chosen & np.append(breaks[1:], True))
    span_h = (series.end_s[tails] - series.start_s[heads]) / SECONDS_PER_HOUR
    long_enough = span_h >= minimum_hours - 1e-6
    heads, tails = heads[long_enough], tails[long_enough]
    lengths = tails - heads + 1
    offsets = np.cumsum(lengths) - lengths
    rows = np.arange(int(lengths.sum())) + np.repeat(heads - offsets, lengths)
    runs = _Runs(series.code[heads], series.start_s[heads], series.end_s[tails], rows, offsets, np.zeros(0))
    return dataclasses.replace(runs, hours=runs.sums(series.hours[rows]))


def _events(kind: str, runs: _Runs, keep: np.ndarray, volume: np.ndarray, confidence: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": runs.code[keep],
            "kind": kind,
            "start_s": runs.start_s[keep].astype(np.int64),
            "end_s": runs.end_s[keep].astype(np.int64),
            "volume_m3": volume[keep].astype(np.float64),
            "confidence": np.minimum(confidence[keep].astype(np.float64), 1.0),
        }
    )


def _bursts(runs: _Runs, series: MeterSeries, mean_by_code: np.ndarray, settings: AnomalySettings) -> pd.DataFrame:
    """Runs of high flow long enough; the volume is the flow above the meter's mean, Σ (V − q̄ · t)."""
    burst_hours = settings.burst_hours
    keep = runs.hours >= settings.shortest_burst_hours()
    lengths = np.diff(np.append(runs.offsets, len(runs.rows)))
    mean = np.repeat(mean_by_code[runs.code], lengths)
    excess = runs.sums(series.volume_m3[runs.rows] - mean * series.hours[runs.rows])
    return _events("burst", runs, keep, excess, runs.hours / (2 * burst_hours))


def _stuck(
    runs: _Runs, meter_totals: tuple[np.ndarray, ...], settings: AnomalySettings, zero_runs: bool = False
) -> pd.DataFrame:
    """Runs of zeros long enough, up to the meter's last reading (or very long), on a meter that flows otherwise;
    with `zero_runs`, the other such runs too, as kind ``zero_run``."""
    meter_codes, total_m3, total_hours, last_end_s = meter_totals
    stuck_hours = settings.stuck_hours
    meter = np.searchsorted(meter_codes, runs.code)
    outside_hours = total_hours[meter] - runs.hours
    with np.errstate(divide="ignore", invalid="ignore"):
        outside = np.where(outside_hours > 0, total_m3[meter] / outside_hours, 0.0)
    candidate = (runs.hours >= stuck_hours) & (outside >= settings.stuck_expected_m3_per_h)
    called = (runs.end_s >= last_end_s[meter]) | (runs.hours >= settings.stuck_long_hours)
    volume, confidence = outside * runs.hours, runs.hours / (2 * stuck_hours)
    stuck = _events("stuck", runs, candidate & called, volume, confidence)
    if not zero_runs:
        return stuck
    return pd.concat([stuck, _events(ZERO_RUN, runs, candidate & ~called, volume, confidence)], ignore_index=True)


def _reverse(runs: _Runs, series: MeterSeries, settings: AnomalySettings) -> pd.DataFrame:
    volume = -runs.sums(series.volume_m3[runs.rows])
    keep = volume > settings.reverse_minimum_steps * register_steps(series, runs.code)[runs.code]
    return _events("reverse", runs, keep, volume, runs.hours / settings.reverse_full_confidence_hours)


def usual_intervals_s(duration_s: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    """Each meter's usual reading interval [s], its intervals given in meter order from `firsts`.

    The shortest interval d₁, unless under half of the meter's intervals are shorter than
    `LUMPED_FACTOR` · d₁: then d₁ is an odd one (a meter replaced, or read once more by hand,
    splits a day of a meter read daily) and the usual interval is the shortest of the rest.
    """
    counts = np.diff(np.append(firsts, len(duration_s)))
    shortest = np.repeat(np.minimum.reduceat(duration_s, firsts), counts)
    near_shortest = duration_s < LUMPED_FACTOR * shortest
    rest = np.where(near_shortest, np.iinfo(np.int64).max, duration_s.astype(np.int64))
    shortest_of_rest = np.minimum.reduceat(rest, firsts)
    usual = np.add.reduceat(near_shortest.astype(np.int64), firsts) * 2 >= counts
    return np.where(usual, shortest[firsts], shortest_of_rest)


def usual_interval_by_meter(series: MeterSeries) -> pd.DataFrame:
    """Each meter's usual reading interval, ``meter_id, usual_interval_s`` [s], in meter order."""
    firsts = series.first_rows()
    if firsts.size == 0:
        return pd.DataFrame(
            {"meter_id": pd.Series([], dtype=object), "usual_interval_s": pd.Series([], dtype=np.int64)}
        )
    usual = usual_intervals_s(series.duration_s, firsts)
    return pd.DataFrame({"meter_id": series.meter_ids(series.code[firsts]), "usual_interval_s": usual.astype(np.int64)})


def _gaps(
    series: MeterSeries,
    firsts: np.ndarray,
    meter_mean: np.ndarray,
    new_meter: np.ndarray,
    previous_end: np.ndarray,
    period_start_s: int,
    period_end_s: int,
    settings: AnomalySettings,
) -> pd.DataFrame:
    """Time without readings between intervals, and before the first and after the last within the period; and
    an interval standing for readings lost (`LUMPED_FACTOR`); each at least `gap_hours` long and with at least
    `gap_lost_readings` readings lost."""
    inner = np.flatnonzero(~new_meter & (previous_end < series.start_s))
    usual = np.repeat(usual_intervals_s(series.duration_s, firsts), np.diff(np.append(firsts, len(series.code))))
    lumped = np.flatnonzero(series.duration_s >= LUMPED_FACTOR * usual)
    last_end = np.maximum.reduceat(series.end_s, firsts)
    first_start = series.start_s[firsts]
    leading = np.flatnonzero(first_start > period_start_s)
    trailing = np.flatnonzero(last_end < period_end_s)
    inner_meter, lumped_meter = (np.searchsorted(firsts, rows, side="right") - 1 for rows in (inner, lumped))
    meter = np.concatenate([inner_meter, lumped_meter, leading, trailing])
    gap_start = np.concatenate(
        [previous_end[inner], series.start_s[lumped], np.full(len(leading), period_start_s), last_end[trailing]]
    )
    gap_end = np.concatenate(
        [series.start_s[inner], series.end_s[lumped], first_start[leading], np.full(len(trailing), period_end_s)]
    )
    hours = (gap_end - gap_start).astype(np.float64) / SECONDS_PER_HOUR
    none = np.zeros(0, dtype=np.int64)
    runs = _Runs(series.code[firsts][meter], gap_start, gap_end, none, none, hours)
    meter_usual = usual[firsts][meter]
    readings_lost = settings.gap_lost_readings + np.repeat(
        [0, 1, 0, 0], [len(inner), len(lumped), len(leading), len(trailing)]
    )
    keep = ((gap_end - gap_start) >= settings.gap_hours * SECONDS_PER_HOUR) & (
        (gap_end - gap_start) >= readings_lost * meter_usual
    )
    volume = np.maximum(meter_mean[meter], 0.0) * hours
    return _events("gap", runs, keep, volume, np.ones(len(meter)))


def _round_half_away(values: np.ndarray, digits: int) -> np.ndarray:
    """Rounding as the engines' ``round`` does it: halves away from zero."""
    scale = 10.0**digits
    scaled = values * scale
    return np.where(scaled >= 0, np.floor(scaled + 0.5), np.ceil(scaled - 0.5)) / scale


# --- leak floors --------------------------------------------------------------------------------------------


def window_flows(series: MeterSeries, settings: LeakSettings, by_code: bool = False) -> pd.DataFrame:
    """Each interval's end with the mean flow over the W hours up to it, where those hours are all read.

    The windows of `hydro.readings.customer_leaks.window_flows`: the
    intervals of the meter ending in (end − W, end], summed. Returns
    ``meter_id, end_s, day, window_m3_per_h`` in meter and end order;
    with `by_code` the meter is its code (an index into ``series.names``,
    in the same order), which groups faster.
    """
    code, end_s, window_m3, window_hours = _complete_windows(series, settings)
    return pd.DataFrame(
        {
            "meter_id": code if by_code else series.meter_ids(code),
            "end_s": end_s,
            "day": (end_s - 1) // SECONDS_PER_DAY,
            "window_m3_per_h": window_m3 / window_hours,
        }
    )


def window_hours_by_code(series: MeterSeries, settings: LeakSettings) -> np.ndarray:
    """Each meter's W [h], by code: `coarse_window_hours` where every volume of the meter is a whole number of
    the coarse register step (`hydro.readings.customer_leaks.coarse_step_digits`), else `window_hours`: the
    rule of `register_steps`, asked of that one step in one pass over the volumes rather than of every step."""
    hours = np.full(len(series.names), settings.window_hours, dtype=np.int64)
    digits = coarse_step_digits(settings)
    if digits < 0 or len(series.code) == 0 or settings.coarse_window_hours == settings.window_hours:
        return hours
    scaled = series.volume_m3 * 10.0**digits
    whole = np.abs(scaled - np.round(scaled)) < STEP_TOLERANCE
    firsts = series.first_rows()
    coarse = np.logical_and.reduceat(whole, firsts)
    hours[series.code[firsts][coarse]] = settings.coarse_window_hours
    return hours


def _complete_windows(series: MeterSeries, settings: LeakSettings) -> tuple[np.ndarray, ...]:
    """The windows whose W hours are all read."""
    hours_by_code = window_hours_by_code(series, settings)
    code, end_s, window_m3, window_hours = _windows(series, hours_by_code)
    complete = window_hours >= hours_by_code[code] - 1e-6
    if complete.all():
        return code, end_s, window_m3, window_hours
    return code[complete], end_s[complete], window_m3[complete], window_hours[complete]


def daily_floors(series: MeterSeries, settings: LeakSettings, by_code: bool = False) -> pd.DataFrame:
    """Each meter's daily floor f_d (`hydro.readings.customer_leaks.daily_floors`), with the windows counted;
    `by_code` as in `window_flows`."""
    code, end_s, window_m3, window_hours = _complete_windows(series, settings)
    day = (end_s - 1) // SECONDS_PER_DAY
    flow = window_m3 / window_hours
    if len(code) == 0:
        return pd.DataFrame(columns=FLOOR_COLUMNS)
    heads = np.flatnonzero(np.concatenate([[True], (code[1:] != code[:-1]) | (day[1:] != day[:-1])]))
    return pd.DataFrame(
        {
            "meter_id": code[heads] if by_code else series.meter_ids(code[heads]),
            "day": day[heads],
            "floor_m3_per_h": np.minimum.reduceat(flow, heads),
            "windows": np.diff(np.append(heads, len(code))),
        }
    )


def _windows(series: MeterSeries, hours_by_code: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per interval, in meter and end order: meter, end, and the volume and hours of its window of its meter's W
    hours (`hours_by_code`)."""
    code, end_s, volume, hours = series.code, series.end_s, series.volume_m3, series.hours
    if len(code) == 0:
        return code, end_s, volume, hours
    offset = int(end_s.min())
    span_by_code = (hours_by_code * SECONDS_PER_HOUR).astype(np.int64)
    widest_s = int(span_by_code.max())
    stride = int(end_s.max()) - offset + widest_s + 1
    key = code * stride + (end_s - offset + widest_s)
    if np.any(key[1:] < key[:-1]):
        order = np.argsort(key, kind="stable")
        key, code, end_s, volume, hours = (column[order] for column in (key, code, end_s, volume, hours))
    span_s = span_by_code[code]
    if np.all(np.diff(key) >= span_s[1:]):  # each window holds its own interval only (hourly readings, W = 1 h)
        return code, end_s, volume, hours
    first = np.searchsorted(key, key - (span_s - 1), side="left")
    last = np.searchsorted(key, key, side="right")
    window_m3, window_hours = np.zeros(len(key)), np.zeros(len(key))
    for step in range(int((last - first).max())):
        inside = first + step < last
        taken = np.minimum(first + step, len(key) - 1)
        window_m3 += np.where(inside, volume[taken], 0.0)
        window_hours += np.where(inside, hours[taken], 0.0)
    return code, end_s, window_m3, window_hours

"""Analyses of smart-meter readings: customer-side anomalies, and the monthly analysis.

Each analysis is an Ibis expression over the stored readings
(``meter_id, timestamp, duration_s, volume_m3``; see `hydro.readings.store`)
and the zone membership (``meter_id, dma_id, role``;
`hydro.readings.periods`), so it runs unchanged on DuckDB or Spark
(`hydro.readings.engine`). The customer anomalies are defined by Ibis window
expressions (`hydro.readings.anomaly_rules`,
`hydro.readings.customer_leaks.daily_floors`), but the monthly analysis
works them out in one ordered pass over each meter's readings
(`hydro.readings.meter_series`): the engine then only reads the
readings, instead of sorting them again for every window. A run of zeros that
ended is told apart, stuck meter or household away, on the DMA's daily
balance once every meter is done (`stuck_by_balance`,
`hydro.readings.stuck_balance`). The minimum night flow and its alarms are
in `hydro.readings.night_flow`; `analyse` runs them all.

Units: volumes m³, flows m³/h, durations s (stored) and h (reported).
Times are wall-clock times in the county's time zone; an interval belongs to
the hour, day or month in which it starts.

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from hydro.readings import meter_series
from hydro.readings.alarm_confidence import DEFAULT_TABLE, ConfidenceTable, calibrated
from hydro.readings.balance import dma_balance, rolled_up_balance
from hydro.readings.customer_leaks import (
    LeakSettings,
    as_anomalies,
    leak_episodes,
    longest_interval_s,
    refine_starts,
)
from hydro.readings.engine import execute, memory_table
from hydro.readings.meter_series import ZERO_RUN, MeterSeries
from hydro.readings.night_flow import NightFlowSettings, night_flow, night_flow_alarms
from hydro.readings.periods import SECONDS_PER_HOUR, Period, in_period
from hydro.readings.stuck_balance import BalanceTest, hidden_use

SECONDS_PER_DAY = 86_400
ANOMALY_COLUMNS = ["meter_id", "kind", "start", "end", "volume_m3", "confidence", "rate_m3_per_h", "open"]
ANOMALY_KINDS = ("continuous_flow", "burst", "stuck", "reverse", "gap")


@dataclass(frozen=True)
class AnomalySettings:
    """Thresholds of the customer-side anomaly kinds; a county edits these.

    Attributes
    ----------
    resolution_m3 : float
        Smallest volume counted as use, either way [m³] (1 L).
    continuous_flow_hours : float
        A leak behind the meter is a rise of the meter's floor that lasts this long [h]
        (`hydro.readings.customer_leaks`, its persistence T_p).
    burst_factor, burst_minimum_m3_per_h, burst_hours : float
        A burst is flow at least `burst_factor` times the meter's mean and at
        least `burst_minimum_m3_per_h`, for at least `burst_hours`. Three
        hours: two found the second synthetic county's two-hour bursts but
        raised false ones on both counties (BENCHMARKS.md).
    burst_usual_peak_factor : float
        ...and at least this many times the meter's usual peak, so that a
        shop's or a restaurant's busy hours are not taken for a burst
        (`unusual_bursts`). Four on the tuning draws and on a second,
        separately written generator with shops: false bursts flowed at most
        3.7 times their meter's usual peak (over three hours), true ones at
        least 5.2 times (BENCHMARKS.md).
    burst_short_hours, burst_short_usual_peak_factor : float
        A run of high flow at least `burst_short_hours` long but shorter than
        `burst_hours` is a burst when it flows `burst_short_usual_peak_factor`
        times its meter's usual peak over as many hours as it lasts
        (`unusual_bursts`); `burst_short_hours` ≥ `burst_hours` looks for none.
        A household's usual peak over two hours is higher than over three, and
        its busiest two hours stand further above it: on both synthetic
        counties' tuning draws a busy evening or morning of two hours flowed
        at most 5.2 times the household's usual two-hour peak, the two-hour
        bursts at least 6.6 times (BENCHMARKS.md). A single hour of high
        flow is a burst too (a hose left open, a water heater's relief valve):
        on the third county's tuning draws 16 of 80 bursts lasted an hour and
        none was raised while the shortest run was two hours. At ten times
        the usual peak, 72 of its 80 were found with no false burst; the
        second county's tuning draws found 63 of their 64 (one two-hour burst
        flows between six and ten times its usual peak), with 2 false as at
        six times for two hours; one-hour runs at six times raised 3 and 4
        false bursts on the other counties' tuning draws.
    stuck_hours, stuck_expected_m3_per_h : float
        A stuck meter shows zero for at least `stuck_hours` while its mean
        flow over the rest of the period is at least `stuck_expected_m3_per_h`,
        and still shows zero at its last reading, or lasted `stuck_long_hours`.
        A run of zeros that ended sooner is a stuck meter when its DMA's
        balance shows the household's water flowing unmetered during it
        (`hydro.readings.stuck_balance`), and otherwise a household away.
        A run of zeros goes on over readings lost for less than `gap_hours`
        (on a second draw of the tuning county, with 1–4 % of readings lost,
        the stuck meters found went from 24 to 46 of 62; BENCHMARKS.md).
    stuck_balance_share, stuck_balance_sigmas : float
        That balance must rise, at both ends of the run, by at least this
        share of the meter's usual use, and by this many standard errors.
    stuck_balance_days : int
        Whole days before and after the run its days are compared with.
    reverse_full_confidence_hours : float
        Negative flow over this many hours is reported with full confidence.
    reverse_minimum_steps : float
        A run of negative flow must move the register back by more than this many of its steps (the meter's
        smallest volume): one or two steps back and forth is the reading's own jitter (on the tuning draws with
        index jitter, every false reverse flow moved one or two steps and every true one three or more).
    gap_hours : float
        A gap is at least this long without readings [h], or a reading
        covering lost ones as long (`hydro.readings.meter_series.LUMPED_FACTOR`):
        a lost reading now and then is not an alarm.
    merge_hours : float
        Events of one kind on one meter closer than this are one episode [h].
    outage_sigmas, outage_minimum_meters : float, int
        An hour in which at least `outage_minimum_meters` of the meters
        analysed together, and `outage_sigmas` √m over the period's median
        m, went unread is a communication outage (a concentrator, the
        network): its hours do not count towards a meter's gap (on the
        second county's tuning draws, 15 of 69 gaps were concentrator
        outages of 2–5 h beside a lost reading; none is raised now, and no
        true gap is lost; BENCHMARKS.md).
    shared_gap_meters : int
        Gaps of at least this many meters that begin in one hour and end in
        one hour are a concentrator's outage, not the meters' (a building's
        few meters fall silent together, too few for `outage_hours`).
    gap_lost_readings : int
        A gap is also at least this many of its meter's usual intervals
        without a reading (and the reading that closes it): a meter read once
        a day that loses one reading has a day without one, as an hourly
        meter losing a few has hours, and neither is an alarm. Two on the
        third synthetic county, whose daily meters lose single readings (106
        false gaps on ten draws at one); a county whose daily meters do not
        finds more gaps at one (BENCHMARKS.md).
    burst_habit_share, burst_habit_days : float, int
        A burst's meter that flows at least `burst_habit_share` of the
        burst's flow over as many hours on `burst_habit_days` other days of
        the period does so by habit: a roof tank filled every few days
        through its float valve, a yard watered, a car washed. A pipe that
        bursts behind a meter does so once.
    leak : LeakSettings
        The rest of the leak detector's thresholds.
    """

    resolution_m3: float = 0.001
    continuous_flow_hours: float = 72.0
    burst_factor: float = 5.0
    burst_minimum_m3_per_h: float = 0.25
    burst_hours: float = 3.0
    burst_usual_peak_factor: float = 4.0
    burst_short_hours: float = 1.0
    burst_short_usual_peak_factor: float = 10.0
    stuck_hours: float = 72.0
    stuck_long_hours: float = 21 * 24.0
    stuck_expected_m3_per_h: float = 0.005
    stuck_balance_share: float = 0.5
    stuck_balance_sigmas: float = 3.0
    stuck_balance_days: int = 7
    reverse_full_confidence_hours: float = 3.0
    reverse_minimum_steps: float = 2.5
    gap_hours: float = 6.0
    merge_hours: float = 24.0
    outage_sigmas: float = 5.0
    outage_minimum_meters: int = 5
    shared_gap_meters: int = 3
    gap_lost_readings: int = 2
    burst_habit_share: float = 0.5
    burst_habit_days: int = 3
    leak: LeakSettings = field(default_factory=LeakSettings)

    def shortest_burst_hours(self) -> float:
        """The fewest hours of high flow looked at as a burst: `burst_short_hours`, or `burst_hours` if shorter."""
        return min(self.burst_hours, self.burst_short_hours)

    def leak_settings(self) -> LeakSettings:
        """The leak detector's settings with this persistence."""
        return replace(self.leak, persistence_hours=self.continuous_flow_hours)

    def balance_test(self) -> BalanceTest:
        """The DMA balance's test of a run of zeros that ended."""
        return BalanceTest(
            share=self.stuck_balance_share, sigmas=self.stuck_balance_sigmas, window_days=self.stuck_balance_days
        )


def leak_unchecked_meters(series: MeterSeries, settings: AnomalySettings) -> pd.DataFrame:
    """The meters read too seldom for the leak detector, ``meter_id, usual_interval_s``, in meter order.

    A leak behind the meter is told by the floor of the meter's flow: the
    hours without use (`hydro.readings.customer_leaks`). A meter whose usual
    interval (`hydro.readings.meter_series.usual_intervals_s`) is longer than
    `hydro.readings.customer_leaks.longest_interval_s` (2 h) cannot give a
    counted day, so its leaks are not looked for: a page says so rather than
    show none. On `hydro.readings.realistic` read once a day, the least daily
    use over 3–14 days told leaks from households' use with a precision of
    0.01–0.48 (BENCHMARKS.md). Bursts, reverse flow, stuck meters and gaps are
    still looked for.
    """
    usual = meter_series.usual_interval_by_meter(series)
    return usual[usual.usual_interval_s > longest_interval_s(settings.leak_settings())].reset_index(drop=True)


def leak_unchecked_warning(unchecked: pd.DataFrame, settings: AnomalySettings | None = None) -> str:
    """The note naming the meters of `leak_unchecked_meters` (the first ten) and why their leaks were not looked for."""
    limit_h = longest_interval_s((settings or AnomalySettings()).leak_settings()) / SECONDS_PER_HOUR
    meters = [f"{meter} ({seconds / SECONDS_PER_HOUR:g} h)" for meter, seconds in unchecked.itertuples(index=False)]
    named = ", ".join(meters[:10]) + (f" and {len(meters) - 10:,} more" if len(meters) > 10 else "")
    return (
        f"{len(meters):,} customer meters are read less often than every {limit_h:g} h ({named}); a leak behind "
        "the meter is told by its hours without use, so their leaks were not looked for (their bursts, reverse "
        "flow, stuck registers and gaps were)."
    )


def anomalies_frame(result: pd.DataFrame) -> pd.DataFrame:
    """Executed anomaly events with wall-clock ``start`` and ``end``, in meter and time order."""
    frame = result.assign(
        start=pd.to_datetime(result.start_s, unit="s"), end=pd.to_datetime(result.end_s, unit="s")
    ).sort_values(["meter_id", "start_s", "kind"], kind="stable")
    for name, default in (("rate_m3_per_h", np.nan), ("open", False)):
        if name not in frame:
            frame[name] = default
    frame["open"] = frame["open"].fillna(False).astype(bool)
    return frame[ANOMALY_COLUMNS].reset_index(drop=True)


def leak_events(series: MeterSeries, settings: AnomalySettings) -> pd.DataFrame:
    """Leaks behind the meters (`hydro.readings.customer_leaks`): one event per episode of raised floor."""
    leak_settings = settings.leak_settings()
    episodes = leak_episodes(meter_series.daily_floors(series, leak_settings, by_code=True), leak_settings)
    if not episodes.empty:
        leaking = series.of_codes(episodes.meter_id.to_numpy())
        episodes = refine_starts(episodes, meter_series.window_flows(leaking, leak_settings, by_code=True))
        episodes["meter_id"] = series.meter_ids(episodes.meter_id.to_numpy(np.int64))
    return as_anomalies(episodes, leak_settings)


def merge_episodes(events: pd.DataFrame, settings: AnomalySettings) -> pd.DataFrame:
    """Events of one kind on one meter closer than `merge_hours` become one episode (volumes add up)."""
    if events.empty:
        return events
    ordered = events.sort_values(["meter_id", "kind", "start_s"], kind="stable", ignore_index=True)
    reach = ordered.groupby(["meter_id", "kind"]).end_s.cummax().shift()
    same = ordered.meter_id.eq(ordered.meter_id.shift()) & ordered.kind.eq(ordered.kind.shift())
    near = ordered.start_s - reach <= settings.merge_hours * SECONDS_PER_HOUR
    ordered["episode"] = (~(same & near)).cumsum()
    aggregations = {
        "meter_id": "first",
        "kind": "first",
        "start_s": "min",
        "end_s": "max",
        "volume_m3": "sum",
        "confidence": "max",
    }
    for name, how in (("rate_m3_per_h", "max"), ("open", "max")):
        if name in ordered:
            aggregations[name] = how
    return ordered.groupby("episode").agg(aggregations).reset_index(drop=True)


@dataclass(frozen=True)
class CustomerFindings:
    """What the customer-side analysis of some meters finds."""

    anomalies: pd.DataFrame
    """One row per episode, as `anomalies_frame` shows them."""
    leak_unchecked: pd.DataFrame
    """The meters read too seldom for leaks to be looked for (`leak_unchecked_meters`)."""


def customer_anomaly_events(
    connection: BaseBackend,
    readings: ibis.Table,
    period: Period,
    settings: AnomalySettings | None = None,
    meter_ids: Sequence[str] | None = None,
    zero_runs: bool = False,
) -> CustomerFindings:
    """Every kind of customer anomaly of the meters (all when None), one row per episode, as `anomalies_frame`
    shows them: the rules of `hydro.readings.anomaly_rules` and the leak episodes, worked out over each meter's
    readings in time order (`hydro.readings.meter_series`) rather than by the engine's window sorts; with
    `zero_runs`, also the runs of zeros that ended (kind ``zero_run``), for the DMA balance to judge
    (`stuck_by_balance`). With them, the meters whose leaks could not be looked for."""
    settings = settings or AnomalySettings()
    selected = in_period(readings, period)
    if meter_ids is not None and not meter_ids:
        selected = selected.filter(ibis.literal(False))
    elif meter_ids is not None:
        # a range of names the engine can skip the store's row groups by (its files are in meter order)
        selected = selected.filter((selected.meter_id >= min(meter_ids)) & (selected.meter_id <= max(meter_ids)))
    series = meter_series.read_series(connection, selected, meter_ids)
    period_start_s = int(pd.Timestamp(period.start).timestamp())
    period_end_s = int(pd.Timestamp(period.end).timestamp())
    events = meter_series.interval_events(series, period_start_s, period_end_s, settings, zero_runs)
    events = unusual_bursts(
        events, meter_series.intervals_of(series, events.meter_id[events.kind == "burst"]), settings
    )
    if (events.kind == "gap").any():
        unread = meter_series.unread_meters_by_hour(series, period_start_s, period_end_s)
        events = gaps_beyond_outages(events, unread, period_start_s, settings)
    leaks = leak_events(series, settings)
    silent = silent_meter_gaps(series, meter_ids or [], period_start_s, period_end_s)
    parts = [part for part in (events, leaks, silent) if not part.empty]
    combined = pd.concat(parts, ignore_index=True) if parts else events
    merged = merge_episodes(combined, settings)
    if "open" not in merged:
        merged["open"] = False
    merged["open"] = merged["open"].fillna(False).astype(bool) | (merged.end_s >= period_end_s)
    return CustomerFindings(anomalies_frame(merged), leak_unchecked_meters(series, settings))


def outage_hours(unread: np.ndarray, settings: AnomalySettings) -> np.ndarray:
    """The hours in which so many meters went unread together that a concentrator or the network failed, not the
    meters: at least `outage_minimum_meters`, and `outage_sigmas` √m over the period's median m (lost readings
    falling independently, as a Poisson count of mean m, pass m + 5 √m about once in a million hours)."""
    if unread.size == 0:
        return np.zeros(0, dtype=bool)
    usual = float(np.median(unread))
    limit = usual + settings.outage_sigmas * np.sqrt(max(usual, 1.0))
    return (unread >= limit) & (unread >= settings.outage_minimum_meters)


def gaps_beyond_outages(
    events: pd.DataFrame, unread: np.ndarray, period_start_s: int, settings: AnomalySettings
) -> pd.DataFrame:
    """The events less the gaps that last under `gap_hours` outside the hours of a communication outage
    (`outage_hours`), and those shared by `shared_gap_meters` meters or more: a meter unread only while others
    were is not at fault."""
    gaps = np.flatnonzero((events.kind == "gap").to_numpy())
    if gaps.size == 0:
        return events
    outage = outage_hours(unread, settings)
    counted = np.concatenate([[0], np.cumsum(~outage)])
    hour = int(SECONDS_PER_HOUR)
    first = np.clip((events.start_s.to_numpy(np.int64)[gaps] - period_start_s) // hour, 0, outage.size)
    last = np.clip(-(-(events.end_s.to_numpy(np.int64)[gaps] - period_start_s) // hour), 0, outage.size)
    short = counted[last] - counted[first] < settings.gap_hours
    _, shape, together = np.unique(np.stack([first, last]), axis=1, return_inverse=True, return_counts=True)
    shared = together[shape.ravel()] >= settings.shared_gap_meters
    return events.drop(index=events.index[gaps[short | shared]]).reset_index(drop=True)


def silent_meter_gaps(
    series: MeterSeries, meter_ids: Sequence[str], period_start_s: int, period_end_s: int
) -> pd.DataFrame:
    """A gap over the whole period for each meter asked for that has no reading in it (a meter or its
    concentrator dead all period), its volume unknown and taken as zero."""
    read = set(series.meter_ids(series.code[series.first_rows()])) if len(series.code) else set()
    silent = sorted(set(meter_ids) - read)
    return pd.DataFrame(
        {
            "meter_id": pd.Series(silent, dtype=object),
            "kind": "gap",
            "start_s": np.full(len(silent), period_start_s, dtype=np.int64),
            "end_s": np.full(len(silent), period_end_s, dtype=np.int64),
            "volume_m3": 0.0,
            "confidence": 1.0,
        }
    )


def unusual_bursts(events: pd.DataFrame, intervals: pd.DataFrame, settings: AnomalySettings) -> pd.DataFrame:
    """The events less the bursts whose flow is not far enough above their meter's usual peak.

    Parameters
    ----------
    events : DataFrame ``meter_id, kind, start_s, end_s, …``
    intervals : DataFrame ``meter_id, start_s, duration_s, volume_m3``
        The readings of (at least) the meters with bursts.
    settings : AnomalySettings

    Notes
    -----
    A burst's flow is the volume its meter registered over the run, divided
    by its hours T. A run of at least `burst_hours` must flow
    `burst_usual_peak_factor` times the meter's usual peak over `burst_hours`;
    a shorter one `burst_short_usual_peak_factor` times its usual peak over
    round(T) hours. The usual peak over w hours P_w is the median, over the
    days of the period other than those the burst touches, of each day's
    highest mean flow over w consecutive hours (`_usual_peaks`). A
    pipe burst behind a household meter flows many times what the household
    ever draws for that long; a shop's lunch hours, or a household's busy
    evening, flow a few times its usual peak at most, and over fewer hours
    its busiest hours stand further above it, hence the stricter factor.
    Nor is a flow the meter reaches by habit a burst: `burst_habit_share` of
    it over w hours on `burst_habit_days` other days (a roof tank's refills).
    A run just after hours without a reading is taken over those hours too,
    since an export that differences the meter's index writes their volume
    into it.
    A meter read less often than hourly, or without another day to compare
    with, keeps its bursts of `burst_hours`, but not its shorter ones, which
    only their usual peak can tell from a busy evening.
    """
    positions = np.flatnonzero((events.kind == "burst").to_numpy())
    if positions.size == 0:
        return events
    hourly = _HourlyVolumes(intervals)
    bursts = events.iloc[positions]
    start_s, end_s = (bursts[name].to_numpy(np.int64) for name in ("start_s", "end_s"))
    hours = (end_s - start_s) / SECONDS_PER_HOUR
    short = hours < settings.burst_hours - 1e-6
    rows = hourly.rows_of(bursts.meter_id)
    windows = np.maximum(1, np.floor(np.where(short, hours, settings.burst_hours) + 0.5)).astype(np.int64)
    factors = np.where(short, settings.burst_short_usual_peak_factor, settings.burst_usual_peak_factor)
    keep = np.ones(len(events), dtype=bool)
    keep[positions] = ~short
    for window in np.unique(windows[rows >= 0]):
        chosen = np.flatnonzero((rows >= 0) & (windows == window))
        row, first, last = rows[chosen], start_s[chosen], end_s[chosen]
        peaks = hourly.daily_peaks_m3_per_h(row, int(window), first, last)
        usual = _usual_peaks(peaks)
        unread = hourly.unread_hours_before(row, first)
        run_hours = hours[chosen]
        with np.errstate(divide="ignore", invalid="ignore"):
            flow = np.where(run_hours > 0, hourly.volume_m3(row, first, last) / (run_hours + unread), 0.0)
            habit = (peaks >= settings.burst_habit_share * flow[:, None]).sum(axis=1) >= settings.burst_habit_days
        passes = (flow >= factors[chosen] * usual) & ~habit
        keep[positions[chosen]] = np.where(np.isfinite(usual), passes, ~short[chosen])
    return events[keep].reset_index(drop=True)


class _HourlyVolumes:
    """The volume per clock hour [m³] of the meters read at least hourly, one row per meter over the hours of
    all of them (NaN where not read), with what `unusual_bursts` asks of it worked out once for all."""

    def __init__(self, intervals: pd.DataFrame) -> None:
        hourly_read = intervals[intervals.duration_s <= SECONDS_PER_HOUR]
        hour = int(SECONDS_PER_HOUR)
        starts = hourly_read.start_s.to_numpy(np.int64) // hour * hour
        codes, names = pd.factorize(hourly_read.meter_id, sort=False)
        self.names = pd.Index(np.asarray(names, dtype=object))
        self.first_s = int(starts.min()) if starts.size else 0
        count = int((starts.max() - self.first_s) // hour + 1) if starts.size else 0
        columns = (starts - self.first_s) // hour
        cells = codes.astype(np.int64) * count + columns
        volumes = hourly_read.volume_m3.to_numpy(np.float64)
        summed = np.bincount(cells, weights=volumes, minlength=len(names) * count)  # int64 when empty
        self.values = summed.astype(np.float64).reshape(len(names), count)
        read = np.bincount(cells, minlength=len(names) * count).reshape(len(names), count) > 0
        self.values[~read] = np.nan
        self.totals = np.concatenate(
            [np.zeros((len(names), 1)), np.cumsum(np.where(read, self.values, 0.0), axis=1)], 1
        )
        self.read_counts = np.concatenate([np.zeros((len(names), 1), dtype=np.int64), np.cumsum(read, axis=1)], 1)
        self.last_read = np.maximum.accumulate(np.where(read, np.arange(count), -1), axis=1) if count else read
        hour_starts = self.first_s + np.arange(count, dtype=np.int64) * hour
        self.days = hour_starts // SECONDS_PER_DAY
        self.day_heads: np.ndarray = np.flatnonzero(np.concatenate([[count > 0], self.days[1:] != self.days[:-1]]))
        self.peaks: dict[int, np.ndarray] = {}

    def rows_of(self, meter_ids: pd.Series) -> np.ndarray:
        """Each meter's row, -1 for a meter not read at least hourly."""
        return self.names.get_indexer(np.asarray(meter_ids, dtype=object)).astype(np.int64)

    def columns(self, moments_s: np.ndarray) -> np.ndarray:
        """The column of the hour starting at or after each moment, clipped to the hours held."""
        hour = int(SECONDS_PER_HOUR)
        return np.clip(-(-(moments_s.astype(np.int64) - self.first_s) // hour), 0, self.values.shape[1])

    def daily_peaks_m3_per_h(self, rows: np.ndarray, window: int, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
        """Each day's highest `window`-hour mean flow [m³/h] (windows wholly read) of each row's meter, one row per
        run [start_s, end_s) over the days held, NaN on the days the run touches and those without one."""
        if window not in self.peaks:
            count = self.values.shape[1]
            means = np.full(self.values.shape, np.nan)
            if count >= window:
                sums = self.totals[:, window:] - self.totals[:, :-window]
                complete = (self.read_counts[:, window:] - self.read_counts[:, :-window]) == window
                means[:, window - 1 :] = np.where(complete, sums / window, np.nan)
            with np.errstate(invalid="ignore"):
                self.peaks[window] = np.fmax.reduceat(means, self.day_heads, axis=1) if count else means
        peaks = self.peaks[window][rows]
        day_ids = self.days[self.day_heads] if self.values.shape[1] else np.zeros(0, dtype=np.int64)
        touched = (day_ids[None, :] >= (start_s // SECONDS_PER_DAY)[:, None]) & (
            day_ids[None, :] <= ((end_s - 1) // SECONDS_PER_DAY)[:, None]
        )
        return np.where(touched, np.nan, peaks)

    def volume_m3(self, rows: np.ndarray, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
        """The volume read in the hours of each [start_s, end_s) of each row's meter [m³]."""
        return self.totals[rows, self.columns(end_s)] - self.totals[rows, self.columns(start_s)]

    def unread_hours_before(self, rows: np.ndarray, start_s: np.ndarray) -> np.ndarray:
        """The hours without a reading just before each `start_s` [h]: an export that differences the meter's
        index writes the volume of hours it lost into the next hour read, so a run after them may hold their use
        too."""
        positions = self.columns(start_s)
        if not self.values.shape[1]:
            return np.zeros(len(rows), dtype=np.int64)
        last = self.last_read[rows, np.maximum(positions - 1, 0)]
        return np.where((positions == 0) | (last < 0), 0, positions - 1 - last)


USUAL_PEAK_DAYS_OF_USE = 7
"""Days with use a meter's usual peak is taken over when it has that many (`_usual_peaks`)."""


def _usual_peaks(peaks: np.ndarray) -> np.ndarray:
    """The median of each row's daily peaks (`_HourlyVolumes.daily_peaks_m3_per_h`, NaN where none) [m³/h].

    Over the days with use alone when there are at least `USUAL_PEAK_DAYS_OF_USE` of them: a household away
    most of the period has a usual peak of zero over all its days, and every busy evening of its days at home
    would pass any factor of it (on the first county's draws 101–106, one away on 34 of 60 days raised two
    false two-hour bursts). A flat used on fewer days (empty, for sale) keeps the median over all days. NaN
    for a row without another day.
    """
    with np.errstate(invalid="ignore"):
        used = np.where(peaks > 0, peaks, np.nan)
    enough = (np.isfinite(used).sum(axis=1) >= USUAL_PEAK_DAYS_OF_USE)[:, None]
    chosen = np.where(enough, used, peaks)
    result = np.full(len(peaks), np.nan)
    some = np.isfinite(chosen).any(axis=1)
    result[some] = np.nanmedian(chosen[some], axis=1)
    return result


ANOMALY_GROUP_METERS = 2_000
"""Meters worked out at a time: a month of 2,000 hourly meters is 1.5 M intervals, arrays of 12 MB, which the
allocator hands from group to group; fresh arrays of a whole county's month cost a page fault every 4 kB each
time (four times slower on 10 M readings, BENCHMARKS.md) and their memory grows with the county."""


def customer_findings_by_group(
    connection: BaseBackend,
    readings: ibis.Table,
    period: Period,
    settings: AnomalySettings | None = None,
    meters: ibis.Table | None = None,
    group_meters: int = ANOMALY_GROUP_METERS,
    zones: ibis.Table | None = None,
    daily_balance: pd.DataFrame | None = None,
    confidence_table: ConfidenceTable | None = DEFAULT_TABLE,
) -> CustomerFindings:
    """`customer_anomaly_events` of the meters, on at most `group_meters` meters at a time, with each rule's
    score turned into a calibrated confidence by `confidence_table` (`hydro.readings.alarm_confidence`; None
    keeps the scores).

    A meter's anomalies depend on its own readings only, so the events are
    those of all meters at once; a group bounds the rows held in memory at
    once (a month of 100,000 hourly meters is 73 M rows). Groups are runs of
    meters in name order, so each reads only its part of the store's files.
    With `zones`, the runs of zeros that ended are judged on the daily
    balance of their meter's DMA once every group is done
    (`stuck_by_balance`), so a DMA split over groups is judged whole;
    without, they are households away. `daily_balance`, the executed daily
    `dma_balance` when the caller has it already, saves a scan of the readings.
    """
    settings = settings or AnomalySettings()
    groups = meter_groups(connection, readings, period, meters, group_meters)
    if not groups:
        return customer_anomaly_events(connection, readings, period, settings, [])
    parts = [
        customer_anomaly_events(connection, readings, period, settings, group, zones is not None) for group in groups
    ]
    combined = pd.concat([part.anomalies for part in parts], ignore_index=True)
    unchecked = pd.concat([part.leak_unchecked for part in parts], ignore_index=True)
    if zones is not None:
        if daily_balance is None:
            daily_balance = execute(connection, dma_balance(readings, zones, period, "day"))
        combined = stuck_by_balance(combined, daily_balance, connection.execute(zones), settings)
    if confidence_table is not None:
        combined = calibrated(combined, confidence_table)
    ordered = combined.sort_values(["meter_id", "start", "kind"], kind="stable", ignore_index=True)
    return CustomerFindings(ordered, unchecked)


def meter_groups(
    connection: BaseBackend, readings: ibis.Table, period: Period, meters: ibis.Table | None, group_meters: int
) -> list[list[str]]:
    """The meters (all those read in the period when None) in runs of at most `group_meters`, in name order."""
    chosen = meters if meters is not None else in_period(readings, period).select("meter_id").distinct()
    meter_ids = sorted(connection.execute(chosen.select("meter_id"))["meter_id"])
    return [meter_ids[first : first + group_meters] for first in range(0, len(meter_ids), group_meters)]


def stuck_by_balance(
    anomalies: pd.DataFrame, balance: pd.DataFrame, zones: pd.DataFrame, settings: AnomalySettings
) -> pd.DataFrame:
    """The anomalies with each ``zero_run`` judged on its DMA's daily balance: a stuck meter or a household away.

    Parameters
    ----------
    anomalies : DataFrame of `anomalies_frame` rows, ``zero_run`` rows among them
    balance : DataFrame of `dma_balance` by day
    zones : DataFrame ``meter_id, dma_id, role``
    settings : AnomalySettings

    Returns
    -------
    The rows of `anomalies_frame`: a ``zero_run`` whose DMA balance shows the
    meter's water flowing unmetered (`hydro.readings.stuck_balance.hidden_use`)
    becomes ``stuck`` (merged with a stuck episode of the meter within
    `merge_hours`); the others, and those of DMAs without an inflow meter, are
    dropped. Its volume and confidence are those of the stuck rule.
    """
    is_run = anomalies.kind == ZERO_RUN
    if not is_run.any():
        return anomalies
    customers = zones[zones.role == "customer"].drop_duplicates("meter_id")[["meter_id", "dma_id"]]
    metered = set(zones.dma_id[zones.role == "inflow"])
    located = anomalies.merge(customers, on="meter_id", how="left")
    hours = (located.end - located.start).dt.total_seconds() / SECONDS_PER_HOUR
    located = located.assign(usual_m3_per_h=located.volume_m3 / hours.where(hours > 0))
    located = located[located.dma_id.isin(metered)]
    daily = balance.assign(day=pd.to_datetime(balance.period), balance_m3=balance.nrw_m3.astype(float))
    judged = hidden_use(
        daily[daily.dma_id.isin(metered)],
        located[located.kind == ZERO_RUN].reset_index(drop=True),
        located[located.kind == "stuck"],
        settings.balance_test(),
    )
    stuck = judged[judged.stuck].assign(kind="stuck")[ANOMALY_COLUMNS]
    kept = pd.concat([anomalies[~is_run], stuck], ignore_index=True)
    if stuck.empty:
        return kept.reset_index(drop=True)
    seconds = {
        "start_s": kept.start.astype("datetime64[s]").astype(np.int64),
        "end_s": kept.end.astype("datetime64[s]").astype(np.int64),
    }
    return anomalies_frame(merge_episodes(kept.assign(**seconds), settings))


@dataclass(frozen=True)
class AnalysisResults:
    """Everything the monthly analysis finds, as plain tables."""

    balance: pd.DataFrame
    nights: pd.DataFrame
    alarms: pd.DataFrame
    anomalies: pd.DataFrame
    leak_unchecked: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"meter_id": [], "usual_interval_s": []}))
    """The customer meters read too seldom for leaks to be looked for (`leak_unchecked_meters`)."""


def analyse(
    connection: BaseBackend,
    readings: ibis.Table,
    zones: pd.DataFrame,
    period: Period,
    night_settings: NightFlowSettings | None = None,
    anomaly_settings: AnomalySettings | None = None,
    granularity: str = "month",
) -> AnalysisResults:
    """The whole analysis of a period on one engine: balance, night flow and its alarms, customer anomalies.

    The DMA balance is worked by day once: the stuck-meter test reads it so,
    and the period's is its sum (`rolled_up_balance`).
    """
    zone_table = memory_table(connection, zones, "zones")
    customers = zone_table.filter(zone_table.role == "customer").select("meter_id").distinct()
    night_rows = execute(connection, night_flow(readings, zone_table, period, night_settings))
    daily_balance = execute(connection, dma_balance(readings, zone_table, period, "day"))
    findings = customer_findings_by_group(
        connection, readings, period, anomaly_settings, customers, zones=zone_table, daily_balance=daily_balance
    )
    return AnalysisResults(
        balance=rolled_up_balance(daily_balance, period, granularity),
        nights=night_rows,
        alarms=night_flow_alarms(night_rows, night_settings),
        anomalies=findings.anomalies,
        leak_unchecked=findings.leak_unchecked,
    )

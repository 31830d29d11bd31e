"""Analyses of smart-meter readings: DMA balance, minimum night flow and customer-side anomalies.

Each analysis is an Ibis expression over the stored readings
(``meter_id, timestamp, duration_s, volume_m3``; see `hydro.readings.store`)
and the zone membership (``meter_id, dma_id, role``), so it runs unchanged on
DuckDB or Spark (`hydro.readings.engine`). The change detection on the
nightly series, a few hundred numbers per district metered area (DMA), is
plain Python. The customer anomalies are defined by Ibis window expressions
(`customer_anomalies`, `hydro.readings.customer_leaks.daily_floors`), but
the monthly analysis works them out in one ordered pass over each meter's
readings (`hydro.readings.meter_series`): the engine then only reads the
readings, instead of sorting them again for every window. A run of zeros that
ended is told apart, stuck meter or household away, on the DMA's daily
balance once every meter is done (`stuck_by_balance`,
`hydro.readings.stuck_balance`).

Units: volumes m³, flows m³/h, durations s (stored) and h (reported).
Times are wall-clock times in the county's time zone; an interval belongs to
the hour, day or month in which it starts.

References
----------
Farley, M. & Trow, S. (2003). *Losses in Water Distribution Networks*. IWA
Publishing, ch. 6–7 (DMA balance, minimum night flow, legitimate night use).
UK Water Industry (1994). *Managing Leakage*, Report E: Interpreting
measured night flows (household night use about 1.7 L/property/h).
Page, E. S. (1954). Continuous inspection schemes. *Biometrika* 41, 100–115
(the CUSUM used for night-flow alarms).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
from ibis import _
from ibis.backends import BaseBackend

from hydro.readings import meter_series
from hydro.readings.customer_leaks import LeakSettings, as_anomalies, deduplicated, leak_episodes, refine_starts
from hydro.readings.engine import memory_table
from hydro.readings.meter_series import ZERO_RUN, MeterSeries
from hydro.readings.stuck_balance import BalanceTest, hidden_use

ROLES = ("inflow", "outflow", "customer")
ZONE_COLUMNS = ("meter_id", "dma_id", "role")
SECONDS_PER_HOUR = 3600.0
LITRES_PER_M3 = 1000.0
BALANCE_COLUMNS = ["dma_id", "period", "inflow_m3", "outflow_m3", "consumption_m3", "nrw_m3", "nrw_pct"]
NIGHT_COLUMNS = [
    "dma_id", "night", "mnf_m3_per_h", "legitimate_m3_per_h", "leakage_m3_per_h", "unmetered_m3_per_h",
]  # fmt: skip
ALARM_COLUMNS = ["dma_id", "start", "detected", "excess_m3_per_h"]
ANOMALY_COLUMNS = ["meter_id", "kind", "start", "end", "volume_m3", "confidence", "rate_m3_per_h", "open"]
ANOMALY_KINDS = ("continuous_flow", "burst", "stuck", "reverse", "gap")
GRANULARITIES = ("day", "month", "period")


@dataclass(frozen=True)
class Period:
    """A span of wall-clock time [start, end)."""

    start: datetime.datetime
    end: datetime.datetime

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2024-03`` (a month), ``2024-03-01..2024-03-31`` (days, both included) or ``2024-03..2024-04`` (months)."""
        first, _separator, last = text.partition("..")
        start, _ = _period_bounds(first)
        _, end = _period_bounds(last or first)
        if end <= start:
            raise ValueError(f"{text!r}: the period ends before it starts.")
        return cls(start, end)

    def months(self) -> list[str]:
        """The ``YYYY-MM`` months the period touches."""
        months = pd.period_range(self.start, self.end - datetime.timedelta(microseconds=1), freq="M")
        return [str(month) for month in months]


def _period_bounds(text: str) -> tuple[datetime.datetime, datetime.datetime]:
    text = text.strip()
    try:
        if len(text) == 7:
            start = datetime.datetime.strptime(text, "%Y-%m")
            return start, (pd.Timestamp(start) + pd.offsets.MonthBegin(1)).to_pydatetime()
        day = datetime.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"{text!r} is not a period; write YYYY-MM, YYYY-MM-DD or START..END.") from None
    return day, day + datetime.timedelta(days=1)


def read_zones(path: Path | str) -> pd.DataFrame:
    """Zone membership from a CSV ``meter_id,dma_id,role``; a bad row is an error naming the file and row.

    A meter may be the inflow of one DMA and the outflow of its neighbour, so
    it may appear in several rows, but only once per DMA.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    zones = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in ZONE_COLUMNS if column not in zones.columns]
    if missing:
        raise ValueError(f"{path}: column {', '.join(missing)} is missing; the columns are meter_id,dma_id,role.")
    zones = zones[list(ZONE_COLUMNS)].apply(lambda column: column.str.strip())
    for position, (meter_id, dma_id, role) in enumerate(zones.itertuples(index=False)):
        row = position + 2
        if not meter_id or not dma_id:
            raise ValueError(f"{path}: row {row}: meter_id and dma_id must not be blank.")
        if role not in ROLES:
            raise ValueError(f"{path}: row {row}, column role: {role!r} is not one of {', '.join(ROLES)}.")
    duplicated = zones.duplicated(["meter_id", "dma_id"])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0]) + 2
        raise ValueError(f"{path}: row {row}: meter {zones.meter_id.iloc[row - 2]} is listed twice in one DMA.")
    return zones


def check_zone_meters(path: Path | str, zones: pd.DataFrame, known_meters: set[str]) -> None:
    """Refuse a zone file naming a meter that has no readings in the store."""
    unknown = [position for position, meter_id in enumerate(zones.meter_id) if meter_id not in known_meters]
    if unknown:
        first = unknown[0]
        more = f" (and {len(unknown) - 1} more rows)" if len(unknown) > 1 else ""
        raise ValueError(
            f"{path}: row {first + 2}, column meter_id: meter {zones.meter_id.iloc[first]} has no readings "
            f"in the store{more}."
        )


def in_period(readings: ibis.Table, period: Period) -> ibis.Table:
    """The readings whose intervals start within the period."""
    return readings.filter((readings.timestamp >= period.start) & (readings.timestamp < period.end))


def with_flow(readings: ibis.Table) -> ibis.Table:
    """Readings with ``hours`` (interval length [h]) and ``flow_m3_per_h`` = volume / hours."""
    hours = readings.duration_s.cast("float64") / SECONDS_PER_HOUR
    return readings.mutate(hours=hours, flow_m3_per_h=readings.volume_m3 / hours)


# --- DMA balance ----------------------------------------------------------------------------------------------


def dma_balance(readings: ibis.Table, zones: ibis.Table, period: Period, granularity: str = "month") -> ibis.Table:
    """Water balance of each DMA per day or month (产销差).

    Parameters
    ----------
    readings : Ibis table of stored readings
    zones : Ibis table ``meter_id, dma_id, role``
    period : Period analysed
    granularity : ``"day"``, ``"month"`` or ``"period"`` (the whole period)

    Returns
    -------
    Ibis table ``dma_id, period`` (first day of the day, month or period),
    ``inflow_m3, outflow_m3, consumption_m3, nrw_m3, nrw_pct``.

    Notes
    -----
    Q_in and Q_out are the volumes through the DMA's inflow and outflow
    meters, C the volume through its customer meters, in the period:

        NRW = (Q_in − Q_out) − C,   NRW% = 100 · NRW / (Q_in − Q_out),

    the percentage being empty when no net water entered the DMA.
    """
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity {granularity!r}: choose {', '.join(GRANULARITIES)}.")
    joined = in_period(readings, period).join(zones, "meter_id")
    buckets = {
        "day": joined.timestamp.date(),
        "month": joined.timestamp.truncate("M").date(),
        "period": ibis.literal(period.start.date(), "date"),
    }
    bucket = buckets[granularity]
    totals = (
        joined.mutate(period=bucket)
        .group_by(["dma_id", "period"])
        .agg(
            inflow_m3=joined.volume_m3.sum(where=joined.role == "inflow"),
            outflow_m3=joined.volume_m3.sum(where=joined.role == "outflow"),
            consumption_m3=joined.volume_m3.sum(where=joined.role == "customer"),
        )
    )
    totals = totals.mutate(
        inflow_m3=totals.inflow_m3.fill_null(0.0),
        outflow_m3=totals.outflow_m3.fill_null(0.0),
        consumption_m3=totals.consumption_m3.fill_null(0.0),
    )
    net_input = totals.inflow_m3 - totals.outflow_m3
    nrw = net_input - totals.consumption_m3
    nrw_pct = ibis.ifelse(net_input > 0, 100.0 * nrw / net_input, ibis.null("float64"))
    return totals.mutate(nrw_m3=nrw, nrw_pct=nrw_pct).select(BALANCE_COLUMNS).order_by(["dma_id", "period"])


# --- minimum night flow ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NightFlowSettings:
    """How night flow is measured and judged; a county edits these.

    Attributes
    ----------
    window_start_hour, window_end_hour : int
        The night window [start, end) in wall-clock hours (default 02:00–04:00).
    statistic : str
        ``"minimum"`` (lowest interval flow in the window) or ``"mean"``.
    night_use_l_per_h_per_connection : float
        Legitimate night use per customer connection [L/h]; 1.7 L/h is the
        UK household figure (Managing Leakage, Report E).
    night_use_by_dma : dict
        Per-DMA overrides of the allowance [L/h per connection].
    metered_night_use : bool
        Measure the night use of customers whose meters are read hourly or
        more often (smart meters), instead of giving them the allowance.
    baseline_nights : int
        Nights at the start of the series that set the baseline; two weeks, as
        a week's median and spread proved too unsteady (five times the false
        alarms on the synthetic county, BENCHMARKS.md).
    cusum_allowance_sigma, cusum_threshold_sigma : float
        CUSUM reference value k and decision interval h, in standard deviations.
    minimum_sigma_fraction : float
        Floor of the standard deviation, as a fraction of the baseline, so a
        very quiet baseline does not make every wobble an alarm.
    """

    window_start_hour: int = 2
    window_end_hour: int = 4
    statistic: str = "minimum"
    night_use_l_per_h_per_connection: float = 1.7
    night_use_by_dma: dict[str, float] = field(default_factory=dict)
    metered_night_use: bool = True
    baseline_nights: int = 14
    cusum_allowance_sigma: float = 0.5
    cusum_threshold_sigma: float = 4.0
    minimum_sigma_fraction: float = 0.02


def night_flows(readings: ibis.Table, zones: ibis.Table, period: Period, settings: NightFlowSettings) -> ibis.Table:
    """Per DMA and interval start in the night window: the net inflow Q = Σ inflow − Σ outflow meters and the
    flow C of the customers read hourly or more often, and how many of them there are [m³/h].

    One pass over the night's readings (a meter has one reading per start, so counting readings counts meters).
    """
    flowing = with_flow(in_period(readings, period))
    hour = flowing.timestamp.hour()
    night = flowing.filter((hour >= settings.window_start_hour) & (hour < settings.window_end_hour))
    night = night.join(zones, "meter_id")
    boundary = night.role != "customer"
    signed = ibis.ifelse(night.role == "inflow", night.flow_m3_per_h, -night.flow_m3_per_h)
    metered = (
        (night.role == "customer") & (night.duration_s <= SECONDS_PER_HOUR) & ibis.literal(settings.metered_night_use)
    )
    per_start = night.group_by(["dma_id", "timestamp"]).agg(
        net_m3_per_h=ibis.ifelse(boundary, signed, 0.0).sum(),
        metered_m3_per_h=ibis.ifelse(metered, night.flow_m3_per_h, 0.0).sum(),
        metered_meters=metered.cast("int64").sum(),
        boundary_readings=boundary.cast("int64").sum(),
    )
    return per_start.filter(per_start.boundary_readings > 0).drop("boundary_readings")


def night_flow(
    readings: ibis.Table, zones: ibis.Table, period: Period, settings: NightFlowSettings | None = None
) -> ibis.Table:
    """Minimum night flow (MNF), legitimate night use and leakage of each DMA for each night.

    Returns
    -------
    Ibis table ``dma_id, night`` (the date of the morning), ``mnf_m3_per_h,
    legitimate_m3_per_h, leakage_m3_per_h, unmetered_m3_per_h``.

    Notes
    -----
    MNF = min (or mean) over the window of the DMA's net inflow Q(t). Customers
    read hourly or more often (smart meters) are metered at night: their flow
    C(t) is known, and the night's unmetered flow is U = min (or mean) over the
    window of Q(t) − C(t) — what neither the boundary meters nor the customer
    meters account for, leakage and the unmetered customers' use. The others
    get the allowance: legitimate use of the unmetered = N_u · q_n / 1000 with
    N_u their connections and q_n [L/h]; leakage = max(U − N_u · q_n / 1000, 0)
    and legitimate night use = MNF − leakage (Farley & Trow 2003, §7.3). With no
    customer read hourly, U = MNF and this is the allowance method throughout.
    """
    settings = settings or NightFlowSettings()
    if settings.statistic not in ("minimum", "mean"):
        raise ValueError(f"night-flow statistic {settings.statistic!r}: choose minimum or mean.")
    night = night_flows(readings, zones, period, settings)
    night = night.mutate(balance_m3_per_h=night.net_m3_per_h - night.metered_m3_per_h)
    nights = (
        night.mutate(night=night.timestamp.date())
        .group_by(["dma_id", "night"])
        .agg(
            mnf_m3_per_h=_statistic(night.net_m3_per_h, settings),
            unmetered_m3_per_h=_statistic(night.balance_m3_per_h, settings),
            metered_meters=night.metered_meters.max(),
        )
    )
    allowance = _night_allowance(zones, settings)
    joined = nights.left_join(allowance, "dma_id").drop("dma_id_right")
    unmetered_connections = ibis.greatest(joined.connections.fill_null(0) - joined.metered_meters, 0)
    unmetered_use = unmetered_connections * joined.allowance_m3_per_h.fill_null(0.0)
    leakage = ibis.greatest(joined.unmetered_m3_per_h - unmetered_use, 0.0)
    result = joined.mutate(legitimate_m3_per_h=joined.mnf_m3_per_h - leakage, leakage_m3_per_h=leakage)
    return result.select(NIGHT_COLUMNS).order_by(["dma_id", "night"])


def _statistic(values: ibis.Value, settings: NightFlowSettings) -> ibis.Value:
    return values.min() if settings.statistic == "minimum" else values.mean()


def _night_allowance(zones: ibis.Table, settings: NightFlowSettings) -> ibis.Table:
    """Per DMA: customer connections and the night-use allowance of each [m³/h]."""
    customers = zones.filter(zones.role == "customer")
    allowance: ibis.Value = ibis.literal(settings.night_use_l_per_h_per_connection)
    for dma_id, litres_per_hour in sorted(settings.night_use_by_dma.items()):
        allowance = ibis.ifelse(customers.dma_id == dma_id, litres_per_hour, allowance)
    per_connection = customers.mutate(allowance_m3_per_h=allowance / LITRES_PER_M3)
    return per_connection.group_by("dma_id").agg(
        connections=_.meter_id.nunique(), allowance_m3_per_h=_.allowance_m3_per_h.max()
    )


def night_flow_alarms(nights: pd.DataFrame, settings: NightFlowSettings | None = None) -> pd.DataFrame:
    """Alarms when a DMA's night flow rises above its baseline, with the night the rise began.

    Parameters
    ----------
    nights : DataFrame ``dma_id, night, mnf_m3_per_h`` and, as `night_flow` returns
        it, ``unmetered_m3_per_h``, which is then watched instead
    settings : NightFlowSettings

    Returns
    -------
    DataFrame ``dma_id, start, detected, excess_m3_per_h``: the first night of
    the rise, the night the alarm was raised, and the mean rise above the
    baseline from start to detection [m³/h].

    Notes
    -----
    One-sided CUSUM (Page 1954) on x_n, the night's flow that no meter accounts
    for: the MNF, less the night use of customers read hourly where there are
    any (their own night-to-night variation no longer hides a leak: on the
    synthetic county, 15 of 15 leaks of 2 % alarmed within two nights against 10
    with the MNF, BENCHMARKS.md). Baseline μ = median
    of the first `baseline_nights` nights, σ = max(1.4826 · MAD, f · μ):

        S_n = max(0, S_{n−1} + (x_n − μ) / σ − k),   alarm when S_n > h.

    The rise began the night after S was last zero. After an alarm the DMA
    stays in alarm until a night falls back within k·σ of the baseline (the
    leak repaired), so one rise is reported once; then the sum starts again.
    """
    settings = settings or NightFlowSettings()
    alarms = [
        alarm
        for dma_id, series in nights.sort_values(["dma_id", "night"]).groupby("dma_id", sort=True)
        for alarm in _cusum_alarms(str(dma_id), series, settings)
    ]
    return pd.DataFrame(alarms, columns=ALARM_COLUMNS)


def _cusum_alarms(dma_id: str, series: pd.DataFrame, settings: NightFlowSettings) -> list[tuple]:
    watched = series.unmetered_m3_per_h if "unmetered_m3_per_h" in series.columns else series.mnf_m3_per_h
    values = watched.to_numpy(dtype=float)
    nights = list(series.night)
    baseline_values = values[: settings.baseline_nights]
    if len(values) <= settings.baseline_nights or np.isnan(baseline_values).any():
        return []
    baseline = float(np.median(baseline_values))
    spread = 1.4826 * float(np.median(np.abs(baseline_values - baseline)))
    sigma = max(spread, settings.minimum_sigma_fraction * abs(baseline), 1e-9)
    alarms: list[tuple] = []
    cusum, rise_start, in_alarm = 0.0, settings.baseline_nights, False
    for position in range(settings.baseline_nights, len(values)):
        standardised = (values[position] - baseline) / sigma
        if in_alarm:
            in_alarm = standardised > settings.cusum_allowance_sigma
            continue
        if cusum == 0.0:
            rise_start = position
        cusum = max(0.0, cusum + standardised - settings.cusum_allowance_sigma)
        if cusum > settings.cusum_threshold_sigma:
            excess = float(np.mean(values[rise_start : position + 1]) - baseline)
            alarms.append((dma_id, nights[rise_start], nights[position], round(excess, 6)))
            cusum, in_alarm = 0.0, True
    return alarms


# --- customer-side anomalies ----------------------------------------------------------------------------------


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
        least `burst_minimum_m3_per_h`, for at least `burst_hours`.
    stuck_hours, stuck_expected_m3_per_h : float
        A stuck meter shows zero for at least `stuck_hours` while its mean
        flow over the rest of the period is at least `stuck_expected_m3_per_h`,
        and still shows zero at its last reading, or lasted `stuck_long_hours`.
        A run of zeros that ended sooner is a stuck meter when its DMA's
        balance shows the household's water flowing unmetered during it
        (`hydro.readings.stuck_balance`), and otherwise a household away.
    stuck_balance_share, stuck_balance_sigmas : float
        That balance must rise, at both ends of the run, by at least this
        share of the meter's usual use, and by this many standard errors.
    stuck_balance_days : int
        Whole days before and after the run its days are compared with.
    reverse_full_confidence_hours : float
        Negative flow over this many hours is reported with full confidence.
    gap_hours : float
        A gap is at least this long without readings [h]: a lost reading now
        and then is not an alarm.
    merge_hours : float
        Events of one kind on one meter closer than this are one episode [h].
    leak : LeakSettings
        The rest of the leak detector's thresholds.
    """

    resolution_m3: float = 0.001
    continuous_flow_hours: float = 72.0
    burst_factor: float = 5.0
    burst_minimum_m3_per_h: float = 0.25
    burst_hours: float = 3.0
    stuck_hours: float = 72.0
    stuck_long_hours: float = 21 * 24.0
    stuck_expected_m3_per_h: float = 0.005
    stuck_balance_share: float = 0.5
    stuck_balance_sigmas: float = 3.0
    stuck_balance_days: int = 7
    reverse_full_confidence_hours: float = 3.0
    gap_hours: float = 6.0
    merge_hours: float = 24.0
    leak: LeakSettings = field(default_factory=LeakSettings)

    def leak_settings(self) -> LeakSettings:
        """The leak detector's settings with this persistence."""
        return replace(self.leak, persistence_hours=self.continuous_flow_hours)

    def balance_test(self) -> BalanceTest:
        """The DMA balance's test of a run of zeros that ended."""
        return BalanceTest(
            share=self.stuck_balance_share, sigmas=self.stuck_balance_sigmas, window_days=self.stuck_balance_days
        )


def customer_anomalies(
    readings: ibis.Table,
    period: Period,
    settings: AnomalySettings | None = None,
    meters: ibis.Table | None = None,
    zero_runs: bool = False,
) -> ibis.Table:
    """Anomalies on each customer meter's interval readings, one row per event: the rules, as an expression.

    The monthly analysis (`customer_anomaly_events`) applies the same rules
    in one ordered pass over the meters' arrays (`hydro.readings.meter_series`);
    the suite holds the two to the same rows.

    Parameters
    ----------
    readings : Ibis table of stored readings
    period : Period analysed
    settings : AnomalySettings
    meters : optional Ibis table with a ``meter_id`` column: only these meters
    zero_runs : bool
        Also return, as kind ``zero_run``, the runs of zeros that would be a
        stuck meter but for ending before the meter's last reading within
        `stuck_long_hours`: a stuck meter freed again, or a household away,
        which the DMA balance tells apart (`hydro.readings.stuck_balance`).

    Returns
    -------
    Ibis table ``meter_id, kind, start_s, end_s`` (epoch seconds of the
    wall-clock times), ``volume_m3, confidence``; `anomalies_frame` turns it
    into timestamps.

    Notes
    -----
    Each meter's intervals are split into runs of one state (use, zero,
    negative, high) broken also by missing intervals ("gaps and islands").

    * continuous_flow: a run of use of T ≥ T_c hours; lost volume q_min · T,
      q_min the lowest flow in the run (the leak's floor); confidence
      min(1, 0.5 + 0.5 (T − T_c) / T_c).
    * burst: a run of flow ≥ max(a · q̄, q_b) for T ≥ T_b; lost volume
      Σ (V − q̄ · t); confidence min(1, T / 2T_b). q̄ is the meter's mean flow.
    * stuck: a run of zeros of T ≥ T_s while the meter's mean flow outside
      the run q_o ≥ q_e, lasting to the meter's last reading or T ≥ T_long;
      unregistered volume q_o · T; confidence min(1, T / 2T_s). With
      `zero_runs`, the other such runs are ``zero_run`` rows with the same
      volume and confidence (`anomalies_by_group` judges them on the DMA
      balance, `stuck_by_balance`).
    * reverse: a run of negative volumes; volume −Σ V; confidence min(1, T / T_r).
    * gap: time between one interval's end and the next one's start (and
      before the first and after the last reading within the period);
      volume q̄ · T, confidence 1.
    """
    settings = settings or AnomalySettings()
    selected = in_period(readings, period)
    if meters is not None:
        selected = selected.semi_join(meters, "meter_id")
    intervals = _interval_facts(deduplicated(selected), settings)
    parts = [
        _bursts(intervals, settings),
        _stuck(intervals, settings, zero_runs),
        _reverse(intervals, settings),
        _gaps(intervals, period, settings),
    ]
    combined = ibis.union(*parts)
    return combined.mutate(volume_m3=combined.volume_m3.round(3), confidence=combined.confidence.round(2))


USE, ZERO, NEGATIVE = 1, 0, -1
"""States of an interval: water used, none, or flowing backwards."""


def _interval_facts(readings: ibis.Table, settings: AnomalySettings) -> ibis.Table:
    """Each interval with its epoch start and end, the meter's mean flow, and its state and run numbers.

    The windows are arranged in two passes (lags and per-meter sums, then the
    running sums that number the runs) so an engine sorts each meter's
    intervals as few times as it can.
    """
    flowing = with_flow(readings)
    start_s = flowing.timestamp.epoch_seconds()
    state = ibis.cases(
        (flowing.volume_m3 >= settings.resolution_m3, USE),
        (flowing.volume_m3 <= -settings.resolution_m3, NEGATIVE),
        else_=ZERO,
    )
    facts = flowing.mutate(start_s=start_s, end_s=start_s + flowing.duration_s, state=state)
    meter = ibis.window(group_by=facts.meter_id)
    ordered = ibis.window(group_by=facts.meter_id, order_by=facts.start_s)
    facts = facts.mutate(
        mean_m3_per_h=facts.volume_m3.sum().over(meter) / facts.hours.sum().over(meter),
        previous_end_s=facts.end_s.lag().over(ordered),
        previous_state=facts.state.lag().over(ordered),
        previous_flow_m3_per_h=facts.flow_m3_per_h.lag().over(ordered),
    )
    high_level = ibis.greatest(settings.burst_factor * facts.mean_m3_per_h, settings.burst_minimum_m3_per_h)
    is_high = facts.flow_m3_per_h >= high_level
    was_high = (facts.previous_flow_m3_per_h >= high_level).fill_null(False)
    contiguous = facts.previous_end_s.notnull() & (facts.previous_end_s == facts.start_s)
    facts = facts.mutate(
        is_high=is_high,
        state_break=(~contiguous | (facts.state != facts.previous_state)).cast("int64"),
        high_break=(~contiguous | (is_high != was_high)).cast("int64"),
    )
    ordered = ibis.window(group_by=facts.meter_id, order_by=facts.start_s)
    return facts.mutate(
        state_run=facts.state_break.cumsum().over(ordered),
        high_run=facts.high_break.cumsum().over(ordered),
    )


def _runs(intervals: ibis.Table, run_column: str) -> ibis.Table:
    """Runs of intervals: start and end (epoch s), hours, volume, lowest flow, the meter's mean flow."""
    return intervals.group_by(["meter_id", run_column]).agg(
        start_s=_.start_s.min(),
        end_s=_.end_s.max(),
        run_hours=_.hours.sum(),
        run_volume_m3=_.volume_m3.sum(),
        lowest_m3_per_h=_.flow_m3_per_h.min(),
        excess_m3=(_.volume_m3 - _.mean_m3_per_h * _.hours).sum(),
        mean_m3_per_h=_.mean_m3_per_h.max(),
    )


def _event(runs: ibis.Table, kind: str | ibis.Value, volume: ibis.Value, confidence: ibis.Value) -> ibis.Table:
    return runs.select(
        "meter_id",
        kind=ibis.literal(kind) if isinstance(kind, str) else kind,
        start_s=runs.start_s.cast("int64"),
        end_s=runs.end_s.cast("int64"),
        volume_m3=volume.cast("float64"),
        confidence=ibis.least(confidence.cast("float64"), 1.0),
    )


def _bursts(intervals: ibis.Table, settings: AnomalySettings) -> ibis.Table:
    runs = _runs(intervals.filter(intervals.is_high), "high_run")
    runs = runs.filter(runs.run_hours >= settings.burst_hours)
    return _event(runs, "burst", runs.excess_m3, runs.run_hours / (2 * settings.burst_hours))


def _stuck(intervals: ibis.Table, settings: AnomalySettings, zero_runs: bool = False) -> ibis.Table:
    runs = _runs(intervals.filter(intervals.state == ZERO), "state_run")
    runs = runs.filter(runs.run_hours >= settings.stuck_hours)
    totals = intervals.group_by("meter_id").agg(
        total_m3=_.volume_m3.sum(), total_hours=_.hours.sum(), last_end_s=_.end_s.max()
    )
    joined = runs.join(totals, "meter_id")
    outside_hours = joined.total_hours - joined.run_hours
    outside_flow = ibis.ifelse(outside_hours > 0, joined.total_m3 / outside_hours, 0.0)
    joined = joined.mutate(outside_m3_per_h=outside_flow)
    joined = joined.filter(joined.outside_m3_per_h >= settings.stuck_expected_m3_per_h)
    called = (joined.end_s >= joined.last_end_s) | (joined.run_hours >= settings.stuck_long_hours)
    kind: str | ibis.Value = ibis.ifelse(called, "stuck", ZERO_RUN) if zero_runs else "stuck"
    if not zero_runs:
        joined = joined.filter(called)
    confidence = joined.run_hours / (2 * settings.stuck_hours)
    return _event(joined, kind, joined.outside_m3_per_h * joined.run_hours, confidence)


def _reverse(intervals: ibis.Table, settings: AnomalySettings) -> ibis.Table:
    runs = _runs(intervals.filter(intervals.state == NEGATIVE), "state_run")
    confidence = runs.run_hours / settings.reverse_full_confidence_hours
    return _event(runs, "reverse", -runs.run_volume_m3, confidence)


def _gaps(intervals: ibis.Table, period: Period, settings: AnomalySettings) -> ibis.Table:
    """Missing data between readings, and at the ends of the period."""
    period_start_s = int(pd.Timestamp(period.start).timestamp())
    period_end_s = int(pd.Timestamp(period.end).timestamp())
    inner = intervals.filter(intervals.previous_end_s.notnull() & (intervals.previous_end_s < intervals.start_s))
    inner = inner.select("meter_id", "mean_m3_per_h", gap_start_s=inner.previous_end_s, gap_end_s=inner.start_s)
    ends = intervals.group_by("meter_id").agg(
        first_s=_.start_s.min(), last_s=_.end_s.max(), mean_m3_per_h=_.mean_m3_per_h.max()
    )
    leading = ends.filter(ends.first_s > period_start_s).select(
        "meter_id", "mean_m3_per_h", gap_start_s=ibis.literal(period_start_s, "int64"), gap_end_s=ends.first_s
    )
    trailing = ends.filter(ends.last_s < period_end_s).select(
        "meter_id", "mean_m3_per_h", gap_start_s=ends.last_s, gap_end_s=ibis.literal(period_end_s, "int64")
    )
    gaps = ibis.union(
        *(part.cast({"gap_start_s": "int64", "gap_end_s": "int64"}) for part in (inner, leading, trailing))
    )
    gaps = gaps.filter((gaps.gap_end_s - gaps.gap_start_s) >= settings.gap_hours * SECONDS_PER_HOUR)
    hours = (gaps.gap_end_s - gaps.gap_start_s).cast("float64") / SECONDS_PER_HOUR
    runs = gaps.mutate(start_s=gaps.gap_start_s, end_s=gaps.gap_end_s)
    return _event(runs, "gap", ibis.greatest(runs.mean_m3_per_h, 0.0) * hours, ibis.literal(1.0))


def execute(connection: BaseBackend, expression: ibis.Table) -> pd.DataFrame:
    """Run an expression and return its rows, date columns as `datetime.date` whatever the engine."""
    frame = connection.execute(expression)
    for name, dtype in expression.schema().items():
        if dtype.is_date():
            frame[name] = pd.to_datetime(frame[name]).dt.date
    return frame


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


def customer_anomaly_events(
    connection: BaseBackend,
    readings: ibis.Table,
    period: Period,
    settings: AnomalySettings | None = None,
    meter_ids: Sequence[str] | None = None,
    zero_runs: bool = False,
) -> pd.DataFrame:
    """Every kind of customer anomaly of the meters (all when None), one row per episode, as `anomalies_frame`
    shows them: `customer_anomalies` and the leak episodes, worked out over each meter's readings in time order
    (`hydro.readings.meter_series`) rather than by the engine's window sorts; with `zero_runs`, also the runs of
    zeros that ended (kind ``zero_run``), for the DMA balance to judge (`stuck_by_balance`)."""
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
    leaks = leak_events(series, settings)
    parts = [part for part in (events, leaks) if not part.empty]
    combined = pd.concat(parts, ignore_index=True) if parts else events
    merged = merge_episodes(combined, settings)
    if "open" not in merged:
        merged["open"] = False
    merged["open"] = merged["open"].fillna(False).astype(bool) | (merged.end_s >= period_end_s)
    return anomalies_frame(merged)


ANOMALY_GROUP_METERS = 2_000
"""Meters worked out at a time: a month of 2,000 hourly meters is 1.5 M intervals, arrays of 12 MB, which the
allocator hands from group to group; fresh arrays of a whole county's month cost a page fault every 4 kB each
time (four times slower on 10 M readings, BENCHMARKS.md) and their memory grows with the county."""


def anomalies_by_group(
    connection: BaseBackend,
    readings: ibis.Table,
    period: Period,
    settings: AnomalySettings | None = None,
    meters: ibis.Table | None = None,
    group_meters: int = ANOMALY_GROUP_METERS,
    zones: ibis.Table | None = None,
) -> pd.DataFrame:
    """`customer_anomaly_events` of the meters, on at most `group_meters` meters at a time.

    A meter's anomalies depend on its own readings only, so the events are
    those of all meters at once; a group bounds the rows held in memory at
    once (a month of 100,000 hourly meters is 73 M rows). Groups are runs of
    meters in name order, so each reads only its part of the store's files.
    With `zones`, the runs of zeros that ended are judged on the daily
    balance of their meter's DMA once every group is done
    (`stuck_by_balance`), so a DMA split over groups is judged whole;
    without, they are households away.
    """
    settings = settings or AnomalySettings()
    zero_runs = zones is not None
    chosen = meters if meters is not None else in_period(readings, period).select("meter_id").distinct()
    meter_ids = sorted(connection.execute(chosen.select("meter_id"))["meter_id"])
    parts = [
        customer_anomaly_events(
            connection, readings, period, settings, meter_ids[first : first + group_meters], zero_runs
        )
        for first in range(0, len(meter_ids), group_meters)
    ]
    if not parts:
        return customer_anomaly_events(connection, readings, period, settings, [])
    combined = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if zones is not None:
        balance = execute(connection, dma_balance(readings, zones, period, "day"))
        combined = stuck_by_balance(combined, balance, connection.execute(zones), settings)
    return combined.sort_values(["meter_id", "start", "kind"], kind="stable", ignore_index=True)


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


def analyse(
    connection: BaseBackend,
    readings: ibis.Table,
    zones: pd.DataFrame,
    period: Period,
    night_settings: NightFlowSettings | None = None,
    anomaly_settings: AnomalySettings | None = None,
    granularity: str = "month",
) -> AnalysisResults:
    """The whole analysis of a period on one engine: balance, night flow and its alarms, customer anomalies."""
    zone_table = memory_table(connection, zones, "zones")
    customers = zone_table.filter(zone_table.role == "customer").select("meter_id").distinct()
    nights = execute(connection, night_flow(readings, zone_table, period, night_settings))
    anomalies = anomalies_by_group(connection, readings, period, anomaly_settings, customers, zones=zone_table)
    return AnalysisResults(
        balance=execute(connection, dma_balance(readings, zone_table, period, granularity)),
        nights=nights,
        alarms=night_flow_alarms(nights, night_settings),
        anomalies=anomalies,
    )

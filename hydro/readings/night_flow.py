"""Minimum night flow of each district metered area (DMA), and the alarms it raises when it rises.

The night flow is an Ibis expression over the stored readings
(``meter_id, timestamp, duration_s, volume_m3``; see `hydro.readings.store`)
and the zone membership (``meter_id, dma_id, role``,
`hydro.readings.periods.read_zones`), so it runs unchanged on DuckDB or Spark
(`hydro.readings.engine`). The change detection on the nightly series, a few
hundred numbers per DMA, is plain Python.

Units: flows m³/h, night use per connection L/h; nights are the dates of
the mornings, in the county's wall-clock time.

References
----------
Farley, M. & Trow, S. (2003). *Losses in Water Distribution Networks*. IWA
Publishing, ch. 7 (minimum night flow, legitimate night use).
UK Water Industry (1994). *Managing Leakage*, Report E: Interpreting
measured night flows (household night use about 1.7 L/property/h).
Page, E. S. (1954). Continuous inspection schemes. *Biometrika* 41, 100–115
(the CUSUM used for night-flow alarms).
Huber, P. J. (1981). *Robust Statistics*. Wiley, §1.3 and §3.2 (clipped sums;
the MAD as a scale).
Hinkley, D. V. (1971). Inference about the change-point from cumulative sum
tests. *Biometrika* 58, 509–523 (the most likely start of a step).
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley, ch. 6 (the ratio
estimate of a total from the units observed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd
from ibis import _

from hydro.readings.periods import SECONDS_PER_HOUR, Period, in_period, with_flow
from hydro.readings.stuck_balance import MAD_TO_SIGMA, balance_noise

LITRES_PER_M3 = 1000.0
NIGHT_COLUMNS = [
    "dma_id", "night", "mnf_m3_per_h", "legitimate_m3_per_h", "leakage_m3_per_h", "unmetered_m3_per_h",
]  # fmt: skip
ALARM_COLUMNS = ["dma_id", "start", "detected", "excess_m3_per_h"]


LARGEST_ALLOWANCE_SIGMA = 2.5
"""The largest k a county may set: a night counts for at most `NightFlowSettings.cusum_clip_sigma` (3σ), so at
k = 2.5 a night adds at most 0.5 and the default h = 4 takes eight nights in a row; a larger k leaves a rise
almost nothing to add. The thresholds page and `hydro readings night-flow --allowance-sigma` both hold to it."""


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
        CUSUM reference value k and decision interval h, in standard deviations. k = 0.75 on the tuning
        draws of `hydro.readings.realistic`: 0.5 let nights a little above the baseline add up to an alarm
        (precision 0.62 against 0.84, the same leaks found; BENCHMARKS.md).
    minimum_sigma_fraction : float
        Floor of the standard deviation, as a fraction of the baseline, so a
        very quiet baseline does not make every wobble an alarm.
    cusum_clip_sigma : float
        A night counts in the sum for at most this many standard deviations, so
        that one night (a mains flushing, a fire fought at night) cannot raise an
        alarm alone: with k = 0.5 and h = 4, three allow an alarm on the second
        night of a rise at the earliest.
    dating_clip_sigma : float
        A night counts for at most this many standard deviations when the night a rise began is found
        (`change_point`): twice c, so that a leak of several σ stands out from the small rise before it
        (counted at c, it could not: on the tuning draws 3 of 28 true alarms were dated three to eight
        nights early, against 1 of 27 three nights early; BENCHMARKS.md), while one night of a flushing
        still does not date a rise alone.
    release_nights : int
        Nights in a row back within k·σ of the baseline that end an alarm (the
        leak repaired). Two on the tuning draws: with one, a leak whose nights
        dipped once was alarmed again (1.22 alarms per leak against 1.09;
        BENCHMARKS.md).
    event_sigma : float
        A night more than this many standard deviations over the baseline
        (or the alarm's rise), the only such night of its run, that would
        raise an alarm waits for the next night: if that one is back within
        k·σ, it was an event (a mains flushing, a fire fought at night) and
        counts for nothing. Clipped at c it still counted as much as a leak's
        night, so an event after a night a little high was alarmed, and an
        event on a leak's second night sized its alarm (the median of two
        nights) at several times the leak: on the tuning draws two leaks were
        sized 1.8 and 2.6 m³/h for 0.07 and 0.11, and two events alarmed
        alone (draws 41–60). The alarm of a leak under such an event comes a
        night later (BENCHMARKS.md).
    further_rise_threshold_sigma : float
        Decision interval of the CUSUM that watches a DMA in alarm for a further
        rise over the alarm's own (a leak starting while a drift's alarm is
        open), in standard deviations; twice h, since the alarm's rise is known
        only from its few nights and a leak's nights wobble about it.
    """

    window_start_hour: int = 2
    window_end_hour: int = 4
    statistic: str = "minimum"
    night_use_l_per_h_per_connection: float = 1.7
    night_use_by_dma: dict[str, float] = field(default_factory=dict)
    metered_night_use: bool = True
    baseline_nights: int = 14
    cusum_allowance_sigma: float = 0.75
    cusum_threshold_sigma: float = 4.0
    minimum_sigma_fraction: float = 0.02
    cusum_clip_sigma: float = 3.0
    dating_clip_sigma: float = 6.0
    release_nights: int = 2
    further_rise_threshold_sigma: float = 8.0
    event_sigma: float = 10.0


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
    meters account for, leakage and the unmetered customers' use. A reading lost
    or merged with the next leaves its customer out of C(t), while its water is
    in Q(t); C(t) is therefore taken as C_r(t) · N / n(t), the n(t) customers read
    for the hour standing for all N the DMA has read hourly in the period (the
    most read for any hour), so a lost reading adds the mean use of one customer
    rather than nothing to U (a ratio estimate, Cochran 1977, ch. 6). The others
    get the allowance: legitimate use of the unmetered = N_u · q_n / 1000 with
    N_u their connections and q_n [L/h]; leakage = max(U − N_u · q_n / 1000, 0)
    and legitimate night use = MNF − leakage (Farley & Trow 2003, §7.3). With no
    customer read hourly, U = MNF and this is the allowance method throughout.
    """
    settings = settings or NightFlowSettings()
    if settings.statistic not in ("minimum", "mean"):
        raise ValueError(f"night-flow statistic {settings.statistic!r}: choose minimum or mean.")
    night = night_flows(readings, zones, period, settings)
    night = night.mutate(hourly_meters=night.metered_meters.max().over(group_by="dma_id"))
    imputed = ibis.ifelse(
        night.metered_meters > 0, night.metered_m3_per_h * night.hourly_meters / night.metered_meters, 0.0
    )
    night = night.mutate(balance_m3_per_h=night.net_m3_per_h - imputed)
    nights = (
        night.mutate(night=night.timestamp.date())
        .group_by(["dma_id", "night"])
        .agg(
            mnf_m3_per_h=_statistic(night.net_m3_per_h, settings),
            unmetered_m3_per_h=_statistic(night.balance_m3_per_h, settings),
            metered_meters=night.hourly_meters.max(),
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
    of the first `baseline_nights` nights, σ = max(1.4826 · MAD, σ_Δ, f · μ),
    σ_Δ the night-to-night spread of the whole series (`night_to_night_sigma`),
    so that a fortnight that happened to be quiet does not set a σ the other
    nights cannot keep:

        S_n = max(0, S_{n−1} + min((x_n − μ) / σ, c) − k),   alarm when S_n > h,

    each night counting for at most c = `cusum_clip_sigma` standard deviations
    (a Huber-type clipped CUSUM, Huber 1981 §1.3: one night of a flushing or a
    fire cannot raise an alarm alone). The rise began the night after S was
    last zero, moved on to the most likely first night of a step within the
    run (`change_point`, Hinkley 1971, each night counting for at most
    `dating_clip_sigma`), and its excess is the median of the
    nights since, less μ (a flushing among them does not inflate it). After
    an alarm the DMA stays in alarm until `release_nights` nights in a row fall
    back within k·σ of the baseline (the leak repaired), so one rise is
    reported once even when a night of it dips; then the sum starts again.
    A night more than `event_sigma` over the level, the only one of its run,
    that would raise the alarm waits for the next night, and counts for
    nothing when that night is back within k·σ (an event, not a leak).
    While in alarm the same CUSUM runs over the alarm's rise r̂ (in σ),
    min(z_n − r̂, c) − k, and a further rise is a new alarm when it passes
    `further_rise_threshold_sigma` (a leak that begins while a drift's alarm
    is open is not hidden behind it); its excess is again over μ.
    """
    settings = settings or NightFlowSettings()
    alarms = [
        alarm
        for dma_id, series in nights.sort_values(["dma_id", "night"]).groupby("dma_id", sort=True)
        for alarm in _cusum_alarms(str(dma_id), series, settings)
    ]
    return pd.DataFrame(alarms, columns=ALARM_COLUMNS)


def night_to_night_sigma(values: np.ndarray) -> float:
    """σ_Δ = 1.4826 · median |x_n − x_{n−1}| / √2 of the nights (`hydro.readings.stuck_balance.balance_noise`,
    which neither a step nor a flushing moves, so a leak that begins within the series does not widen it);
    0 when there are not two nights to compare."""
    noise = balance_noise(values)
    return noise if np.isfinite(noise) else 0.0


def change_point(standardised: np.ndarray) -> int:
    """Where in a run of nights a rise most likely began: the τ that maximises (Σ_{i≥τ} z_i)² / (n − τ).

    For nights z_0 … z_{n−1} in standard deviations over a known baseline, a step from night τ on has the
    log-likelihood ratio (Σ_{i≥τ} z_i)² / 2(n − τ) at its most likely size (Hinkley 1971); only rises count.
    The CUSUM's own start, the night after its sum was last zero, takes in the nights a little over the
    baseline that came before the step.

    Examples
    --------
    Four nights 0.8 σ over the baseline, then two of a leak (counted at 3 σ): the leak's first night, 4.

    >>> change_point(np.array([0.8, 0.8, 0.8, 0.8, 3.0, 3.0]))
    4
    """
    tails = np.cumsum(standardised[::-1])[::-1]
    lengths = np.arange(standardised.size, 0, -1)
    evidence = np.where(tails > 0, tails**2 / lengths, -np.inf)
    return int(np.argmax(evidence))


def _baseline_and_sigma(values: np.ndarray, settings: NightFlowSettings) -> tuple[float, float]:
    """μ, the median of the baseline nights, and σ = max(1.4826 · MAD, σ_Δ, f · μ) [m³/h]."""
    baseline_values = values[: settings.baseline_nights]
    baseline = float(np.median(baseline_values))
    spread = MAD_TO_SIGMA * float(np.median(np.abs(baseline_values - baseline)))
    sigma = max(spread, night_to_night_sigma(values), settings.minimum_sigma_fraction * abs(baseline), 1e-9)
    return baseline, sigma


def _cusum_alarms(dma_id: str, series: pd.DataFrame, settings: NightFlowSettings) -> list[tuple]:
    watched = series.unmetered_m3_per_h if "unmetered_m3_per_h" in series.columns else series.mnf_m3_per_h
    values = watched.to_numpy(dtype=float)
    nights = list(series.night)
    if len(values) <= settings.baseline_nights or np.isnan(values[: settings.baseline_nights]).any():
        return []
    baseline, sigma = _baseline_and_sigma(values, settings)
    standardised = (values - baseline) / sigma
    alarms: list[tuple] = []
    cusum, rise_start, alarm_rise, quiet_nights = 0.0, settings.baseline_nights, None, 0
    held: float | None = None  # the sum before a lone night far over the rest, while the next night is awaited
    for position in range(settings.baseline_nights, len(values)):
        if alarm_rise is not None:
            quiet_nights = quiet_nights + 1 if standardised[position] <= settings.cusum_allowance_sigma else 0
            if quiet_nights >= settings.release_nights:
                cusum, alarm_rise, quiet_nights, held = 0.0, None, 0, None
                continue
        level = alarm_rise or 0.0
        rise = standardised[position] - level
        if held is not None and rise <= settings.cusum_allowance_sigma:
            # the night before was an event (a flushing, a fire), not the start of a leak: it counts for nothing
            cusum, held = max(0.0, held - settings.cusum_allowance_sigma), None
        if cusum == 0.0:
            rise_start = position
        before = cusum
        increment = min(rise, settings.cusum_clip_sigma) - settings.cusum_allowance_sigma
        cusum = max(0.0, cusum + increment)
        limit = settings.cusum_threshold_sigma if alarm_rise is None else settings.further_rise_threshold_sigma
        lone = (
            rise > settings.event_sigma and not (standardised[rise_start:position] - level > settings.event_sigma).any()
        )
        if cusum > limit and held is None and lone and position + 1 < len(values):
            held = before
            continue
        held = None
        if cusum > limit:
            run = np.minimum(standardised[rise_start : position + 1] - level, settings.dating_clip_sigma)
            began = rise_start + change_point(run)
            excess = float(np.median(values[began : position + 1]) - baseline)
            alarms.append((dma_id, nights[began], nights[position], round(excess, 6)))
            cusum, alarm_rise, quiet_nights = 0.0, excess / sigma, 0
    return alarms

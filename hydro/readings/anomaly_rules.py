"""The customer anomaly rules as engine expressions: bursts, stuck meters, reverse flow and gaps.

`customer_anomalies` states each rule as Ibis window expressions over the
stored readings, so it runs unchanged on DuckDB or Spark. The monthly
analysis works the same rules out in one ordered pass over each meter's
readings (`hydro.readings.analysis.customer_anomaly_events`,
`hydro.readings.meter_series`); the suite holds the two to the same rows.

Units: volumes m³, flows m³/h, durations s (stored) and h (reported).
"""

from __future__ import annotations

import ibis
import pandas as pd
from ibis import _

from hydro.readings.analysis import AnomalySettings
from hydro.readings.customer_leaks import deduplicated, register_step, without_index_jitter
from hydro.readings.meter_series import LUMPED_FACTOR, ZERO_RUN
from hydro.readings.periods import SECONDS_PER_HOUR, Period, in_period, with_flow


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
    Readings given twice count once, and an index read one register step
    off is folded back into its neighbour first
    (`hydro.readings.customer_leaks.without_index_jitter`). Each meter's
    intervals are split into runs of one state (use, zero, negative, high)
    broken also by missing intervals ("gaps and islands").
    The ``confidence`` of a burst, stuck run, reverse run and gap below is the
    rule's score; `customer_findings_by_group` turns it into the calibrated confidence
    of its kind and score band (`hydro.readings.alarm_confidence`).

    * continuous_flow: a run of use of T ≥ T_c hours; lost volume q_min · T,
      q_min the lowest flow in the run (the leak's floor); confidence
      min(1, 0.5 + 0.5 (T − T_c) / T_c).
    * burst: a run of flow ≥ max(a · q̄, q_b) for T ≥ min(T_b, T_b′) (T_b′ the
      `burst_short_hours`); lost volume Σ (V − q̄ · t); confidence
      min(1, T / 2T_b). q̄ is the meter's mean flow.
      `hydro.readings.analysis.unusual_bursts` then keeps those far enough
      above their meter's usual peak.
    * stuck: a run of zeros of T ≥ T_s while the meter's mean flow outside
      the run q_o ≥ q_e, lasting to the meter's last reading or T ≥ T_long;
      unregistered volume q_o · T; confidence min(1, T / 2T_s). With
      `zero_runs`, the other such runs are ``zero_run`` rows with the same
      volume and confidence (`customer_findings_by_group` judges them on the DMA
      balance, `stuck_by_balance`).
    * reverse: a run of negative volumes moving the register back by more
      than `reverse_minimum_steps` of its steps (`register_step`); volume
      −Σ V; confidence min(1, T / T_r).
    * gap: time between one interval's end and the next one's start (and
      before the first and after the last reading within the period);
      volume q̄ · T, confidence 1.
    """
    settings = settings or AnomalySettings()
    selected = in_period(readings, period)
    if meters is not None:
        selected = selected.semi_join(meters, "meter_id")
    intervals = _interval_facts(without_index_jitter(deduplicated(selected)), settings)
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
        shortest_s=facts.duration_s.min().over(meter),
        step_m3=register_step(facts.volume_m3, meter),
        previous_end_s=facts.end_s.lag().over(ordered),
        previous_state=facts.state.lag().over(ordered),
        previous_flow_m3_per_h=facts.flow_m3_per_h.lag().over(ordered),
    )
    high_level = ibis.greatest(settings.burst_factor * facts.mean_m3_per_h, settings.burst_minimum_m3_per_h)
    is_high = facts.flow_m3_per_h >= high_level
    was_high = (facts.previous_flow_m3_per_h >= high_level).fill_null(False)
    contiguous = facts.previous_end_s.notnull() & (facts.previous_end_s == facts.start_s)
    hole_s = facts.start_s - facts.previous_end_s
    lost = facts.previous_end_s.notnull() & (hole_s > 0) & (hole_s < settings.gap_hours * SECONDS_PER_HOUR)
    changed = facts.state != facts.previous_state
    near_shortest = facts.duration_s < LUMPED_FACTOR * facts.shortest_s
    facts = facts.mutate(
        usual_s=ibis.ifelse(
            near_shortest.cast("int64").sum().over(meter) * 2 >= facts.duration_s.count().over(meter),
            facts.shortest_s,
            ibis.ifelse(near_shortest, ibis.null("int64"), facts.duration_s).min().over(meter),
        ),
        is_high=is_high,
        state_break=(~contiguous | changed).cast("int64"),
        zero_break=(~(contiguous | lost) | changed.fill_null(True)).cast("int64"),
        high_break=(~contiguous | (is_high != was_high)).cast("int64"),
    )
    ordered = ibis.window(group_by=facts.meter_id, order_by=facts.start_s)
    return facts.mutate(
        state_run=facts.state_break.cumsum().over(ordered),
        zero_run=facts.zero_break.cumsum().over(ordered),
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
        step_m3=_.step_m3.max(),
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
    runs = runs.filter(runs.run_hours >= settings.shortest_burst_hours())
    return _event(runs, "burst", runs.excess_m3, runs.run_hours / (2 * settings.burst_hours))


def _stuck(intervals: ibis.Table, settings: AnomalySettings, zero_runs: bool = False) -> ibis.Table:
    runs = _runs(intervals.filter(intervals.state == ZERO), "zero_run")
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
    runs = runs.filter(-runs.run_volume_m3 > settings.reverse_minimum_steps * runs.step_m3)
    confidence = runs.run_hours / settings.reverse_full_confidence_hours
    return _event(runs, "reverse", -runs.run_volume_m3, confidence)


def _gaps(intervals: ibis.Table, period: Period, settings: AnomalySettings) -> ibis.Table:
    """Missing data between readings, and at the ends of the period; and a reading that covers the hours of
    lost ones (an index read again after a silence: `hydro.readings.meter_series.LUMPED_FACTOR` times the meter's
    usual interval, `hydro.readings.meter_series.usual_intervals_s`); each at least `gap_hours` long and with at
    least `gap_lost_readings` readings lost."""
    period_start_s = int(pd.Timestamp(period.start).timestamp())
    period_end_s = int(pd.Timestamp(period.end).timestamp())
    inner = intervals.filter(intervals.previous_end_s.notnull() & (intervals.previous_end_s < intervals.start_s))
    lost = ibis.literal(settings.gap_lost_readings, "int64")
    inner = inner.select(
        "meter_id",
        "mean_m3_per_h",
        gap_start_s=inner.previous_end_s,
        gap_end_s=inner.start_s,
        least_s=lost * inner.usual_s,
    )
    lumped = intervals.filter(intervals.duration_s >= LUMPED_FACTOR * intervals.usual_s)
    lumped = lumped.select(
        "meter_id",
        "mean_m3_per_h",
        gap_start_s=lumped.start_s,
        gap_end_s=lumped.end_s,
        least_s=(lost + 1) * lumped.usual_s,
    )
    ends = intervals.group_by("meter_id").agg(
        first_s=_.start_s.min(), last_s=_.end_s.max(), mean_m3_per_h=_.mean_m3_per_h.max(), usual_s=_.usual_s.max()
    )
    leading = ends.filter(ends.first_s > period_start_s).select(
        "meter_id",
        "mean_m3_per_h",
        gap_start_s=ibis.literal(period_start_s, "int64"),
        gap_end_s=ends.first_s,
        least_s=lost * ends.usual_s,
    )
    trailing = ends.filter(ends.last_s < period_end_s).select(
        "meter_id",
        "mean_m3_per_h",
        gap_start_s=ends.last_s,
        gap_end_s=ibis.literal(period_end_s, "int64"),
        least_s=lost * ends.usual_s,
    )
    gaps = ibis.union(
        *(
            part.cast({"gap_start_s": "int64", "gap_end_s": "int64", "least_s": "int64"})
            for part in (inner, lumped, leading, trailing)
        )
    )
    length_s = gaps.gap_end_s - gaps.gap_start_s
    gaps = gaps.filter((length_s >= settings.gap_hours * SECONDS_PER_HOUR) & (length_s >= gaps.least_s))
    hours = (gaps.gap_end_s - gaps.gap_start_s).cast("float64") / SECONDS_PER_HOUR
    runs = gaps.mutate(start_s=gaps.gap_start_s, end_s=gaps.gap_end_s)
    return _event(runs, "gap", ibis.greatest(runs.mean_m3_per_h, 0.0) * hours, ibis.literal(1.0))

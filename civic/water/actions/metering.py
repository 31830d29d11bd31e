"""Summaries of the smart-metering analyses and the water audit, stored so that pages stay fast."""

from __future__ import annotations

import dataclasses
import datetime
import math
import zoneinfo
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from civic.core.models import User
from civic.water.models import (
    AlarmStatus,
    CustomerAlarm,
    DmaBalance,
    DmaNightFlow,
    DmaNightFlowAlarm,
    LeakageRateParameters,
    MeteringParameters,
    MeteringRun,
    WaterAudit,
)
from hydro.readings import alarm_continuity
from hydro.readings import engine as readings_engine
from hydro.readings.analysis import AnalysisResults, AnomalySettings, analyse
from hydro.readings.night_flow import NightFlowSettings
from hydro.readings.periods import Period
from hydro.readings.readings_file import COUNTY_TIME_ZONE
from hydro.water_audit import AuditInputs, CJJ92Corrections, water_audit

USE_SERIES_MARGIN = datetime.timedelta(hours=24)
USE_SERIES_MAXIMUM_HOURS = 24 * 14


def metering_parameters_on(day: datetime.date) -> tuple[NightFlowSettings, AnomalySettings]:
    """The night-flow and anomaly settings in force on a day (hydro's defaults before the first row)."""
    row = MeteringParameters.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if row is None:
        return NightFlowSettings(), AnomalySettings()
    night = NightFlowSettings(
        window_start_hour=row.night_window_start_hour,
        window_end_hour=row.night_window_end_hour,
        night_use_l_per_h_per_connection=row.night_use_l_per_h_per_connection,
        baseline_nights=row.baseline_nights,
        cusum_allowance_sigma=row.night_flow_allowance_sigma,
        cusum_threshold_sigma=row.night_flow_threshold_sigma,
    )
    anomalies = AnomalySettings(
        continuous_flow_hours=row.continuous_flow_hours,
        stuck_hours=row.stuck_hours,
        gap_hours=row.gap_hours,
        stuck_balance_share=row.stuck_balance_share,
        stuck_balance_sigmas=row.stuck_balance_sigmas,
        stuck_balance_days=row.stuck_balance_days,
        burst_hours=row.burst_hours,
        burst_usual_peak_factor=row.burst_usual_peak_factor,
        burst_short_hours=row.burst_short_hours,
        burst_short_usual_peak_factor=row.burst_short_usual_peak_factor,
        burst_habit_share=row.burst_habit_share,
        burst_habit_days=row.burst_habit_days,
        gap_lost_readings=row.gap_lost_readings,
        shared_gap_meters=row.shared_gap_meters,
        merge_hours=row.episode_merge_hours,
    )
    return night, anomalies


def leakage_rate_parameters_for(year: int) -> CJJ92Corrections:
    """The CJJ 92 corrections in force at the end of `year` (the standard's defaults before the first row)."""
    last_day = datetime.date(year, 12, 31)
    row = LeakageRateParameters.objects.filter(effective_from__lte=last_day).order_by("-effective_from").first()
    if row is None:
        return CJJ92Corrections()
    limit = row.length_correction_limit_pct
    return CJJ92Corrections(
        residential_factor=row.residential_factor,
        length_factor=row.length_factor,
        length_reference_km_per_10k_m3=row.length_reference_km_per_10k_m3,
        length_bounds_pct=(-limit, limit),
        pressure_steps=tuple((float(mpa), float(pct)) for mpa, pct in row.pressure_steps)
        or CJJ92Corrections().pressure_steps,
        frost_depth_m=row.frost_depth_m,
        frost_correction_pct=row.frost_correction_pct,
        grades_pct=((row.first_grade_pct, "first"), (row.second_grade_pct, "second")),
    )


def record_metering_run(
    store: str, zones: Any, period: Period, user: User | None = None, engine: str | None = None
) -> MeteringRun:
    """Analyse a period's readings (balance, night flow, alarms, customer anomalies) and keep the summaries.

    The analysis runs first, outside the transaction; the run and all its
    summaries are then written in one transaction, so a page never shows half a run.
    An episode keeps one alarm over analyses: a finding continues the open alarm
    it overlaps or adjoins, within the `merge_hours` one analysis joins events by
    (`hydro.readings.alarm_continuity`), so a period analysed again adds nothing.
    """
    night_settings, anomaly_settings = metering_parameters_on(period.start.date())
    connection = readings_engine.connect(engine)
    readings = readings_engine.readings_table(connection, store, period.months())
    results = analyse(connection, readings, zones, period, night_settings, anomaly_settings, granularity="period")
    series = _use_series(connection, readings, results.anomalies)
    last_day = (period.end - datetime.timedelta(days=1)).date()
    with transaction.atomic():
        run = MeteringRun.objects.create(
            period_start=period.start.date(),
            period_end=last_day,
            engine=readings_engine.engine_name(engine),
            store=str(store),
            zones=[
                [str(meter), str(dma), str(role)]
                for meter, dma, role in zones[["meter_id", "dma_id", "role"]].itertuples(index=False)
            ],
            leak_unchecked_meters=[
                [str(meter), round(seconds / 3600.0, 2)]
                for meter, seconds in results.leak_unchecked.itertuples(index=False)
            ],
            created_by=user,
        )
        _store_summaries(run, results, series, _customer_dmas(zones), anomaly_settings.merge_hours)
    return run


def _customer_dmas(zones: Any) -> dict[str, str]:
    """The DMA of each customer meter (its first, should the zone file list it in two)."""
    customers = zones[zones.role == "customer"]
    dmas: dict[str, str] = {}
    for meter, dma in zip(customers.meter_id, customers.dma_id, strict=True):
        dmas.setdefault(str(meter), str(dma))
    return dmas


def _store_summaries(
    run: MeteringRun,
    results: AnalysisResults,
    series: dict[int, list[list[Any]]],
    dmas: dict[str, str],
    merge_hours: float,
) -> None:
    """The run's balances and night flows, and its alarms raised or continued (one alarm per episode, over
    analyses as within one: findings within `merge_hours` of an open alarm continue it)."""
    DmaBalance.objects.bulk_create(
        DmaBalance(
            run=run,
            dma_code=row.dma_id,
            inflow_m3=row.inflow_m3,
            outflow_m3=row.outflow_m3,
            consumption_m3=row.consumption_m3,
            nrw_m3=row.nrw_m3,
            nrw_pct=None if row.nrw_pct is None or math.isnan(row.nrw_pct) else row.nrw_pct,
        )
        for row in results.balance.itertuples(index=False)
    )
    DmaNightFlow.objects.bulk_create(
        DmaNightFlow(
            run=run,
            dma_code=row.dma_id,
            night=row.night,
            mnf_m3_per_h=row.mnf_m3_per_h,
            legitimate_m3_per_h=row.legitimate_m3_per_h,
            leakage_m3_per_h=row.leakage_m3_per_h,
        )
        for row in results.nights.itertuples(index=False)
    )
    tolerance = datetime.timedelta(hours=merge_hours)
    _raise_or_continue_night_flow_alarms(run, results.alarms, tolerance)
    _raise_or_continue_customer_alarms(run, results.anomalies, series, dmas, tolerance)


CONTINUED = "continued"
"""The history's change reason when an analysis finds an open alarm's episode again."""
RAISED = "raised"
"""The history's change reason of an alarm as its analysis raised it (its first record)."""


def _raise_or_continue_customer_alarms(
    run: MeteringRun, anomalies: Any, series: dict[int, list[list[Any]]], dmas: dict[str, str], tolerance: Any
) -> None:
    """Each anomaly continues the open alarm of its meter and kind it overlaps or adjoins (within `tolerance`),
    changes nothing when it lies within a closed one, or raises a new alarm over the part after any closed
    alarm it continues (`hydro.readings.alarm_continuity`)."""
    findings = [
        (position, row, _county_time(row.start), _county_time(row.end))
        for position, row in enumerate(anomalies.itertuples(index=False))
    ]
    if not findings:
        return
    earliest = min(start for _position, _row, start, _end in findings) - tolerance
    latest = max(end for _position, _row, _start, end in findings) + tolerance
    known: dict[tuple[str, str], list[CustomerAlarm]] = {}
    for alarm in (
        CustomerAlarm.objects.select_for_update()
        .filter(end__gte=earliest, start__lte=latest)
        .defer("use_series")
        .order_by("start", "pk")
    ):
        known.setdefault((alarm.meter_code, alarm.kind), []).append(alarm)
    raised: list[CustomerAlarm] = []
    continued: dict[int, CustomerAlarm] = {}
    for position, row, start, end in sorted(findings, key=lambda finding: (finding[2], finding[0])):
        alarms = known.setdefault((row.meter_id, row.kind), [])
        decision, index = alarm_continuity.decide(_spans(alarms), start, end, tolerance)
        if decision is alarm_continuity.Decision.IGNORE:
            continue
        if decision is alarm_continuity.Decision.UPDATE and index is not None:
            alarm = alarms[index]
            _continue_customer_alarm(alarm, run, row, start, end, series.get(position, []))
            if alarm.pk is not None:
                continued[alarm.pk] = alarm
            continue
        new_start = alarm_continuity.unhandled_start(_spans(alarms), start, end, tolerance)
        alarm = CustomerAlarm(
            run=run,
            last_run=run,
            meter_code=row.meter_id,
            dma_code=dmas.get(row.meter_id, ""),
            kind=row.kind,
            start=new_start,
            end=end,
            volume_m3=round(row.volume_m3 * (1.0 - alarm_continuity.share_outside(new_start, end, start, end)), 3),
            confidence=row.confidence,
            use_series=series.get(position, []),
        )
        alarms.append(alarm)
        raised.append(alarm)
    bulk_create_with_history(raised, CustomerAlarm, default_user=run.created_by, default_change_reason=RAISED)
    bulk_update_with_history(
        list(continued.values()),
        CustomerAlarm,
        ["start", "end", "volume_m3", "confidence", "use_series", "last_run"],
        default_user=run.created_by,
        default_change_reason=CONTINUED,
    )


def _spans(alarms: list[Any]) -> list[alarm_continuity.KnownAlarm]:
    return [
        alarm_continuity.KnownAlarm(
            alarm.start, _span_end(alarm), alarm.status == AlarmStatus.CLOSED, _closed_at(alarm)
        )
        for alarm in alarms
    ]


def _closed_at(alarm: CustomerAlarm | DmaNightFlowAlarm) -> Any:
    """When an alarm was closed, as its times are: a moment, or for a night-flow alarm the county's day."""
    if alarm.closed_at is None:
        return None
    if isinstance(alarm, DmaNightFlowAlarm):
        return timezone.localtime(alarm.closed_at, zoneinfo.ZoneInfo(COUNTY_TIME_ZONE)).date()
    return alarm.closed_at


def _span_end(alarm: CustomerAlarm | DmaNightFlowAlarm) -> Any:
    """The end of the time an alarm covers: a customer alarm's end, a night-flow alarm's last detection."""
    if isinstance(alarm, DmaNightFlowAlarm):
        return max(alarm.detected, alarm.last_detected or alarm.detected)
    return alarm.end


def _continue_customer_alarm(
    alarm: CustomerAlarm, run: MeteringRun, row: Any, start: Any, end: Any, series: list[list[Any]]
) -> None:
    """Extend an open alarm over a finding of the same episode, adding the volume found outside its span."""
    alarm.volume_m3 = round(
        alarm_continuity.continued_volume_m3(alarm.start, alarm.end, alarm.volume_m3, start, end, row.volume_m3), 3
    )
    alarm.start, alarm.end = min(alarm.start, start), max(alarm.end, end)
    alarm.confidence = max(alarm.confidence, row.confidence)
    if series:
        alarm.use_series = series
    alarm.last_run = run


def _raise_or_continue_night_flow_alarms(run: MeteringRun, rises: Any, tolerance: Any) -> None:
    """Each rise of a DMA's night flow continues the open alarm of its DMA with the same start or whose nights
    it overlaps or adjoins, changes nothing within a closed one, or raises a new alarm."""
    findings = [
        NightRise(str(row.dma_id), _night(row.start), _night(row.detected), float(row.excess_m3_per_h))
        for row in rises.itertuples(index=False)
    ]
    if not findings:
        return
    earliest = min(row.start for row in findings) - tolerance
    known: dict[str, list[DmaNightFlowAlarm]] = {}
    for alarm in (
        DmaNightFlowAlarm.objects.select_for_update()
        .filter(models.Q(detected__gte=earliest) | models.Q(last_detected__gte=earliest))
        .order_by("start", "pk")
    ):
        known.setdefault(alarm.dma_code, []).append(alarm)
    raised: list[DmaNightFlowAlarm] = []
    continued: dict[int, DmaNightFlowAlarm] = {}
    for row in sorted(findings, key=lambda finding: (finding.start, finding.dma_id)):
        alarms = known.setdefault(row.dma_id, [])
        decision, continuing = _night_flow_decision(alarms, row, tolerance)
        if decision is alarm_continuity.Decision.IGNORE:
            continue
        if continuing is None:
            raised.append(
                DmaNightFlowAlarm(
                    run=run,
                    last_run=run,
                    dma_code=row.dma_id,
                    start=row.start,
                    detected=row.detected,
                    last_detected=row.detected,
                    excess_m3_per_h=row.excess_m3_per_h,
                )
            )
            alarms.append(raised[-1])
            continue
        continuing.start = min(continuing.start, row.start)
        continuing.last_detected = max(_span_end(continuing), row.detected)
        continuing.excess_m3_per_h = row.excess_m3_per_h
        continuing.last_run = run
        if continuing.pk is not None:
            continued[continuing.pk] = continuing
    bulk_create_with_history(raised, DmaNightFlowAlarm, default_user=run.created_by, default_change_reason=RAISED)
    bulk_update_with_history(
        list(continued.values()),
        DmaNightFlowAlarm,
        ["start", "last_detected", "excess_m3_per_h", "last_run"],
        default_user=run.created_by,
        default_change_reason=CONTINUED,
    )


@dataclasses.dataclass(frozen=True)
class NightRise:
    """A rise of a DMA's night flow an analysis found: the night it began and the night it was detected."""

    dma_id: str
    start: datetime.date
    detected: datetime.date
    excess_m3_per_h: float


def _night(value: Any) -> datetime.date:
    """A night as a date, whether the engine gave a date or a timestamp."""
    return value.date() if isinstance(value, datetime.datetime) else value


def _night_flow_decision(
    alarms: list[DmaNightFlowAlarm], row: NightRise, tolerance: Any
) -> tuple[alarm_continuity.Decision, DmaNightFlowAlarm | None]:
    """The open alarm of the rise that began the same night, else what its nights' span decides, and the
    alarm it continues (None when it raises a new one or changes nothing)."""
    for alarm in alarms:
        if alarm.start == row.start and alarm.status != AlarmStatus.CLOSED:
            return alarm_continuity.Decision.UPDATE, alarm
    decision, index = alarm_continuity.decide(_spans(alarms), row.start, row.detected, tolerance)
    return decision, (alarms[index] if index is not None else None)


def _county_time(wall_clock: Any) -> datetime.datetime:
    """A stored wall-clock time (county zone, naive) as an aware datetime for the database."""
    return timezone.make_aware(wall_clock.to_pydatetime(), zoneinfo.ZoneInfo(COUNTY_TIME_ZONE))


def _use_series(connection: Any, readings: Any, anomalies: Any) -> dict[int, list[list[Any]]]:
    """Each alarm's meter's interval volumes from a day before to a day after it (at most two weeks)."""
    if anomalies.empty:
        return {}
    meters = sorted(set(anomalies.meter_id))
    rows = connection.execute(
        readings.filter(readings.meter_id.isin(meters)).select("meter_id", "timestamp", "volume_m3")
    ).sort_values(["meter_id", "timestamp"])
    by_meter = {meter: frame for meter, frame in rows.groupby("meter_id")}
    series = {}
    for position, alarm in enumerate(anomalies.itertuples(index=False)):
        frame = by_meter.get(alarm.meter_id)
        if frame is None:
            continue
        first = alarm.start - USE_SERIES_MARGIN
        last = min(alarm.end + USE_SERIES_MARGIN, first + datetime.timedelta(hours=USE_SERIES_MAXIMUM_HOURS))
        window = frame[(frame.timestamp >= first) & (frame.timestamp < last)]
        series[position] = [
            [moment.isoformat(), round(float(volume), 3)]
            for moment, volume in zip(window.timestamp, window.volume_m3, strict=True)
        ]
    return series


def record_water_audit(inputs: AuditInputs, year: int, user: User | None, banding: str) -> WaterAudit:
    """Audit a utility's year with the CJJ 92 parameters in force and keep the figures and the result."""
    result = water_audit(inputs, leakage_rate_parameters_for(year), banding)
    return WaterAudit.objects.create(
        utility_name=inputs.name,
        year=year,
        inputs={**dataclasses.asdict(inputs), "banding": banding},
        result=result.as_dict(),
        created_by=user,
    )

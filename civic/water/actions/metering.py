"""Summaries of the smart-metering analyses and the water audit, stored so that pages stay fast."""

from __future__ import annotations

import dataclasses
import datetime
import math
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone

from civic.core.models import User
from civic.water.models import (
    CustomerAlarm,
    DmaBalance,
    DmaNightFlow,
    DmaNightFlowAlarm,
    LeakageRateParameters,
    MeteringParameters,
    MeteringRun,
    WaterAudit,
)
from hydro.readings import engine as readings_engine
from hydro.readings.analysis import AnalysisResults, AnomalySettings, analyse
from hydro.readings.night_flow import NightFlowSettings
from hydro.readings.periods import Period
from hydro.readings.store import COUNTY_TIME_ZONE
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
    )
    anomalies = AnomalySettings(
        continuous_flow_hours=row.continuous_flow_hours,
        stuck_hours=row.stuck_hours,
        gap_hours=row.gap_hours,
        stuck_balance_share=row.stuck_balance_share,
        stuck_balance_sigmas=row.stuck_balance_sigmas,
        stuck_balance_days=row.stuck_balance_days,
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
            created_by=user,
        )
        _store_summaries(run, results, series, _customer_dmas(zones))
    return run


def _customer_dmas(zones: Any) -> dict[str, str]:
    """The DMA of each customer meter (its first, should the zone file list it in two)."""
    customers = zones[zones.role == "customer"]
    dmas: dict[str, str] = {}
    for meter, dma in zip(customers.meter_id, customers.dma_id, strict=True):
        dmas.setdefault(str(meter), str(dma))
    return dmas


def _store_summaries(
    run: MeteringRun, results: AnalysisResults, series: dict[int, list[list[Any]]], dmas: dict[str, str]
) -> None:
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
    DmaNightFlowAlarm.objects.bulk_create(
        DmaNightFlowAlarm(
            run=run, dma_code=row.dma_id, start=row.start, detected=row.detected, excess_m3_per_h=row.excess_m3_per_h
        )
        for row in results.alarms.itertuples(index=False)
    )
    CustomerAlarm.objects.bulk_create(
        CustomerAlarm(
            run=run,
            meter_code=row.meter_id,
            dma_code=dmas.get(row.meter_id, ""),
            kind=row.kind,
            start=_county_time(row.start),
            end=_county_time(row.end),
            volume_m3=row.volume_m3,
            confidence=row.confidence,
            use_series=series.get(position, []),
        )
        for position, row in enumerate(results.anomalies.itertuples(index=False))
    )


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

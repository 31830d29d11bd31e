"""Builders the water tests share: issued plans, readings, Runhua's history, a metering run, the audit form."""

from __future__ import annotations

import datetime
from pathlib import Path

from civic.core.models import Region, RegionLevel
from civic.testing import Cast
from civic.water.actions import compute_bills, record_metering_run
from civic.water.models import (
    AnnualPlan,
    Meter,
    MeteringParameters,
    MeteringRun,
    MeterReading,
    MonthlyPlan,
    PlanMethod,
    PlanStatus,
    WaterUser,
)
from hydro.readings.periods import Period, read_zones
from hydro.readings.store import import_file
from hydro.tests import readings_cases

MARCH = (datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))


def issue_plan(
    water_user: WaterUser, monthly_m3: float, year: int = 2024, status: str = PlanStatus.ISSUED
) -> AnnualPlan:
    plan = AnnualPlan.objects.create(
        water_user=water_user, year=year, method=PlanMethod.HISTORY, annual_volume_m3=12 * monthly_m3, status=status
    )
    MonthlyPlan.objects.bulk_create(MonthlyPlan(plan=plan, month=month, volume_m3=monthly_m3) for month in range(1, 13))
    return plan


def read(meter: Meter, day: datetime.date, volume_m3: float) -> None:
    MeterReading.objects.create(meter=meter, reading_date=day, volume_m3=volume_m3)


# Runhua's metered use: 100,000 m³ in 2021, 110,000 in 2022, 121,000 in 2023,
# the last year month by month: 10,000 m³ in January to November, 11,000 in December.
RUNHUA_2023_MONTHS = {**dict.fromkeys(range(1, 12), 10_000.0), 12: 11_000.0}


def give_runhua_history(cast: Cast) -> None:
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2021, 12, 31), volume_m3=100_000)
    MeterReading.objects.create(meter=cast.runhua_meter, reading_date=datetime.date(2022, 12, 31), volume_m3=110_000)
    for month, volume in RUNHUA_2023_MONTHS.items():
        MeterReading.objects.create(
            meter=cast.runhua_meter, reading_date=datetime.date(2023, month, 28), volume_m3=volume
        )
    # sub-meter readings split the top meter's use and must not count again
    MeterReading.objects.create(meter=cast.runhua_sub_meter, reading_date=datetime.date(2023, 6, 28), volume_m3=4_000)


TWO_DAYS = Period.parse("2024-03-01..2024-03-02")


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[119.9, 31.7], [120.0, 31.7], [120.0, 31.8], [119.9, 31.8], [119.9, 31.7]]],
}


def make_run(cast: Cast, directory: Path) -> MeteringRun:
    """Hongxing and Fenghuang as DMAs of Hutang, their two days imported into a store and analysed."""
    for code, name in (("HX", "红星计量分区"), ("FH", "凤凰计量分区")):
        Region.objects.create(code=code, name=name, level=RegionLevel.DMA, parent=cast.hutang, boundary=SQUARE)
    (directory / "readings.csv").write_text(readings_cases.readings_csv())
    (directory / "zones.csv").write_text(readings_cases.ZONES_CSV)
    import_file(directory / "store", directory / "readings.csv")
    zones = read_zones(directory / "zones.csv")
    # Two days cannot hold the default persistence of a leak (72 h) or the least gap (6 h): the county sets
    # 48 h and 3 h from 2024 on, and keeps 72 h of zeros for a stuck meter.
    MeteringParameters.objects.create(
        effective_from=datetime.date(2024, 1, 1), continuous_flow_hours=48, gap_hours=3, stuck_hours=72
    )
    return record_metering_run(str(directory / "store"), zones, TWO_DAYS, cast.network_analyst)


AUDIT_FORM = {
    "utility_name": "武进水务",
    "year": 2024,
    "system_input_m3": 10_000_000,
    "billed_metered_m3": 8_200_000,
    "billed_unmetered_m3": 100_000,
    "unbilled_metered_m3": 50_000,
    "unbilled_unmetered_m3": 150_000,
    "unauthorised_m3": 50_000,
    "data_handling_errors_m3": 20_000,
    "meter_under_registration_pct": 2,
    "mains_length_km": 500,
    "service_connections": 20_000,
    "private_pipe_length_km": 20,
    "average_pressure_m": 40,
    "retail_price_yuan_per_m3": 3,
    "variable_production_cost_yuan_per_m3": 1,
    "residential_household_metered_m3": 5_000_000,
    "mains_length_dn75_km": 80,
    "average_outlet_pressure_mpa": 0.4,
    "maximum_frost_depth_m": 0.3,
    "banding": "low_middle_income",
}


def bill_march(cast: Cast) -> None:
    """Runhua 1,300 m³ on a plan of 1,000 and Xinglong 2,900 m³ on 2,000 in March 2024: both billed."""
    issue_plan(cast.runhua, 1000)
    issue_plan(cast.xinglong, 2000)
    read(cast.runhua_meter, datetime.date(2024, 3, 31), 1300)
    read(cast.xinglong_meter, datetime.date(2024, 3, 31), 2900)
    compute_bills(*MARCH)

"""Three years of monthly meter readings for the demo county, 2023-01 to 2025-12.

A user's use in a month is its 2023 annual use, grown or shrunk by its
yearly rate, shaped by its season (weighted by the days of each month), with
a little noise and, for a few users, a surge of some months. Billing meters
take fixed shares of it, sub-meters a share of their parent's. Readings are
taken on the last day of each month (and on the day a meter is replaced);
the index is cumulative and rolls over at the meter's capacity.
"""

from __future__ import annotations

import calendar
import datetime
import random
from collections.abc import Iterator, Sequence

from civic.demo.water_users import DemoMeter, DemoUser
from civic.water.models import MeterReading

FIRST_YEAR = 2023
YEARS = (2023, 2024, 2025)
MONTHS: tuple[tuple[int, int], ...] = tuple((year, month) for year in YEARS for month in range(1, 13))
MONTHLY_NOISE = 0.018  # relative standard deviation of a month's use
SUB_METER_NOISE = 0.03


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def season_weights(season: Sequence[float], year: int) -> list[float]:
    """Each month's share of a year's use: w_m = f_m·d_m / Σ f_j·d_j, d the days in the month."""
    weighted = [factor * calendar.monthrange(year, month)[1] for month, factor in enumerate(season, start=1)]
    return [value / sum(weighted) for value in weighted]


def surge_factor(user: DemoUser, month_index: int) -> float:
    surge = user.surge
    if surge and surge.first_month_index <= month_index < surge.first_month_index + surge.month_count:
        return surge.factor
    return 1.0


def user_monthly_use(rng: random.Random, user: DemoUser) -> list[float]:
    """The user's use in each of the 36 months [m³]."""
    volumes: list[float] = []
    for year in YEARS:
        annual = user.annual_use_m3 * (1 + user.growth_rate) ** (year - FIRST_YEAR)
        for weight in season_weights(user.category.season, year):
            month_index = len(volumes)
            noise = max(1 + rng.gauss(0, MONTHLY_NOISE), 0.5)
            volumes.append(annual * weight * noise * surge_factor(user, month_index))
    return volumes


def meter_monthly_use(rng: random.Random, meter: DemoMeter, owner_volumes: Sequence[float]) -> list[float]:
    if meter.parent is None:
        return [volume * meter.share for volume in owner_volumes]
    return [volume * meter.share * max(1 + rng.gauss(0, SUB_METER_NOISE), 0.5) for volume in owner_volumes]


def reading_points(meter: DemoMeter, volumes: Sequence[float]) -> Iterator[tuple[datetime.date, float]]:
    """(reading date, volume since the last reading) over the months the meter was in place."""
    installed_on = meter.meter.installed_on
    removed_on = meter.meter.removed_on
    for (year, month), volume in zip(MONTHS, volumes, strict=True):
        last_day = month_end(year, month)
        days = last_day.day
        if installed_on > last_day:
            continue
        if removed_on and removed_on <= last_day:
            yield removed_on, volume * removed_on.day / days
            return
        if installed_on.year == year and installed_on.month == month and installed_on > datetime.date(year, month, 1):
            volume *= (days - installed_on.day) / days
        yield last_day, volume


def meter_readings(meter: DemoMeter, volumes: Sequence[float]) -> list[MeterReading]:
    """Readings with whole-m³ volumes and a cumulative index that rolls over at capacity."""
    index = meter.index_at_start_m3
    capacity = meter.meter.index_capacity_m3
    readings = []
    for reading_date, volume in reading_points(meter, volumes):
        whole_volume = float(round(volume))
        index = (index + whole_volume) % capacity
        readings.append(
            MeterReading(meter=meter.meter, reading_date=reading_date, index_m3=index, volume_m3=whole_volume)
        )
    return readings


def user_readings(rng: random.Random, user: DemoUser) -> list[MeterReading]:
    """All readings of one user's meters; a replacement meter carries on its predecessor's share."""
    user_volumes = user_monthly_use(rng, user)
    volumes_by_serial: dict[str, list[float]] = {}
    readings = []
    for meter in user.meters:
        owner_volumes = volumes_by_serial[meter.parent.meter.serial] if meter.parent else user_volumes
        volumes = meter_monthly_use(rng, meter, owner_volumes)
        volumes_by_serial[meter.meter.serial] = volumes
        readings.extend(meter_readings(meter, volumes))
    return readings

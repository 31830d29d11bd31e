"""A second synthetic county: hourly water-meter exports of three DMAs, with their injected anomalies.

It is written separately from `hydro.readings.realistic` and from the
detectors, so that the detectors are measured on data they were not shaped
by. The seed draws the county's settings (`draw_settings`) as well as its
households, so each seed is a somewhat different county.

The model, volumes in m³ and flows in m³/h:

* Three DMAs of 100 to 200 metered premises each, mostly households
  (workers, retired people, families) and a few small shops. A premises'
  hourly use is compound Poisson over five end uses (tap, toilet, shower,
  laundry, other: share of volume, mean event size and gamma shape in
  `END_USES`), with an expected volume of its daily use × its day factor ×
  its hourly share. Hourly shares are sums of circular Gaussian bumps
  (morning, midday, evening), moved and widened at weekends and on the
  Qingming holiday (4 to 6 April), with a deep-night trickle; shops close
  at night. The day factor is log-normal times a common weather factor (an
  AR(1) process of the log) and a slow warming trend through April.
* Night users: rotating shift workers (the day's use moved by 9 to 12 h on
  shift days), night laundry on the valley tariff, RO-purifier or aquarium
  top-ups in 30 to 60 % of hours, late sleepers; a quarter of the habits
  begin mid-period. Vacancies: flats empty the whole period (with a rare
  visit), absences of 3 to 20 days, Qingming absences, a shop closed for
  renovation; often a laundry on coming home.
* Registers read in steps of 0.1, 1 or 10 L; a mechanical meter registers
  a trickle q only in part, 1 − exp(−q / q₀), and has a small bias. Vendor A
  exports each hour's volume; vendor B differences successive index reads,
  so the volume of missing hours is lumped into the next row.
* Faults: single missing hours, meters with a bad signal, concentrator
  outages of 2 to 5 h (a share of a DMA's meters) and short single-meter
  outages, exact duplicate rows, monthly exports that overlap, +1 h clock
  shifts (corrected at their end, which leaves one hour with two rows of
  different volumes), ISO or plain timestamps, files per DMA and/or month.
* Each DMA's inflow meter: the true use behind its customers' meters
  (leaks and stuck meters included), background leakage (a fraction of
  demand, drifting, higher under the higher pressure of low demand, as
  pressure^1.1), sometimes a leak on the mains, and measurement noise.
* Injected episodes, written to the truth: ``continuous_flow`` (leaks of 2
  to 60 L/h, some growing, some a leaking cistern refilling in steps),
  ``burst`` (0.3 to 2 m³/h for 2 to 12 h), ``stuck`` (the register stops
  for 4 to 30 days or to the end), ``reverse`` (the meter runs backwards
  for 2 to 48 h) and ``gap`` (no rows for 12 h to 5 days).

Timestamps follow the store's convention: a row's timestamp is the start of
its hour (local time, Asia/Shanghai). A truth or context row runs from the
start of its first hour to the end of its last (``end`` excluded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

FIRST_HOUR = pd.Timestamp("2025-03-01 00:00:00")
DAYS = 61
HOURS = pd.date_range(FIRST_HOUR, periods=DAYS * 24, freq="h")
"""Start of each hourly interval, 1 March to 30 April 2025."""
HOUR_COUNT = len(HOURS)
HOUR_OF_DAY = HOURS.hour.to_numpy()
DAY = (HOURS - FIRST_HOUR).days.to_numpy()
HOLIDAY = HOURS.normalize().isin(pd.to_datetime(["2025-04-04", "2025-04-05", "2025-04-06"]))
"""The Qingming holiday."""
RESTING = (HOURS.day_of_week.to_numpy() >= 5) | HOLIDAY
NIGHT = (HOUR_OF_DAY >= 1) & (HOUR_OF_DAY <= 4)
"""01:00 to 05:00."""
DMAS = ("DMA-N", "DMA-E", "DMA-S")
HOUSEHOLD_KINDS = ("worker", "retired", "family")
SHOP = "shop"
LITRE = 0.001
"""[m³]"""

END_USES = (
    ("tap", 0.25, 1.6 * LITRE, 1.5),
    ("toilet", 0.27, 5.5 * LITRE, 15.0),
    ("shower", 0.30, 45.0 * LITRE, 4.0),
    ("laundry", 0.12, 55.0 * LITRE, 6.0),
    ("other", 0.06, 15.0 * LITRE, 2.0),
)
"""End uses: name, share of the volume, mean event size [m³] and gamma shape of the event size."""


@dataclass(frozen=True)
class CountySettings:
    """What a seed draws about its county (shares are of the customers, rates per hour and row)."""

    households_per_dma: tuple[int, ...]
    coarse_share: float
    """Registers in 10 L steps."""
    fine_share: float
    """Registers in 0.1 L steps (the rest in 1 L steps)."""
    night_user_share: float
    shop_share: float
    vacant_share: float
    away_share: float
    holiday_away_share: float
    day_sigma: float
    """Standard deviation of the log of a household's day factor."""
    per_person_m3_per_day: float
    index_vendor_share: float
    missing_rate: float
    bad_signal_share: float
    duplicate_rate: float
    clock_shifts: int
    iso_timestamps: bool
    file_split: str
    """``dma``, ``month_overlap`` or ``dma_month``."""
    rows_by_time: bool
    leaks: int
    bursts: int
    stuck: int
    reverse: int
    gaps: int
    small_leak_share: float
    """Leaks under 10 L/h."""
    background_share: tuple[float, ...]
    """Each DMA's background leakage as a share of its mean demand."""
    mains_leak_probability: float
    inflow_noise: float
    warming: float
    """Rise of use by the end of April, from mid-March."""


def draw_settings(generator: np.random.Generator) -> CountySettings:
    """The county's settings, drawn from the ranges the model allows."""
    uniform = generator.uniform
    return CountySettings(
        households_per_dma=tuple(int(count) for count in generator.integers(100, 201, 3)),
        coarse_share=uniform(0.05, 0.25),
        fine_share=uniform(0.02, 0.10),
        night_user_share=uniform(0.05, 0.15),
        shop_share=uniform(0.0, 0.04),
        vacant_share=uniform(0.02, 0.08),
        away_share=uniform(0.10, 0.25),
        holiday_away_share=uniform(0.15, 0.40),
        day_sigma=uniform(0.15, 0.35),
        per_person_m3_per_day=uniform(0.10, 0.15),
        index_vendor_share=uniform(0.0, 0.4),
        missing_rate=uniform(0.001, 0.01),
        bad_signal_share=uniform(0.0, 0.05),
        duplicate_rate=uniform(0.0005, 0.005),
        clock_shifts=int(generator.integers(2, 6)),
        iso_timestamps=bool(generator.random() < 0.5),
        file_split=str(generator.choice(["dma", "month_overlap", "dma_month"])),
        rows_by_time=bool(generator.random() < 0.5),
        leaks=int(generator.integers(12, 16)),
        bursts=int(generator.integers(4, 7)),
        stuck=int(generator.integers(4, 7)),
        reverse=int(generator.integers(3, 6)),
        gaps=int(generator.integers(4, 7)),
        small_leak_share=uniform(0.1, 0.35),
        background_share=tuple(float(share) for share in uniform(0.05, 0.25, 3)),
        mains_leak_probability=uniform(0.2, 0.7),
        inflow_noise=uniform(0.005, 0.02),
        warming=uniform(0.0, 0.10),
    )


@dataclass
class Notes:
    """The truth (injected episodes) and the context (everything else going on), as rows."""

    truth: list[tuple[str, str, pd.Timestamp, pd.Timestamp, float]] = field(default_factory=list)
    context: list[tuple[str, str, pd.Timestamp, pd.Timestamp, str]] = field(default_factory=list)

    def episode(self, meter_id: str, kind: str, first: int, last: int, rate_m3_per_h: float) -> None:
        """An injected episode over hours `first` to `last`."""
        self.truth.append((meter_id, kind, *span(first, last), rate_m3_per_h))

    def note(self, meter_id: str, what: str, first: int, last: int, detail: str = "") -> None:
        """A circumstance over hours `first` to `last`."""
        self.context.append((meter_id, what, *span(first, last), detail))


def span(first: int, last: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start of hour `first` and end of hour `last`."""
    return FIRST_HOUR + pd.Timedelta(hours=first), FIRST_HOUR + pd.Timedelta(hours=last + 1)


@dataclass
class Premises:
    """The metered premises: ids, DMAs and static attributes, one entry per meter."""

    meter_ids: np.ndarray
    dma: np.ndarray
    kind: np.ndarray
    persons: np.ndarray
    daily_m3: np.ndarray
    vacant: np.ndarray
    resting_factor: np.ndarray
    """Use on weekends and holidays relative to weekdays."""
    resolution_m3: np.ndarray
    trickle_m3_per_h: np.ndarray
    """q₀ of the under-registration of a trickle, 1 − exp(−q / q₀)."""
    bias: np.ndarray
    index_vendor: np.ndarray
    first_index_m3: np.ndarray

    @property
    def shop(self) -> np.ndarray:
        """Which premises are small shops."""
        return self.kind == SHOP


@dataclass(frozen=True)
class SecondCounty:
    """A generated county: its export files, zones, truth, context and premises."""

    settings: CountySettings
    files: dict[str, pd.DataFrame]
    """File name → rows ``meter_id, timestamp, volume_m3`` (timestamps as text)."""
    zones: pd.DataFrame
    truth: pd.DataFrame
    """``meter_id, kind, start, end, rate_m3_per_h``."""
    context: pd.DataFrame
    """``meter_id, what, start, end, detail``."""
    premises: pd.DataFrame
    """``meter_id, dma_id, kind, resolution_m3, index_vendor``."""


# --- premises ---------------------------------------------------------------------------------------------------


def draw_premises(generator: np.random.Generator, settings: CountySettings) -> Premises:
    """Meter ids and the static attributes of each premises."""
    dma = np.repeat(np.arange(len(DMAS)), settings.households_per_dma)
    count = dma.size
    numbers = generator.choice(10**6, count, replace=False)
    kind = generator.choice(HOUSEHOLD_KINDS, count, p=[0.55, 0.22, 0.23]).astype(object)
    kind[generator.random(count) < settings.shop_share] = SHOP
    persons = generator.choice([1, 2, 3, 4, 5], count, p=[0.2, 0.3, 0.3, 0.15, 0.05])
    persons = np.where(kind == "family", np.maximum(persons, 3), persons)
    persons = np.where(kind == "retired", np.minimum(persons, 2), persons)
    daily_m3 = np.clip(persons * settings.per_person_m3_per_day * generator.lognormal(0, 0.25, count), 0.1, 1.2)
    shop = kind == SHOP
    daily_m3[shop] = generator.uniform(1.0, 4.0, shop.sum())
    resting_factor = np.where(shop, generator.uniform(0.6, 1.3, count), generator.uniform(0.95, 1.25, count))
    draw = generator.random(count)
    fine = draw < settings.coarse_share + settings.fine_share
    resolution_l = np.where(draw < settings.coarse_share, 10.0, np.where(fine, 0.1, 1.0))
    return Premises(
        meter_ids=np.array([f"3204{number:06d}" for number in numbers]),
        dma=dma,
        kind=kind,
        persons=persons,
        daily_m3=daily_m3,
        vacant=(generator.random(count) < settings.vacant_share) & ~shop,
        resting_factor=resting_factor,
        resolution_m3=resolution_l * LITRE,
        trickle_m3_per_h=np.where(resolution_l == 0.1, 0.1, generator.uniform(0.5, 3.0, count)) * LITRE,
        bias=generator.normal(-0.01, 0.015, count),
        index_vendor=generator.random(count) < settings.index_vendor_share,
        first_index_m3=generator.uniform(5, 900, count),
    )


# --- use --------------------------------------------------------------------------------------------------------


def bump(centre_h: float, width_h: float) -> np.ndarray:
    """A Gaussian bump on the circle of the day's 24 hours (at their middles)."""
    distance = np.abs(np.arange(24) + 0.5 - centre_h)
    distance = np.minimum(distance, 24 - distance)
    return np.exp(-0.5 * (distance / width_h) ** 2)


BUMPS = {
    # kind: (morning centre, width range, height range), (midday ..), (evening ..), deep-night share range
    "retired": (
        (6.6, 0.5, (1.0, 1.6), (0.8, 1.1)),
        (11.8, 0.6, (0.4, 0.7)),
        (18.5, 0.7, (1.2, 2.0), (0.7, 1.0)),
        (0.015, 0.04),
    ),
    SHOP: (
        (10.5, 0.5, (1.0, 1.5), (0.5, 0.8)),
        (12.3, 0.4, (0.8, 1.2)),
        (18.8, 0.6, (1.3, 2.0), (0.8, 1.2)),
        (0.0, 0.005),
    ),
    "worker": (
        (7.3, 0.6, (0.7, 1.2), (0.8, 1.2)),
        (12.5, 0.6, (0.1, 0.3)),
        (20.3, 0.9, (1.2, 2.2), (0.9, 1.4)),
        (0.008, 0.025),
    ),
}
BUMPS["family"] = BUMPS["worker"]


def hourly_shares(generator: np.random.Generator, kind: str, resting: bool) -> np.ndarray:
    """The shares (24,) of a day's use by hour, for a weekday or a day of rest."""
    morning, midday, evening, night_range = BUMPS[kind]
    morning_h, width_m = generator.normal(morning[0], morning[1]), generator.uniform(*morning[2])
    height_m = generator.uniform(*morning[3])
    midday_h, height_d = generator.normal(midday[0], midday[1]), generator.uniform(*midday[2])
    evening_h, width_e = generator.normal(evening[0], evening[1]), generator.uniform(*evening[2])
    height_e = generator.uniform(*evening[3]) * (1.3 if kind == "family" else 1.0)
    night = generator.uniform(*night_range)
    if resting and kind != SHOP:
        morning_h += generator.uniform(0.7, 2.2)
        width_m *= 1.4
        height_d *= generator.uniform(1.8, 3.0)
    shares = height_m * bump(morning_h, width_m) + height_d * bump(midday_h, 1.5) + height_e * bump(evening_h, width_e)
    if kind == SHOP:
        shares[(np.arange(24) < 8) | (np.arange(24) > 22)] *= 0.02
    else:
        shares = shares + 0.06
        shares[1:5] = night * shares.max() * generator.uniform(0.6, 1.4, 4)
        shares[[0, 5]] = np.maximum(shares[[0, 5]], 0.1 * shares.max())
    return shares / shares.sum()


def end_use_volumes(generator: np.random.Generator, expected_m3: np.ndarray) -> np.ndarray:
    """Compound-Poisson hourly volumes [m³] with the expected values `expected_m3`."""
    volumes = np.zeros_like(expected_m3)
    for _name, share, size_m3, shape in END_USES:
        events = generator.poisson(expected_m3 * share / size_m3)
        some = events > 0
        volumes[some] += generator.gamma(events[some] * shape, size_m3 / shape)
    return volumes


def day_factors(generator: np.random.Generator, settings: CountySettings, count: int) -> np.ndarray:
    """Each premises' factor of each day (count, DAYS): log-normal × common weather × warming trend."""
    weather = np.zeros(DAYS)
    for day in range(1, DAYS):
        weather[day] = 0.8 * weather[day - 1] + generator.normal(0, 0.03)
    trend = 1 + settings.warming * np.clip((np.arange(DAYS) - 30) / 30, 0, 1)
    sigma = settings.day_sigma
    return generator.lognormal(-0.5 * sigma**2, sigma, (count, DAYS)) * np.exp(weather) * trend


def ordinary_use(
    generator: np.random.Generator, kind: str, daily_m3: float, days: np.ndarray, resting: float
) -> np.ndarray:
    """One premises' hourly use [m³] from its profile, its daily use and its day factors."""
    weekday, day_of_rest = hourly_shares(generator, kind, False), hourly_shares(generator, kind, True)
    shares = np.where(RESTING, day_of_rest[HOUR_OF_DAY] * resting, weekday[HOUR_OF_DAY])
    if kind == SHOP:
        shares = shares * ~(generator.random(DAYS) < 0.05)[DAY]
    return end_use_volumes(generator, daily_m3 * days[DAY] * shares)


def household_use(
    generator: np.random.Generator, premises: Premises, settings: CountySettings
) -> tuple[np.ndarray, np.ndarray]:
    """Hourly use of every premises (meters, hours) [m³], before habits and absences, and the day factors."""
    days = day_factors(generator, settings, premises.kind.size)
    use = [
        ordinary_use(generator, premises.kind[i], premises.daily_m3[i], days[i], premises.resting_factor[i])
        for i in range(premises.kind.size)
    ]
    return np.array(use), days


# --- night habits -----------------------------------------------------------------------------------------------


def shift_work(generator: np.random.Generator, use: np.ndarray) -> str:
    """Rotating night shifts: on shift days the day's use moves 9 to 12 h later."""
    cycle, on = int(generator.integers(6, 10)), int(generator.integers(3, 6))
    offset = int(generator.integers(0, cycle))
    for day in range(DAYS):
        if (day + offset) % cycle < on:
            hours = slice(day * 24, day * 24 + 24)
            use[hours] = np.roll(use[hours], int(generator.integers(9, 13)))
    return f"rotating night shifts {on} of every {cycle} days"


def night_laundry(generator: np.random.Generator, use: np.ndarray) -> str:
    """A 40 to 75 L wash started between 00:00 and 04:00 on a share of nights (the valley tariff)."""
    probability = generator.uniform(0.25, 0.55)
    for day in range(DAYS):
        if generator.random() < probability:
            hour = day * 24 + int(generator.integers(0, 4))
            volume_m3, first_share = generator.uniform(40, 75) * LITRE, generator.uniform(0.4, 0.8)
            use[hour] += volume_m3 * first_share
            use[hour + 1] += volume_m3 * (1 - first_share)
    return f"washing machine at night on {100 * probability:.0f}% of nights"


def purifier_top_up(generator: np.random.Generator, use: np.ndarray) -> str:
    """Small top-ups of 0.3 to 2 L on average, in 30 to 60 % of hours."""
    probability, size_m3 = generator.uniform(0.3, 0.6), generator.uniform(0.3, 2.0) * LITRE
    hours = generator.random(HOUR_COUNT) < probability
    use[hours] += generator.gamma(2.0, size_m3 / 2.0, hours.sum())
    return f"RO purifier or aquarium top-up in {100 * probability:.0f}% of hours"


def late_sleeper(generator: np.random.Generator, use: np.ndarray) -> str:
    """Use of 3 to 10 L/h from 01:00 to 03:00."""
    hours = NIGHT & (HOUR_OF_DAY <= 2)
    use[hours] += end_use_volumes(generator, np.full(hours.sum(), generator.uniform(3, 10) * LITRE))
    return "up late, use until about 03:00"


NIGHT_HABITS: dict[str, tuple[float, Callable[[np.random.Generator, np.ndarray], str]]] = {
    "shift_worker": (0.3, shift_work),
    "night_laundry": (0.25, night_laundry),
    "purifier_top_up": (0.25, purifier_top_up),
    "late_sleeper": (0.2, late_sleeper),
}


def add_night_habits(
    generator: np.random.Generator,
    premises: Premises,
    settings: CountySettings,
    used: tuple[np.ndarray, np.ndarray],
    notes: Notes,
) -> None:
    """Give a share of the occupied households a night habit, a quarter of them from mid-period."""
    use, days = used
    candidates = np.flatnonzero(~premises.vacant & ~premises.shop)
    chosen = generator.choice(candidates, round(settings.night_user_share * candidates.size), replace=False)
    names = list(NIGHT_HABITS)
    for i in chosen:
        name = names[generator.choice(len(names), p=[NIGHT_HABITS[n][0] for n in names])]
        begins = 0 if generator.random() < 0.75 else int(generator.integers(200, HOUR_COUNT - 300))
        detail = NIGHT_HABITS[name][1](generator, use[i])
        if begins:
            use[i, :begins] = ordinary_use(generator, "worker", premises.daily_m3[i], days[i], 1.0)[:begins]
        notes.note(premises.meter_ids[i], f"night_user:{name}", begins, HOUR_COUNT - 1, detail)


# --- absences ---------------------------------------------------------------------------------------------------


def absences(generator: np.random.Generator, premises: Premises, settings: CountySettings, notes: Notes) -> np.ndarray:
    """The hours each premises is empty (meters, hours): vacant flats, absences, Qingming, closed shops."""
    away = np.zeros((premises.kind.size, HOUR_COUNT), dtype=bool)
    away[premises.vacant] = True
    for i in np.flatnonzero(premises.vacant):
        notes.note(premises.meter_ids[i], "vacant", 0, HOUR_COUNT - 1, "empty the whole period")
    for i in np.flatnonzero(premises.shop):
        if generator.random() < 0.15:
            first = int(generator.integers(0, HOUR_COUNT - 24 * 7))
            mark_away(premises, away, notes, int(i), first, first + int(generator.integers(72, 240)), "shop closed")
    occupied = np.flatnonzero(~premises.vacant & ~premises.shop)
    for i in generator.choice(occupied, int(settings.away_share * occupied.size), replace=False):
        for _ in range(1 if generator.random() < 0.8 else 2):
            first = int(generator.integers(0, HOUR_COUNT - 24))
            mark_away(premises, away, notes, i, first, first + int(generator.integers(72, 481)), "away")
    holiday = np.flatnonzero(HOLIDAY)
    for i in generator.choice(occupied, int(settings.holiday_away_share * occupied.size), replace=False):
        early = generator.random() < 0.8
        first = holiday[0] - int(generator.integers(0, 30) if early else generator.integers(48, 80))
        late = generator.random() < 0.8
        last = holiday[-1] - int(generator.integers(0, 8)) if late else holiday[-1] + int(generator.integers(24, 80))
        mark_away(premises, away, notes, i, first, last, "holiday_away")
    return away


def mark_away(premises: Premises, away: np.ndarray, notes: Notes, meter: int, first: int, last: int, what: str) -> None:
    first, last = max(0, first), min(HOUR_COUNT - 1, last)
    away[meter, first : last + 1] = True
    notes.note(premises.meter_ids[meter], what, first, last, f"{(last - first + 1) / 24:.1f} days")


def apply_absences(generator: np.random.Generator, premises: Premises, use: np.ndarray, away: np.ndarray) -> None:
    """No use while away, but for a rare visit to a vacant flat; guests at Qingming; laundry on coming home."""
    for i in np.flatnonzero(premises.vacant):
        for _ in range(int(generator.integers(0, 3))):
            hour = int(generator.integers(0, HOUR_COUNT - 3))
            if 9 <= HOUR_OF_DAY[hour] <= 18:
                use[i, hour] = generator.uniform(5, 40) * LITRE
                away[i, hour] = False
    occupied = np.flatnonzero(~premises.vacant & ~premises.shop)
    for i in occupied:
        if not away[i, HOLIDAY].any() and generator.random() < 0.2:
            use[i, HOLIDAY] *= generator.uniform(1.3, 2.0)
    use[away] = 0.0
    for i in occupied:
        for home in np.flatnonzero(np.diff(away[i].astype(int)) == -1) + 1:
            if home + 3 < HOUR_COUNT and generator.random() < 0.6:
                use[i, home + int(generator.integers(1, 4))] += generator.uniform(40, 80) * LITRE


# --- injected episodes ------------------------------------------------------------------------------------------


class Chooser:
    """Picks meters for the episodes, each meter for one episode at most."""

    def __init__(self, generator: np.random.Generator) -> None:
        self.generator = generator
        self.taken: set[int] = set()

    def pick(self, pool: np.ndarray) -> int:
        meter = int(self.generator.choice([i for i in np.flatnonzero(pool) if i not in self.taken]))
        self.taken.add(meter)
        return meter


def leak_rate(generator: np.random.Generator, small: bool, hours: int, first: int) -> tuple[float, np.ndarray, float]:
    """A leak's initial rate [m³/h], its hourly flows [m³] (higher at night, perhaps growing) and its growth."""
    rate = generator.uniform(2.0, 9.5) if small else float(np.exp(generator.uniform(np.log(10), np.log(60))))
    growth = generator.uniform(0.5, 2.0) if generator.random() < 0.3 else 0.0
    flows = rate * LITRE * (1 + growth * np.arange(hours) / hours)
    flows = flows * np.where(NIGHT[first : first + hours], generator.uniform(1.05, 1.15), 1.0)
    return rate * LITRE, flows * generator.normal(1, 0.03, hours), growth


def cistern_refills(generator: np.random.Generator, flows: np.ndarray) -> tuple[np.ndarray, float]:
    """A leaking cistern's flows: whole refills of 3 to 9 L (a slow leak has hours with none)."""
    refill_m3 = generator.uniform(3, 9) * LITRE
    cumulative = np.cumsum(flows) + generator.uniform(0, refill_m3)
    refills = np.floor(cumulative / refill_m3)
    before = np.floor((cumulative[0] - flows[0]) / refill_m3)
    return np.diff(refills, prepend=before) * refill_m3, refill_m3


def inject_leaks(
    generator: np.random.Generator, chooser: Chooser, premises: Premises, settings: CountySettings, notes: Notes
) -> np.ndarray:
    """Continuous flows behind the meters [m³ per hour], from 2 to 60 L/h."""
    leaks = np.zeros((premises.kind.size, HOUR_COUNT))
    small = round(settings.small_leak_share * settings.leaks)
    for number in range(settings.leaks):
        i = chooser.pick(~premises.shop)
        first = int(generator.integers(0, HOUR_COUNT - 96))
        to_end = generator.random() < 0.4
        last = (
            HOUR_COUNT - 1 if to_end else min(HOUR_COUNT - 1, first + int(generator.integers(96, HOUR_COUNT - first)))
        )
        rate, flows, growth = leak_rate(generator, number < small, last - first + 1, first)
        meter_id = premises.meter_ids[i]
        if generator.random() < 0.35:
            flows, refill_m3 = cistern_refills(generator, flows)
            notes.note(meter_id, "leak_cistern", first, last, f"refills of {refill_m3 / LITRE:.1f} L")
        if growth:
            notes.note(meter_id, "leak_growth", first, last, f"grows ×{1 + growth:.1f}")
        leaks[i, first : last + 1] += flows
        notes.episode(meter_id, "continuous_flow", first, last, round(rate, 5))
    for _ in range(settings.bursts):
        i = chooser.pick(~premises.shop)
        rate = generator.uniform(0.3, 2.0)
        first = int(generator.integers(0, HOUR_COUNT - 12))
        last = min(HOUR_COUNT - 1, first + int(generator.integers(2, 13)) - 1)
        leaks[i, first : last + 1] += rate * generator.normal(1, 0.08, last - first + 1)
        notes.episode(premises.meter_ids[i], "burst", first, last, round(rate, 4))
    return leaks


def registered(premises: Premises, use: np.ndarray, leaks: np.ndarray) -> np.ndarray:
    """What the registers count [m³ per hour]: use and the registered part of the leak flow, with the bias."""
    registering = 1 - np.exp(-np.maximum(leaks, 1e-12) / premises.trickle_m3_per_h[:, None])
    return (use + leaks * registering) * (1 + premises.bias[:, None])


def inject_stuck(
    generator: np.random.Generator,
    chooser: Chooser,
    premises: Premises,
    settings: CountySettings,
    counted: tuple[np.ndarray, np.ndarray, np.ndarray],
    notes: Notes,
) -> None:
    """Registers that stop for 4 to 30 days or to the end, on premises mostly occupied then."""
    through, away, count = counted
    pool = ~premises.vacant & ~premises.shop & (premises.daily_m3 > 0.15)
    for _ in range(settings.stuck):
        for _attempt in range(200):
            i = chooser.pick(pool)
            first = int(generator.integers(0, HOUR_COUNT - 96))
            length = int(generator.integers(96, 721))
            last = HOUR_COUNT - 1 if generator.random() < 0.5 else min(HOUR_COUNT - 1, first + length - 1)
            if away[i, first : last + 1].mean() < 0.2:
                break
            chooser.taken.discard(i)
        count[i, first : last + 1] = 0.0
        notes.episode(premises.meter_ids[i], "stuck", first, last, round(through[i, first : last + 1].mean(), 5))


def inject_reverse(
    generator: np.random.Generator,
    chooser: Chooser,
    premises: Premises,
    settings: CountySettings,
    counted: tuple[np.ndarray, np.ndarray, np.ndarray],
    notes: Notes,
) -> None:
    """Meters fitted backwards for 2 to 48 h, counting the flow through them as negative."""
    through, use, count = counted
    for _ in range(settings.reverse):
        for _attempt in range(500):
            i = chooser.pick(~premises.vacant & ~premises.shop)
            length = int(generator.integers(2, 49))
            first = int(generator.integers(0, HOUR_COUNT - length))
            last = first + length - 1
            window = use[i, first : last + 1]
            if (window > 2 * LITRE).sum() >= 2 and window.sum() > 15 * LITRE:
                break
            chooser.taken.discard(i)
        count[i, first : last + 1] = -through[i, first : last + 1] * (1 + premises.bias[i])
        notes.episode(premises.meter_ids[i], "reverse", first, last, round(-through[i, first : last + 1].mean(), 5))


# --- rows -------------------------------------------------------------------------------------------------------


def indexes(premises: Premises, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The displayed index at the start (meters,) and at the end of each hour (meters, hours) [m³]."""
    resolution = premises.resolution_m3[:, None]
    cumulative = premises.first_index_m3[:, None] + np.cumsum(count, axis=1)
    start = np.floor(premises.first_index_m3 / premises.resolution_m3 + 1e-7) * premises.resolution_m3
    return start, np.floor(cumulative / resolution + 1e-7) * resolution


def present_hours(
    generator: np.random.Generator,
    chooser: Chooser,
    premises: Premises,
    settings: CountySettings,
    notes: Notes,
) -> np.ndarray:
    """Which hours of each meter reach the export (meters, hours): gaps, missing hours and outages."""
    count = premises.kind.size
    present = np.ones((count, HOUR_COUNT), dtype=bool)
    for _ in range(settings.gaps):
        i = chooser.pick(np.ones(count, dtype=bool))
        length = int(generator.integers(12, 121))
        first = int(generator.integers(1, HOUR_COUNT - length - 1))
        present[i, first : first + length] = False
        notes.episode(premises.meter_ids[i], "gap", first, first + length - 1, float("nan"))
    missing_rate = np.full(count, settings.missing_rate)
    bad = generator.random(count) < settings.bad_signal_share
    missing_rate[bad] = generator.uniform(0.03, 0.10, bad.sum())
    for meter in np.flatnonzero(bad):
        notes.note(
            premises.meter_ids[meter], "bad_signal", 0, HOUR_COUNT - 1, f"{100 * missing_rate[meter]:.0f}% missing"
        )
    present &= generator.random((count, HOUR_COUNT)) >= missing_rate[:, None]
    add_outages(generator, premises, present, notes)
    return present


def add_outages(generator: np.random.Generator, premises: Premises, present: np.ndarray, notes: Notes) -> None:
    """Concentrator outages (2 to 5 h, a share of a DMA's meters) and short outages of single meters."""
    for dma in range(len(DMAS)):
        members = np.flatnonzero(premises.dma == dma)
        for _ in range(int(generator.integers(1, 4))):
            first, length = int(generator.integers(0, HOUR_COUNT - 6)), int(generator.integers(2, 6))
            for i in members[generator.random(members.size) < generator.uniform(0.2, 0.6)]:
                present[i, first : first + length] = False
                notes.note(premises.meter_ids[i], "outage", first, first + length - 1, f"concentrator, {length} h")
    for i in generator.choice(premises.kind.size, int(generator.integers(5, 15)), replace=False):
        first, length = int(generator.integers(0, HOUR_COUNT - 6)), int(generator.integers(1, 6))
        present[i, first : first + length] = False
        notes.note(premises.meter_ids[i], "outage", first, first + length - 1, f"single meter, {length} h")


def customer_rows(premises: Premises, count: np.ndarray, present: np.ndarray, notes: Notes) -> pd.DataFrame:
    """The customers' exported rows ``meter, hour, volume_m3``: each hour's volume from vendor A, the difference
    of successive exported indexes from vendor B (lumping the volume of missing hours into the next row)."""
    start_index, end_index = indexes(premises, count)
    hourly = np.diff(end_index, axis=1, prepend=start_index[:, None])
    frames = []
    for i in range(premises.kind.size):
        hours = np.flatnonzero(present[i])
        volumes = hourly[i, hours]
        if premises.index_vendor[i]:
            volumes = np.diff(end_index[i, hours], prepend=start_index[i])
            note_lumps(premises.meter_ids[i], hours, volumes, notes)
        frames.append(pd.DataFrame({"meter": i, "hour": hours, "volume_m3": volumes}))
    return pd.concat(frames, ignore_index=True)


def note_lumps(meter_id: str, hours: np.ndarray, volumes: np.ndarray, notes: Notes) -> None:
    """Note the rows of an index-differencing meter that carry the volume of two or more missing hours."""
    missed = np.diff(hours, prepend=-1) - 1
    for position in np.flatnonzero(missed >= 2):
        hour = int(hours[position])
        notes.note(meter_id, "lumped", hour, hour, f"{volumes[position]:.3f} m³ of {missed[position]} missing hours")


def shift_clocks(
    generator: np.random.Generator,
    chooser: Chooser,
    premises: Premises,
    settings: CountySettings,
    rows: pd.DataFrame,
    notes: Notes,
) -> None:
    """Stamp a few meters' rows 1 h late for 1 to 10 days (meters without episodes)."""
    free = [i for i in range(premises.kind.size) if i not in chooser.taken]
    for i in generator.choice(free, settings.clock_shifts, replace=False):
        first = int(generator.integers(0, HOUR_COUNT - 48))
        last = min(HOUR_COUNT - 2, first + int(generator.integers(24, 240)))
        late = (rows.meter == i) & rows.hour.between(first, last)
        rows.loc[late, "hour"] += 1
        notes.note(premises.meter_ids[i], "clock_shift", first, last + 1, "stamped 1 h late")


# --- DMA inflow -------------------------------------------------------------------------------------------------


def inflow_rows(
    generator: np.random.Generator, premises: Premises, settings: CountySettings, through: np.ndarray, notes: Notes
) -> pd.DataFrame:
    """Each DMA's inflow meter [m³ per hour, 1 L steps]: demand, background leakage, a mains leak, noise."""
    frames = []
    for dma, dma_id in enumerate(DMAS):
        demand = through[premises.dma == dma].sum(axis=0)
        total = demand + background(generator, demand, settings.background_share[dma])
        total += mains_leak(generator, settings, f"{dma_id}-IN", notes)
        noise = 1 + generator.normal(0, settings.inflow_noise, HOUR_COUNT) + generator.normal(0, 0.005)
        hours = np.flatnonzero(generator.random(HOUR_COUNT) > 0.002)
        volumes = np.round(total * noise, 3)
        frames.append(pd.DataFrame({"meter_id": f"{dma_id}-IN", "hour": hours, "volume_m3": volumes[hours]}))
    return pd.concat(frames, ignore_index=True)


def background(generator: np.random.Generator, demand: np.ndarray, share: float) -> np.ndarray:
    """Background leakage [m³ per hour]: a share of mean demand, drifting, and ∝ pressure^1.1, the pressure
    higher when demand is low."""
    walk = np.cumsum(generator.normal(0, 1, DAYS))
    walk = walk / (np.abs(walk).max() + 1e-9) * generator.uniform(0.05, 0.2)
    drift = np.exp(np.interp(np.arange(HOUR_COUNT) / 24, np.arange(DAYS), walk))
    pressure = 1 + generator.uniform(0.15, 0.35) * (1 - np.clip(demand / demand.mean(), 0, 2))
    return share * demand.mean() * drift * np.clip(pressure, 0.6, 1.5) ** 1.1


def mains_leak(generator: np.random.Generator, settings: CountySettings, meter_id: str, notes: Notes) -> np.ndarray:
    """Perhaps a leak of 0.1 to 0.8 m³/h on the DMA's mains (not a customer's), for 1 to 15 days or to the end."""
    flows = np.zeros(HOUR_COUNT)
    if generator.random() < settings.mains_leak_probability:
        first, rate = int(generator.integers(100, HOUR_COUNT - 100)), generator.uniform(0.1, 0.8)
        to_end = generator.random() < 0.5
        last = HOUR_COUNT - 1 if to_end else min(HOUR_COUNT - 1, first + int(generator.integers(24, 360)))
        flows[first : last + 1] = rate
        notes.note(meter_id, "mains_leak", first, last, f"{rate:.2f} m³/h")
    return flows

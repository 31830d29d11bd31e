"""A third synthetic county: two months of hourly water-meter readings from a Chinese county town.

Written apart from the other generators and from the detectors, to measure the
customer alarms on data nobody tuned them on (`benchmarks.third_county`).

The county runs from 15 September to 14 November 2025, over the National Day
and Mid-Autumn holiday (1–8 October, with Sunday 28 September and Saturday
11 October worked in its place). Three DMAs:

* ``CX`` (town west): six-storey blocks of flats, shops, restaurants, a
  primary school and a bathhouse;
* ``CD`` (town east): flats, older village-style houses, shops, a restaurant,
  a car wash and small workshops (a tofu maker, a machine shop, a laundry);
* ``XZ`` (a village inside the water company's network): village houses with
  yards, a shop or two, a restaurant and a workshop.

How use is built (volumes in litres while drawn, m³ once hourly):

* A household is a number of people of one routine (``worker``: out by
  08:00, often home for lunch and a nap, back at 18:00; ``elderly``: up at
  05:00, home all day, a nap after lunch, in bed by 21:00; ``family``: a
  grandparent at home and children at school), with students boarding at
  the county high school who come home at weekends, and a night-shift
  worker in some.
* Each day each person makes a number of draws per activity — flushes, hand
  and face washing, a shower (likelier on warm days: the temperature falls
  from 27 °C to 13 °C over the period), a share of the cooking — and the
  household cooks three meals, washes clothes every few days (in some
  households at 23:00 for the off-peak electricity tariff), mops now and
  then. Each draw has a time from the routine's windows for that kind of
  day (workday or rest day) and a volume. Households are thrifty or not
  (a factor 0.6–1.4 on every volume).
* Innocent night use: a reverse-osmosis purifier's reject water, a solar
  water heater filling at a set hour (some at 02:00), a rooftop tank behind
  a float valve with a dead band (the meter sees the tank refill, at up to
  0.9 m³/h, not the household's draws, often at night), the night-shift
  worker, a fish pond topped up overnight by a trickle, the tofu maker
  from 02:00.
* A village yard adds vegetables watered on dry days and livestock watered
  twice a day.
* Shops, restaurants, the school, the bathhouse, the car wash and the
  workshops follow opening hours and an hourly profile with gamma noise:
  shops and restaurants open 06:00–22:00 and close one weekday a week,
  restaurants are busier over the holiday (wedding banquets), the school
  uses nothing at weekends and over the holiday, the car wash nothing on
  rainy days, the bathhouse more as it turns cold.
* Calendar: households away over the holiday (a quarter of the flats,
  3–8 days), visiting relatives (more people), households away 2–25 days at
  a random time, some until the end, flats empty all along, migrant workers
  leaving the village after the holiday.

Meters: mechanical meters with 1 L, 10 L or 100 L registers that count
nothing of a steady flow below their starting flow (5–15 L/h) and 0–3 %
under otherwise; ultrasonic meters with a 0.1 L register. Four exports:
hourly cumulative indexes from an NB-IoT head end (English headings),
hourly volumes from ultrasonic meters (Chinese headings 表号, 采集时间,
用水量（m³）), hourly volumes from pulse-output meters on a LoRa network,
and a share of the village houses read once a day at midnight (冻结时间,
表读数, meter numbers with leading zeros). Readings get lost (0–4 % a
meter), a block's concentrator drops every meter for hours, some rows are
sent twice, some meters' clocks run a fixed hour off.

Each DMA's inflow meter measures the water that passed all its customers'
meters (what the registers missed included), background leakage that
follows pressure (higher at night, when demand is low), a leak on a main
in some DMAs, and noise of 0.5–2 %.

Injected episodes (``truth``: meter_id, kind, start, end, rate_m3_per_h,
detail), at most one a meter, on any customer meter: ``continuous_flow``
(leaks of 3–80 L/h behind the meter, steady, growing or a cistern refilling
every few minutes), ``burst`` (0.3–3 m³/h for 1–10 h), ``stuck`` (the
register stops for 5 days or more, often to the end), ``reverse`` (a meter
installed the wrong way round after a repair, or water siphoning back from
a rooftop tank while the mains are off, 2–48 h) and ``gap`` (no readings
for 12 h to 4 days). Times in truth are the times the meter's own clock
stamps. ``context`` says what else went on at a meter and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

START = pd.Timestamp("2025-09-15")
DAYS = 61
HOURS = DAYS * 24
PERIOD = "2025-09-15..2025-11-14"
HOLIDAY = (pd.Timestamp("2025-10-01"), pd.Timestamp("2025-10-09"))
"""National Day and Mid-Autumn, 1–8 October 2025 [start, end)."""
MAKEUP_WORKDAYS = (pd.Timestamp("2025-09-28"), pd.Timestamp("2025-10-11"))
WORK, REST, FESTIVAL = 0, 1, 2
LARGE_LEAK_M3_PER_H = 0.010
EPISODES = {"continuous_flow": 14, "burst": 8, "stuck": 6, "reverse": 5, "gap": 6}
"""Episodes injected per county, by kind."""

Window = tuple[float, float, float]
"""A time window of the day: centre [h], spread [h], weight."""

ELDERLY_TAP: list[Window] = [
    (5.3, 0.5, 0.28),
    (8.0, 1.0, 0.15),
    (11.2, 0.6, 0.22),
    (15.5, 1.0, 0.12),
    (18.0, 0.8, 0.16),
    (20.4, 0.4, 0.04),
    (2.5, 1.2, 0.03),
]
ELDERLY_SHOWER: list[Window] = [(16.0, 1.2, 0.6), (19.8, 0.6, 0.4)]
"""Retired people keep the same day on workdays and rest days."""

ROUTINES: dict[str, dict[str, tuple[list[Window], list[Window]]]] = {
    # routine → activity → (workday windows, rest-day windows)
    "worker": {
        "tap": (
            [(6.9, 0.5, 0.32), (12.3, 0.5, 0.14), (19.3, 1.2, 0.40), (22.6, 0.6, 0.11), (3.0, 1.5, 0.03)],
            [(8.6, 1.0, 0.30), (12.4, 1.4, 0.25), (19.5, 1.5, 0.35), (23.2, 0.8, 0.08), (3.0, 1.5, 0.02)],
        ),
        "shower": ([(21.5, 1.0, 0.85), (6.8, 0.4, 0.15)], [(21.8, 1.2, 0.8), (10.0, 1.5, 0.2)]),
    },
    "elderly": {
        "tap": (ELDERLY_TAP, ELDERLY_TAP),
        "shower": (ELDERLY_SHOWER, ELDERLY_SHOWER),
    },
    "family": {
        "tap": (
            [
                (6.6, 0.5, 0.30),
                (11.8, 0.6, 0.18),
                (17.5, 0.8, 0.15),
                (20.0, 1.0, 0.30),
                (22.0, 0.5, 0.05),
                (2.5, 1.5, 0.02),
            ],
            [(8.0, 1.0, 0.30), (12.0, 1.0, 0.22), (18.0, 1.2, 0.20), (20.3, 1.0, 0.23), (22.3, 0.6, 0.05)],
        ),
        "shower": ([(20.5, 0.8, 0.9), (7.0, 0.4, 0.1)], [(20.5, 1.0, 0.8), (15.0, 2.0, 0.2)]),
    },
}
NIGHT_SHIFT: list[Window] = [(1.5, 0.6, 0.7), (7.8, 0.5, 0.3)]


@dataclass(frozen=True)
class ThirdCounty:
    """A drawn county: its export files (name → rows as written), the truth, what else went on, the zones, the
    premises, and the hourly volumes behind them (premise × hour, m³: what flowed through each meter and what
    its register counted, in true time)."""

    files: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    context: pd.DataFrame
    zones: pd.DataFrame
    premises: pd.DataFrame
    flowed: np.ndarray = field(repr=False)
    registered: np.ndarray = field(repr=False)


# --- calendar ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    day_kind: np.ndarray
    """WORK, REST or FESTIVAL per day."""
    temperature: np.ndarray
    rain: np.ndarray

    @property
    def rest(self) -> np.ndarray:
        return self.day_kind != WORK


def calendar(rng: np.random.Generator) -> Calendar:
    days = pd.date_range(START, periods=DAYS, freq="D")
    kind = np.where(days.day_of_week >= 5, REST, WORK)
    kind[days.isin(MAKEUP_WORKDAYS)] = WORK
    kind[(days >= HOLIDAY[0]) & (days < HOLIDAY[1])] = FESTIVAL
    trend = np.linspace(27.0, 13.0, DAYS)
    weather = np.convolve(rng.normal(0, 2.5, DAYS + 4), np.ones(5) / 5, mode="valid")
    rain = np.zeros(DAYS, dtype=bool)
    for day in range(DAYS):  # rainy spells: a wet day is followed by another more often than not
        rain[day] = rng.random() < (0.55 if day and rain[day - 1] else 0.18)
    return Calendar(kind, trend + weather[:DAYS] - 2.0 * rain, rain)


# --- drawing use --------------------------------------------------------------------------------------------------


def _times(rng: np.random.Generator, days: np.ndarray, windows: list[Window]) -> np.ndarray:
    """Hours since the start of the period of draws on `days`, each in one of the windows."""
    centres, spreads, weights = (np.array(values) for values in zip(*windows, strict=True))
    chosen = rng.choice(len(windows), size=len(days), p=weights / weights.sum())
    hour_of_day = np.mod(rng.normal(centres[chosen], spreads[chosen]), 24.0)
    return days * 24 + hour_of_day


def _add(hourly: np.ndarray, times: np.ndarray, litres: np.ndarray | float) -> None:
    np.add.at(hourly, np.minimum(times.astype(np.int64), HOURS - 1), np.broadcast_to(litres, times.shape) / 1000.0)


def _draws(
    rng: np.random.Generator,
    hourly: np.ndarray,
    counts: np.ndarray,
    windows: tuple[list[Window], list[Window]],
    rest: np.ndarray,
    litres: tuple[float, float],
) -> None:
    """`counts` draws a day, timed by the workday or rest-day windows, each of litres uniform in `litres`."""
    days = np.repeat(np.arange(DAYS), counts)
    if not len(days):
        return
    times = np.where(rest[days], _times(rng, days, windows[1]), _times(rng, days, windows[0]))
    _add(hourly, times, rng.uniform(*litres, size=len(days)))


def household_use(rng: np.random.Generator, home: pd.Series, cal: Calendar, people: np.ndarray) -> np.ndarray:
    """A household's hourly use [m³] from its people present each day (`people`, 0 when away)."""
    hourly = np.zeros(HOURS)
    routine = ROUTINES[home.routine]
    thrift = home.thrift
    present = people > 0
    cistern = home.cistern_l
    _draws(rng, hourly, rng.binomial(8 * people, 0.6), routine["tap"], cal.rest, (cistern * 0.9, cistern * 1.05))
    _draws(rng, hourly, rng.binomial(10 * people, 0.5), routine["tap"], cal.rest, (1.5 * thrift, 5.0 * thrift))
    shower_share = np.clip(0.35 + 0.025 * (cal.temperature - 15.0), 0.25, 0.85)
    _draws(rng, hourly, rng.binomial(people, shower_share), routine["shower"], cal.rest, (30 * thrift, 65 * thrift))
    meals: list[Window] = [(7.0, 0.4, 0.3), (11.6, 0.4, 0.3), (18.2, 0.6, 0.4)]
    if home.routine == "worker":
        meals = [(7.0, 0.4, 0.25), (12.0, 0.3, 0.2), (18.6, 0.5, 0.55)]
    _draws(rng, hourly, rng.binomial(6 * present, 0.8), (meals, meals), cal.rest, (4 * thrift, 14 * thrift))
    laundry_day = rng.random(DAYS) < np.minimum(0.25 + 0.08 * people, 0.8) * present
    laundry: list[Window] = [(23.0, 0.7, 1.0)] if home.off_peak else [(19.8, 1.0, 0.6), (9.5, 1.0, 0.4)]
    start = _times(rng, np.flatnonzero(laundry_day), laundry)
    for offset in (0.0, 0.45, 0.9):  # a machine's fills: wash and two rinses over an hour and a half
        _add(hourly, start + offset, rng.uniform(18, 30, size=len(start)))
    _draws(rng, hourly, rng.binomial(present.astype(np.int64), 0.3), (meals, meals), cal.rest, (8, 20))
    if home.night_shift:
        shifts = (~cal.rest & present).astype(np.int64)
        _draws(rng, hourly, shifts * 3, (NIGHT_SHIFT, NIGHT_SHIFT), cal.rest, (3, 25))
    if home.ro_purifier:  # reject water when the purifier refills its tank: after drawing, and once at night
        _draws(rng, hourly, rng.binomial(6 * present, 0.7), (meals, meals), cal.rest, (2, 5))
        night: list[Window] = [(2.0, 1.5, 1.0)]
        _draws(rng, hourly, rng.binomial(present.astype(np.int64), 0.5), (night, night), cal.rest, (3, 8))
    if home.solar_hour >= 0:  # a solar water heater's tank topped up at a set hour
        refill = present * rng.uniform(50, 140, DAYS) * thrift
        hours = np.arange(DAYS) * 24 + int(home.solar_hour)
        np.add.at(hourly, hours, refill / 1000.0)
    if home.kind == "village":
        watering = (~cal.rain) & present & (rng.random(DAYS) < 0.55)
        garden: list[Window] = [(7.0, 0.6, 0.5), (17.4, 0.6, 0.5)]
        _add(hourly, _times(rng, np.flatnonzero(watering), garden), rng.uniform(40, 160, int(watering.sum())))
        if home.livestock:
            feed: list[Window] = [(6.5, 0.4, 0.5), (17.0, 0.5, 0.5)]
            _draws(rng, hourly, 2 * present, (feed, feed), cal.rest, (15, 40))
    return hourly


def fish_pond_trickle(rng: np.random.Generator, present: np.ndarray) -> np.ndarray:
    """A fish pond topped up by a hose left trickling 20–60 L/h from about 22:00 to 05:00, a few nights a week
    [m³/h]: steady flow, which a mechanical meter may not count."""
    trickle = np.zeros(HOURS)
    rate = rng.uniform(0.020, 0.060)
    for day in np.flatnonzero(present & (rng.random(DAYS) < 0.35)).tolist():
        begin = day * 24 + 21 + int(rng.integers(0, 3))
        trickle[begin : min(begin + int(rng.integers(5, 9)), HOURS)] = rate
    return trickle


def through_float_valve(use: np.ndarray, capacity: float, dead_band: float, rate: float) -> np.ndarray:
    """What a rooftop tank's inlet draws from the meter [m³ an hour]: the valve opens once the tank is down by
    `dead_band` m³ and fills it at `rate` m³/h (faster at night, when pressure is high) until full."""
    inflow = np.zeros(HOURS)
    level, filling = capacity, False
    pressure = np.where(np.arange(HOURS) % 24 < 6, 1.3, 1.0)
    for hour in range(HOURS):
        level = max(level - use[hour], 0.0)
        filling = filling or level <= capacity - dead_band + 1e-9
        if filling:
            added = min(rate * pressure[hour], capacity - level)
            inflow[hour] = added
            level += added
            filling = level < capacity - 1e-9
    return inflow


PROFILES: dict[str, np.ndarray] = {
    # share of a day's use in each hour, by kind of premises (opening hours where nonzero)
    "shop": np.array([0, 0, 0, 0, 0, 0, 0, 3, 5, 6, 5, 5, 7, 6, 4, 4, 5, 5, 7, 7, 6, 5, 0, 0], float),
    "restaurant": np.array([0, 0, 0, 0, 0, 0, 6, 7, 4, 4, 8, 12, 10, 5, 3, 3, 6, 10, 12, 9, 5, 3, 0, 0], float),
    "school": np.array([0, 0, 0, 0, 0, 0, 0, 6, 8, 10, 12, 8, 14, 6, 8, 10, 12, 6, 0, 0, 0, 0, 0, 0], float),
    "bathhouse": np.array([0, 0, 0, 0, 0, 0, 0, 0, 14, 14, 3, 3, 4, 4, 5, 6, 8, 9, 10, 10, 9, 7, 4, 0], float),
    "car_wash": np.array([0, 0, 0, 0, 0, 0, 0, 0, 6, 10, 12, 12, 8, 8, 12, 12, 12, 8, 0, 0, 0, 0, 0, 0], float),
    "tofu": np.array([0, 0, 14, 16, 16, 14, 12, 10, 6, 0, 0, 0, 0, 0, 0, 0, 4, 8, 0, 0, 0, 0, 0, 0], float),
    "machining": np.array([0, 0, 0, 0, 0, 0, 0, 0, 10, 10, 10, 10, 2, 6, 10, 10, 10, 10, 2, 0, 0, 0, 0, 0], float),
    "laundry": np.array([0, 0, 0, 0, 0, 0, 0, 0, 8, 10, 10, 10, 6, 8, 10, 10, 10, 8, 6, 4, 0, 0, 0, 0], float),
}
DAILY_M3 = {
    "shop": (0.05, 0.25),
    "restaurant": (0.8, 3.0),
    "school": (8.0, 20.0),
    "bathhouse": (8.0, 22.0),
    "car_wash": (2.0, 6.0),
    "tofu": (1.0, 2.5),
    "machining": (0.4, 1.2),
    "laundry": (2.0, 5.0),
}


def business_use(rng: np.random.Generator, premise: pd.Series, cal: Calendar) -> np.ndarray:
    """A business's hourly use [m³]: a day's volume spread by its profile, with gamma noise on each hour."""
    kind = premise.kind
    daily = rng.uniform(*DAILY_M3[kind]) * rng.lognormal(0.0, 0.25, DAYS)
    weekday = pd.date_range(START, periods=DAYS, freq="D").day_of_week.to_numpy()
    open_day = np.ones(DAYS, dtype=bool)
    if kind in ("shop", "restaurant"):
        open_day = weekday != premise.closed_weekday
        if kind == "restaurant":
            daily = daily * np.where(cal.day_kind == FESTIVAL, 1.6, np.where(cal.rest, 1.2, 1.0))
    elif kind == "school":
        open_day = cal.day_kind == WORK
    elif kind == "car_wash":
        open_day = ~cal.rain
        daily = daily * np.where(cal.rest, 1.5, 1.0)
    elif kind == "bathhouse":
        daily = daily * np.clip(1.0 + 0.05 * (20.0 - cal.temperature), 0.6, 1.8)
    elif kind in ("machining", "laundry"):
        open_day = cal.day_kind == WORK
    profile = PROFILES[kind] / PROFILES[kind].sum()
    shape = 1.5 if kind in ("shop", "car_wash") else 4.0
    noise = rng.gamma(shape, 1.0 / shape, (DAYS, 24))
    if kind == "shop":
        noise *= rng.random((DAYS, 24)) < 0.6
    return (daily[:, None] * open_day[:, None] * profile[None, :] * noise).ravel()


# --- premises -----------------------------------------------------------------------------------------------------

LAYOUT: dict[str, dict[str, tuple[int, int]]] = {
    # DMA → kind of premises → (fewest, most)
    "CX": {"flat": (150, 200), "shop": (5, 7), "restaurant": (2, 3), "school": (1, 1), "bathhouse": (1, 1)},
    "CD": {
        "flat": (70, 100),
        "village": (30, 45),
        "shop": (3, 5),
        "restaurant": (1, 2),
        "car_wash": (1, 1),
        "tofu": (1, 1),
        "machining": (1, 1),
        "laundry": (1, 1),
    },
    "XZ": {"village": (90, 130), "shop": (1, 2), "restaurant": (1, 1), "tofu": (0, 1)},
}
FLATS_PER_BUILDING = 24
"""Six storeys, two stairwells, two flats a landing; one concentrator a building."""
HOUSES_PER_CONCENTRATOR = 40


def _flag(rng: np.random.Generator, share: float) -> bool:
    return bool(rng.random() < share)


def premises(rng: np.random.Generator) -> pd.DataFrame:
    """The county's customer premises and their meters."""
    rows: list[dict[str, object]] = []
    serial = 0
    for dma_id, kinds in LAYOUT.items():
        for kind, (fewest, most) in kinds.items():
            for number in range(int(rng.integers(fewest, most + 1))):
                serial += 1
                rows.append(_premise(rng, dma_id, kind, number, serial))
    return pd.DataFrame(rows)


def _premise(rng: np.random.Generator, dma_id: str, kind: str, number: int, serial: int) -> dict[str, object]:
    row: dict[str, object] = {"dma_id": dma_id, "kind": kind}
    if kind == "flat":
        building, place = divmod(number, FLATS_PER_BUILDING)
        storey, flat = divmod(place, 4)
        meter_id = f"{dma_id}-B{building + 1:02d}-{flat // 2 + 1}{storey + 1}{flat % 2 + 1:02d}"
        block, top = f"{dma_id}-B{building + 1:02d}", storey == 5
        routine = rng.choice(["worker", "elderly", "family"], p=[0.55, 0.25, 0.20])
    elif kind == "village":
        meter_id = f"{dma_id}-V{number + 1:03d}"
        block, top = f"{dma_id}-C{number // HOUSES_PER_CONCENTRATOR + 1}", True
        routine = rng.choice(["worker", "elderly", "family"], p=[0.2, 0.45, 0.35])
    else:
        meter_id = f"{dma_id}-{kind.upper().replace('_', '')}{number + 1}"
        block, top, routine = f"{dma_id}-BIZ", False, "business"
    household = kind in ("flat", "village")
    persons = {"worker": rng.integers(1, 5), "elderly": rng.integers(1, 3), "family": rng.integers(3, 7)}
    row.update(
        meter_id=meter_id,
        block=block,
        routine=str(routine),
        persons=int(persons.get(str(routine), 0)),
        students=int(household and routine != "elderly" and _flag(rng, 0.3)),
        thrift=float(rng.uniform(0.6, 1.4)),
        cistern_l=float(rng.choice([6.0, 9.0, 12.0], p=[0.5, 0.35, 0.15] if kind == "flat" else [0.2, 0.4, 0.4])),
        off_peak=household and _flag(rng, 0.25),
        night_shift=household and routine == "worker" and _flag(rng, 0.08),
        ro_purifier=household and _flag(rng, 0.3 if kind == "flat" else 0.1),
        solar_hour=int(rng.choice([2, 7, 17, 18, 21])) if household and _flag(rng, 0.45 if top else 0.05) else -1,
        float_tank=kind == "village" and _flag(rng, 0.4),
        livestock=kind == "village" and _flag(rng, 0.4),
        fish_pond=kind == "village" and _flag(rng, 0.08),
        closed_weekday=int(rng.integers(0, 7)),
        vacant=kind == "flat" and _flag(rng, 0.07),
    )
    row.update(_meter(rng, kind))
    if row["export"] == "daily_index":
        row["meter_id"] = f"0{serial:09d}"  # the village head end numbers its meters, leading zeros and all
    return row


def _meter(rng: np.random.Generator, kind: str) -> dict[str, object]:
    """A premises' meter: export, register step [m³], starting flow [m³/h], share under-registered, clock."""
    if kind == "flat":
        export = str(rng.choice(["nbiot_index", "ultrasonic_volume", "lora_volume"], p=[0.5, 0.3, 0.2]))
    elif kind == "village":
        export = str(rng.choice(["nbiot_index", "daily_index"], p=[0.6, 0.4]))
    elif kind == "bathhouse":
        export = "lora_volume"
    else:
        export = "nbiot_index"
    if export == "ultrasonic_volume":
        resolution, starting, under = 0.0001, 0.001, float(rng.uniform(-0.005, 0.005))
    else:
        steps = {"nbiot_index": ([0.001, 0.01], [0.7, 0.3]), "lora_volume": ([0.01, 0.1], [0.6, 0.4])}
        values, weights = steps.get(export, ([0.001], [1.0]))
        resolution, starting = float(rng.choice(values, p=weights)), rng.uniform(0.005, 0.015)
        under = float(rng.uniform(0.0, 0.03))
    hourly = export != "daily_index"
    return {
        "export": export,
        "resolution_m3": resolution,
        "starting_flow_m3_per_h": float(starting),
        "under_registration": under,
        "clock_offset_h": int(rng.choice([-1, 1])) if hourly and _flag(rng, 0.03) else 0,
        "first_index_m3": float(rng.uniform(20.0, 900.0)),
    }


# --- who is at home -----------------------------------------------------------------------------------------------


def people_present(
    rng: np.random.Generator, home: pd.Series, cal: Calendar, context: list[dict[str, object]]
) -> np.ndarray:
    """People at home each day, and (in `context`) why not the usual number: vacant, away, over the holiday
    away or with visitors, a migrant worker gone back to the city."""
    day = np.arange(DAYS)
    people = np.full(DAYS, home.persons, dtype=np.int64) + home.students * cal.rest

    def note(what: str, first: int, last: int) -> None:
        context.append({"meter_id": home.meter_id, "what": what, "start": _day(first), "end": _day(last)})

    if home.vacant:
        note("vacant", 0, DAYS)
        return np.zeros(DAYS, dtype=np.int64)
    holiday_first = int((HOLIDAY[0] - START).days)
    if _flag(rng, 0.25 if home.kind == "flat" else 0.08):
        first = holiday_first + int(rng.integers(-1, 3))
        last = first + int(rng.integers(3, 9))
        people[first:last] = 0
        note("holiday_away", first, last)
    elif _flag(rng, 0.15 if home.kind == "flat" else 0.3):
        first = holiday_first + int(rng.integers(-2, 3))
        last = first + int(rng.integers(3, 9))
        people[first:last] += int(rng.integers(1, 5))
        note("visitors", first, last)
    if _flag(rng, 0.10):
        first = int(rng.integers(0, DAYS - 2))
        last = min(first + int(rng.integers(2, 26)), DAYS)
        people[first:last] = 0
        note("away", first, last)
    if home.kind == "village" and home.routine != "elderly" and _flag(rng, 0.12):
        first = holiday_first + int(rng.integers(5, 10))
        people[day >= first] = np.maximum(people[day >= first] - int(rng.integers(1, 3)), 0)
        note("migrant_left", first, DAYS)
    return people


def _day(day: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=day)


def _hour(hour: int) -> pd.Timestamp:
    return START + pd.Timedelta(hours=hour)


# --- episodes -----------------------------------------------------------------------------------------------------


@dataclass
class Flows:
    """Hourly volumes of every premises (premises × hour, m³): ``use`` drawn at taps and appliances (counted by
    any meter), ``trickle`` steady flow (counted by a mechanical meter only from its starting flow)."""

    use: np.ndarray
    trickle: np.ndarray
    gaps: list[tuple[int, int, int]] = field(default_factory=list)
    """(premises, first hour, end hour) without readings."""


def leak_flow(rng: np.random.Generator, detail: str, rate: float, first_rate: float, hours: int) -> np.ndarray:
    """A leak's hourly volumes [m³]: ``steady`` at `rate` m³/h, ``growing`` linearly from `first_rate` to
    `rate`, or a ``cistern`` whose valve lets 1.5–3 L in every so often, `rate` m³/h on average."""
    if detail == "steady":
        return np.full(hours, rate)
    if detail == "growing":
        return np.linspace(first_rate, rate, hours)
    refill = rng.uniform(0.0015, 0.003)
    refills = np.floor(np.arange(1, hours + 1) * rate / refill + rng.uniform(0, 1))
    return np.diff(refills, prepend=np.floor(rng.uniform(0, 1))) * refill


def inject(rng: np.random.Generator, table: pd.DataFrame, flows: Flows) -> pd.DataFrame:
    """Draw the episodes (at most one a meter; no stuck or reversed meter in an empty flat) and add the leaks
    and bursts to `flows`, the gaps to its list; the truth. `register` then stops and reverses the registers."""
    rows = []
    taken: set[int] = set()
    for kind, number in EPISODES.items():
        allowed = np.flatnonzero(~table.vacant.to_numpy() | (kind in ("continuous_flow", "gap")))
        choices = [index for index in rng.permutation(allowed) if index not in taken][:number]
        for index in choices:
            taken.add(int(index))
            rows.append(_episode(rng, kind, int(index), table.iloc[index], flows))
    truth = pd.DataFrame(rows)
    offsets = pd.to_timedelta(table.clock_offset_h.to_numpy()[truth.premises], unit="h")
    return truth.assign(start=truth.start + offsets, end=truth.end + offsets)


def _episode(rng: np.random.Generator, kind: str, index: int, premise: pd.Series, flows: Flows) -> dict[str, object]:
    daily = premise.export == "daily_index"
    rate, detail = 0.0, ""
    if kind == "continuous_flow":
        detail = str(rng.choice(["steady", "growing", "cistern"], p=[0.5, 0.25, 0.25]))
        first = int(rng.integers(0, HOURS - 72))
        end = HOURS if _flag(rng, 0.4) else min(first + int(rng.integers(48, 30 * 24)), HOURS)
        rate = float(np.exp(rng.uniform(np.log(0.003), np.log(0.080))))
        first_rate = float(rng.uniform(0.002, 0.006))
        if detail == "growing":
            rate = float(np.exp(rng.uniform(np.log(0.008), np.log(0.080))))
        volumes = leak_flow(rng, detail, rate, first_rate, end - first)
        target = flows.use if detail == "cistern" else flows.trickle
        target[index, first:end] += volumes
    elif kind == "burst":
        first = int(rng.integers(0, HOURS - 10))
        end = first + int(rng.integers(1, 11))
        rate = float(rng.uniform(0.3, 3.0))
        detail = str(rng.choice(["yard pipe", "hose left open", "heater valve"]))
        flows.use[index, first:end] += rate
    elif kind == "stuck":
        first = int(rng.integers(0, HOURS - 5 * 24))
        end = HOURS if _flag(rng, 0.6) else int(rng.integers(first + 5 * 24, HOURS + 1))
    elif kind == "reverse":
        first = int(rng.integers(0, HOURS - 48))
        if premise.float_tank:
            detail = "back-siphon"
            end = first + int(rng.integers(2, 9))
            rate = float(rng.uniform(0.05, 0.4))
        else:  # a meter put back the wrong way round, until someone notices: drawn again until water flowed
            detail = "installed reversed"
            for _ in range(50):
                first = int(rng.integers(0, HOURS - 48))
                end = first + int(rng.integers(2, 49))
                rate = float(flows.use[index, first:end].mean() + flows.trickle[index, first:end].mean())
                if rate >= 0.003:
                    break
    else:
        if daily:
            first = int(rng.integers(1, DAYS - 5)) * 24
            end = first + int(rng.integers(1, 5)) * 24
        else:
            first = int(rng.integers(0, HOURS - 96))
            end = first + int(rng.integers(12, 97))
        flows.gaps.append((index, first, end))
    return {
        "meter_id": premise.meter_id,
        "kind": kind,
        "start": _hour(first),
        "end": _hour(end),
        "rate_m3_per_h": rate,
        "detail": detail,
        "export": premise.export,
        "premises": index,
        "first_hour": first,
        "end_hour": end,
    }


def register(table: pd.DataFrame, flows: Flows, truth: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """What flowed through each meter and what its register counted, hour by hour [m³]: a mechanical meter
    misses a steady flow below its starting flow and a few per cent of the rest; a stuck register counts
    nothing; a reversed meter counts its flow backwards; water siphoning back from a tank runs it backwards."""
    starting = table.starting_flow_m3_per_h.to_numpy()[:, None]
    counted = 1.0 - table.under_registration.to_numpy()[:, None]
    flowed = flows.use + flows.trickle
    registered = counted * (flows.use + np.where(flows.trickle >= starting, flows.trickle, 0.0))
    for episode in truth.itertuples(index=False):
        span = slice(episode.first_hour, episode.end_hour)
        if episode.kind == "stuck":
            registered[episode.premises, span] = 0.0
        elif episode.kind == "reverse" and episode.detail == "back-siphon":
            flowed[episode.premises, span] = -episode.rate_m3_per_h
            registered[episode.premises, span] = -episode.rate_m3_per_h * counted[episode.premises, 0]
        elif episode.kind == "reverse":
            registered[episode.premises, span] = -registered[episode.premises, span]
    return flowed, registered


# --- exports ------------------------------------------------------------------------------------------------------

HEADINGS = {
    "nbiot_index": ("meter_id", "timestamp", "index_m3"),
    "ultrasonic_volume": ("表号", "采集时间", "用水量（m³）"),
    "lora_volume": ("meter_id", "timestamp", "volume_m3"),
    "daily_index": ("表号", "冻结时间", "表读数"),
}
"""Each head end's columns: meter, time, value."""
FILE_NAMES = {
    "nbiot_index": "nbiot_hourly_index.csv",
    "ultrasonic_volume": "ultrasonic_hourly_volume.csv",
    "lora_volume": "lora_hourly_volume.csv",
    "daily_index": "village_daily_index.csv",
}


def lost_hours(
    rng: np.random.Generator, table: pd.DataFrame, flows: Flows, context: list[dict[str, object]]
) -> np.ndarray:
    """Which hourly readings never arrive (premises × reading): lost now and then, a concentrator down for
    hours (a building's LoRa and ultrasonic meters, or every NB-IoT meter of a DMA when its cell is down), the
    injected gaps."""
    lost = np.zeros((len(table), HOURS + 1), dtype=bool)
    share = rng.choice([0.002, 0.01, 0.04], size=len(table), p=[0.7, 0.25, 0.05]) * rng.random(len(table))
    lost |= rng.random(lost.shape) < share[:, None]
    networks = np.where(table.export == "nbiot_index", table.dma_id + "-NB", table.block)
    for network in np.unique(networks):
        if network.endswith("-BIZ"):
            continue
        members = np.flatnonzero(networks == network)
        for _ in range(int(rng.choice([0, 1, 2], p=[0.6, 0.3, 0.1]))):
            first = int(rng.integers(0, HOURS - 24))
            end = first + int(rng.integers(2, 25))
            lost[members, first:end] = True
            for member in members:
                context.append({"meter_id": table.meter_id.iloc[member], "what": "outage", "start": _hour(first),
                                "end": _hour(end)})  # fmt: skip
    for index, first, end in flows.gaps:
        lost[index, first:end] = True
    return lost


def exports(
    rng: np.random.Generator, table: pd.DataFrame, registered: np.ndarray, lost: np.ndarray
) -> dict[str, pd.DataFrame]:
    """The head ends' files: each meter's register read hourly (an index, or the volume since the reading
    before) or at midnight, as its clock stamps it, less the readings lost, some rows sent twice."""
    cumulative = table.first_index_m3.to_numpy()[:, None] + np.concatenate(
        [np.zeros((len(table), 1)), np.cumsum(registered, axis=1)], axis=1
    )
    steps = table.resolution_m3.to_numpy()[:, None]
    index = np.floor(cumulative / steps + 1e-6) * steps
    instants = START + pd.to_timedelta(np.arange(HOURS + 1), unit="h")
    files = {}
    for export, name in FILE_NAMES.items():
        members = np.flatnonzero(table.export.to_numpy() == export)
        frames = []
        for member in members:
            offset = pd.Timedelta(hours=int(table.clock_offset_h.iloc[member]))
            if export == "daily_index":
                kept = np.arange(0, HOURS + 1, 24)
                kept = kept[~lost[member, kept]]
                values = index[member, kept]
            elif export == "nbiot_index":
                kept = np.flatnonzero(~lost[member])
                values = index[member, kept]
            else:
                kept = np.flatnonzero(~lost[member, :HOURS])
                values = np.diff(index[member])[kept]
            frames.append(
                pd.DataFrame({"meter": table.meter_id.iloc[member], "time": instants[kept] + offset, "value": values})
            )
        rows = pd.concat(frames, ignore_index=True)
        repeated = rows.sample(frac=0.002, random_state=int(rng.integers(1 << 31)))
        rows = pd.concat([rows, repeated]).sort_index(kind="stable").reset_index(drop=True)
        rows["time"] = rows.time.dt.strftime("%Y-%m-%d %H:%M:%S")
        files[name] = rows.set_axis(list(HEADINGS[export]), axis=1)
    return files


def inflow(
    rng: np.random.Generator, table: pd.DataFrame, flowed: np.ndarray, context: list[dict[str, object]]
) -> pd.DataFrame:
    """Each DMA's inflow meter, hourly volumes stamped with their offset: the water through its customers' meters
    (counted or not), background leakage that follows pressure (N1 = 1.15; pressure falls with the square of
    demand), a leak on a main in some DMAs, and meter noise of 0.5–2 %."""
    instants = START + pd.to_timedelta(np.arange(HOURS), unit="h")
    frames = []
    for dma_id in LAYOUT:
        demand = flowed[table.dma_id.to_numpy() == dma_id].sum(axis=0)
        pressure = 1.0 - 0.35 * (demand / demand.max()) ** 2
        volumes = demand + rng.uniform(0.08, 0.20) * demand.mean() * pressure**1.15
        meter_id = f"{dma_id}-IN"
        if _flag(rng, 0.5):
            first = int(rng.integers(72, HOURS - 48))
            end = HOURS if _flag(rng, 0.4) else min(first + int(rng.integers(48, 15 * 24)), HOURS)
            volumes[first:end] += rng.uniform(0.4, 2.5) * np.sqrt(pressure[first:end])
            context.append({"meter_id": meter_id, "what": "mains_leak", "start": _hour(first), "end": _hour(end)})
        volumes = volumes * (1.0 + rng.normal(0.0, rng.uniform(0.005, 0.02), HOURS))
        index = np.floor(np.concatenate([[0.0], np.cumsum(volumes)]) / 0.001 + 1e-6) * 0.001
        frames.append(pd.DataFrame({"meter_id": meter_id, "timestamp": instants, "volume_m3": np.diff(index)}))
    rows = pd.concat(frames, ignore_index=True)
    return rows.assign(timestamp=rows.timestamp.dt.strftime("%Y-%m-%dT%H:%M:%S+08:00"))


# --- the county ---------------------------------------------------------------------------------------------------


def generate(seed: int) -> ThirdCounty:
    """Draw the county of `seed`."""
    rng = np.random.default_rng([seed, 3003])
    cal = calendar(rng)
    table = premises(rng)
    context: list[dict[str, object]] = []
    use = np.zeros((len(table), HOURS))
    trickle = np.zeros((len(table), HOURS))
    for index in range(len(table)):
        premise = table.iloc[index]
        if premise.kind in ("flat", "village"):
            people = people_present(rng, premise, cal, context)
            hourly = household_use(rng, premise, cal, people)
            if premise.fish_pond:
                trickle[index] = fish_pond_trickle(rng, people > 0)
            if premise.float_tank:
                capacity = float(rng.uniform(0.5, 1.5))
                hourly = through_float_valve(
                    hourly, capacity, capacity * float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.4, 0.9))
                )
            use[index] = hourly
        else:
            use[index] = business_use(rng, premise, cal)
    flows = Flows(use, trickle)
    truth = inject(rng, table, flows)
    flowed, registered = register(table, flows, truth)
    lost = lost_hours(rng, table, flows, context)
    files = exports(rng, table, registered, lost)
    files["dma_inflow.csv"] = inflow(rng, table, flowed, context)
    context.extend(_circumstances(table, cal))
    zones = pd.concat(
        [
            table[["meter_id", "dma_id"]].assign(role="customer"),
            pd.DataFrame({"meter_id": [f"{dma}-IN" for dma in LAYOUT], "dma_id": list(LAYOUT), "role": "inflow"}),
        ],
        ignore_index=True,
    )
    return ThirdCounty(files, truth, pd.DataFrame(context), zones, table, flowed, registered)


def _circumstances(table: pd.DataFrame, cal: Calendar) -> list[dict[str, object]]:
    """What goes on at a meter all along (its kind of business, a rooftop tank, a fish pond, a night-shift
    worker, a purifier, a solar heater filling at night, a daily read, a coarse register, a clock an hour off)
    and the days a business is shut."""
    rows: list[dict[str, object]] = []
    whole = (START, START + pd.Timedelta(hours=HOURS + 1))
    weekday = pd.date_range(START, periods=DAYS, freq="D").day_of_week.to_numpy()
    for premise in table.itertuples(index=False):
        whats = []
        if premise.kind not in ("flat", "village"):
            whats.append(f"business {premise.kind}")
        whats += [name for name in ("float_tank", "fish_pond", "night_shift", "ro_purifier", "livestock")
                  if getattr(premise, name)]  # fmt: skip
        if 0 <= premise.solar_hour < 6:
            whats.append("night_solar_fill")
        if premise.export == "daily_index":
            whats.append("daily_read")
        if premise.resolution_m3 >= 0.01:
            whats.append("coarse_register")
        if premise.clock_offset_h:
            whats.append("clock_off")
        rows += [{"meter_id": premise.meter_id, "what": what, "start": whole[0], "end": whole[1]} for what in whats]
        closed = np.zeros(DAYS, dtype=bool)
        if premise.kind in ("shop", "restaurant"):
            closed = weekday == premise.closed_weekday
        elif premise.kind in ("school", "machining", "laundry"):
            closed = cal.day_kind != WORK
        elif premise.kind == "car_wash":
            closed = cal.rain
        rows += [{"meter_id": premise.meter_id, "what": "closed", "start": _day(day), "end": _day(day + 1)}
                 for day in np.flatnonzero(closed).tolist()]  # fmt: skip
    return rows

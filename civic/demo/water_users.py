"""The demo county's water users and their meters, drawn from a seeded random generator.

Every draw comes from the `random.Random` handed in, in a fixed order, so the
register is the same on every run. WJ0001 is Runhua Dyeing in 湖塘镇 and
WJ0002 Xinglong Steel in 牛塘镇, as in the test suite's cast.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from civic.core.models import Region
from civic.demo.regions import TOWNS, TownSpec
from civic.demo.water_catalogue import (
    BRAND_FIRST,
    BRAND_SECOND,
    BRAND_THIRD,
    CATEGORIES,
    GIVEN_NAMES,
    RESERVED_BRANDS,
    ROADS,
    SURNAMES,
    UserCategory,
)
from civic.water.models import Industry, Meter, PlannedUseStatus, WaterSource, WaterUser, WaterUserKind

PLANNED_KINDS = (WaterUserKind.ENTERPRISE, WaterUserKind.PUBLIC_INSTITUTION)
HOURS_PER_YEAR = 8_760
PEAK_FACTOR = 2.5  # peak hourly flow over mean hourly flow, for sizing meters
# Permanent flow Q3 per nominal size [m³/h], typical of ISO 4064 bulk meters.
PERMANENT_FLOW_BY_SIZE_M3_PER_H = (
    (50, 25),
    (65, 40),
    (80, 63),
    (100, 100),
    (150, 250),
    (200, 400),
    (250, 630),
    (300, 1000),
)
SMALL_CAPACITY_M3 = 1_000_000
LARGE_CAPACITY_M3 = 10_000_000
LARGE_METER_SIZE_MM = 150
SUB_METERED_SHARE = 0.3
SUB_METERING_MINIMUM_M3 = 100_000
REPLACED_POSITIONS = ((4, datetime.date(2024, 6, 18)), (11, datetime.date(2025, 3, 12)))
WATER_SOURCE_VALUES = (WaterSource.PUBLIC_SUPPLY, WaterSource.SURFACE, WaterSource.GROUNDWATER, WaterSource.RECLAIMED)
READINGS_START = datetime.date(2023, 1, 1)


@dataclass
class Surge:
    """A few months of extra use (a new line, a hidden leak) that push a user over its plan."""

    first_month_index: int
    month_count: int
    factor: float


@dataclass
class DemoMeter:
    meter: Meter
    share: float  # of the user's use (billing meters) or of the parent's use (sub-meters)
    index_at_start_m3: float  # index on 2023-01-01
    parent: DemoMeter | None = None
    replaced_on: datetime.date | None = None
    replacement: DemoMeter | None = None


@dataclass
class DemoUser:
    """A water user with what drives its simulated use."""

    water_user: WaterUser
    category: UserCategory
    annual_use_m3: float  # use in 2023
    growth_rate: float  # yearly, fraction
    surge: Surge | None
    meters: list[DemoMeter] = field(default_factory=list)


@dataclass(frozen=True)
class Slot:
    category: UserCategory
    town: TownSpec
    brand: str | None = None
    name: str | None = None  # a fixed name, for the two firms every demo and test knows


def brand_names(rng: random.Random) -> Iterator[str]:
    """Two-character brand names in a shuffled order, then three-character ones; endless, repeating."""
    pairs = [first + second for first, second in itertools.product(BRAND_FIRST, BRAND_SECOND) if first != second]
    pairs = [pair for pair in pairs if pair not in RESERVED_BRANDS]
    rng.shuffle(pairs)
    triples = [pair + third for third in BRAND_THIRD for pair in pairs]
    return itertools.cycle(pairs + triples)


def weighted_town(rng: random.Random, category: UserCategory) -> TownSpec:
    if not category.towns:
        return rng.choice(TOWNS)
    names = sorted(category.towns)
    name = rng.choices(names, weights=[category.towns[name] for name in names])[0]
    return next(town for town in TOWNS if town.name == name)


def category_slots(rng: random.Random, category: UserCategory, count: int) -> list[Slot]:
    if category.key == "town_halls":
        # One town or street office per town, in the towns' order.
        return [Slot(category, TOWNS[index % len(TOWNS)]) for index in range(count)]
    return [Slot(category, weighted_town(rng, category)) for _ in range(count)]


def register_slots(rng: random.Random, scale: int, user_count: int | None = None) -> list[Slot]:
    """Every user's category and town: Runhua and Xinglong first, the rest shuffled.

    With `user_count`, the register is cut down to that many users (for tests):
    Runhua, Xinglong and every water-saving enterprise stay, and the first of the
    other users in the shuffled order fill the remaining places.
    """
    runhua = Slot(category_by_key("cotton_dyeing"), town_by_name("湖塘镇"), "润华", "常州润华印染有限公司")
    xinglong = Slot(category_by_key("steelmaking"), town_by_name("牛塘镇"), "兴隆", "常州兴隆钢铁有限公司")
    slots: list[Slot] = []
    for category in CATEGORIES:
        count = category.count * scale - (1 if category.key in ("cotton_dyeing", "steelmaking") else 0)
        slots.extend(category_slots(rng, category, count))
    rng.shuffle(slots)
    if user_count is not None:
        slots = reduced_slots(slots, user_count - 2)
    return [runhua, xinglong, *slots]


def reduced_slots(slots: list[Slot], count: int) -> list[Slot]:
    """`count` of the slots in their order, keeping every water-saving enterprise."""
    savers = sum(1 for slot in slots if slot.category.water_saving_segment)
    if count < savers:
        raise ValueError(f"a reduced register needs at least {savers + 2} users: Runhua, Xinglong and the savers")
    others_left = count - savers
    kept = []
    for slot in slots:
        if slot.category.water_saving_segment:
            kept.append(slot)
        elif others_left > 0:
            kept.append(slot)
            others_left -= 1
    return kept


def minimum_user_count(scale: int) -> int:
    """The smallest reduced register: Runhua, Xinglong and the water-saving enterprises."""
    return 2 + scale * sum(category.count for category in CATEGORIES if category.water_saving_segment)


def category_by_key(key: str) -> UserCategory:
    return next(category for category in CATEGORIES if category.key == key)


def town_by_name(name: str) -> TownSpec:
    return next(town for town in TOWNS if town.name == name)


def user_name(slot: Slot, brand: str) -> str:
    if slot.name:
        return slot.name
    if slot.category.key == "town_halls":
        return f"{slot.town.name}办事处" if slot.town.name.endswith("街道") else f"{slot.town.name}人民政府"
    pattern = slot.category.name_patterns[sum(map(ord, brand)) % len(slot.category.name_patterns)]
    return pattern.format(brand=brand, town=slot.town.short_name)


def planned_use_status(kind: str) -> str:
    """Enterprises and institutions start as candidates: the yearly review by the county's listing threshold
    (`civic.water.actions.review_planned_use_list`) puts them on the list or not."""
    return PlannedUseStatus.CANDIDATE if kind in PLANNED_KINDS else PlannedUseStatus.NOT_LISTED


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    """A draw spread evenly over orders of magnitude: many small users, a few large ones."""
    return float(round(low * (high / low) ** rng.random()))


def draw_growth_rate(rng: random.Random) -> float:
    # Most users slowly save water; the spread leaves some growing past their plans.
    return min(max(rng.gauss(-0.05, 0.03), -0.15), 0.12)


def draw_surge(rng: random.Random, kind: str) -> Surge | None:
    if kind not in PLANNED_KINDS or rng.random() >= 0.08:
        return None
    return Surge(rng.randint(12, 33), rng.randint(2, 5), rng.uniform(1.15, 1.40))


def contact(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    return name, phone


def user_code(position: int, total: int) -> str:
    return f"WJ{position:0{max(4, len(str(total)))}d}"


def build_user(
    rng: random.Random, slot: Slot, brand: str, code: str, towns: dict[str, Region], industries: dict[str, Industry]
) -> DemoUser:
    category = slot.category
    annual_use_m3 = log_uniform(rng, *category.annual_use_range_m3)
    contact_name, contact_phone = contact(rng)
    water_user = WaterUser(
        code=code,
        name=user_name(slot, brand),
        kind=category.kind,
        industry=industries[category.industry_code] if category.industry_code else None,
        town=towns[slot.town.name],
        address=f"{slot.town.name}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
        contact_name=contact_name,
        contact_phone=contact_phone,
        water_sources=[source for source in WATER_SOURCE_VALUES if source in category.sources],
        planned_use_status=planned_use_status(category.kind),
        is_water_saving_enterprise=bool(category.water_saving_segment),
        water_saving_segment=category.water_saving_segment,
    )
    growth_rate = draw_growth_rate(rng)
    return DemoUser(water_user, category, annual_use_m3, growth_rate, draw_surge(rng, category.kind))


def build_users(
    rng: random.Random,
    scale: int,
    towns: dict[str, Region],
    industries: dict[str, Industry],
    user_count: int | None = None,
) -> list[DemoUser]:
    """Draw the whole register (unsaved): 600 users at scale 1, or `user_count` of them."""
    slots = register_slots(rng, scale, user_count)
    brands = brand_names(rng)
    users = []
    for position, slot in enumerate(slots, start=1):
        brand = slot.brand or next(brands)
        users.append(build_user(rng, slot, brand, user_code(position, len(slots)), towns, industries))
    return users


# --- Meters ------------------------------------------------------------------


def meter_size_mm(annual_use_m3: float) -> int:
    peak_flow_m3_per_h = annual_use_m3 / HOURS_PER_YEAR * PEAK_FACTOR
    for size_mm, permanent_flow in PERMANENT_FLOW_BY_SIZE_M3_PER_H:
        if permanent_flow >= peak_flow_m3_per_h:
            return size_mm
    return PERMANENT_FLOW_BY_SIZE_M3_PER_H[-1][0]


def index_capacity_m3(size_mm: int) -> float:
    return LARGE_CAPACITY_M3 if size_mm >= LARGE_METER_SIZE_MM else SMALL_CAPACITY_M3


def billing_meter_count(rng: random.Random, annual_use_m3: float) -> int:
    if annual_use_m3 < 50_000:
        return 1
    if annual_use_m3 < 500_000:
        return rng.randint(1, 2)
    return rng.randint(2, 3)


def split_shares(rng: random.Random, count: int, total: float) -> list[float]:
    weights = [rng.uniform(1.0, 3.0) for _ in range(count)]
    return [total * weight / sum(weights) for weight in weights]


def new_meter(
    rng: random.Random, user: DemoUser, serial: str, annual_use_m3: float, source: str, parent: DemoMeter | None
) -> DemoMeter:
    size_mm = meter_size_mm(annual_use_m3)
    capacity = index_capacity_m3(size_mm)
    installed_on = datetime.date(2010, 1, 1) + datetime.timedelta(days=rng.randrange(12 * 365))
    years_in_service = (READINGS_START - installed_on).days / 365
    meter = Meter(
        serial=serial,
        water_user=user.water_user,
        size_mm=size_mm,
        source=source,
        installed_on=installed_on,
        parent=parent.meter if parent else None,
        index_capacity_m3=capacity,
    )
    share = annual_use_m3 / (parent.share * user.annual_use_m3 if parent else user.annual_use_m3)
    index_at_start = float(round(annual_use_m3 * years_in_service * 0.9) % capacity)
    return DemoMeter(meter, share, index_at_start, parent)


def billing_meters(rng: random.Random, user: DemoUser) -> list[DemoMeter]:
    count = billing_meter_count(rng, user.annual_use_m3)
    sources = user.water_user.water_sources
    meters = []
    for number, share in enumerate(split_shares(rng, count, 1.0), start=1):
        # With two sources, the last meter measures the second one (e.g. river water at a steel works).
        source = sources[-1] if number == count and len(sources) > 1 else sources[0]
        serial = f"{user.water_user.code}-{number:02d}"
        meters.append(new_meter(rng, user, serial, user.annual_use_m3 * share, source, None))
    return meters


def sub_meters(rng: random.Random, user: DemoUser, parent: DemoMeter, force: bool) -> list[DemoMeter]:
    parent_use_m3 = user.annual_use_m3 * parent.share
    if not force and (parent_use_m3 < SUB_METERING_MINIMUM_M3 or rng.random() >= SUB_METERED_SHARE):
        return []
    count = 2 if force else rng.randint(1, 3)
    shares = split_shares(rng, count, rng.uniform(0.5, 0.85))
    return [
        new_meter(
            rng,
            user,
            f"{parent.meter.serial}{chr(ord('A') + index)}",
            parent_use_m3 * share,
            parent.meter.source,
            parent,
        )
        for index, share in enumerate(shares)
    ]


def replacement_meter(rng: random.Random, user: DemoUser, old: DemoMeter, replaced_on: datetime.date) -> DemoMeter:
    serial = f"{user.water_user.code}-{len(user.meters) + 1:02d}"
    initial_index = float(rng.randint(0, 5))  # a new meter leaves the factory with a few m³ of test water
    meter = Meter(
        serial=serial,
        water_user=user.water_user,
        size_mm=old.meter.size_mm,
        source=old.meter.source,
        installed_on=replaced_on,
        replaces=old.meter,
        initial_index_m3=initial_index,
        index_capacity_m3=old.meter.index_capacity_m3,
    )
    old.meter.removed_on = replaced_on
    old.replaced_on = replaced_on
    old.replacement = DemoMeter(meter, old.share, initial_index)
    return old.replacement


def plan_meters(rng: random.Random, users: Sequence[DemoUser]) -> None:
    """Give every user its billing meters, some sub-meters and two replaced meters (unsaved)."""
    replaced = dict(REPLACED_POSITIONS)
    for position, user in enumerate(users):
        user.meters = billing_meters(rng, user)
        first = user.meters[0]
        if position in replaced:
            user.meters.append(replacement_meter(rng, user, first, replaced[position]))
        else:
            user.meters.extend(sub_meters(rng, user, first, force=position == 0))
